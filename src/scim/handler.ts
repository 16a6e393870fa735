/**
 * The framework-free SCIM 2.0 endpoint of one tenant's directory (RFC 7644): a plain request in,
 * a plain response out. Authentication, routing, JSON, errors as SCIM error responses.
 *
 * @module
 */
import type { Clock } from '../types.js';
import { SamlError } from '../errors.js';
import { currentTime } from '../internal/time.js';
import type { TenantStore } from '../store/types.js';
import {
  create,
  etagOf,
  load,
  loadAll,
  loadByKey,
  patch,
  remove,
  replace,
  representation,
  type Context,
  type Loaded,
} from './directory.js';
import type { DirectoryEventHandler } from './events.js';
import { invalid, notFound, ScimFault } from './fault.js';
import { indexedKey, matches, parseFilter } from './filter.js';
import {
  ERROR_SCHEMA,
  LIST_SCHEMA,
  resourceFromBody,
  type Json,
  type JsonObject,
  type ResourceKind,
} from './schema.js';
import { discovery } from './discovery.js';
import type { DirectoryStore } from './store.js';
import { tokenAccepted } from './tokens.js';
import { isWellFormed } from '../internal/text.js';

/** The content type of every SCIM body (RFC 7644 §3.1). */
export const SCIM_CONTENT_TYPE = 'application/scim+json';
/** Largest request body accepted, in bytes of UTF-8 (RFC 7644 §3.12 `tooLarge`… answered 413). */
export const MAX_SCIM_BODY_BYTES = 1024 * 1024;
/** Results per page when the request names no `count`, and the most it may name. */
export const DEFAULT_SCIM_PAGE_SIZE = 100;
/** The most results one page holds, whatever `count` asks. */
export const MAX_SCIM_PAGE_SIZE = 200;

/** A SCIM request, reduced to what the handler reads; the app's router fills it in. */
export interface ScimRequest {
  /** The tenant whose directory this is, from the app's route (e.g. `/scim/v2/:tenant/...`). */
  readonly tenantId: string;
  /** The HTTP method. */
  readonly method: string;
  /** The path below the SCIM base URL: `/Users`, `/Users/<id>`, `/Groups`, `/Schemas`, … */
  readonly path: string;
  /** The query parameters (`filter`, `startIndex`, `count`, `attributes`, `excludedAttributes`). */
  readonly query?: Readonly<Record<string, unknown>>;
  /** The request headers, names in any case (Node's `req.headers` fits). */
  readonly headers?: Readonly<Record<string, unknown>>;
  /** The raw body text (not parsed: the handler caps and parses it). */
  readonly body?: unknown;
}

/** What to send back. */
export interface ScimResponse {
  /** The HTTP status. */
  readonly status: number;
  /** Response headers: `content-type`, and `etag`/`location` where they apply. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body (SCIM JSON), or `''` for 204. */
  readonly body: string;
  /** For the app's log: the refusal, when the request was refused (never sent to the client). */
  readonly error?: SamlError;
}

/** Options of {@link createScimHandler}. */
export interface ScimHandlerOptions {
  /** Where the tenants' directories live. */
  readonly directory: DirectoryStore;
  /** The tenant store: a tenant must exist (and its `roles` mapping gives the roles of events). */
  readonly tenants: Pick<TenantStore, 'get'>;
  /**
   * The absolute SCIM base URL of a tenant, e.g. `https://app.example.com/scim/v2/acme`, for
   * `meta.location` and the `Location` header (RFC 7644 §3.1). Without it they are left out.
   */
  readonly baseUrl?: (tenantId: string) => string;
  /** Receives each change after it is stored. */
  readonly onEvent?: DirectoryEventHandler;
  /** The clock. Default: the system clock. */
  readonly now?: Clock;
}

/** Handles one SCIM request; see {@link createScimHandler}. */
export type ScimHandler = (request: ScimRequest) => Promise<ScimResponse>;

/**
 * Creates the SCIM 2.0 service provider endpoint (RFC 7643, RFC 7644) for the tenants'
 * directories: `/Users` and `/Groups` (POST, GET, list with `filter`/`startIndex`/`count`, PUT,
 * PATCH, DELETE), `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`. Each request must carry
 * the tenant's bearer token ({@link createScimToken}). Bad input of any kind is answered with a
 * SCIM error response (`status`, `scimType`, `detail`), never thrown; only a failing store or
 * `onEvent` rejects. Put a rate limit in front of it (see docs/directory-sync.md).
 *
 * @example
 * ```ts
 * const scim = createScimHandler({
 *   directory,
 *   tenants: store,
 *   baseUrl: (tenantId) => `https://app.example.com/scim/v2/${tenantId}`,
 *   onEvent: async (event) => {
 *     if (event.type === 'user.deactivated') await sessions.revokeAll(event.tenantId, event.user.userName);
 *   },
 * });
 * app.all('/scim/v2/:tenant/*path', express.text({ type: '*\/*', limit: '1mb' }), async (req, res) => {
 *   const response = await scim({
 *     tenantId: req.params.tenant,
 *     method: req.method,
 *     path: req.path.slice(`/scim/v2/${req.params.tenant}`.length),
 *     query: req.query,
 *     headers: req.headers,
 *     body: req.body,
 *   });
 *   res.status(response.status).set(response.headers).send(response.body);
 * });
 * ```
 */
export function createScimHandler(options: ScimHandlerOptions): ScimHandler {
  const given: unknown = options;
  const fields = typeof given === 'object' && given !== null ? (given as Record<string, unknown>) : {};
  const directory = fields.directory as DirectoryStore | undefined;
  if (typeof directory?.get !== 'function' || typeof directory.insert !== 'function')
    throw new TypeError('options.directory must be a DirectoryStore');
  const maybeTenants = fields.tenants as ScimHandlerOptions['tenants'] | undefined;
  if (typeof maybeTenants?.get !== 'function') throw new TypeError('options.tenants must be a TenantStore');
  const tenants = maybeTenants;
  for (const name of ['baseUrl', 'onEvent', 'now'] as const) {
    if (fields[name] !== undefined && typeof fields[name] !== 'function')
      throw new TypeError(`options.${name} must be a function`);
  }
  const now = (): Date => currentTime(options.now, 'options.now');

  return async (request) => {
    try {
      return await handle(request);
    } catch (error) {
      if (error instanceof ScimFault)
        return errorResponse(error.status, error.scimType, error.message, error);
      if (error instanceof SamlError && error.code === 'DIRECTORY_CONFLICT')
        return errorResponse(409, undefined, error.message, error);
      throw error;
    }
  };

  async function handle(request: ScimRequest): Promise<ScimResponse> {
    const input: unknown = request;
    const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
    const { tenantId, method, path } = fields;
    const headers = recordOf(fields.headers);
    const query = recordOf(fields.query);
    if (typeof tenantId !== 'string' || tenantId === '' || tenantId.length > 1024 || !isWellFormed(tenantId))
      return unauthorized();
    const authorization = header(headers, 'authorization');
    const time = now();
    const tenant = await tenants.get(tenantId);
    if (
      tenant === undefined ||
      directory === undefined ||
      !(await tokenAccepted(directory, tenantId, authorization, time))
    )
      return unauthorized();
    if (typeof method !== 'string' || typeof path !== 'string')
      invalid('invalidSyntax', 'The request has no method or path');
    const verb = method.toUpperCase();
    const segments = path.split('/').filter((segment) => segment !== '');
    if (segments.length > 2) notFound('Endpoint');
    const [collection, id] = segments.map((segment) => safeDecode(segment));
    const base = options.baseUrl?.(tenantId);
    const context: Context = { tenantId, tenant, store: directory, now: time, onEvent: options.onEvent };

    const known = discovery(collection, id, base);
    if (known !== undefined) {
      if (verb !== 'GET') return methodNotAllowed();
      return known === null ? notFound('Schema or resource type') : json(200, known);
    }
    const kind: ResourceKind | undefined =
      collection?.toLowerCase() === 'users'
        ? 'User'
        : collection?.toLowerCase() === 'groups'
          ? 'Group'
          : undefined;
    if (kind === undefined) notFound('Endpoint');
    const location = (resourceId: string): string | undefined =>
      base === undefined
        ? undefined
        : `${base}/${kind === 'User' ? 'Users' : 'Groups'}/${encodeURIComponent(resourceId)}`;
    const view = (loaded: Loaded, status: number): ScimResponse => {
      const where = location(loaded.record.id);
      const shown = projected(representation(kind, loaded, where), query);
      return json(status, shown, {
        etag: etagOf(loaded.record),
        ...(status === 201 && where !== undefined && { location: where }),
      });
    };
    const ifMatch = header(headers, 'if-match');

    if (id === undefined) {
      if (verb === 'GET') return list(context, kind, query, location);
      if (verb === 'POST') {
        const resource = resourceFromBody(kind, parseBody(fields.body));
        return view(await create(context, kind, resource), 201);
      }
      return methodNotAllowed();
    }
    switch (verb) {
      case 'GET':
        return view(await load(context, kind, id), 200);
      case 'PUT':
        return view(
          await replace(context, kind, id, resourceFromBody(kind, parseBody(fields.body)), ifMatch),
          200,
        );
      case 'PATCH':
        return view(await patch(context, kind, id, parseBody(fields.body), ifMatch), 200);
      case 'DELETE':
        await remove(context, kind, id, ifMatch);
        return { status: 204, headers: {}, body: '' };
      default:
        return methodNotAllowed();
    }
  }
}

/** `GET /Users?filter=…&startIndex=…&count=…` (RFC 7644 §3.4.2). */
async function list(
  context: Context,
  kind: ResourceKind,
  query: Record<string, unknown>,
  location: (id: string) => string | undefined,
): Promise<ScimResponse> {
  const filterText = query.filter;
  if (filterText !== undefined && typeof filterText !== 'string')
    invalid('invalidFilter', 'filter must be given once');
  const startIndex = Math.max(1, integerOf(query.startIndex, 1));
  const count = Math.min(MAX_SCIM_PAGE_SIZE, Math.max(0, integerOf(query.count, DEFAULT_SCIM_PAGE_SIZE)));
  let found: Loaded[];
  if (filterText === undefined || filterText.trim() === '') {
    found = await loadAll(context, kind);
  } else {
    const filter = parseFilter(filterText);
    const key = indexedKey(filter, kind);
    if (key?.startsWith('id:') === true) {
      const record = await context.store.get(context.tenantId, kind, key.slice(3));
      found = record === undefined ? [] : [await load(context, kind, record.id)];
    } else if (key !== undefined) {
      const one = await loadByKey(context, kind, key);
      found = one === undefined ? [] : [one];
    } else {
      found = (await loadAll(context, kind)).filter((loaded) =>
        matches(filter, representation(kind, loaded, undefined)),
      );
    }
  }
  const page = found.slice(startIndex - 1, startIndex - 1 + count);
  return json(200, {
    schemas: [LIST_SCHEMA],
    totalResults: found.length,
    startIndex,
    itemsPerPage: page.length,
    Resources: page.map((loaded) =>
      projected(representation(kind, loaded, location(loaded.record.id)), query),
    ),
  });
}

/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), top-level names; `id`, `schemas`, `meta` stay. */
function projected(resource: JsonObject, query: Record<string, unknown>): JsonObject {
  const names = (value: unknown): string[] | undefined =>
    typeof value === 'string' && value !== ''
      ? value.split(',').map((name) => name.trim().split('.')[0]?.toLowerCase() ?? '')
      : undefined;
  const include = names(query.attributes);
  const exclude = names(query.excludedAttributes);
  if (include === undefined && exclude === undefined) return resource;
  const always = new Set(['id', 'schemas', 'meta']);
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(resource)) {
    const lower = name.toLowerCase();
    const keep =
      always.has(lower) || ((include?.includes(lower) ?? true) && !(exclude?.includes(lower) ?? false));
    if (keep) out[name] = value;
  }
  return out;
}

function parseBody(body: unknown): unknown {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
  else invalid('invalidSyntax', 'The request body must be the raw JSON text');
  if (Buffer.byteLength(text, 'utf8') > MAX_SCIM_BODY_BYTES)
    throw new ScimFault(
      'SCIM_REQUEST_INVALID',
      413,
      undefined,
      'The request body is too large',
      `A SCIM request body is at most ${MAX_SCIM_BODY_BYTES} bytes.`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch {
    invalid('invalidSyntax', 'The request body is not JSON');
  }
}

function integerOf(value: unknown, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !/^-?\d{1,9}$/u.test(value))
    invalid('invalidValue', 'startIndex and count must be whole numbers');
  return Number(value);
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
    return undefined;
  }
  return undefined;
}

function recordOf(value: unknown): Record<string, unknown> {
  if (value instanceof URLSearchParams) {
    const out: Record<string, unknown> = {};
    for (const key of new Set(value.keys())) {
      const all = value.getAll(key);
      out[key] = all.length === 1 ? all[0] : all;
    }
    return out;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function json(status: number, body: Json, extra: Record<string, string> = {}): ScimResponse {
  return { status, headers: { 'content-type': SCIM_CONTENT_TYPE, ...extra }, body: JSON.stringify(body) };
}

/** A SCIM error response (RFC 7644 §3.12). */
function errorResponse(
  status: number,
  scimType: string | undefined,
  detail: string,
  error: SamlError,
): ScimResponse {
  return {
    ...json(status, {
      schemas: [ERROR_SCHEMA],
      status: String(status),
      ...(scimType !== undefined && { scimType }),
      detail,
    }),
    error,
  };
}

function unauthorized(): ScimResponse {
  const error = new SamlError('SCIM_UNAUTHORIZED', 'The SCIM request has no valid bearer token', {
    hint: "Paste the tenant's current SCIM token into the IdP's provisioning settings (Entra ID: Secret Token; Okta: API Token), or create a new one.",
  });
  const response = errorResponse(401, undefined, 'Authorization failure', error);
  return { ...response, headers: { ...response.headers, 'www-authenticate': 'Bearer realm="SCIM"' } };
}

function methodNotAllowed(): ScimResponse {
  return errorResponse(
    405,
    undefined,
    'Method not allowed',
    new SamlError('SCIM_REQUEST_INVALID', 'The endpoint does not support this method', {
      hint: 'This SCIM server supports GET, POST, PUT, PATCH and DELETE on /Users and /Groups; bulk and /Me are not supported.',
    }),
  );
}
