/**
 * The PostgreSQL store when things go wrong, against a real server started for this file: the
 * server stops mid-run (every operation fails closed with STORE_UNAVAILABLE, fast, and nothing is
 * stored or consumed), comes back (the same store and pool work again by themselves), a statement
 * stuck on a lock, tables that were never created; a whole login through createServiceProvider
 * across an outage; and sweepExpired. Skipped when PostgreSQL is not installed, except under
 * CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SamlError } from '../../src/errors.js';
import { createPostgresStore, migrate, type PostgresStore } from '../../src/postgres.js';
import { createServiceProvider, type StartedLogin } from '../../src/service/provider.js';
import type { PendingRequest } from '../../src/store/types.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import type { TenantConfig } from '../../src/types.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import { postgresSkip, startPostgres, type PostgresServer } from './servers/postgres.js';
import { expectCode } from '../helpers/expect.js';

const skip = postgresSkip();
/** How long the store may take to work again once the server is back. */
const RECOVERY_MS = 10_000;
const inMs = (ms: number): Date => new Date(Date.now() + ms);

let server: PostgresServer;
let pool: pg.Pool;
/** What after() undoes, in reverse order: also when before() failed halfway. */
const cleanup: (() => Promise<void>)[] = [];
let idp: TestIdp;

/** A new schema with the store's tables. */
async function freshSchema(): Promise<string> {
  const schema = `f_${randomBytes(6).toString('hex')}`;
  await migrate(pool, { schema });
  return schema;
}

async function freshStore(): Promise<PostgresStore> {
  return createPostgresStore({ pool, schema: await freshSchema() });
}

/** Polls until `call` resolves, at most RECOVERY_MS; returns what it resolved to. */
async function eventually<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RECOVERY_MS;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/**
 * A TCP proxy to the server that can freeze: while frozen it forwards nothing either way, like a
 * network partition (connections stay open, nothing answers).
 */
async function partitionableProxy(
  target: number,
): Promise<{ port: number; freeze(frozen: boolean): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      from.on('error', () => undefined);
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  assert.ok(typeof address === 'object' && address !== null);
  return {
    port: address.port,
    freeze: (value) => {
      frozen = value;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

function tenant(id: string, domain: string): TenantConfig {
  return {
    id,
    preset: 'azure',
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    emailDomains: [domain],
  };
}

/** The IdP's answer to a started login, as the browser would post it back. */
function answer(login: StartedLogin) {
  return answerRedirect(idp, login, { user: { email: 'alice@acme.com', groups: ['staff'] } });
}

describe('PostgresStore under faults', { skip, timeout: 60_000 }, () => {
  before(async () => {
    server = await startPostgres();
    cleanup.push(() => server.destroy());
    pool = new pg.Pool({
      connectionString: server.connectionString,
      max: 10,
      connectionTimeoutMillis: 2000,
      query_timeout: 2000,
    });
    cleanup.push(() => pool.end());
    pool.on('error', () => {
      // Idle connections the stopped server dropped: the pool replaces them.
    });
    idp = await createTestIdp({
      preset: 'azure',
      key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    });
  });

  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('server down: every operation rejects with STORE_UNAVAILABLE fast; back up: the same store works, and the outage changed nothing', async () => {
    const store = await freshStore();
    const before: PendingRequest = {
      tenantId: 'acme',
      requestId: '_before',
      relayState: 'relay-1',
      browserBinding: 'binding',
    };
    await store.put(tenant('acme', 'acme.com'));
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: new Date(),
      method: 'operator',
      by: 'test',
    });
    await store.saveRequest(before, inMs(60_000));
    assert.equal(await store.remember('acme', '_seen', inMs(60_000)), true);

    await server.stop();
    const during: PendingRequest = {
      tenantId: 'acme',
      requestId: '_during',
      relayState: 'relay-2',
      browserBinding: 'binding',
    };
    const calls: [string, () => Promise<unknown>][] = [
      ['saveRequest', () => store.saveRequest(during, inMs(60_000))],
      ['saveRequest (past)', () => store.saveRequest(before, new Date(0))],
      ['findRequest', () => store.findRequest('_before')],
      ['consumeRequest', () => store.consumeRequest('acme', '_before')],
      ['remember (new)', () => store.remember('acme', '_new', inMs(60_000))],
      ['remember (seen)', () => store.remember('acme', '_seen', inMs(60_000))],
      ['get', () => store.get('acme')],
      ['put', () => store.put(tenant('globex', 'globex.com'))],
      ['delete', () => store.delete('acme')],
      ['list', () => store.list()],
      ['findByEmailDomain', () => store.findByEmailDomain('acme.com')],
      ['findByIssuer', () => store.findByIssuer(idp.entityId)],
      ['sweepExpired', () => store.sweepExpired()],
      ['migrate', () => migrate(pool, { schema: 'f_other' })],
    ];
    for (const [name, call] of calls) {
      const error = await expectCode(call(), 'STORE_UNAVAILABLE');
      assert.ok(
        error.cause !== undefined && !(error.cause instanceof SamlError),
        `${name}: the driver error is the cause`,
      );
      assert.match(error.hint, /PostgreSQL/, name);
    }
    // A past deadline needs no database: remember fails closed without asking.
    assert.equal(await store.remember('acme', '_past', new Date(Date.now() - 1000)), false);

    await server.start();
    assert.equal((await eventually(() => store.get('acme')))?.id, 'acme');
    assert.equal(await store.get('globex'), undefined, 'a put during the outage was stored');
    assert.equal(
      await store.findRequest('_during'),
      undefined,
      'a request saved during the outage was stored',
    );
    assert.equal(
      await store.remember('acme', '_seen', inMs(60_000)),
      false,
      'the outage forgot an assertion',
    );
    assert.equal(
      await store.remember('acme', '_new', inMs(60_000)),
      true,
      'a remember during the outage was stored',
    );
    assert.deepEqual(
      await store.consumeRequest('acme', '_before'),
      before,
      'the outage lost a pending request',
    );
    assert.equal(await store.consumeRequest('acme', '_before'), undefined);
  });

  it('network partition: calls fail closed at connectionTimeoutMillis / query_timeout; healed: the same store works', async () => {
    const schema = await freshSchema();
    const proxy = await partitionableProxy(server.port);
    const url = new URL(server.connectionString);
    url.port = String(proxy.port);
    const timeouts = { connectionTimeoutMillis: 500, query_timeout: 500 };
    const partitioned = new pg.Pool({ connectionString: url.href, max: 4, ...timeouts });
    partitioned.on('error', () => undefined);
    try {
      const store = createPostgresStore({ pool: partitioned, schema });
      await store.saveRequest(
        { tenantId: 'acme', requestId: '_r', relayState: 'relay', browserBinding: 'binding' },
        inMs(60_000),
      );
      proxy.freeze(true);
      await expectCode(store.consumeRequest('acme', '_r'), 'STORE_UNAVAILABLE'); // pooled connection: query_timeout
      await expectCode(store.remember('acme', '_a', inMs(60_000)), 'STORE_UNAVAILABLE'); // new one: connection timeout
      await expectCode(store.findByIssuer('https://idp.example.com/'), 'STORE_UNAVAILABLE');
      proxy.freeze(false);
      assert.equal(await eventually(() => store.remember('acme', '_a', inMs(60_000))), true);
      assert.deepEqual(await store.consumeRequest('acme', '_r'), {
        tenantId: 'acme',
        requestId: '_r',
        relayState: 'relay',
        browserBinding: 'binding',
      });
    } finally {
      await partitioned.end();
      await proxy.close();
    }
  });

  it('a whole login through createServiceProvider; during an outage startLogin and finishLogin fail closed, then the login finishes', async () => {
    const store = await freshStore();
    await store.put(tenant('acme', 'acme.com'));
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: new Date(),
      method: 'operator',
      by: 'test',
    });
    const sp = createServiceProvider({ tenants: store, state: store });

    const first = await sp.startLogin({ email: 'alice@ACME.com' }, { returnTo: '/home' });
    const form = answer(first);
    const result = await sp.finishLogin(form, { browserSecret: first.browserSecret });
    assert.equal(result.tenant.id, 'acme');
    assert.equal(result.profile.email, 'alice@acme.com');
    assert.equal(result.returnTo, '/home');
    await assert.rejects(
      sp.finishLogin(form, { browserSecret: first.browserSecret }),
      SamlError,
      'a used response was accepted again',
    );

    const second = await sp.startLogin({ tenantId: 'acme' });
    const pending = answer(second);
    await server.stop();
    await expectCode(sp.finishLogin(pending, { browserSecret: second.browserSecret }), 'STORE_UNAVAILABLE');
    await expectCode(sp.startLogin({ email: 'alice@acme.com' }), 'STORE_UNAVAILABLE');
    await expectCode(sp.loginMethods('alice@acme.com'), 'STORE_UNAVAILABLE');
    await server.start();

    const finished = await eventually(() => sp.finishLogin(pending, { browserSecret: second.browserSecret }));
    assert.equal(finished.profile.email, 'alice@acme.com');
    await assert.rejects(
      sp.finishLogin(pending, { browserSecret: second.browserSecret }),
      SamlError,
      'a used response was accepted again',
    );
  });

  it('a statement stuck on a lock fails closed at statement_timeout, and is not carried out later', async () => {
    const schema = await freshSchema();
    const store = createPostgresStore({ pool, schema });
    const impatient = new pg.Pool({
      connectionString: server.connectionString,
      max: 2,
      statement_timeout: 300,
    });
    impatient.on('error', () => undefined);
    const stuck = createPostgresStore({ pool: impatient, schema });
    const saved: PendingRequest = {
      tenantId: 'acme',
      requestId: '_locked',
      relayState: 'relay',
      browserBinding: 'binding',
    };
    await store.saveRequest(saved, inMs(60_000));
    const locker = await pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(
        `LOCK TABLE "${schema}".pending_requests, "${schema}".replay IN ACCESS EXCLUSIVE MODE`,
      );
      await expectCode(stuck.consumeRequest('acme', '_locked'), 'STORE_UNAVAILABLE');
      await expectCode(stuck.remember('acme', '_locked', inMs(60_000)), 'STORE_UNAVAILABLE');
      await locker.query('COMMIT');
    } finally {
      locker.release();
      await impatient.end();
    }
    assert.deepEqual(
      await store.consumeRequest('acme', '_locked'),
      saved,
      'the timed-out consume took the request',
    );
    assert.equal(
      await store.remember('acme', '_locked', inMs(60_000)),
      true,
      'the timed-out remember stored',
    );
  });

  it('tables never created: STORE_UNAVAILABLE whose hint says to run migrate', async () => {
    const store = createPostgresStore({ pool, schema: 'never_migrated' });
    const error = await expectCode(store.findRequest('_x'), 'STORE_UNAVAILABLE');
    assert.match(error.hint, /migrate\(pool, \{ schema: 'never_migrated' \}\)/);
    await expectCode(store.put(tenant('acme', 'acme.com')), 'STORE_UNAVAILABLE');
  });

  it('a tenant row edited by hand so that it no longer validates: STORE_UNAVAILABLE naming the tenant', async () => {
    const schema = await freshSchema();
    const store = createPostgresStore({ pool, schema });
    await store.put(tenant('acme', 'acme.com'));
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: new Date(),
      method: 'operator',
      by: 'test',
    });
    await pool.query(`UPDATE "${schema}".tenants SET config = config - 'sp'`);
    for (const call of [
      () => store.get('acme'),
      () => store.findByEmailDomain('acme.com'),
      () => store.list(),
    ]) {
      const error = await expectCode(call(), 'STORE_UNAVAILABLE');
      assert.equal(error.tenantId, 'acme');
      assert.ok(error.cause instanceof TypeError);
    }
    await store.saveRequest(
      { tenantId: 'acme', requestId: '_r', relayState: 'x', browserBinding: 'binding' },
      inMs(60_000),
    );
    await pool.query(`UPDATE "${schema}".pending_requests SET payload = '{"relayState": 1}'`);
    await expectCode(store.findRequest('_r'), 'STORE_UNAVAILABLE');
  });

  it('sweepExpired deletes expired rows only, in batches, and leaves live and renewed entries', async () => {
    const store = await freshStore();
    const request = (requestId: string): PendingRequest => ({
      tenantId: 'acme',
      requestId,
      relayState: 'r',
      browserBinding: 'binding',
    });
    const short = inMs(200);
    for (const id of ['s1', 's2', 's3']) await store.saveRequest(request(id), short);
    for (const id of ['l1', 'l2']) await store.saveRequest(request(id), inMs(60_000));
    for (const id of ['_s1', '_s2', '_s3', '_s4', '_renewed'])
      assert.equal(await store.remember('acme', id, short), true);
    for (const id of ['_l1', '_l2']) assert.equal(await store.remember('acme', id, inMs(60_000)), true);
    await sleep(Math.max(0, short.getTime() + 150 - Date.now()));
    assert.equal(await store.remember('acme', '_renewed', inMs(60_000)), true, 'an expired entry blocked');

    assert.deepEqual(await store.sweepExpired({ batchSize: 2 }), { requests: 3, replays: 4, sessions: 0 });
    assert.deepEqual(await store.sweepExpired(), { requests: 0, replays: 0, sessions: 0 });
    for (const id of ['l1', 'l2']) assert.deepEqual(await store.findRequest(id), request(id));
    for (const id of ['_l1', '_l2', '_renewed'])
      assert.equal(await store.remember('acme', id, inMs(60_000)), false, id);
    for (const id of ['_s1', '_s4']) assert.equal(await store.remember('acme', id, inMs(60_000)), true, id);
    await assert.rejects(store.sweepExpired({ batchSize: 0 }), TypeError);
  });
});
