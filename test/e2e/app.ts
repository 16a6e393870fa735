/**
 * An example app (Express unless told otherwise) on 127.0.0.1 and a free port, over a `MemoryStore` (tenants and login
 * state), for the end-to-end tests. The server listens before the app is made: the app's ACS and
 * metadata URLs, which the IdP must know, need its port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore, type MemoryStore, type MetadataFetcher } from 'samlkit';
import type { TestIdp } from 'samlkit/testing';
import { createExpressApp } from '../../examples/express/app.js';
import { createHonoApp, honoRequestListener } from '../../examples/hono/app.js';
import { createNestApp } from '../../examples/nestjs/app.js';
import { ensureNextBuild } from '../../examples/nextjs/build.js';
import { createNextExample } from '../../examples/nextjs/server.js';
import type { ExampleAppOptions } from '../../examples/shared/options.js';

export interface RunningApp {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly baseUrl: string;
  /** Tenants and state: `put` tenants into it once the IdP's metadata is known. */
  readonly store: MemoryStore;
  /** The demo's test IdP, served by the app under /test-idp/, when one was asked for. */
  readonly testIdp?: TestIdp;
  close(): Promise<void>;
}

export interface StartExpressExampleOptions {
  /** Makes the test IdP the app serves, from the app's base URL (its SSO URL is on the app). */
  readonly testIdp?: (baseUrl: string) => Promise<TestIdp>;
  /** Signs the app's setup links (default: random). */
  readonly setupSecret?: Uint8Array;
  /** Downloads metadata for the settings page's Metadata URL tab (default: public HTTPS only). */
  readonly fetchMetadata?: MetadataFetcher;
}

/** The example apps besides Express that the browser tests sign in to. */
export type ExampleFramework = 'express' | 'hono' | 'nestjs' | 'nextjs';

export function startExpressExample(options: StartExpressExampleOptions = {}): Promise<RunningApp> {
  return startExample('express', options);
}

/** Attaches the app on `framework` to `server`; returns how to stop it (the server stays open). */
async function attach(
  framework: ExampleFramework,
  options: ExampleAppOptions,
  server: ReturnType<typeof createServer>,
): Promise<() => Promise<void>> {
  switch (framework) {
    case 'express':
      server.on('request', createExpressApp(options));
      return () => Promise.resolve();
    case 'hono': {
      const listener = honoRequestListener(createHonoApp(options));
      server.on('request', (req, res) => {
        void listener(req, res);
      });
      return () => Promise.resolve();
    }
    case 'nestjs': {
      const app = await createNestApp(options, server);
      return () => app.close();
    }
    case 'nextjs': {
      await ensureNextBuild();
      const app = await createNextExample(options, server);
      return () => app.close();
    }
  }
}

export async function startExample(
  framework: ExampleFramework,
  options: StartExpressExampleOptions = {},
): Promise<RunningApp> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = createMemoryStore();
  const testIdp = await options.testIdp?.(baseUrl);
  const stop = await attach(
    framework,
    {
      baseUrl,
      tenants: store,
      state: store,
      sessions: store,
      ...(testIdp && { testIdp }),
      ...(options.setupSecret !== undefined && { setupSecret: options.setupSecret }),
      ...(options.fetchMetadata !== undefined && { fetchMetadata: options.fetchMetadata }),
    },
    server,
  );
  return {
    baseUrl,
    store,
    ...(testIdp && { testIdp }),
    close: async () => {
      await stop();
      await new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => {
          resolve();
        });
        server.closeAllConnections(); // keep-alive connections (a browser's) would hold close() open
      });
    },
  };
}
