/**
 * The example app on Express 5: only glue. Every route is a framework-free handler from
 * `../shared/routes.ts`; this file parses form bodies, hands each request over and writes the answer.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
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

export function createExpressApp(options: ExampleAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: FORM_LIMIT_BYTES }));
  if (options.directory !== undefined) {
    const scim = exampleScimHandler(options.directory, options.tenants, options.baseUrl);
    // SCIM bodies stay raw text: the handler caps and parses them itself.
    app.use(
      '/scim/v2/:tenant',
      express.text({ type: () => true, limit: FORM_LIMIT_BYTES }),
      (req, res, next) => {
        const { tenant = '' } = req.params as { tenant?: string };
        const body: unknown = req.body;
        scim({
          tenantId: tenant,
          method: req.method,
          path: req.path,
          query: req.query,
          headers: req.headers,
          body,
        })
          .then((response) => res.status(response.status).set(response.headers).send(response.body))
          .catch(next);
      },
    );
  }
  for (const route of createExampleRoutes(options)) {
    const handle = async (req: Request, res: Response): Promise<void> => {
      const request = toExampleRequest({
        method: req.method,
        url: req.originalUrl,
        params: req.params,
        body: req.body as unknown,
        cookieHeader: req.headers.cookie,
      });
      send(res, await route.handler(request));
    };
    if (route.method === 'GET') app.get(route.path, handle);
    else app.post(route.path, handle);
  }
  app.use((_req: Request, res: Response) => {
    send(res, notFoundResponse());
  });
  // Express's own error page shows the stack outside production: never send it. Express tells an
  // error handler by its four parameters, so `_next` stays.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    send(res, errorResponse(error));
  });
  return app;
}

function send(res: Response, response: ExampleResponse): void {
  res.status(response.status).set(response.headers).send(response.body);
}
