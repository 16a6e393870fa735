/**
 * The Redis store against the store conformance suites (the same cases as MemoryStore), on one
 * real redis-server started for this file; each case gets a fresh keyPrefix, so cases never see
 * each other's keys. Then what only a Redis store has: its key layout and expiry, its options,
 * replies it must not trust, and scripts the server has forgotten. Skipped when redis-server is
 * missing, except under CI=true.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createClient, RESP_TYPES } from 'redis';
import { SamlError, type TenantConfig } from '../../src/index.js';
import { createRedisStore, type RedisStore } from '../../src/redis.js';
import {
  sessionStoreConformance,
  setupStoreConformance,
  stateStoreConformance,
  tenantStoreConformance,
} from '../../src/testing/index.js';
import { redisSkip, startRedis, type RedisServer } from '../integration/servers/redis.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
const later = (ms = 60_000): Date => new Date(Date.now() + ms);
const operator = { verifiedAt: new Date(), method: 'operator', by: 'test' } as const;

function tenant(id: string, emailDomains: string[] = []): TenantConfig {
  return {
    id,
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: 'https://idp.example.com/', certificates: [certificate] },
    emailDomains,
  };
}

async function unavailable(promise: Promise<unknown>): Promise<SamlError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof SamlError, `expected SamlError STORE_UNAVAILABLE, got ${String(caught)}`);
  assert.equal(caught.code, 'STORE_UNAVAILABLE');
  return caught;
}

describe('RedisStore', { skip: redisSkip() }, () => {
  let server: RedisServer | undefined;
  let client: ReturnType<typeof createClient> | undefined;
  const connected = (): ReturnType<typeof createClient> => {
    assert.ok(client !== undefined, 'the Redis client is not connected');
    return client;
  };

  before(async () => {
    server = await startRedis();
    client = createClient({ url: server.url, disableOfflineQueue: true });
    client.on('error', () => undefined); // reconnects by itself; the store reports failures
    await client.connect();
  });

  after(async () => {
    client?.destroy();
    await server?.destroy();
  });

  const factory = {
    create: (): Promise<RedisStore> =>
      Promise.resolve(createRedisStore({ client: connected(), keyPrefix: `conformance:${randomUUID()}:` })),
  };

  describe('StateStore conformance', () => {
    for (const c of stateStoreConformance(factory)) it(c.name, () => c.run());
  });

  describe('SessionStore conformance', () => {
    for (const c of sessionStoreConformance(factory)) it(c.name, () => c.run());
  });

  describe('TenantStore conformance', () => {
    for (const c of tenantStoreConformance(factory, { certificate })) it(c.name, () => c.run());
  });

  describe('SetupStore conformance', () => {
    for (const c of setupStoreConformance(factory, { certificate })) it(c.name, () => c.run());
  });

  describe('Redis specifics', () => {
    /** Every key under the prefix with its time to live in ms (-1: none). */
    async function keysOf(prefix: string): Promise<Map<string, number>> {
      const redis = connected();
      const keys = new Map<string, number>();
      for await (const batch of redis.scanIterator({ MATCH: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*` }))
        for (const key of batch) keys.set(key.slice(prefix.length), await redis.pTTL(key));
      return keys;
    }

    it('keeps every key under its keyPrefix; login state and replay entries expire, tenants do not', async () => {
      const prefix = `layout:${randomUUID()}:`;
      const store = createRedisStore({ client: connected(), keyPrefix: prefix });
      await store.put(tenant('a:b', ['Example.org']));
      await store.setDomainVerification('a:b', 'example.org', operator);
      await store.saveRequest(
        { tenantId: 'a:b', requestId: '_r1', relayState: 'x', browserBinding: 'binding' },
        later(30_000),
      );
      assert.equal(await store.remember('a:b', '_a1', later(30_000)), true);
      const keys = await keysOf(prefix);
      assert.deepEqual([...keys.keys()].sort(), [
        'claims:a:b',
        'issuer:https://idp.example.com/',
        'req:3:a:b:_r1',
        'reqid:_r1',
        'seen:3:a:b:_a1',
        'tenant:a:b',
        'tenants',
        'verified:example.org',
      ]);
      for (const name of ['req:3:a:b:_r1', 'reqid:_r1', 'seen:3:a:b:_a1']) {
        const ttl = keys.get(name) ?? -1;
        assert.ok(ttl > 25_000 && ttl <= 30_000, `${name} expires in ${ttl} ms`);
      }
      for (const name of ['tenant:a:b', 'tenants', 'claims:a:b', 'verified:example.org'])
        assert.equal(keys.get(name), -1);
      assert.equal((await store.consumeRequest('a:b', '_r1')) !== undefined, true);
      assert.equal(await store.delete('a:b'), true);
      assert.deepEqual([...(await keysOf(prefix)).keys()], ['seen:3:a:b:_a1']);
    });

    it('saving a request ID again for another tenant replaces it there too (as MemoryStore does)', async () => {
      const store = await factory.create();
      await store.saveRequest(
        { tenantId: 'tenant-a', requestId: '_r', relayState: 'a', browserBinding: 'binding' },
        later(),
      );
      await store.saveRequest(
        { tenantId: 'tenant-b', requestId: '_r', relayState: 'b', browserBinding: 'binding' },
        later(),
      );
      assert.equal(await store.consumeRequest('tenant-a', '_r'), undefined);
      assert.deepEqual(await store.findRequest('_r'), {
        tenantId: 'tenant-b',
        requestId: '_r',
        relayState: 'b',
        browserBinding: 'binding',
      });
      // A past deadline stores nothing and still drops the request it replaces.
      await store.saveRequest(
        { tenantId: 'tenant-a', requestId: '_r', relayState: 'a', browserBinding: 'binding' },
        new Date(0),
      );
      assert.equal(await store.findRequest('_r'), undefined);
      assert.equal(await store.consumeRequest('tenant-b', '_r'), undefined);
    });

    it('returns frozen values: a frozen Tenant (defineTenant) and a frozen request', async () => {
      const store = await factory.create();
      await store.put(tenant('acme', ['acme.com']));
      await store.saveRequest(
        { tenantId: 'acme', requestId: '_r', relayState: 'x', browserBinding: 'binding', returnTo: '/a' },
        later(),
      );
      const got = await store.get('acme');
      assert.ok(got !== undefined && Object.isFrozen(got) && Object.isFrozen(got.idp));
      assert.ok(Object.isFrozen(await store.findRequest('_r')));
    });

    it('works again after the server forgets its scripts (SCRIPT FLUSH: EVALSHA falls back to EVAL)', async () => {
      const store = await factory.create();
      await store.put(tenant('acme', ['acme.com']));
      await connected().sendCommand(['SCRIPT', 'FLUSH']);
      await store.setDomainVerification('acme', 'acme.com', operator);
      await connected().sendCommand(['SCRIPT', 'FLUSH']);
      assert.equal((await store.findByEmailDomain('ACME.COM'))?.id, 'acme');
      assert.equal(await store.remember('acme', '_a1', later()), true);
      await connected().sendCommand(['SCRIPT', 'FLUSH']);
      assert.equal(await store.remember('acme', '_a1', later()), false);
    });

    it('refuses what it cannot read as STORE_UNAVAILABLE, never a raw error: Buffer replies, foreign data, wrong types', async () => {
      const prefix = `foreign:${randomUUID()}:`;
      const redis = connected();
      const store = createRedisStore({ client: redis, keyPrefix: prefix });
      await store.put(tenant('acme', ['acme.com']));
      await store.setDomainVerification('acme', 'acme.com', operator);
      await store.saveRequest(
        { tenantId: 'acme', requestId: '_r', relayState: 'x', browserBinding: 'binding' },
        later(),
      );

      const buffers = createRedisStore({
        client: redis.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }),
        keyPrefix: prefix,
      });
      assert.match((await unavailable(buffers.get('acme'))).hint, /Buffer/);
      await unavailable(buffers.findRequest('_r'));

      await redis.set(`${prefix}tenant:acme`, '{"id":"acme"');
      await unavailable(store.get('acme'));
      await unavailable(store.list());
      await redis.set(`${prefix}tenant:acme`, JSON.stringify({ id: 'acme' }));
      const invalid = await unavailable(store.findByEmailDomain('acme.com'));
      assert.ok(invalid.cause instanceof TypeError, 'the validation error is the cause');
      await redis.set(`${prefix}req:4:acme:_r`, '{"tenantId":"acme"}', {
        expiration: { type: 'PX', value: 60_000 },
      });
      await unavailable(store.findRequest('_r'));

      await redis.del(`${prefix}tenants`);
      await redis.set(`${prefix}tenants`, 'not a set');
      const wrongType = await unavailable(store.list());
      assert.ok(wrongType.cause instanceof Error && wrongType.cause.message.includes('WRONGTYPE'));
      assert.match(wrongType.hint, /Redis/);
    });

    it('claims of an earlier samlkit (domain: keys) route nothing; putting the tenant again makes them pending claims and drops the old keys', async () => {
      const prefix = `v1:${randomUUID()}:`;
      const redis = connected();
      const store = createRedisStore({ client: redis, keyPrefix: prefix });
      await store.put(tenant('acme', ['acme.com']));
      await redis.del(`${prefix}claims:acme`);
      await redis.set(`${prefix}domain:acme.com`, 'acme'); // as schema 1 wrote it
      assert.equal(await store.findByEmailDomain('acme.com'), undefined);
      assert.deepEqual(await store.domainClaims('acme'), []);
      for (const config of await store.list()) await store.put(config);
      assert.equal(await redis.exists(`${prefix}domain:acme.com`), 0);
      assert.deepEqual(
        (await store.domainClaims('acme')).map((c) => [c.domain, c.status]),
        [['acme.com', 'pending']],
      );
      await store.setDomainVerification('acme', 'acme.com', operator);
      assert.equal((await store.findByEmailDomain('acme.com'))?.id, 'acme');
    });

    it('refuses a claim it cannot read as STORE_UNAVAILABLE', async () => {
      const prefix = `badclaim:${randomUUID()}:`;
      const redis = connected();
      const store = createRedisStore({ client: redis, keyPrefix: prefix });
      await store.put(tenant('acme', ['acme.com']));
      await redis.hSet(`${prefix}claims:acme`, 'acme.com', '{"no":"token"}');
      await unavailable(store.domainClaims('acme'));
      await unavailable(store.setDomainVerification('acme', 'acme.com', operator));
    });

    it('IDs that are not well-formed Unicode: writes throw TypeError, reads find nothing', async () => {
      const store = await factory.create();
      const lone = 'id-\uD800';
      await assert.rejects(
        store.saveRequest(
          { tenantId: lone, requestId: '_r', relayState: 'x', browserBinding: 'binding' },
          later(),
        ),
        TypeError,
      );
      await assert.rejects(
        store.saveRequest(
          { tenantId: 'acme', requestId: lone, relayState: 'x', browserBinding: 'binding' },
          later(),
        ),
        TypeError,
      );
      await assert.rejects(store.put(tenant(lone)), TypeError);
      // '\uFFFD' is what a lone surrogate would become in UTF-8: it must not answer for one.
      await store.saveRequest(
        { tenantId: 'acme', requestId: 'id-\uFFFD', relayState: 'x', browserBinding: 'binding' },
        later(),
      );
      assert.equal(await store.findRequest(lone), undefined);
      assert.equal(await store.consumeRequest('acme', lone), undefined);
      assert.equal(await store.remember('acme', lone, later()), false);
      assert.equal(await store.get(lone), undefined);
      assert.equal(await store.delete(lone), false);
      assert.equal(await store.findByEmailDomain(lone), undefined);
      assert.deepEqual(await store.findByIssuer(lone), []);
      assert.ok((await store.findRequest('id-\uFFFD')) !== undefined);
    });

    it('checks its options and arguments with TypeErrors, and leaves the client connected on close', async () => {
      const redis = connected();
      for (const keyPrefix of ['', ' ', 'a b', 'a\n', 'x\uDC00']) {
        assert.throws(
          () => createRedisStore({ client: redis, keyPrefix }),
          TypeError,
          JSON.stringify(keyPrefix),
        );
      }
      for (const commandTimeoutMs of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
        assert.throws(
          () => createRedisStore({ client: redis, commandTimeoutMs }),
          TypeError,
          String(commandTimeoutMs),
        );
      }
      assert.throws(() => createRedisStore({ client: {} as never }), TypeError);
      assert.throws(() => createRedisStore(undefined as never), TypeError);
      const store = await factory.create();
      await assert.rejects(store.remember('acme', '_a', new Date(Number.NaN)), TypeError);
      await assert.rejects(store.findRequest(42 as never), TypeError);
      await assert.rejects(
        store.saveRequest(
          { tenantId: 'acme', requestId: '', relayState: 'x', browserBinding: 'binding' },
          later(),
        ),
        TypeError,
      );
      await store.close();
      assert.equal(redis.isReady, true);
      assert.equal(await redis.ping(), 'PONG');
    });
  });
});
