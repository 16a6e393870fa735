/**
 * Every page of the example as one App Router route handler, on the Node.js runtime (samlkit uses
 * node:crypto). The handler turns the web `Request` into the shared request, runs the matching
 * framework-free route of examples/shared, and turns its answer into a `Response`.
 *
 * The routes themselves (with their stores and the service) are made once by the server that hosts
 * Next.js (examples/nextjs/server.ts) and found through `exampleApp()`: a real app would make its
 * service provider in a module of its own, over Redis or PostgreSQL stores from its environment.
 */
import { exampleApp, type NextExampleApp } from '../../registry.js';
import { FORM_LIMIT_BYTES, toExampleRequest, type ExampleResponse } from '../../../shared/http.js';
import { matchRoute } from '../../../shared/match.js';

export const runtime = 'nodejs';
// Every answer depends on the request (cookies, form, stores): never prerendered or cached.
export const dynamic = 'force-dynamic';

async function handle(request: Request, params: Promise<{ path?: string[] }>): Promise<Response> {
  await params; // the catch-all segments; the path is read from the URL, as the shared routes expect
  const app = exampleApp();
  try {
    const url = new URL(request.url);
    const scim = /^\/scim\/v2\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (scim !== null && app.scim !== undefined)
      return await handleScim(app, request, scim[1] ?? '', scim[2] ?? '/');
    const match = matchRoute(app.routes, request.method, url.pathname);
    if (match === undefined) return toResponse(app.notFound());
    const form = request.method === 'POST' ? await formOf(request) : {};
    const shared = toExampleRequest({
      method: request.method,
      url: url.pathname + url.search,
      params: match.params,
      body: form,
      cookieHeader: request.headers.get('cookie') ?? undefined,
    });
    return toResponse(await match.route.handler(shared));
  } catch (error) {
    return toResponse(app.error(error));
  }
}

/** A body over the limit: the shared error page with status 413, as the other apps answer it. */
class PayloadTooLarge extends Error {
  readonly status = 413;
}

/** The text of the body, refused past `FORM_LIMIT_BYTES` before it is all read. */
async function textOf(request: Request): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > FORM_LIMIT_BYTES) throw new PayloadTooLarge('request body too large');
  if (request.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > FORM_LIMIT_BYTES) throw new PayloadTooLarge('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The urlencoded form of a POST; forms only (no JSON, no multipart), a repeated field dropped. */
async function formOf(request: Request): Promise<Record<string, string>> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return {};
  const fields = new URLSearchParams(await textOf(request));
  const form: Record<string, string> = {};
  for (const key of new Set(fields.keys())) {
    const values = fields.getAll(key);
    if (values.length === 1 && values[0] !== undefined) form[key] = values[0];
  }
  return form;
}

async function handleScim(
  app: NextExampleApp,
  request: Request,
  tenant: string,
  path: string,
): Promise<Response> {
  const scim = app.scim;
  if (scim === undefined) return toResponse(app.notFound());
  const url = new URL(request.url);
  const response = await scim({
    tenantId: decodeURIComponent(tenant),
    method: request.method,
    path,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(request.headers),
    body: request.method === 'GET' || request.method === 'DELETE' ? '' : await textOf(request),
  });
  return new Response(response.body, { status: response.status, headers: response.headers });
}

function toResponse(response: ExampleResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const one of typeof value === 'string' ? [value] : value) headers.append(name, one);
  }
  return new Response(response.body === '' ? null : response.body, { status: response.status, headers });
}

interface Context {
  readonly params: Promise<{ path?: string[] }>;
}

export function GET(request: Request, context: Context): Promise<Response> {
  return handle(request, context.params);
}
export function POST(request: Request, context: Context): Promise<Response> {
  return handle(request, context.params);
}
// SCIM (examples/shared/directory.ts) also takes these.
export function PUT(request: Request, context: Context): Promise<Response> {
  return handle(request, context.params);
}
export function PATCH(request: Request, context: Context): Promise<Response> {
  return handle(request, context.params);
}
export function DELETE(request: Request, context: Context): Promise<Response> {
  return handle(request, context.params);
}
