/** The conformance suite for {@link TenantStore} adapters. */
import assert from 'node:assert/strict';
import type { TenantStore } from '../../store/types.js';
import type { DomainVerification } from '../../tenant/domains.js';
import { defineTenant } from '../../tenant/define.js';
import type { TenantConfig } from '../../types.js';
import {
  type ConformanceCase,
  type StoreFactory,
  tenantMaker,
  type TenantStoreConformanceOptions,
  AWKWARD_IDS,
  toCases,
  json,
  assertCode,
  rejectsWithCode,
} from './shared.js';

/**
 * The conformance cases every {@link TenantStore} must pass: round trips, lookups by verified email
 * domain and by issuer, domain claims (pending claims block nobody; one verified holder per domain,
 * `DOMAIN_ALREADY_CLAIMED`, also under concurrent verifications), replacing and deleting, awkward
 * IDs, and `close`.
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
  const { certificate, tenant } = tenantMaker(options, 'https://idp.example.com/');
  const ids = (tenants: readonly TenantConfig[]): string[] => tenants.map((t) => t.id).sort();
  const verification = (by = 'conformance'): DomainVerification => ({
    verifiedAt: new Date('2026-01-02T03:04:05.678Z'),
    method: 'operator',
    by,
  });
  const verify = async (store: TenantStore, id: string, domain: string): Promise<void> => {
    const claim = await store.setDomainVerification(id, domain, verification());
    assert.equal(claim?.status, 'verified', `${id} could not verify ${domain}`);
  };

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
        await verify(store, 'acme', 'acme.com');
        await store.put(tenant('other'));
        assert.equal(await store.delete('acme'), true);
        assert.equal(await store.delete('acme'), false);
        assert.equal(await store.get('acme'), undefined);
        assert.deepEqual(ids(await store.list()), ['other']);
        assert.equal(await store.findByEmailDomain('acme.com'), undefined);
        assert.deepEqual(ids(await store.findByIssuer('https://idp.example.com/')), ['other']);
        assert.deepEqual(await store.domainClaims('acme'), []);
        await store.put(tenant('newcomer', { emailDomains: ['acme.com'] }));
        await verify(store, 'newcomer', 'acme.com');
        assert.equal((await store.findByEmailDomain('acme.com'))?.id, 'newcomer');
      },
    ],
    [
      'findByEmailDomain matches whole verified domains, ignoring case',
      async (store) => {
        await store.put(tenant('acme', { emailDomains: ['Example.ORG', 'acme.io'] }));
        await verify(store, 'acme', 'example.org');
        await verify(store, 'acme', 'ACME.io');
        for (const domain of ['example.org', 'EXAMPLE.ORG', 'Example.Org', 'acme.io', 'ACME.IO']) {
          assert.equal((await store.findByEmailDomain(domain))?.id, 'acme', domain);
        }
        for (const domain of ['sub.example.org', 'example.or', 'xample.org', 'example.org.', '%', '*', '']) {
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
      'domain claims: pending with distinct random tokens, routing nothing; unknown tenants and domains',
      async (store) => {
        await store.put(tenant('acme', { emailDomains: ['b.example.org', 'A.example.org'] }));
        await store.put(tenant('globex', { emailDomains: ['a.example.org'] }));
        const claims = await store.domainClaims('acme');
        assert.deepEqual(
          claims.map((c) => [c.tenantId, c.domain, c.status, c.verification]),
          [
            ['acme', 'a.example.org', 'pending', undefined],
            ['acme', 'b.example.org', 'pending', undefined],
          ],
        );
        const [other] = await store.domainClaims('globex');
        const tokens = new Set([...claims, other].map((c) => c?.token));
        assert.equal(tokens.size, 3, 'each claim has its own token');
        for (const token of tokens) assert.match(token ?? '', /^[\w-]{16,}$/, 'a random token');
        assert.equal(
          await store.findByEmailDomain('a.example.org'),
          undefined,
          'a pending claim routes nothing',
        );
        assert.deepEqual(await store.domainClaims('nobody'), []);
        assert.equal(await store.setDomainVerification('acme', 'c.example.org', verification()), undefined);
        assert.equal(await store.setDomainVerification('nobody', 'a.example.org', verification()), undefined);
      },
    ],
    [
      'pending claims block nobody; the first verification wins and supersedes the others (DOMAIN_ALREADY_CLAIMED)',
      async (store) => {
        await store.put(tenant('squatter', { emailDomains: ['acme.example.org'] }));
        await store.put(tenant('acme', { emailDomains: ['acme.example.org'] }));
        const claim = await store.setDomainVerification('acme', 'ACME.example.org', verification('ops@app'));
        assert.ok(claim?.verification !== undefined, 'the claim is verified');
        assert.equal(claim.status, 'verified');
        assert.equal(claim.domain, 'acme.example.org');
        assert.equal(claim.verification.method, 'operator');
        assert.equal(claim.verification.by, 'ops@app');
        assert.equal(claim.verification.verifiedAt.toISOString(), '2026-01-02T03:04:05.678Z');
        assert.equal((await store.findByEmailDomain('acme.example.org'))?.id, 'acme');
        const error = await rejectsWithCode(
          store.setDomainVerification('squatter', 'acme.example.org', verification()),
          'DOMAIN_ALREADY_CLAIMED',
        );
        assert.match(error.hint, /acme\.example\.org/, 'the hint names the domain');
        assert.match(error.hint, /"acme"/, 'the hint names the tenant that holds it');
        assert.equal((await store.domainClaims('squatter'))[0]?.status, 'pending');
        // Verifying again (re-verification) is fine for the holder.
        assert.equal(
          (await store.setDomainVerification('acme', 'acme.example.org', verification()))?.status,
          'verified',
        );
        // Demoted, the domain routes nothing, and the other claimant may now prove it.
        assert.equal(
          (await store.setDomainVerification('acme', 'acme.example.org', null))?.status,
          'pending',
        );
        assert.equal(await store.findByEmailDomain('acme.example.org'), undefined);
        await verify(store, 'squatter', 'acme.example.org');
        assert.equal((await store.findByEmailDomain('acme.example.org'))?.id, 'squatter');
      },
    ],
    [
      'putting a tenant again keeps the state and token of claims it still lists',
      async (store) => {
        await store.put(tenant('acme', { emailDomains: ['a.example.org', 'b.example.org'] }));
        const [before] = await store.domainClaims('acme');
        await verify(store, 'acme', 'a.example.org');
        await store.put(tenant('acme', { emailDomains: ['A.example.org', 'c.example.org'] }));
        const after = await store.domainClaims('acme');
        assert.deepEqual(
          after.map((c) => [c.domain, c.status]),
          [
            ['a.example.org', 'verified'],
            ['c.example.org', 'pending'],
          ],
        );
        assert.equal(after[0]?.token, before?.token, 'the token survives a put');
        assert.equal((await store.findByEmailDomain('a.example.org'))?.id, 'acme');
        await store.put(tenant('acme', { emailDomains: ['c.example.org'] }));
        assert.equal(
          await store.findByEmailDomain('a.example.org'),
          undefined,
          'dropping a verified domain frees it',
        );
        await store.put(tenant('other', { emailDomains: ['a.example.org'] }));
        await verify(store, 'other', 'a.example.org');
        assert.equal((await store.findByEmailDomain('a.example.org'))?.id, 'other');
      },
    ],
    [
      'putting a tenant again replaces it: the issuer lookup follows',
      async (store) => {
        await store.put(tenant('acme', { emailDomains: ['a.com', 'b.com'] }));
        const latest = tenant('acme', {
          emailDomains: ['B.com', 'c.com'],
          idp: { entityId: 'https://idp.example.com/new', certificates: [certificate] },
        });
        await store.put(latest);
        assert.deepEqual(await store.findByIssuer('https://idp.example.com/'), []);
        assert.deepEqual(ids(await store.findByIssuer('https://idp.example.com/new')), ['acme']);
        assert.deepEqual(ids(await store.list()), ['acme']);
        assert.deepEqual(json(await store.get('acme')), json(defineTenant(latest)));
        assert.deepEqual(
          (await store.domainClaims('acme')).map((c) => c.domain),
          ['b.com', 'c.com'],
        );
      },
    ],
    [
      'concurrent verifications of one domain by 10 tenants: exactly one wins',
      async (store) => {
        for (let i = 0; i < 10; i++)
          await store.put(tenant(`t${i}`, { emailDomains: [`t${i}.com`, 'contested.com'] }));
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            store.setDomainVerification(`t${i}`, 'contested.com', verification()),
          ),
        );
        const won = results.flatMap((result, i) => (result.status === 'fulfilled' ? [`t${i}`] : []));
        assert.equal(won.length, 1, `winners: ${won.join(', ')}`);
        for (const result of results) {
          if (result.status === 'rejected') assertCode(result.reason, 'DOMAIN_ALREADY_CLAIMED');
        }
        assert.equal((await store.findByEmailDomain('contested.com'))?.id, won[0]);
        const verified = [];
        for (let i = 0; i < 10; i++) {
          const claim = (await store.domainClaims(`t${i}`)).find((c) => c.domain === 'contested.com');
          if (claim?.status === 'verified') verified.push(`t${i}`);
        }
        assert.deepEqual(verified, won);
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
        await rejectsWithCode(store.domainClaims('acme'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.setDomainVerification('acme', 'acme.com', null), 'STORE_UNAVAILABLE');
      },
    ],
  ]);
}

/** Wraps each body so that it gets a fresh store and always cleans up. */
