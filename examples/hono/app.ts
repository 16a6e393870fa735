/**
 * The example app on Hono 4 (on Node through @hono/node-server): only glue. Every route is a
 * framework-free handler from `../shared/routes.ts`; this file parses form bodies, hands each request
 * over and turns the answer into a web `Response`.
 */
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  errorResponse,
  FORM_LIMIT_BYTES,
  notFoundResponse,
  toExampleRequest,
  type ExampleResponse,
} from '../shared/http.js';
import type { ExampleAppOptions } from '../shared/options.js';
import { exampleScimHandler } from '../shared/directory.js';
import { createExampleRoutes } from '../shared/routes.js';

export { tenantUrls, type ExampleAppOptions } from '../shared/options.js';

/** A body over the limit: the shared error page with status 413, as Express and Fastify answer it. */
class PayloadTooLarge extends Error {
  readonly status = 413;
}

export function createHonoApp(options: ExampleAppOptions): Hono {
  const app = new Hono();
  // Every body is capped before it is read (Express and Fastify do the same with their limits).
  app.use(
    bodyLimit({
      maxSize: FORM_LIMIT_BYTES,
      onError: () => {
        throw new PayloadTooLarge('request body too large');
      },
    }),
  );
  if (options.directory !== undefined) {
    const scim = exampleScimHandler(options.directory, options.tenants, options.baseUrl);
    // SCIM bodies stay raw text: the handler caps and parses them itself.
    app.on(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], '/scim/v2/:tenant/*', async (c) => {
      const tenant = c.req.param('tenant');
      const prefix = `/scim/v2/${encodeURIComponent(tenant)}`;
      const path = c.req.path.startsWith(prefix) ? c.req.path.slice(prefix.length) : c.req.path;
      const response = await scim({
        tenantId: tenant,
        method: c.req.method,
        path: path === '' ? '/' : path,
        query: c.req.query(),
        headers: c.req.header(),
        body: await c.req.text(),
      });
      return new Response(response.body, { status: response.status, headers: response.headers });
    });
  }
  for (const route of createExampleRoutes(options)) {
    app.on(route.method, route.path, async (c) => {
      const request = toExampleRequest({
        method: c.req.method,
        url: new URL(c.req.url).pathname + new URL(c.req.url).search,
        params: c.req.param(),
        body: await formOf(c),
        cookieHeader: c.req.header('cookie'),
      });
      return toResponse(await route.handler(request));
    });
  }
  app.notFound(() => toResponse(notFoundResponse()));
  app.onError((error) => {
    const response = toResponse(errorResponse(error));
    // The rest of an over-long body is never read: the connection cannot carry another request.
    if (error instanceof PayloadTooLarge) response.headers.set('connection', 'close');
    return response;
  });
  return app;
}

/** A Node `request` listener for the app, for `http.createServer().on('request', …)`. */
export function honoRequestListener(app: Hono): ReturnType<typeof getRequestListener> {
  return getRequestListener(app.fetch);
}

/** The urlencoded form of a POST; forms only, as in the other apps (no JSON, no multipart). */
async function formOf(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (c.req.method !== 'POST' || !type.toLowerCase().startsWith('application/x-www-form-urlencoded'))
    return {};
  // all: a repeated field becomes an array, which the shared request drops (ambiguous input).
  return c.req.parseBody({ all: true });
}

function toResponse(response: ExampleResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const one of typeof value === 'string' ? [value] : value) headers.append(name, one);
  }
  return new Response(response.status === 303 || response.body === '' ? null : response.body, {
    status: response.status,
    headers,
  });
}
