/**
 * The framework-free HTTP surface of the example: a route is a method, a path pattern (`:name`
 * parameters, as both Express and Fastify write them) and an async handler from a plain request to
 * a plain response. The framework glue only converts its request with {@link toExampleRequest} and
 * writes the response back.
 */
import { POST_FORM_SCRIPT_HASH } from 'samlkit';
import {
  COPY_SCRIPT_HASH,
  html,
  layout,
  STYLE_HASH,
  SUBMIT_SCRIPT_HASH,
  toString,
  type Html,
} from './html.js';

export type Method = 'GET' | 'POST';

/** A request, reduced to what the handlers read. Repeated fields are dropped: ambiguous input is not guessed at. */
export interface ExampleRequest {
  readonly method: Method;
  readonly path: string;
  /** The route's `:name` parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The query string exactly as received (no `?`): Redirect-binding signatures cover these bytes. */
  readonly rawQuery: string;
  /** The `application/x-www-form-urlencoded` body. */
  readonly form: Readonly<Record<string, string>>;
  readonly cookies: Readonly<Record<string, string>>;
}

export interface ExampleResponse {
  readonly status: number;
  /** Header values; `set-cookie` may be several. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
}

export type Handler = (request: ExampleRequest) => Promise<ExampleResponse>;

export interface ExampleRoute {
  readonly method: Method;
  readonly path: string;
  readonly handler: Handler;
}

/** Largest form body accepted: a SAMLResponse is base64 of up to ~100 KB of XML, url-encoded again. */
export const FORM_LIMIT_BYTES = 512 * 1024;

/** What the glue hands over: the framework's parsed params and body, and the raw URL and Cookie header. */
export interface RawRequest {
  readonly method: string;
  /** The path and query as received, e.g. `/test-idp/sso?SAMLRequest=…`. */
  readonly url: string;
  readonly params: unknown;
  readonly body: unknown;
  readonly cookieHeader: string | undefined;
}

export function toExampleRequest(raw: RawRequest): ExampleRequest {
  const url = new URL(raw.url, 'http://request.invalid');
  const query = emptyRecord();
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    if (values.length === 1 && values[0] !== undefined) query[key] = values[0];
  }
  return {
    method: raw.method === 'POST' ? 'POST' : 'GET',
    path: url.pathname,
    params: stringsOf(raw.params),
    query,
    rawQuery: raw.url.includes('?') ? raw.url.slice(raw.url.indexOf('?') + 1) : '',
    form: stringsOf(raw.body),
    cookies: parseCookies(raw.cookieHeader ?? ''),
  };
}

// Null-prototype records, so that a field named like an Object.prototype member reads as absent.
function emptyRecord(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

function stringsOf(value: unknown): Record<string, string> {
  const out = emptyRecord();
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, field] of Object.entries(value)) if (typeof field === 'string') out[key] = field;
  return out;
}

function parseCookies(header: string): Record<string, string> {
  const out = emptyRecord();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (name in out) continue; // the first (most specific path) wins
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // not percent-encoded properly: not ours
    }
  }
  return out;
}

// Pages allow only their own stylesheet and the auto-submit script of the POST binding (samlkit's
// login page and the test IdP's page use the same script), and cannot be framed. No Referer is sent:
// Redirect-binding URLs carry the SAMLRequest.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    `script-src ${[...new Set([POST_FORM_SCRIPT_HASH, SUBMIT_SCRIPT_HASH, COPY_SCRIPT_HASH])].join(' ')}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export function page(
  markup: Html | string,
  status = 200,
  headers: ExampleResponse['headers'] = {},
): ExampleResponse {
  return {
    status,
    headers: { ...PAGE_HEADERS, ...headers },
    body: typeof markup === 'string' ? markup : toString(markup),
  };
}

/** 303 See Other: after a POST the browser follows with a GET. */
export function redirect(location: string, headers: ExampleResponse['headers'] = {}): ExampleResponse {
  return { status: 303, headers: { location, 'cache-control': 'no-store', ...headers }, body: '' };
}

export function messagePage(title: string, message: Html | string, status = 200): ExampleResponse {
  return page(
    layout(
      title,
      html`<h1>${title}</h1>
        <p>${message}</p>
        <p><a href="/">Back</a></p>`,
    ),
    status,
  );
}

/** For the frameworks' not-found handlers. */
export function notFoundResponse(): ExampleResponse {
  return messagePage('Not found', 'There is no such page.', 404);
}

/**
 * For the frameworks' error handlers: a generic page with the status, never the error or its stack.
 * Client errors (a body over the limit: 413, a malformed one: 400) keep their status; anything else is
 * a 500, logged on the server.
 */
export function errorResponse(
  error: unknown,
  log: (error: unknown) => void = console.error,
): ExampleResponse {
  const status = statusOf(error);
  if (status >= 500) log(error);
  return messagePage(
    status === 413 ? 'Request too large' : 'Something went wrong',
    `Error ${status}.`,
    status,
  );
}

function statusOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 500;
  const status = 'statusCode' in error ? error.statusCode : 'status' in error ? error.status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}
