/**
 * A separate Node process of the app: its own service provider over the shared store named in
 * SAMLKIT_STORE (JSON StoreTarget). It answers WorkerRequests from the parent test.
 */
import { createServiceProvider, SamlError, type StateStore, type TenantStore } from '../../../src/index.js';
import type { Outcome, StoreTarget, WorkerReply, WorkerRequest } from './protocol.js';

async function connect(
  target: StoreTarget,
): Promise<{ store: TenantStore & StateStore; close(): Promise<void> }> {
  if (target.kind === 'redis') {
    const { createClient } = await import('redis');
    const { createRedisStore } = await import('../../../src/redis.js');
    const client = createClient({ url: target.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
    return {
      store: createRedisStore({ client, keyPrefix: target.keyPrefix }),
      close: async () => {
        await client.quit();
      },
    };
  }
  const { default: pg } = await import('pg');
  const { createPostgresStore } = await import('../../../src/postgres.js');
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: 10,
    connectionTimeoutMillis: 2000,
    query_timeout: 5000,
  });
  // Without a listener, a connection the server drops while idle would crash this process.
  pool.on('error', () => undefined);
  return { store: createPostgresStore({ pool, schema: target.schema }), close: () => pool.end() };
}

const target = JSON.parse(process.env.SAMLKIT_STORE ?? 'null') as StoreTarget;
const connection = await connect(target);
const store = connection.store;
const sp = createServiceProvider({ tenants: store, state: store });

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.op) {
    case 'startLogin': {
      const login = await sp.startLogin(
        { tenantId: request.tenantId },
        request.returnTo === undefined ? {} : { returnTo: request.returnTo },
      );
      return { id: request.id, op: 'startLogin', url: login.url, browserSecret: login.browserSecret };
    }
    case 'finishLogins': {
      const attempts = Array.from({ length: request.times }, () =>
        sp.finishLogin(request.form, { browserSecret: request.browserSecret }),
      );
      const outcomes = (await Promise.allSettled(attempts)).map((result): Outcome => {
        if (result.status === 'fulfilled') {
          const { profile, returnTo } = result.value;
          return {
            ok: true,
            ...(profile.email !== undefined && { email: profile.email }),
            ...(returnTo !== undefined && { returnTo }),
          };
        }
        const error: unknown = result.reason;
        return {
          ok: false,
          code: error instanceof SamlError ? error.code : `NOT_A_SAML_ERROR: ${String(error)}`,
        };
      });
      return { id: request.id, op: 'finishLogins', outcomes };
    }
    case 'consumeRequests': {
      const attempts = Array.from({ length: request.times }, () =>
        store.consumeRequest(request.tenantId, request.requestId),
      );
      const consumed = (await Promise.all(attempts)).filter((pending) => pending !== undefined).length;
      return { id: request.id, op: 'consumeRequests', consumed };
    }
  }
}

process.on('message', (message: WorkerRequest | 'exit') => {
  if (message === 'exit') {
    void connection.close().finally(() => process.exit(0));
    return;
  }
  handle(message).then(
    (reply) => process.send?.(reply),
    (error: unknown) =>
      process.send?.({ id: message.id, op: 'error', message: String(error) } satisfies WorkerReply),
  );
});
process.send?.('ready');
