/**
 * The Express example app on 127.0.0.1 and a free port, over a `MemoryStore` (tenants and login
 * state), for the end-to-end tests. The server listens before the app is made: the app's ACS and
 * metadata URLs, which the IdP must know, need its port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, type MetadataFetcher } from 'samlkit';
import type { TestIdp } from 'samlkit/testing';
import { createExpressApp } from '../../examples/express/app.js';

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

export async function startExpressExample(options: StartExpressExampleOptions = {}): Promise<RunningApp> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = new MemoryStore();
  const testIdp = await options.testIdp?.(baseUrl);
  server.on(
    'request',
    createExpressApp({
      baseUrl,
      tenants: store,
      state: store,
      sessions: store,
      ...(testIdp && { testIdp }),
      ...(options.setupSecret !== undefined && { setupSecret: options.setupSecret }),
      ...(options.fetchMetadata !== undefined && { fetchMetadata: options.fetchMetadata }),
    }),
  );
  return {
    baseUrl,
    store,
    ...(testIdp && { testIdp }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => {
          resolve();
        });
        server.closeAllConnections(); // keep-alive connections (a browser's) would hold close() open
      }),
  };
}
