/**
 * How the route handler finds the app the hosting server made: one entry on `globalThis` under a
 * registered symbol, because Next.js bundles the route handler (its modules are copies of the
 * server's) but runs it in the server's process. Types only: nothing here is bundled twice.
 */
import type { ScimHandler } from 'samlkit/scim';
import type { ExampleResponse, ExampleRoute } from '../shared/http.js';

/** What the route handler needs: the shared routes, SCIM, and the two fallback pages. */
export interface NextExampleApp {
  readonly routes: readonly ExampleRoute[];
  readonly scim?: ScimHandler;
  notFound(): ExampleResponse;
  error(error: unknown): ExampleResponse;
}

const KEY = Symbol.for('samlkit.examples.nextjs.app');

/** Makes `app` the one the route handler serves (`undefined`: none, after the server closed). */
export function registerExampleApp(app: NextExampleApp | undefined): void {
  (globalThis as Record<symbol, unknown>)[KEY] = app;
}

export function exampleApp(): NextExampleApp {
  const app = (globalThis as Record<symbol, unknown>)[KEY];
  if (app === undefined) throw new Error('No example app: start Next.js through examples/nextjs/server.ts');
  return app as NextExampleApp;
}
