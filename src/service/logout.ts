/**
 * The Single Logout steps of the service provider (SAML profiles §4.4): record the SAML session a
 * login opened, start an SP-initiated logout, finish it with the IdP's LogoutResponse, and answer
 * an IdP-initiated LogoutRequest. `createServiceProvider` wires them in.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';
import {
  createLogoutRequest,
  createLogoutResponse,
  logoutProblem,
  type LogoutMessage,
} from '../logout/create.js';
import { DEFAULT_MAX_LOGOUT_BYTES, decodeLogoutMessage, type LogoutMessageInput } from '../logout/decode.js';
import {
  parseLogoutMessage,
  readLogoutRequest,
  readLogoutResponse,
  type ParsedLogout,
  type VerifiedLogoutRequest,
} from '../logout/verify.js';
import type { SamlSession, SessionStore, StateStore, TenantStore } from '../store/types.js';
import { defineTenant, resolvedTenant, type Tenant } from '../tenant/define.js';
import type { SamlProfile } from '../types.js';
import { safeReturnTo } from './return-to.js';
import { sameText } from '../internal/form.js';

/** Options of `createServiceProvider` for Single Logout. */
export interface LogoutServiceOptions {
  /**
   * Where the SAML sessions behind the app's sessions live, for Single Logout: `MemoryStore`, the
   * Redis and the PostgreSQL store implement it (usually the same object as `state`). Without it,
   * the logout steps throw a `TypeError`.
   */
  readonly sessions?: SessionStore;
  /** How long `recordSession` keeps a session by default, in seconds. Default 28800 (8 h), at most 30 days. */
  readonly sessionTtlSeconds?: number;
}

/** Options of `recordSession`. */
export interface RecordSessionOptions {
  /** When the app's session ends; the SAML session is forgotten then. Default: now + `sessionTtlSeconds`. */
  readonly expiresAt?: Date;
}

/** Options of `startLogout`. */
export interface StartLogoutOptions {
  /** How the browser carries the LogoutRequest. Default: `'redirect'` when the IdP offers it, else `'post'`. */
  readonly binding?: 'redirect' | 'post';
  /** Where to send the user once logged out: a same-origin relative path; anything else is dropped. */
  readonly returnTo?: string;
  /** For the POST binding page: a CSP nonce for its script. */
  readonly cspNonce?: string;
}

/** A started SP-initiated logout: the signed LogoutRequest to send, for the tenant. */
export type StartedLogout = LogoutMessage & {
  /** The tenant whose IdP the request goes to. */
  readonly tenantId: string;
  /** The `returnTo` kept for this logout, after the same-origin check. */
  readonly returnTo?: string;
};

/** A finished SP-initiated logout: the IdP's LogoutResponse verified. */
export interface FinishedLogout {
  /** Tells the outcomes of `handleLogout` apart. */
  readonly kind: 'logout-response';
  /** The tenant the logout was for. */
  readonly tenantId: string;
  /**
   * `true` when the IdP could not end every session (PartialLogout): tell the user they may still
   * be signed in to other applications.
   */
  readonly partial: boolean;
  /** The `returnTo` given to `startLogout`. */
  readonly returnTo?: string;
}

/** An IdP-initiated LogoutRequest, verified and acted on: end `sessions`, then send `response`. */
export interface HandledLogoutRequest {
  /** Tells the outcomes of `handleLogout` apart. */
  readonly kind: 'logout-request';
  /** The tenant the request was verified for. */
  readonly tenantId: string;
  /**
   * The SAML sessions the request ends, already deleted from the session store. End the app
   * sessions they name (`appSessionId`) before sending `response`.
   */
  readonly sessions: readonly SamlSession[];
  /** The signed LogoutResponse: redirect the browser to `url`, or send `html`. */
  readonly response: LogoutMessage;
}

/** Where a logout message arrived: values from the request, so each may be any value. */
export interface LogoutRouting {
  /** The tenant named by a per-tenant SLO URL (`/saml/:tenantId/slo`); leave it out for a shared one. */
  readonly tenantId?: unknown;
}

/** The Single Logout steps of the service provider. */
export interface LogoutSteps {
  /**
   * Records the SAML session a login opened, under the app's own session ID, so that Single
   * Logout can end it: call it right after `finishLogin`, with the ID of the session you create.
   *
   * @throws TypeError when `login` is not a result of this service provider's `finishLogin`, or
   *   without the `sessions` store; SamlError `STORE_UNAVAILABLE`.
   */
  recordSession(
    login: { readonly profile: SamlProfile },
    appSessionId: string,
    options?: RecordSessionOptions,
  ): Promise<void>;
  /**
   * Starts an SP-initiated logout (profiles §4.4.3): deletes the session's record, saves the
   * pending logout, and returns the signed LogoutRequest for the IdP. End the app's session too,
   * then send the browser on (`url`, or `html` for POST).
   *
   * @throws SamlError `LOGOUT_SESSION_NOT_FOUND` (no recorded SAML session: log out locally),
   *   `LOGOUT_NOT_CONFIGURED` (the tenant has no SLO: log out locally), `TENANT_NOT_FOUND`,
   *   `SAML_DISABLED`, `STORE_UNAVAILABLE`.
   */
  startLogout(
    target: { readonly tenantId: string; readonly appSessionId: string },
    options?: StartLogoutOptions,
  ): Promise<StartedLogout>;
  /**
   * Finishes an SP-initiated logout at the SLO URL: verifies the IdP's LogoutResponse (signature
   * over the raw query for Redirect, enveloped for POST), its InResponseTo against this tenant's
   * pending logout (consumed once) and its RelayState.
   *
   * @throws SamlError for anything wrong with the message, and `IN_RESPONSE_TO_MISMATCH`,
   *   `RELAY_STATE_MISMATCH`, `STATUS_NOT_SUCCESS`, `STORE_UNAVAILABLE`.
   */
  finishLogout(message: LogoutMessageInput, options?: LogoutRouting): Promise<FinishedLogout>;
  /**
   * Answers an IdP-initiated LogoutRequest at the SLO URL: verifies it as strictly as a login
   * response, deletes the matching SAML sessions, and returns them with the signed LogoutResponse.
   * A forged, unsigned, replayed or other tenant's request throws and ends nothing.
   *
   * @throws SamlError for anything wrong with the message, and `TENANT_NOT_FOUND`,
   *   `TENANT_AMBIGUOUS`, `LOGOUT_NOT_CONFIGURED`, `STORE_UNAVAILABLE`.
   */
  handleLogoutRequest(message: LogoutMessageInput, options?: LogoutRouting): Promise<HandledLogoutRequest>;
  /** `finishLogout` or `handleLogoutRequest`, by what arrived at the SLO URL. */
  handleLogout(
    message: LogoutMessageInput,
    options?: LogoutRouting,
  ): Promise<FinishedLogout | HandledLogoutRequest>;
}

/** What the logout steps need from the service provider. @internal */
export interface LogoutContext {
  readonly tenants: TenantStore;
  readonly state: StateStore;
  readonly now: () => Date;
  readonly requestTtlSeconds: number;
  readonly tenantById: (tenantId: string) => Promise<Tenant>;
}

const DEFAULT_SESSION_TTL_SECONDS = 8 * 3600;
const MAX_SESSION_TTL_SECONDS = 30 * 86_400;
/**
 * Pending logouts share the pending-request store with logins under this prefix. A ':' is not
 * allowed in an NCName, so no response's InResponseTo can name a pending logout, and no logout
 * response a pending login.
 */
const PENDING_PREFIX = 'logout:';

/** Makes the logout steps, and `issued`, which marks the results of `finishLogin`. @internal */
export function createLogoutSteps(
  options: LogoutServiceOptions,
  context: LogoutContext,
): LogoutSteps & { readonly issued: <T extends object>(result: T) => T } {
  const { sessions } = options;
  const { tenants, state, now } = context;
  const sessionTtl = options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS;
  if (!Number.isInteger(sessionTtl) || sessionTtl < 1 || sessionTtl > MAX_SESSION_TTL_SECONDS)
    throw new TypeError(`sessionTtlSeconds must be a whole number from 1 to ${MAX_SESSION_TTL_SECONDS}`);
  if (sessions !== undefined && typeof sessions.findSessions !== 'function')
    throw new TypeError('sessions must be a SessionStore (saveSession, findSessions, deleteSession)');
  // Login results this service provider made: recordSession takes nothing else.
  const issuedResults = new WeakSet<object>();

  function sessionStore(): SessionStore {
    if (sessions === undefined)
      throw new TypeError('Single Logout needs a session store: pass sessions to createServiceProvider');
    return sessions;
  }

  async function finish(parsed: ParsedLogout, tenantId: string | undefined): Promise<FinishedLogout> {
    const inResponseTo = parsed.inResponseTo;
    if (inResponseTo === undefined) unknownLogout('(none)', tenantId);
    const key = PENDING_PREFIX + inResponseTo;
    const pending = await guard(() => state.findRequest(key));
    const owner = tenantId ?? pending?.tenantId;
    if (owner === undefined || pending === undefined) unknownLogout(inResponseTo, tenantId);
    const tenant = await context.tenantById(owner);
    if (pending.tenantId !== tenant.id) unknownLogout(inResponseTo, tenant.id);
    checkRelayState(parsed.decoded.relayState, pending.relayState, tenant.id);
    const verified = await readLogoutResponse(parsed, resolvedTenant(tenant), now(), state, inResponseTo);
    // Consumed only once verified, so a forged response cannot burn a pending logout.
    const consumed = await guard(() => state.consumeRequest(tenant.id, key));
    if (consumed === undefined) unknownLogout(inResponseTo, tenant.id);
    return {
      kind: 'logout-response',
      tenantId: tenant.id,
      partial: verified.partial,
      ...(consumed.returnTo !== undefined && { returnTo: consumed.returnTo }),
    };
  }

  async function answer(parsed: ParsedLogout, tenantId: string | undefined): Promise<HandledLogoutRequest> {
    const store = sessionStore();
    const tenant =
      tenantId !== undefined
        ? await context.tenantById(tenantId)
        : await tenantOfIssuer(tenants, parsed.issuer);
    const resolved = resolvedTenant(tenant);
    requireLogout(tenant);
    const request = await readLogoutRequest(parsed, resolved, now(), state);
    const found = await findMatching(store, tenant.id, request);
    const ended: SamlSession[] = [];
    for (const session of found) {
      const deleted = await guard(() => store.deleteSession(tenant.id, session.appSessionId));
      if (deleted !== undefined) ended.push(deleted);
    }
    const response = createLogoutResponse(tenant, {
      inResponseTo: request.id,
      binding: request.binding,
      ...(request.relayState !== undefined && { relayState: request.relayState }),
      now,
    });
    return { kind: 'logout-request', tenantId: tenant.id, sessions: ended, response };
  }

  return {
    issued: <T extends object>(result: T): T => {
      issuedResults.add(result);
      return result;
    },

    async recordSession(login, appSessionId, recordOptions = {}) {
      const store = sessionStore();
      if (typeof login !== 'object' || (login as unknown) === null || !issuedResults.has(login))
        throw new TypeError("login must be the result of this service provider's finishLogin");
      if (typeof appSessionId !== 'string' || appSessionId === '')
        throw new TypeError('appSessionId must be a non-empty string');
      const expiresAt = recordOptions.expiresAt ?? new Date(now().getTime() + sessionTtl * 1000);
      if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime()))
        throw new TypeError('options.expiresAt must be a valid Date');
      const { profile } = login;
      const session: SamlSession = {
        tenantId: profile.tenantId,
        appSessionId,
        nameId: profile.nameId,
        nameIdFormat: profile.nameIdFormat,
        ...(profile.nameQualifier !== undefined && { nameQualifier: profile.nameQualifier }),
        ...(profile.spNameQualifier !== undefined && { spNameQualifier: profile.spNameQualifier }),
        ...(profile.sessionIndex !== undefined && { sessionIndex: profile.sessionIndex }),
      };
      await guard(() => store.saveSession(session, expiresAt));
    },

    async startLogout(target, startOptions = {}) {
      const store = sessionStore();
      if (typeof target !== 'object' || (target as unknown) === null)
        throw new TypeError('target must be { tenantId, appSessionId }');
      const { tenantId, appSessionId } = target;
      if (typeof tenantId !== 'string' || typeof appSessionId !== 'string')
        throw new TypeError('target.tenantId and target.appSessionId must be strings');
      const tenant = await context.tenantById(tenantId);
      const { returnTo: requested, ...messageOptions } = startOptions;
      const returnTo = safeReturnTo(requested);
      // The local record goes first: whatever the IdP answers, this session is over here.
      const session = await guard(() => store.deleteSession(tenant.id, appSessionId));
      if (session === undefined) {
        fail('LOGOUT_SESSION_NOT_FOUND', 'No SAML session is recorded for this app session', {
          hint: 'The login was not recorded with recordSession, or the record expired: end the app session locally. Call sp.recordSession(login, sessionId) after finishLogin to make Single Logout possible.',
          tenantId: tenant.id,
        });
      }
      requireLogout(tenant);
      const time = now();
      const relayState = randomBytes(16).toString('base64url');
      const request = createLogoutRequest(tenant, session, {
        ...messageOptions,
        relayState,
        now: () => time,
      });
      await guard(() =>
        state.saveRequest(
          {
            tenantId: tenant.id,
            requestId: PENDING_PREFIX + request.id,
            relayState,
            // A logout answer is not bound to a browser; no browser secret hashes to this value,
            // so the pending logout can never finish a login either.
            browserBinding: 'logout',
            ...(returnTo !== undefined && { returnTo }),
          },
          new Date(time.getTime() + context.requestTtlSeconds * 1000),
        ),
      );
      return { ...request, tenantId: tenant.id, ...(returnTo !== undefined && { returnTo }) };
    },

    async finishLogout(message, routing) {
      const tenantId = routedTenant(routing);
      const parsed = parse(message, tenantId);
      if (parsed.kind !== 'LogoutResponse') wrongKind('LogoutResponse', parsed.kind);
      return finish(parsed, tenantId);
    },

    async handleLogoutRequest(message, routing) {
      const tenantId = routedTenant(routing);
      const parsed = parse(message, tenantId);
      if (parsed.kind !== 'LogoutRequest') wrongKind('LogoutRequest', parsed.kind);
      return answer(parsed, tenantId);
    },

    async handleLogout(message, routing) {
      const tenantId = routedTenant(routing);
      const parsed = parse(message, tenantId);
      return parsed.kind === 'LogoutRequest' ? answer(parsed, tenantId) : finish(parsed, tenantId);
    },
  };
}

function parse(message: LogoutMessageInput, tenantId: string | undefined): ParsedLogout {
  return parseLogoutMessage(decodeLogoutMessage(message, DEFAULT_MAX_LOGOUT_BYTES), tenantId);
}

// eslint-disable-next-line no-control-regex
const IMPLAUSIBLE_ID = /[\u0000-\u001f\u007f\uD800-\uDFFF]/u;

/**
 * The tenant a per-tenant SLO URL names: a request value, so any value (docs/security.md rule 21); only a
 * plausible ID reaches the store, anything else is `TENANT_NOT_FOUND`.
 */
function routedTenant(routing: unknown): string | undefined {
  if (routing === undefined) return undefined;
  const value =
    typeof routing === 'object' && routing !== null && Object.hasOwn(routing, 'tenantId')
      ? (routing as LogoutRouting).tenantId
      : undefined;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 256 || IMPLAUSIBLE_ID.test(value)) {
    fail('TENANT_NOT_FOUND', 'No tenant has this ID', {
      hint: 'Check the tenant ID in the SLO URL (/saml/:tenantId/slo) registered at the IdP.',
    });
  }
  return value;
}

/**
 * The recorded sessions a LogoutRequest names (SAML core §3.7.3.2): its NameID, and, when it lists
 * SessionIndexes, only those sessions. The Format must be the login's; a qualifier counts when both
 * the request and the login carry one.
 */
async function findMatching(
  store: SessionStore,
  tenantId: string,
  request: VerifiedLogoutRequest,
): Promise<SamlSession[]> {
  const lists =
    request.sessionIndexes.length === 0
      ? [await guard(() => store.findSessions(tenantId, request.nameId))]
      : await Promise.all(
          [...new Set(request.sessionIndexes)].map((index) =>
            guard(() => store.findSessions(tenantId, request.nameId, index)),
          ),
        );
  const same = (a: string | undefined, b: string | undefined): boolean =>
    a === undefined || b === undefined || a === b;
  const byId = new Map<string, SamlSession>();
  for (const session of lists.flat()) {
    if (
      session.tenantId === tenantId &&
      session.nameId === request.nameId &&
      session.nameIdFormat === request.nameIdFormat &&
      same(session.nameQualifier, request.nameQualifier) &&
      same(session.spNameQualifier, request.spNameQualifier)
    ) {
      byId.set(session.appSessionId, session);
    }
  }
  return [...byId.values()];
}

/** An IdP-initiated LogoutRequest belongs to the one enabled tenant of its issuer that does SLO. */
async function tenantOfIssuer(tenants: TenantStore, issuer: string | undefined): Promise<Tenant> {
  const candidates =
    issuer === undefined
      ? []
      : (await guard(() => tenants.findByIssuer(issuer))).filter((config) => {
          const resolved = resolvedTenant(config);
          return resolved.enabled && logoutProblem(resolved) === undefined;
        });
  const [only, ...more] = candidates;
  if (only === undefined) {
    fail('TENANT_NOT_FOUND', 'No tenant does Single Logout with this issuer', {
      hint: "Give the tenant an SLO URL (sp.sloUrl) and its IdP's SLO endpoints (idp.sloUrls), or use an SLO URL per tenant and pass tenantId.",
      ...(issuer !== undefined && { received: issuer }),
    });
  }
  if (more.length > 0) {
    fail('TENANT_AMBIGUOUS', 'Several tenants do Single Logout with this issuer', {
      hint: 'Give each tenant its own SLO URL (with the tenant in the path) and pass tenantId to handleLogout.',
      expected: candidates.map((config) => config.id),
      received: issuer ?? '',
    });
  }
  return defineTenant(only);
}

function requireLogout(tenant: Tenant): void {
  const problem = logoutProblem(resolvedTenant(tenant));
  if (problem === undefined) return;
  fail('LOGOUT_NOT_CONFIGURED', `Single Logout is not set up for this tenant: ${problem}`, {
    hint: "For Single Logout the tenant needs our SLO URL (sp.sloUrl, registered at the IdP), a signing key (sp.signing) and the IdP's SLO endpoints (idp.sloUrls, from its metadata). Until then, end sessions locally.",
    tenantId: tenant.id,
  });
}

function wrongKind(expected: string, received: string): never {
  fail('MALFORMED_XML', `Expected a ${expected}, got a ${received}`, {
    hint: 'The SLO URL received the other kind of logout message than this step handles: use handleLogout, which takes both.',
    expected,
    received,
  });
}

function checkRelayState(received: string | undefined, expected: string, tenantId: string): void {
  if (!sameText(received, expected)) {
    fail('RELAY_STATE_MISMATCH', 'The RelayState does not belong to the pending logout', {
      hint: 'The IdP must return the RelayState of the LogoutRequest unchanged (SAML bindings §3.4.3). Ask the user to sign out again.',
      tenantId,
    });
  }
}

function unknownLogout(requestId: string, tenantId?: string): never {
  fail('IN_RESPONSE_TO_MISMATCH', 'The LogoutResponse answers no pending logout of this tenant', {
    hint: 'The logout expired, was already finished, or was started on another server instance: share the state store between instances.',
    received: requestId,
    ...(tenantId !== undefined && { tenantId }),
  });
}

/** Store calls fail closed: anything but a SamlError becomes STORE_UNAVAILABLE. */
async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof SamlError || cause instanceof TypeError) throw cause;
    fail('STORE_UNAVAILABLE', 'A store failed; the logout is refused', {
      hint: 'The state or session store is unreachable. Check the Redis/PostgreSQL connection of the application.',
      cause,
    });
  }
}
