/**
 * Several app processes sharing one store, on real servers (Redis and PostgreSQL started for this
 * file): a login started on one process finishes on another; 200 concurrent submissions of one
 * response across the processes log in exactly once; one request is consumed exactly once.
 * Skipped without the servers, except under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createClient } from 'redis';
import type { StateStore, TenantConfig, TenantStore } from '../../src/index.js';
import { createPostgresStore, migrate } from '../../src/postgres.js';
import { createRedisStore } from '../../src/redis.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import type { Outcome, StoreTarget } from './multi-process/protocol.js';
import { startWorkers, type Worker } from './multi-process/workers.js';
import { postgresSkip, startPostgres, type PostgresServer } from './servers/postgres.js';
import { redisSkip, startRedis, type RedisServer } from './servers/redis.js';

const PROCESSES = 4;
const SUBMISSIONS = 200;

interface Backend {
  readonly name: string;
  readonly skip: string | false;
  /** Starts the server; returns the target the workers use and a store for the test itself. */
  start(): Promise<{ target: StoreTarget; store: TenantStore & StateStore; stop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'Redis',
    skip: redisSkip(),
    async start() {
      const server: RedisServer = await startRedis();
      const client = createClient({ url: server.url, disableOfflineQueue: true });
      client.on('error', () => undefined);
      await client.connect();
      const keyPrefix = `mp-${randomBytes(4).toString('hex')}:`;
      return {
        target: { kind: 'redis', url: server.url, keyPrefix },
        store: createRedisStore({ client, keyPrefix }),
        stop: async () => {
          await client.quit();
          await server.destroy();
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: postgresSkip(),
    async start() {
      const server: PostgresServer = await startPostgres();
      const pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
      pool.on('error', () => undefined);
      const schema = `mp_${randomBytes(4).toString('hex')}`;
      await migrate(pool, { schema });
      return {
        target: { kind: 'postgres', connectionString: server.connectionString, schema },
        store: createPostgresStore({ pool, schema }),
        stop: async () => {
          await pool.end();
          await server.destroy();
        },
      };
    },
  },
];

function tenant(idp: TestIdp): TenantConfig {
  return {
    id: 'acme',
    preset: 'okta',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    emailDomains: ['acme.com'],
    allowIdpInitiated: true,
  };
}

function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = outcome.ok ? 'ok' : outcome.code;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

for (const backend of backends) {
  describe(`${PROCESSES} processes sharing one ${backend.name} store`, { skip: backend.skip }, () => {
    let idp: TestIdp;
    let workers: Worker[] = [];
    let shared: Awaited<ReturnType<Backend['start']>> | undefined;

    before(async () => {
      idp = await createTestIdp({
        preset: 'okta',
        key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
      });
      shared = await backend.start();
      await shared.store.put(tenant(idp));
      workers = await startWorkers(PROCESSES, shared.target);
    });
    after(async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await shared?.stop();
    });

    it('a login started on process 1 finishes on process 2', async () => {
      const [first, second] = workers;
      assert.ok(first && second);
      const { url, browserSecret } = await first.ask({
        op: 'startLogin',
        tenantId: 'acme',
        returnTo: '/projects',
      });
      const form = answerRedirect(idp, { url }, { user: { email: 'ada@acme.com' } });
      const { outcomes } = await second.ask({ op: 'finishLogins', form, times: 1, browserSecret });
      assert.deepEqual(outcomes, [{ ok: true, email: 'ada@acme.com', returnTo: '/projects' }]);
    });

    it(`${SUBMISSIONS} concurrent submissions of one response across the processes: one login, every other REPLAY`, async () => {
      const form = idp.respond({
        acsUrl: 'https://app.example.com/saml/acme/acs',
        audience: 'https://app.example.com/saml/acme',
        user: { email: 'bob@acme.com' },
      });
      const perProcess = SUBMISSIONS / workers.length;
      const replies = await Promise.all(
        workers.map((worker) => worker.ask({ op: 'finishLogins', form, times: perProcess })),
      );
      const counts = tally(replies.flatMap((reply) => reply.outcomes));
      assert.deepEqual(counts, { ok: 1, REPLAY: SUBMISSIONS - 1 });
    });

    it(`one request ID consumed exactly once by ${SUBMISSIONS} concurrent consumers across the processes`, async () => {
      assert.ok(shared);
      const requestId = `_${randomBytes(20).toString('hex')}`;
      await shared.store.saveRequest(
        { tenantId: 'acme', requestId, relayState: 'handle', browserBinding: 'binding' },
        new Date(Date.now() + 60_000),
      );
      const perProcess = SUBMISSIONS / workers.length;
      const replies = await Promise.all(
        workers.map((worker) =>
          worker.ask({ op: 'consumeRequests', tenantId: 'acme', requestId, times: perProcess }),
        ),
      );
      assert.equal(
        replies.reduce((sum, reply) => sum + reply.consumed, 0),
        1,
      );
    });
  });
}
