/**
 * Conformance suites for store adapters: every {@link StateStore} and {@link TenantStore} (memory,
 * Redis, PostgreSQL, yours) must pass the same cases, against a real server, without mocks.
 *
 * The suites return plain cases that throw `node:assert` errors, so they run under any test runner.
 * Expiry is checked with real time (short absolute deadlines and deadlines already past), because
 * server-backed stores expire entries by the server's clock; one case waits about 450 ms.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SamlError, type SamlErrorCode } from '../errors.js';
import type { PendingRequest, StateStore, TenantStore } from '../store/types.js';
import { defineTenant } from '../tenant/define.js';
import type { TenantConfig } from '../types.js';

/** One conformance check: register it with your test runner, e.g. `it(c.name, () => c.run())`. */
export interface ConformanceCase {
  readonly name: string;
  /** Creates a fresh store, runs the check, destroys the store; rejects when the check fails. */
  run(): Promise<void>;
}

/** What the suite passes to {@link StoreFactory.create}. */
export interface StoreFactoryOptions {
  /**
   * The suite's clock: the system clock. A store with an injectable clock should use it; a store
   * whose server keeps time ignores it (keep that server's clock within 100 ms of this process's).
   */
  readonly now: () => Date;
}

/** Makes the store under test. Each case calls `create` once and `destroy` once. */
export interface StoreFactory<S> {
  /** A new, empty store (for a shared server: a fresh key prefix, schema or table). */
  create(options: StoreFactoryOptions): Promise<S>;
  /**
   * Cleans up after a case, also after a failed one and after the case that closed the store.
   * Default: `store.close()` when the store has one.
   */
  destroy?(store: S): Promise<void>;
}

/** Options of {@link tenantStoreConformance}. */
export interface TenantStoreConformanceOptions {
  /**
   * A valid IdP signing certificate (PEM, RSA ≥ 2048 bits, not expired) for the test tenants. The
   * suite reads no files: pass the one of your test IdP.
   */
  readonly certificate: string;
}

type Body<S> = (store: S) => Promise<void>;

/** Short deadlines for the real-time expiry case: live for `TTL_MS`, checked `MARGIN_MS` after. */
const TTL_MS = 300;
const MARGIN_MS = 150;
const systemClock = (): Date => new Date();
const inMs = (ms: number): Date => new Date(Date.now() + ms);
const LATER = 60_000;

/**
 * Keys a store must keep apart and intact: Unicode (and its normalisation forms), 1–4 KB IDs,
 * delimiters and wildcards of Redis (`:` `*` `?` `[]`), SQL (`%` `_` quotes), JSON, `printf`,
 * prototype names, case and trailing-space variants that some collations equate.
 */
const AWKWARD_IDS: readonly string[] = Object.freeze([
  'ünïcødé-ключ-鍵-🔑',
  '\u00e9',
  'e\u0301',
  '\u202egnp.exe',
  'a'.repeat(1024),
  noise(4096),
  '鍵'.repeat(1400),
  ':',
  'a:b',
  'a:b:c',
  '*',
  'a*',
  'a?c',
  '[ab]c',
  'abc',
  'ac',
  '%',
  'a%',
  'a_c',
  '%s%n',
  '\n',
  'a\r\nb',
  '\t',
  ' ',
  'pad',
  'pad ',
  'CaseSensitive',
  'casesensitive',
  '{}',
  '{"$gt":""}',
  '__proto__',
  'constructor',
  'toString',
  "'; DROP TABLE samlkit; --",
  '" OR "1"="1',
  '\\',
  '\\x00',
  '$1',
  'KEYS *',
]);

/**
 * The {@link StateStore} cases: round trips, missing keys, fetch-and-delete under 50 concurrent
 * consumers, insert-if-absent under 50 concurrent callers, absolute expiry, tenant isolation,
 * awkward keys and `close`.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test';
 * import { stateStoreConformance } from 'samlkit/testing';
 *
 * describe('RedisStore conformance', () => {
 *   const cases = stateStoreConformance({
 *     create: async () => new RedisStore({ client, prefix: `test:${randomUUID()}:` }),
 *   });
 *   for (const c of cases) it(c.name, () => c.run());
 * });
 * ```
 */
export function stateStoreConformance(factory: StoreFactory<StateStore>): ConformanceCase[] {
  return toCases(factory, [
    [
      'saveRequest, then findRequest returns the request unchanged, and again (it does not consume)',
      async (store) => {
        const plain = request('r-plain');
        const withReturn = { ...request('r-return'), returnTo: '/after/login?x=1' };
        await store.saveRequest(plain, inMs(LATER));
        await store.saveRequest(withReturn, inMs(LATER));
        assert.deepEqual(await store.findRequest('r-plain'), plain);
        assert.deepEqual(await store.findRequest('r-plain'), plain);
        assert.deepEqual(await store.findRequest('r-return'), withReturn);
      },
    ],
    [
      'consumeRequest returns the request once, then it is gone',
      async (store) => {
        await store.saveRequest(request('r1'), inMs(LATER));
        await store.saveRequest(request('r2'), inMs(LATER));
        assert.deepEqual(await store.consumeRequest('tenant-a', 'r1'), request('r1'));
        assert.equal(await store.consumeRequest('tenant-a', 'r1'), undefined);
        assert.equal(await store.findRequest('r1'), undefined);
        assert.deepEqual(await store.findRequest('r2'), request('r2'));
      },
    ],
    [
      'missing request IDs: findRequest and consumeRequest resolve undefined',
      async (store) => {
        assert.equal(await store.findRequest('never-saved'), undefined);
        assert.equal(await store.consumeRequest('tenant-a', 'never-saved'), undefined);
        await store.saveRequest(request('saved'), inMs(LATER));
        assert.equal(await store.findRequest('Saved'), undefined);
        assert.equal(await store.findRequest('saved '), undefined);
      },
    ],
    [
      'saving a request ID again replaces the request',
      async (store) => {
        await store.saveRequest(request('r1'), inMs(LATER));
        const replacement = { ...request('r1'), relayState: 'relay-2', returnTo: '/b' };
        await store.saveRequest(replacement, inMs(LATER));
        assert.deepEqual(await store.consumeRequest('tenant-a', 'r1'), replacement);
      },
    ],
    [
      "consumeRequest with another tenant's ID neither returns nor deletes the request",
      async (store) => {
        await store.saveRequest(request('r1', 'tenant-a'), inMs(LATER));
        assert.equal(await store.consumeRequest('tenant-b', 'r1'), undefined);
        assert.equal(await store.consumeRequest('tenant-A', 'r1'), undefined);
        assert.deepEqual(await store.findRequest('r1'), request('r1', 'tenant-a'));
        assert.deepEqual(await store.consumeRequest('tenant-a', 'r1'), request('r1', 'tenant-a'));
      },
    ],
    [
      '50 concurrent consumeRequest calls: exactly one gets the request',
      async (store) => {
        await store.saveRequest(request('r1'), inMs(LATER));
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.consumeRequest('tenant-a', 'r1')),
        );
        assert.equal(results.filter((result) => result !== undefined).length, 1);
        assert.deepEqual(
          results.find((result) => result !== undefined),
          request('r1'),
        );
      },
    ],
    [
      '50 concurrent consumeRequest calls, half by another tenant: the owner gets it exactly once',
      async (store) => {
        await store.saveRequest(request('r1', 'tenant-a'), inMs(LATER));
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.consumeRequest(i % 2 === 0 ? 'tenant-b' : 'tenant-a', 'r1').then((got) => ({ i, got })),
          ),
        );
        const winners = results.filter(({ got }) => got !== undefined);
        assert.equal(winners.length, 1);
        assert.equal((winners[0]?.i ?? 0) % 2, 1, 'another tenant consumed the request');
      },
    ],
    [
      'remember: true the first time, false while the entry lives, whatever the new deadline',
      async (store) => {
        assert.equal(await store.remember('tenant-a', '_a1', inMs(LATER)), true);
        assert.equal(await store.remember('tenant-a', '_a1', inMs(LATER)), false);
        assert.equal(await store.remember('tenant-a', '_a1', inMs(2 * LATER)), false);
        assert.equal(await store.remember('tenant-a', '_a1', new Date(Date.now() - LATER)), false);
        assert.equal(await store.remember('tenant-a', '_a2', new Date('9999-12-31T23:59:59.999Z')), true);
        assert.equal(await store.remember('tenant-a', '_a2', inMs(LATER)), false);
      },
    ],
    [
      'remember keys by tenant and assertion ID: the same ID in two tenants is two entries',
      async (store) => {
        assert.equal(await store.remember('tenant-a', '_a1', inMs(LATER)), true);
        assert.equal(await store.remember('tenant-b', '_a1', inMs(LATER)), true);
        assert.equal(await store.remember('tenant-a', '_a1', inMs(LATER)), false);
        assert.equal(await store.remember('tenant-b', '_a1', inMs(LATER)), false);
        // Requests and replay entries live apart: an assertion ID equal to a request ID is no replay.
        await store.saveRequest(request('_shared'), inMs(LATER));
        assert.equal(await store.remember('tenant-a', '_shared', inMs(LATER)), true);
        assert.deepEqual(await store.findRequest('_shared'), request('_shared'));
      },
    ],
    [
      'remember: tenant and assertion IDs never run together (a:b + c is not a + b:c)',
      async (store) => {
        const pairs: [string, string][] = [
          ['a:b', 'c'],
          ['a', 'b:c'],
          ['a', ':b:c'],
          ['a:', 'b:c'],
          ['a|b', 'c'],
          ['a', 'b|c'],
          ['a\nb', 'c'],
          ['a', 'b\nc'],
          ['ab', 'c'],
          ['a', 'bc'],
          ['a/b', 'c'],
          ['a', 'b/c'],
        ];
        for (const [tenantId, assertionId] of pairs) {
          assert.equal(
            await store.remember(tenantId, assertionId, inMs(LATER)),
            true,
            `${tenantId} + ${assertionId}`,
          );
        }
      },
    ],
    [
      '50 concurrent remember calls: exactly one true',
      async (store) => {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.remember('tenant-a', '_a1', inMs(LATER))),
        );
        assert.equal(results.filter((first) => first).length, 1);
        assert.ok(results.every((first) => typeof first === 'boolean'));
      },
    ],
    [
      `entries expire at their absolute deadline (real time: lives ${TTL_MS} ms, checked ${MARGIN_MS} ms after)`,
      async (store) => {
        const deadline = inMs(TTL_MS);
        await store.saveRequest(request('short-find'), deadline);
        await store.saveRequest(request('short-consume'), deadline);
        await store.saveRequest(request('long'), inMs(LATER));
        assert.equal(await store.remember('tenant-a', '_short', deadline), true);
        assert.equal(await store.remember('tenant-a', '_long', inMs(LATER)), true);
        assert.deepEqual(await store.findRequest('short-find'), request('short-find'));
        assert.equal(await store.remember('tenant-a', '_short', deadline), false);
        await sleep(Math.max(0, deadline.getTime() + MARGIN_MS - Date.now()));
        assert.equal(await store.findRequest('short-find'), undefined);
        assert.equal(await store.consumeRequest('tenant-a', 'short-consume'), undefined);
        assert.equal(
          await store.remember('tenant-a', '_short', inMs(LATER)),
          true,
          'an expired entry blocks',
        );
        assert.deepEqual(await store.findRequest('long'), request('long'));
        assert.equal(await store.remember('tenant-a', '_long', inMs(LATER)), false);
      },
    ],
    [
      'deadlines already past: saveRequest stores nothing; remember stores nothing and returns false',
      async (store) => {
        for (const past of [new Date(Date.now() - 1000), new Date(Date.now() - LATER), new Date(0)]) {
          await store.saveRequest(request('r-past'), past);
          assert.equal(await store.findRequest('r-past'), undefined);
          assert.equal(await store.consumeRequest('tenant-a', 'r-past'), undefined);
          assert.equal(await store.remember('tenant-a', '_past', past), false);
        }
        assert.equal(
          await store.remember('tenant-a', '_past', inMs(LATER)),
          true,
          'a past deadline stored it',
        );
      },
    ],
    [
      'awkward request and tenant IDs: Unicode, 1–4 KB, delimiters, wildcards, quotes, prototype names',
      async (store) => {
        const requests = AWKWARD_IDS.map((id, i) => ({ ...request(id, id), relayState: `relay-${i}` }));
        for (const pending of requests) await store.saveRequest(pending, inMs(LATER));
        for (const pending of requests) assert.deepEqual(await store.findRequest(pending.requestId), pending);
        assert.equal(await store.consumeRequest('a%', 'abc'), undefined);
        assert.equal(await store.consumeRequest('*', 'a*'), undefined);
        for (const pending of requests) {
          const got = await store.consumeRequest(pending.tenantId, pending.requestId);
          assert.deepEqual(got, pending, `consume ${JSON.stringify(pending.requestId.slice(0, 40))}`);
        }
        assert.equal(await store.findRequest('abc'), undefined);
      },
    ],
    [
      'awkward IDs in remember: each tenant and assertion ID is its own entry',
      async (store) => {
        for (const id of AWKWARD_IDS) {
          const what = JSON.stringify(id.slice(0, 40));
          assert.equal(await store.remember('tenant-a', id, inMs(LATER)), true, `assertion ${what}`);
          assert.equal(await store.remember(id, '_a1', inMs(LATER)), true, `tenant ${what}`);
        }
        for (const id of AWKWARD_IDS) {
          assert.equal(await store.remember('tenant-a', id, inMs(LATER)), false);
          assert.equal(await store.remember(id, '_a1', inMs(LATER)), false);
        }
      },
    ],
    [
      'close: later calls reject with STORE_UNAVAILABLE; closing twice is harmless',
      async (store) => {
        if (store.close === undefined) return;
        await store.saveRequest(request('r1'), inMs(LATER));
        await store.close();
        await store.close();
        await rejectsWithCode(store.saveRequest(request('r2'), inMs(LATER)), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.findRequest('r1'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.consumeRequest('tenant-a', 'r1'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.remember('tenant-a', '_a1', inMs(LATER)), 'STORE_UNAVAILABLE');
      },
    ],
  ]);
}

/**
 * The {@link TenantStore} cases: the round trip of a full configuration, list, delete, lookups by
 * email domain (case-insensitive) and by issuer (several tenants per IdP), `DOMAIN_ALREADY_CLAIMED`
 * (also under concurrent puts), replacing a tenant, validation, awkward IDs and `close`.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test';
 * import { tenantStoreConformance } from 'samlkit/testing';
 *
 * describe('PostgresTenantStore conformance', () => {
 *   const cases = tenantStoreConformance(
 *     { create: async () => PostgresStore.create({ pool, schema: await freshSchema() }) },
 *     { certificate: readFileSync('test/keys/idp.crt', 'utf8') },
 *   );
 *   for (const c of cases) it(c.name, () => c.run());
 * });
 * ```
 */
export function tenantStoreConformance(
  factory: StoreFactory<TenantStore>,
  options: TenantStoreConformanceOptions,
): ConformanceCase[] {
  const certificate: unknown = options.certificate;
  if (typeof certificate !== 'string' || certificate === '')
    throw new TypeError('options.certificate must be a PEM certificate');
  const tenant = (id: string, more: Omit<Partial<TenantConfig>, 'id'> = {}): TenantConfig => ({
    id,
    sp: {
      entityId: `https://app.example.com/saml/${encodeURIComponent(id)}`,
      acsUrl: `https://app.example.com/saml/${encodeURIComponent(id)}/acs`,
    },
    idp: { entityId: 'https://idp.example.com/', certificates: [certificate] },
    ...more,
  });
  const ids = (tenants: readonly TenantConfig[]): string[] => tenants.map((t) => t.id).sort();

  return toCases(factory, [
    [
      'put, then get returns what defineTenant makes of the configuration (every field)',
      async (store) => {
        const config = tenant('rich', {
          sp: {
            entityId: 'urn:example:sp:rich',
            acsUrl: 'https://app.example.com/saml/rich/acs',
          },
          idp: {
            entityId: 'https://idp.example.com/rich',
            certificates: [certificate],
            ssoUrl: 'https://idp.example.com/sso',
            ssoUrls: {
              redirect: 'https://idp.example.com/sso/redirect',
              post: 'https://idp.example.com/sso/post',
            },
            wantAuthnRequestsSigned: true,
          },
          emailDomains: ['Rich.Example.com', 'rich.example.org'],
          allowIdpInitiated: true,
          clockSkewSeconds: 60,
          signing: 'both',
          email: { from: 'attribute', name: 'mail' },
          attributeNames: { groups: 'memberOf', firstName: 'givenName', lastName: 'sn' },
          preset: 'okta',
          enabled: false,
          requireSso: true,
          breakGlassEmails: ['admin@rich.example.com'],
          roles: {
            rules: [
              { group: 'Admins', role: 'admin' },
              { group: 'Ünïcødé', role: 'user' },
            ],
            defaultRole: 'guest',
          },
        });
        await store.put(config);
        const got = await store.get('rich');
        assert.ok(got !== undefined, 'get returned undefined after put');
        assert.deepEqual(json(got), json(defineTenant(config)));
        assert.doesNotThrow(() => defineTenant(got));
      },
    ],
    [
      'unknown IDs: get resolves undefined, delete resolves false; an empty store lists nothing',
      async (store) => {
        assert.equal(await store.get('nobody'), undefined);
        assert.equal(await store.delete('nobody'), false);
        assert.deepEqual(await store.list(), []);
        await store.put(tenant('acme'));
        assert.equal(await store.get('ACME'), undefined);
        assert.equal(await store.get('acme '), undefined);
      },
    ],
    [
      'list returns every tenant, sorted by ID',
      async (store) => {
        for (const id of ['charlie', 'alpha', 'bravo']) await store.put(tenant(id));
        const listed = await store.list();
        assert.deepEqual(
          listed.map((t) => t.id),
          ['alpha', 'bravo', 'charlie'],
        );
        assert.deepEqual(json(listed[0]), json(defineTenant(tenant('alpha'))));
      },
    ],
    [
      'delete removes the tenant from get, list and both lookups, and frees its domains',
      async (store) => {
        await store.put(tenant('acme', { emailDomains: ['acme.com'] }));
        await store.put(tenant('other'));
        assert.equal(await store.delete('acme'), true);
        assert.equal(await store.delete('acme'), false);
        assert.equal(await store.get('acme'), undefined);
        assert.deepEqual(ids(await store.list()), ['other']);
        assert.equal(await store.findByEmailDomain('acme.com'), undefined);
        assert.deepEqual(ids(await store.findByIssuer('https://idp.example.com/')), ['other']);
        await store.put(tenant('newcomer', { emailDomains: ['acme.com'] }));
        assert.equal((await store.findByEmailDomain('acme.com'))?.id, 'newcomer');
      },
    ],
    [
      'findByEmailDomain matches whole domains, ignoring case',
      async (store) => {
        await store.put(tenant('acme', { emailDomains: ['Example.COM', 'acme.io'] }));
        for (const domain of ['example.com', 'EXAMPLE.COM', 'Example.Com', 'acme.io', 'ACME.IO']) {
          assert.equal((await store.findByEmailDomain(domain))?.id, 'acme', domain);
        }
        for (const domain of ['sub.example.com', 'example.co', 'xample.com', 'example.com.', '%', '*', '']) {
          assert.equal(await store.findByEmailDomain(domain), undefined, JSON.stringify(domain));
        }
      },
    ],
    [
      'findByIssuer returns every tenant of a shared IdP, matching the entity ID exactly',
      async (store) => {
        const shared = { entityId: 'https://idp.example.com/shared', certificates: [certificate] };
        for (const id of ['t1', 't2', 't3']) await store.put(tenant(id, { idp: shared }));
        await store.put(tenant('t4'));
        assert.deepEqual(ids(await store.findByIssuer('https://idp.example.com/shared')), ['t1', 't2', 't3']);
        assert.deepEqual(ids(await store.findByIssuer('https://idp.example.com/')), ['t4']);
        for (const issuer of [
          'https://idp.example.com/Shared',
          'https://idp.example.com/shared/',
          'https://idp.example.com',
          '%',
        ]) {
          assert.deepEqual(await store.findByIssuer(issuer), [], issuer);
        }
      },
    ],
    [
      'put refuses an email domain another tenant claims (DOMAIN_ALREADY_CLAIMED), in any case, and stores nothing',
      async (store) => {
        await store.put(tenant('acme', { emailDomains: ['example.com'] }));
        const error = await rejectsWithCode(
          store.put(tenant('intruder', { emailDomains: ['intruder.com', 'EXAMPLE.com'] })),
          'DOMAIN_ALREADY_CLAIMED',
        );
        assert.match(error.hint, /example\.com/i, 'the hint names the domain');
        assert.match(error.hint, /acme/, 'the hint names the tenant that claims it');
        assert.equal(await store.get('intruder'), undefined);
        assert.equal(await store.findByEmailDomain('intruder.com'), undefined);
        assert.equal((await store.findByEmailDomain('example.com'))?.id, 'acme');
      },
    ],
    [
      'putting a tenant again replaces it: dropped domains are freed, the issuer lookup follows',
      async (store) => {
        await store.put(tenant('acme', { emailDomains: ['a.com', 'b.com'] }));
        await store.put(tenant('acme', { emailDomains: ['b.com', 'c.com'] }));
        const latest = tenant('acme', {
          emailDomains: ['B.com', 'c.com'],
          idp: { entityId: 'https://idp.example.com/new', certificates: [certificate] },
        });
        await store.put(latest);
        assert.equal(await store.findByEmailDomain('a.com'), undefined);
        assert.equal((await store.findByEmailDomain('b.com'))?.id, 'acme');
        assert.deepEqual(await store.findByIssuer('https://idp.example.com/'), []);
        assert.deepEqual(ids(await store.findByIssuer('https://idp.example.com/new')), ['acme']);
        assert.deepEqual(ids(await store.list()), ['acme']);
        assert.deepEqual(json(await store.get('acme')), json(defineTenant(latest)));
        await store.put(tenant('other', { emailDomains: ['a.com'] }));
        assert.equal((await store.findByEmailDomain('a.com'))?.id, 'other');
      },
    ],
    [
      'concurrent puts of 10 tenants claiming one domain: exactly one succeeds',
      async (store) => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            store.put(tenant(`t${i}`, { emailDomains: [`t${i}.com`, 'contested.com'] })),
          ),
        );
        const won = results.flatMap((result, i) => (result.status === 'fulfilled' ? [`t${i}`] : []));
        assert.equal(won.length, 1, `winners: ${won.join(', ')}`);
        for (const result of results) {
          if (result.status === 'rejected') assertCode(result.reason, 'DOMAIN_ALREADY_CLAIMED');
        }
        assert.equal((await store.findByEmailDomain('contested.com'))?.id, won[0]);
        assert.deepEqual(ids(await store.list()), won);
      },
    ],
    [
      'put refuses an invalid configuration with a TypeError and stores nothing',
      async (store) => {
        const invalid = {
          ...tenant('broken'),
          idp: { entityId: 'https://idp.example.com/', certificates: [] },
        };
        await assert.rejects(store.put(invalid), TypeError);
        assert.equal(await store.get('broken'), undefined);
        assert.deepEqual(await store.list(), []);
      },
    ],
    [
      'awkward tenant IDs: each is its own tenant through put, get, list and delete',
      async (store) => {
        const awkward = AWKWARD_IDS.filter((id) => id.trim() === id && id !== '');
        for (const id of awkward) await store.put(tenant(id));
        for (const id of awkward)
          assert.equal((await store.get(id))?.id, id, JSON.stringify(id.slice(0, 40)));
        assert.deepEqual(ids(await store.list()), [...awkward].sort());
        for (const id of awkward) assert.equal(await store.delete(id), true);
        assert.deepEqual(await store.list(), []);
      },
    ],
    [
      'close: later calls reject with STORE_UNAVAILABLE; closing twice is harmless',
      async (store) => {
        if (store.close === undefined) return;
        await store.put(tenant('acme'));
        await store.close();
        await store.close();
        await rejectsWithCode(store.get('acme'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.put(tenant('other')), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.delete('acme'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.list(), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.findByEmailDomain('example.com'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.findByIssuer('https://idp.example.com/'), 'STORE_UNAVAILABLE');
      },
    ],
  ]);
}

/** Wraps each body so that it gets a fresh store and always cleans up. */
function toCases<S extends { close?(): Promise<void> }>(
  factory: StoreFactory<S>,
  bodies: readonly (readonly [string, Body<S>])[],
): ConformanceCase[] {
  if (typeof factory !== 'object' || typeof (factory as Partial<typeof factory>).create !== 'function')
    throw new TypeError('factory must be an object with a create({ now }) method');
  return bodies.map(([name, body]) => ({
    name,
    async run(): Promise<void> {
      const store = await factory.create({ now: systemClock });
      try {
        await body(store);
      } finally {
        await (factory.destroy === undefined ? store.close?.() : factory.destroy(store));
      }
    },
  }));
}

function request(requestId: string, tenantId = 'tenant-a'): PendingRequest {
  return { tenantId, requestId, relayState: `relay-${requestId.length}` };
}

/** The JSON form of a value: what a database-backed store keeps of a tenant. */
function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function assertCode(error: unknown, code: SamlErrorCode): asserts error is SamlError {
  assert.ok(error instanceof SamlError, `expected SamlError ${code}, got ${String(error)}`);
  assert.equal(error.code, code);
}

async function rejectsWithCode(promise: Promise<unknown>, code: SamlErrorCode): Promise<SamlError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assertCode(caught, code);
  return caught;
}

/** `length` characters of deterministic, incompressible-looking text (a long ID is not `aaaa…`). */
function noise(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~';
  let state = 0x2545f491;
  let text = '';
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    text += alphabet.charAt((state >>> 0) % alphabet.length);
  }
  return text;
}
