/**
 * Hosts the Next.js example in this process (a custom server, `next({ dev: false })`) on an HTTP
 * server that already listens: the app's routes, over the caller's stores, are made here and handed
 * to the route handler (registry.ts). Needs a production build first: `npx next build examples/nextjs`
 * (`npm run example:nextjs` runs it).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import nextModule from 'next';
import { exampleScimHandler } from '../shared/directory.js';
import { errorResponse, notFoundResponse } from '../shared/http.js';
import type { ExampleAppOptions } from '../shared/options.js';
import { createExampleRoutes } from '../shared/routes.js';
import { registerExampleApp } from './registry.js';

export { tenantUrls, type ExampleAppOptions } from '../shared/options.js';

// Next.js is CommonJS: imported from ESM its default export is `module.exports`, which is the
// function itself, while its types describe the module (NodeNext resolution).
const next = nextModule as unknown as typeof nextModule.default;

/** The example's folder: Next.js's project directory. */
export const NEXT_EXAMPLE_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface NextExample {
  /** Stops serving this app on the server, which stays yours to close. */
  close(): Promise<void>;
}

/**
 * Serves the example on `server` (already listening on `baseUrl`'s port). One at a time per
 * process: the route handler finds the app through one global entry.
 */
export async function createNextExample(options: ExampleAppOptions, server: Server): Promise<NextExample> {
  registerExampleApp({
    routes: createExampleRoutes(options),
    ...(options.directory !== undefined && {
      scim: exampleScimHandler(options.directory, options.tenants, options.baseUrl),
    }),
    notFound: notFoundResponse,
    error: (error) => errorResponse(error),
  });
  const handle = await nextHandler();
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };
  server.on('request', listener);
  return {
    close: () => {
      server.off('request', listener);
      registerExampleApp(undefined);
      return Promise.resolve();
    },
  };
}

type NextHandler = ReturnType<ReturnType<typeof next>['getRequestHandler']>;

/**
 * One Next.js server per process, made at first use and kept: Next.js keeps process-wide state that
 * a closed server leaves unusable for the next one ("AwaiterOnce that was already awaited"), so the
 * apps that follow one another in a test process share it; each brings its own routes.
 */
let shared: Promise<NextHandler> | undefined;

function nextHandler(): Promise<NextHandler> {
  shared ??= (async () => {
    const app = next({ dev: false, dir: NEXT_EXAMPLE_DIR, quiet: true });
    await app.prepare();
    return app.getRequestHandler();
  })();
  return shared;
}
