/**
 * The example app on Fastify 5: only glue. Every route is a framework-free handler from
 * `../shared/routes.ts`; this file parses form bodies, hands each request over and writes the answer.
 */
import type { Server } from 'node:http';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
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

/**
 * Returns the app, ready (plugins loaded, routes registered). Call `listen()` on it; or pass a
 * `server` that already listens (the base URL needs the port before the app exists, as with
 * port 0): the app then answers that server's requests, and the server stays yours to close after
 * `app.close()`.
 */
export async function createFastifyApp(
  options: ExampleAppOptions,
  server?: Server,
): Promise<FastifyInstance> {
  const app =
    server === undefined
      ? Fastify({ bodyLimit: FORM_LIMIT_BYTES })
      : Fastify({ bodyLimit: FORM_LIMIT_BYTES, serverFactory: (handler) => server.on('request', handler) });
  // Forms only, as in the Express app: no JSON bodies.
  app.removeAllContentTypeParsers();
  await app.register(formbody, { bodyLimit: FORM_LIMIT_BYTES });
  if (options.directory !== undefined) {
    const scim = exampleScimHandler(options.directory, options.tenants, options.baseUrl);
    // SCIM bodies stay raw text: the handler caps and parses them itself.
    app.addContentTypeParser(
      ['application/scim+json', 'application/json'],
      { parseAs: 'string' },
      (_req, body, done) => {
        done(null, body);
      },
    );
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/scim/v2/:tenant/*',
      handler: async (req, reply) => {
        const { tenant = '', '*': rest = '' } = req.params as { tenant?: string; '*'?: string };
        const response = await scim({
          tenantId: tenant,
          method: req.method,
          path: `/${rest}`,
          query: req.query as Record<string, unknown>,
          headers: req.headers,
          body: req.body,
        });
        return reply.code(response.status).headers(response.headers).send(response.body);
      },
    });
  }
  for (const route of createExampleRoutes(options)) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (req, reply) => {
        const request = toExampleRequest({
          method: req.method,
          url: req.url,
          params: req.params,
          body: req.body,
          cookieHeader: req.headers.cookie,
        });
        return send(reply, await route.handler(request));
      },
    });
  }
  app.setNotFoundHandler((_req, reply) => send(reply, notFoundResponse()));
  app.setErrorHandler((error, _req, reply) => send(reply, errorResponse(error)));
  await app.ready();
  return app;
}

function send(reply: FastifyReply, response: ExampleResponse): FastifyReply {
  for (const [name, value] of Object.entries(response.headers)) {
    reply.header(name, typeof value === 'string' ? value : [...value]);
  }
  return reply.code(response.status).send(response.body);
}
