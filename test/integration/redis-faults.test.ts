/**
 * The Redis store through outages of a real redis-server: stopped in the middle of a run, every
 * operation rejects with STORE_UNAVAILABLE within a bound and nothing is accepted; started again on
 * the same port, the same store object and client work again. A server that stops answering
 * (SIGSTOP) fails operations after commandTimeoutMs. A full login through createServiceProvider,
 * with this store as tenant and state store, fails closed during an outage and finishes after it.
 *
 * The server runs with an append-only file (`appendfsync always`), so that what happens across a
 * restart is the store's doing, not lost data. Skipped when redis-server is missing, except under
 * CI=true.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { createServiceProvider, SamlError, type StartedLogin, type TenantConfig } from '../../src/index.js';
import { createRedisStore, type RedisStore } from '../../src/redis.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import { redisSkip, startRedis, type RedisServer } from './servers/redis.js';
import { expectCode } from '../helpers/expect.js';

/** How long the client may take to reconnect after the server is back. */
const RECOVERY_MS = 5_000;

const later = (ms = 60_000): Date => new Date(Date.now() + ms);

/** Polls until the store answers again; the server has just been started on the same port. */
async function recovered(store: RedisStore): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await store.findRequest('probe');
      return performance.now() - started;
    } catch (error) {
      assert.ok(error instanceof SamlError && error.code === 'STORE_UNAVAILABLE', String(error));
      if (performance.now() - started > RECOVERY_MS)
        assert.fail(`the store did not recover within ${RECOVERY_MS} ms`);
      await sleep(25);
    }
  }
}

describe('RedisStore through server outages', { skip: redisSkip() }, () => {
  let server: RedisServer;
  let client: ReturnType<typeof createClient>;
  let idp: TestIdp;
  const stores: RedisStore[] = [];
  const store = (commandTimeoutMs = 2_000): RedisStore => {
    const created = createRedisStore({ client, keyPrefix: `faults:${randomUUID()}:`, commandTimeoutMs });
    stores.push(created);
    return created;
  };
  const tenant = (id: string, domain: string): TenantConfig => ({
    id,
    preset: 'okta',
    sp: {
      entityId: `https://app.example.com/saml/${id}`,
      acsUrl: `https://app.example.com/saml/${id}/acs`,
    },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    emailDomains: [domain],
  });

  let started = false;

  before(async () => {
    server = await startRedis({ persistence: 'aof' });
    started = true;
    // The options recommended to applications: fail at once while disconnected, retry soon.
    client = createClient({
      url: server.url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: () => 100 },
    });
    client.on('error', () => undefined); // node-redis reports each failed reconnect; the store reports failures
    await client.connect();
    idp = await createTestIdp({
      preset: 'okta',
      key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    });
  });

  after(async () => {
    for (const created of stores) await created.close();
    if (!started) return;
    client.destroy(); // at once, whatever state a failed test left the connection in
    await server.destroy();
  });

  it('stopped: every operation rejects with STORE_UNAVAILABLE at once, and nothing is accepted', async () => {
    const s = store();
    await s.put(tenant('acme', 'acme.com'));
    await s.setDomainVerification('acme', 'acme.com', {
      verifiedAt: new Date(),
      method: 'operator',
      by: 'test',
    });
    await s.saveRequest(
      { tenantId: 'acme', requestId: '_kept', relayState: 'k', browserBinding: 'binding' },
      later(),
    );
    await s.saveRequest(
      { tenantId: 'acme', requestId: '_used', relayState: 'u', browserBinding: 'binding' },
      later(),
    );
    assert.ok((await s.consumeRequest('acme', '_used')) !== undefined);
    assert.equal(await s.remember('acme', '_seen', later()), true);

    await server.stop();
    const operations: [string, () => Promise<unknown>][] = [
      [
        'saveRequest',
        () =>
          s.saveRequest(
            { tenantId: 'acme', requestId: '_new', relayState: 'n', browserBinding: 'binding' },
            later(),
          ),
      ],
      ['findRequest', () => s.findRequest('_kept')],
      ['consumeRequest', () => s.consumeRequest('acme', '_kept')],
      ['consumeRequest (consumed before)', () => s.consumeRequest('acme', '_used')],
      ['remember (seen before)', () => s.remember('acme', '_seen', later())],
      ['remember (new)', () => s.remember('acme', '_fresh', later())],
      ['get', () => s.get('acme')],
      ['put', () => s.put(tenant('globex', 'globex.com'))],
      ['delete', () => s.delete('acme')],
      ['list', () => s.list()],
      ['findByEmailDomain', () => s.findByEmailDomain('acme.com')],
      ['findByIssuer', () => s.findByIssuer(idp.entityId)],
    ];
    for (const [what, operation] of operations) {
      const error = await expectCode(operation(), 'STORE_UNAVAILABLE');
      assert.ok(error.cause instanceof Error, `${what}: the driver's error is the cause`);
      assert.match(error.hint, /Redis/);
    }
    // While node-redis retries to connect, concurrent and repeated calls keep failing, never succeeding.
    const until = Date.now() + 300;
    while (Date.now() < until) {
      const results = await Promise.allSettled([
        s.consumeRequest('acme', '_kept'),
        s.consumeRequest('acme', '_kept'),
        s.remember('acme', '_fresh', later()),
      ]);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.ok(result.reason instanceof SamlError && result.reason.code === 'STORE_UNAVAILABLE');
      }
      await sleep(20);
    }

    await server.start();
    await recovered(s);
    // The same store and client: what failed during the outage did not happen; what happened before stays.
    assert.equal(await s.consumeRequest('acme', '_used'), undefined, 'a request consumed twice');
    assert.deepEqual(await s.consumeRequest('acme', '_kept'), {
      tenantId: 'acme',
      requestId: '_kept',
      relayState: 'k',
      browserBinding: 'binding',
    });
    assert.equal(await s.consumeRequest('acme', '_kept'), undefined);
    assert.equal(await s.findRequest('_new'), undefined);
    assert.equal(await s.remember('acme', '_seen', later()), false, 'a replay accepted after the outage');
    assert.equal(await s.remember('acme', '_fresh', later()), true);
    assert.equal((await s.get('acme'))?.id, 'acme');
    assert.equal(await s.get('globex'), undefined);
    assert.equal((await s.findByEmailDomain('ACME.com'))?.id, 'acme');
    assert.deepEqual(
      (await s.list()).map((t) => t.id),
      ['acme'],
    );
  });

  it('paused (SIGSTOP): operations fail after commandTimeoutMs; resumed, the same store works', async () => {
    const s = store(250);
    await s.saveRequest(
      { tenantId: 'acme', requestId: '_r', relayState: 'r', browserBinding: 'binding' },
      later(),
    );
    server.pause();
    try {
      for (const [what, operation] of [
        ['remember', () => s.remember('acme', '_during-pause', later())],
        ['consumeRequest', () => s.consumeRequest('acme', '_r')],
        ['list', () => s.list()],
      ] as const) {
        const error = await expectCode(operation(), 'STORE_UNAVAILABLE');
        assert.match(error.hint, /commandTimeoutMs/, what);
      }
    } finally {
      server.resume();
    }
    // The timed-out commands ran once the server resumed: the login failed closed, and the entry
    // it stored still refuses a second use; the request it consumed is gone.
    assert.equal(await s.remember('acme', '_during-pause', later()), false);
    assert.equal(await s.consumeRequest('acme', '_r'), undefined);
    assert.equal(await s.remember('acme', '_after-pause', later()), true);
  });

  it("a deadline that passes while the command waits is judged by the server's clock: nothing stored", async () => {
    const s = store(2_000);
    server.pause();
    const deadline = later(100);
    const remembered = s.remember('acme', '_late', deadline);
    const saved = s.saveRequest(
      { tenantId: 'acme', requestId: '_late', relayState: 'l', browserBinding: 'binding' },
      deadline,
    );
    await sleep(250);
    server.resume();
    // Plain `SET … NX PXAT <past>` answers OK and stores nothing: that would read as a first use.
    assert.equal(await remembered, false);
    await saved;
    assert.equal(await s.findRequest('_late'), undefined);
    assert.equal(await s.remember('acme', '_late', later()), true);
  });

  it('a full login through createServiceProvider fails closed during an outage and finishes after it', async () => {
    const s = store();
    await s.put(tenant('acme', 'acme.com'));
    await s.setDomainVerification('acme', 'acme.com', {
      verifiedAt: new Date(),
      method: 'operator',
      by: 'test',
    });
    const sp = createServiceProvider({ tenants: s, state: s });
    const answer = (login: StartedLogin) => answerRedirect(idp, login, { user: { email: 'alice@acme.com' } });

    const first = await sp.startLogin({ email: 'alice@acme.com' }, { returnTo: '/projects' });
    const firstForm = answer(first);
    const result = await sp.finishLogin(firstForm, { browserSecret: first.browserSecret });
    assert.equal(result.tenant.id, 'acme');
    assert.equal(result.profile.email, 'alice@acme.com');
    assert.equal(result.returnTo, '/projects');
    await assert.rejects(
      sp.finishLogin(firstForm, { browserSecret: first.browserSecret }),
      (error: unknown) => {
        assert.ok(error instanceof SamlError && error.code !== 'STORE_UNAVAILABLE', String(error));
        return true;
      },
    );

    const second = await sp.startLogin({ email: 'alice@acme.com' });
    const secondForm = answer(second);
    await server.stop();
    await expectCode(
      sp.finishLogin(secondForm, { browserSecret: second.browserSecret }),
      'STORE_UNAVAILABLE',
    );
    await expectCode(sp.startLogin({ email: 'alice@acme.com' }), 'STORE_UNAVAILABLE');
    await expectCode(sp.startLogin({ tenantId: 'acme' }), 'STORE_UNAVAILABLE');
    await server.start();
    await recovered(s);

    const finished = await sp.finishLogin(secondForm, { browserSecret: second.browserSecret });
    assert.equal(finished.profile.inResponseTo, second.id);
    await assert.rejects(
      sp.finishLogin(secondForm, { browserSecret: second.browserSecret }),
      (error: unknown) => {
        assert.ok(error instanceof SamlError && error.code !== 'STORE_UNAVAILABLE', String(error));
        return true;
      },
    );
    const third = await sp.startLogin({ tenantId: 'acme' });
    assert.equal(
      (await sp.finishLogin(answer(third), { browserSecret: third.browserSecret })).profile.email,
      'alice@acme.com',
    );
  });
});
