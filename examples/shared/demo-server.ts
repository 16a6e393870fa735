/**
 * The demo: one tenant, `example`, whose IdP is a test IdP served by the app itself, on Express
 * or Fastify. Everything lives in memory and is gone when the process stops.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDomainOwnership,
  generateSpKeyPair,
  createMemoryStore,
  type MemoryStore,
  parseIdpMetadata,
} from 'samlkit';
import { createScimToken, createMemoryDirectoryStore } from 'samlkit/scim';
import { createTestIdp, type TestIdp } from 'samlkit/testing';
import { createExpressApp } from '../express/app.js';
import { createFastifyApp } from '../fastify/app.js';
import { createHonoApp, honoRequestListener } from '../hono/app.js';
import { createNestApp } from '../nestjs/app.js';
import { ensureNextBuild } from '../nextjs/build.js';
import { createNextExample } from '../nextjs/server.js';
import { tenantUrls, type ExampleAppOptions } from './options.js';

export const FRAMEWORKS = ['express', 'fastify', 'hono', 'nestjs', 'nextjs'] as const;
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
 * The app is attached to the server before it listens, so that no request can arrive at a server
 * without a handler (it would never be answered). The tenant's ACS URL needs the port first: for
 * port 0, a free port is found beforehand.
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port === undefined || options.port === 0 ? await freePort(host) : options.port;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const server = createServer();
  const store = createMemoryStore();
  const { entityId, acsUrl, sloUrl } = tenantUrls(baseUrl, DEMO_TENANT);
  // Single Logout: the test IdP offers it, and the tenant signs its logout messages.
  const testIdp = await createTestIdp({
    preset: 'generic',
    ssoUrl: `${baseUrl}/test-idp/sso`,
    sloUrl: `${baseUrl}/test-idp/slo`,
    sp: { entityId, acsUrl, sloUrl },
  });
  const signing = await generateSpKeyPair({ commonName: 'samlkit demo SP' });
  await store.put({
    id: DEMO_TENANT,
    emailDomains: ['example.com'],
    sp: { entityId, acsUrl, sloUrl, signing },
    idp: parseIdpMetadata(testIdp.metadata()).idp,
    roles: { rules: [{ group: 'admins', role: 'admin' }], defaultRole: 'member' },
  });
  // The demo's operator vouches for the domain, so that the home page routes it (docs/domains.md).
  await createDomainOwnership({ tenants: store }).verifyByOperator(DEMO_TENANT, 'example.com', {
    by: 'demo',
  });
  const directory = createMemoryDirectoryStore();
  const { token: scimToken } = await createScimToken(directory, DEMO_TENANT);
  const app: ExampleAppOptions = {
    baseUrl,
    tenants: store,
    state: store,
    sessions: store,
    testIdp,
    directory,
  };
  let closeApp = (): Promise<void> => Promise.resolve();
  if (options.framework === 'fastify') {
    const fastify = await createFastifyApp(app, server);
    closeApp = () => fastify.close();
  } else if (options.framework === 'nextjs') {
    await ensureNextBuild(); // a production build, made once (it takes seconds)
    const nextApp = await createNextExample(app, server);
    closeApp = () => nextApp.close();
  } else if (options.framework === 'nestjs') {
    const nest = await createNestApp(app, server);
    closeApp = () => nest.close();
  } else if (options.framework === 'hono') {
    const listener = honoRequestListener(createHonoApp(app));
    server.on('request', (req, res) => {
      void listener(req, res);
    });
  } else {
    server.on('request', createExpressApp(app));
  }
  try {
    await listen(server, port, host);
  } catch (error) {
    await closeApp().catch(() => undefined); // the listen error is the one to report
    throw error;
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
}

/** A port that is free on `host` now (the OS picks it); the demo listens on it right after. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => {
        resolve(port);
      });
    });
  });
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
