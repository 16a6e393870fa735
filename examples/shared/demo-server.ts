/**
 * The demo: one tenant, `example`, whose IdP is a test IdP served by the app itself, on Express
 * or Fastify. Everything lives in memory and is gone when the process stops.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, parseIdpMetadata } from 'samlkit';
import { createScimToken, MemoryDirectoryStore } from 'samlkit/scim';
import { createTestIdp, type TestIdp } from 'samlkit/testing';
import { createExpressApp } from '../express/app.js';
import { createFastifyApp } from '../fastify/app.js';
import { tenantUrls, type ExampleAppOptions } from './options.js';

export const FRAMEWORKS = ['express', 'fastify'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const DEMO_TENANT = 'example';

export interface DemoOptions {
  readonly framework?: Framework;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
}

export interface RunningDemo {
  readonly baseUrl: string;
  readonly tenants: MemoryStore;
  readonly testIdp: TestIdp;
  /** The demo tenant's SCIM token, made at start so a script can provision at once. */
  readonly scimToken: string;
  close(): Promise<void>;
}

/**
 * Starts the demo app. Rejects with the `listen` error (`code: 'EADDRINUSE'` for a busy port).
 * The server listens first: the tenant's ACS URL needs its port.
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await listen(server, options.port ?? 0, host);
  try {
    const { port } = server.address() as AddressInfo;
    const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const store = new MemoryStore();
    const testIdp = await createTestIdp({ preset: 'generic', ssoUrl: `${baseUrl}/test-idp/sso` });
    const { entityId, acsUrl } = tenantUrls(baseUrl, DEMO_TENANT);
    await store.put({
      id: DEMO_TENANT,
      emailDomains: ['example.com'],
      sp: { entityId, acsUrl },
      idp: parseIdpMetadata(testIdp.metadata()).idp,
      roles: { rules: [{ group: 'admins', role: 'admin' }], defaultRole: 'member' },
    });
    const directory = new MemoryDirectoryStore();
    const { token: scimToken } = await createScimToken(directory, DEMO_TENANT);
    const app: ExampleAppOptions = { baseUrl, tenants: store, state: store, testIdp, directory };
    let closeApp = (): Promise<void> => Promise.resolve();
    if (options.framework === 'fastify') {
      const fastify = await createFastifyApp(app, server);
      closeApp = () => fastify.close();
    } else {
      server.on('request', createExpressApp(app));
    }
    return {
      baseUrl,
      tenants: store,
      testIdp,
      scimToken,
      close: async () => {
        await closeApp();
        await closeServer(server);
      },
    };
  } catch (error) {
    await closeServer(server);
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections(); // keep-alive connections would hold close() open
  });
}
