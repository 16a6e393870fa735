/** The conformance suite for {@link TenantStore} adapters. */
import assert from 'node:assert/strict';
import type { TenantStore } from '../../store/types.js';
import { defineTenant } from '../../tenant/define.js';
import type { TenantConfig } from '../../types.js';
import {
  type ConformanceCase,
  type StoreFactory,
  type TenantStoreConformanceOptions,
  AWKWARD_IDS,
  toCases,
  json,
  assertCode,
  rejectsWithCode,
} from './shared.js';

/**
 * The conformance cases every {@link TenantStore} must pass: round trips, lookups by email domain
 * and by issuer, one domain per tenant (`DOMAIN_ALREADY_CLAIMED`, also under concurrent `put`s),
 * replacing and deleting, awkward IDs, and `close`.
 *
 * @example
 * ```ts
 * for (const c of tenantStoreConformance(factory, { certificate: idpCertificatePem })) it(c.name, () => c.run());
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
