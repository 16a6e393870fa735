/** The conformance suite for {@link SetupStore} adapters (the admin's staged IdP configuration). */
import assert from 'node:assert/strict';
import {
  idpFingerprint,
  idpSettingsOf,
  type SetupDraft,
  type TenantSetup,
} from '../../store/setup-record.js';
import type { SetupStore, TenantStore } from '../../store/types.js';
import type { TenantConfig } from '../../types.js';
import {
  type ConformanceCase,
  type StoreFactory,
  tenantMaker,
  type TenantStoreConformanceOptions,
  toCases,
  json,
} from './shared.js';

const AT = new Date('2026-03-04T05:06:07.000Z');

/**
 * The conformance cases every {@link SetupStore} must pass (it must be the {@link TenantStore} of
 * the same tenants): drafts and their test results per revision, promotion only of the tested
 * revision (the live IdP settings and issuer index change, the SP side, domain claims and toggles
 * stay), restore (twice undoes it), the admin's switches (applied to what is stored; require-SSO
 * only after an admin login through the live IdP settings), tenant isolation, the record gone with
 * its tenant, exactly one winner among 20 concurrent promotions, and switches flipped during a
 * promotion that never undo it. Run them against a real server, not a mock.
 *
 * @example
 * ```ts
 * for (const c of setupStoreConformance(factory, { certificate: idpCertificatePem })) it(c.name, () => c.run());
 * ```
 */
export function setupStoreConformance(
  factory: StoreFactory<SetupStore & TenantStore>,
  options: TenantStoreConformanceOptions,
): ConformanceCase[] {
  const { certificate, tenant: make } = tenantMaker(options, 'https://old-idp.example.com/');
  const tenant = (id: string, more: Omit<Partial<TenantConfig>, 'id'> = {}): TenantConfig =>
    make(id, { emailDomains: ['example.com'], ...more });
  const draft = (revision: string, entityId = 'https://new-idp.example.com/'): SetupDraft => ({
    revision,
    savedAt: AT.toISOString(),
    settings: {
      idp: { entityId, certificates: [certificate], ssoUrl: `${entityId}sso` },
      preset: 'okta',
      email: { from: 'nameId', format: 'any' },
    },
    metadataUrl: `${entityId}metadata`,
  });
  const passed = { passed: true, at: AT.toISOString(), by: 'admin@example.com' } as const;
  const setupOf = async (store: SetupStore, id: string): Promise<TenantSetup> => {
    const setup = await store.getSetup(id);
    assert.ok(setup !== undefined, `no setup record for ${id}`);
    return setup;
  };

  return toCases(factory, [
    [
      'getSetup: undefined for an unknown tenant, {} for a tenant without one; changes to an unknown tenant are false',
      async (store) => {
        assert.equal(await store.getSetup('nobody'), undefined);
        await store.put(tenant('tenant-a'));
        assert.deepEqual(await store.getSetup('tenant-a'), {});
        assert.equal(await store.saveDraft('nobody', draft('r1')), false);
        assert.equal(await store.promoteDraft('nobody', 'r1', AT), false);
        assert.equal(await store.restorePrevious('nobody', AT), false);
        assert.equal(await store.getSetup('nobody'), undefined);
      },
    ],
    [
      'saveDraft round-trips the draft; saving again replaces it and its test result (onlyIfNone: not); discardDraft drops it',
      async (store) => {
        await store.put(tenant('tenant-a'));
        const given = draft('r1');
        assert.equal(await store.saveDraft('tenant-a', given), true);
        assert.deepEqual(json((await setupOf(store, 'tenant-a')).draft), json(draft('r1')));
        // The store keeps and hands out copies: neither the saved object nor a read one is the record.
        (given.settings.idp as { entityId: string }).entityId = 'https://changed.example/';
        const read = await setupOf(store, 'tenant-a');
        assert.equal(read.draft?.settings.idp.entityId, 'https://new-idp.example.com/');
        (read as { draft?: unknown }).draft = undefined;
        assert.equal((await setupOf(store, 'tenant-a')).draft?.revision, 'r1');
        assert.equal(await store.recordDraftTest('tenant-a', 'r1', passed), true);
        assert.deepEqual((await setupOf(store, 'tenant-a')).draft?.test, passed);
        assert.equal(await store.saveDraft('tenant-a', draft('r2')), true);
        const { draft: saved } = await setupOf(store, 'tenant-a');
        assert.equal(saved?.revision, 'r2');
        assert.equal(saved.test, undefined, 'a new revision is untested');
        assert.equal(await store.saveDraft('tenant-a', draft('r3'), { onlyIfNone: true }), false);
        assert.equal((await setupOf(store, 'tenant-a')).draft?.revision, 'r2', 'onlyIfNone keeps the draft');
        assert.equal(await store.discardDraft('tenant-a'), true);
        assert.equal((await setupOf(store, 'tenant-a')).draft, undefined);
        assert.equal(await store.discardDraft('tenant-a'), false);
        assert.equal(await store.saveDraft('tenant-a', draft('r3'), { onlyIfNone: true }), true);
      },
    ],
    [
      'a test result is recorded only for the revision it tested',
      async (store) => {
        await store.put(tenant('tenant-a'));
        await store.saveDraft('tenant-a', draft('r2'));
        assert.equal(await store.recordDraftTest('tenant-a', 'r1', passed), false);
        assert.equal((await setupOf(store, 'tenant-a')).draft?.test, undefined);
      },
    ],
    [
      'promoteDraft refuses an untested, a failed and another revision, and changes nothing then',
      async (store) => {
        await store.put(tenant('tenant-a'));
        await store.saveDraft('tenant-a', draft('r1'));
        assert.equal(await store.promoteDraft('tenant-a', 'r1', AT), false);
        await store.recordDraftTest('tenant-a', 'r1', { ...passed, passed: false, code: 'KEY_UNTRUSTED' });
        assert.equal(await store.promoteDraft('tenant-a', 'r1', AT), false);
        await store.recordDraftTest('tenant-a', 'r1', passed);
        assert.equal(await store.promoteDraft('tenant-a', 'other', AT), false);
        assert.equal((await store.get('tenant-a'))?.idp.entityId, 'https://old-idp.example.com/');
        assert.equal((await setupOf(store, 'tenant-a')).previous, undefined);
      },
    ],
    [
      'promoteDraft makes the tested draft live with its issuer index, keeps the SP side, claims and toggles, and keeps the replaced settings',
      async (store) => {
        await store.put(tenant('tenant-a', { requireSso: true, breakGlassEmails: ['root@example.com'] }));
        await store.setDomainVerification('tenant-a', 'example.com', {
          verifiedAt: AT,
          method: 'operator',
          by: 'conformance',
        });
        await store.saveDraft('tenant-a', draft('r1'));
        await store.recordDraftTest('tenant-a', 'r1', passed);
        await store.recordAdminLogin('tenant-a', { by: 'admin@example.com', at: AT.toISOString(), idp: 'x' });
        assert.equal(await store.promoteDraft('tenant-a', 'r1', AT), true);
        const live = await store.get('tenant-a');
        assert.equal(live?.idp.entityId, 'https://new-idp.example.com/');
        assert.equal(live.idp.ssoUrl, 'https://new-idp.example.com/sso');
        assert.equal(live.preset, 'okta');
        assert.deepEqual(json(live.email), { from: 'nameId', format: 'any' });
        assert.equal(live.sp.entityId, 'https://app.example.com/saml/tenant-a');
        assert.equal(live.requireSso, true);
        assert.deepEqual(live.breakGlassEmails, ['root@example.com']);
        assert.deepEqual(
          (await store.findByIssuer('https://new-idp.example.com/')).map((t) => t.id),
          ['tenant-a'],
        );
        assert.deepEqual(await store.findByIssuer('https://old-idp.example.com/'), []);
        assert.equal((await store.findByEmailDomain('example.com'))?.id, 'tenant-a');
        const setup = await setupOf(store, 'tenant-a');
        assert.equal(setup.draft, undefined);
        assert.equal(setup.metadataUrl, 'https://new-idp.example.com/metadata');
        assert.equal(setup.previous?.settings.idp.entityId, 'https://old-idp.example.com/');
        assert.equal(setup.previous.replacedAt, AT.toISOString());
        assert.equal(setup.adminLogin?.by, 'admin@example.com');
        assert.equal(await store.promoteDraft('tenant-a', 'r1', AT), false, 'a draft is promoted once');
      },
    ],
    [
      'restorePrevious swaps the live IdP settings with the previous ones; twice undoes it',
      async (store) => {
        await store.put(tenant('tenant-a'));
        assert.equal(await store.restorePrevious('tenant-a', AT), false);
        await store.saveDraft('tenant-a', draft('r1'));
        await store.recordDraftTest('tenant-a', 'r1', passed);
        await store.promoteDraft('tenant-a', 'r1', AT);
        assert.equal(await store.restorePrevious('tenant-a', AT), true);
        const restored = await store.get('tenant-a');
        assert.equal(restored?.idp.entityId, 'https://old-idp.example.com/');
        assert.equal(restored.preset, undefined, 'fields the old settings lacked are gone again');
        assert.equal(restored.email, undefined);
        assert.deepEqual(
          (await store.findByIssuer('https://old-idp.example.com/')).map((t) => t.id),
          ['tenant-a'],
        );
        assert.deepEqual(await store.findByIssuer('https://new-idp.example.com/'), []);
        const setup = await setupOf(store, 'tenant-a');
        assert.equal(setup.metadataUrl, undefined);
        assert.equal(setup.previous?.settings.idp.entityId, 'https://new-idp.example.com/');
        assert.equal(await store.restorePrevious('tenant-a', AT), true);
        assert.equal((await store.get('tenant-a'))?.idp.entityId, 'https://new-idp.example.com/');
      },
    ],
    [
      'setSsoToggles flips the switches and keeps the IdP settings, the SP side and the claims; false for an unknown tenant',
      async (store) => {
        await store.put(tenant('tenant-a'));
        await store.setDomainVerification('tenant-a', 'example.com', {
          verifiedAt: AT,
          method: 'operator',
          by: 'conformance',
        });
        assert.equal(await store.setSsoToggles('nobody', { enabled: false }), false);
        assert.equal(await store.get('nobody'), undefined);
        assert.equal(await store.setSsoToggles('tenant-a', { enabled: false }), true);
        assert.equal(
          await store.setSsoToggles('tenant-a', {
            requireSso: false,
            breakGlassEmails: ['root@example.com'],
          }),
          true,
        );
        const live = await store.get('tenant-a');
        assert.equal(live?.enabled, false);
        assert.equal(live.requireSso, false);
        assert.deepEqual(live.breakGlassEmails, ['root@example.com']);
        assert.equal(live.idp.entityId, 'https://old-idp.example.com/');
        assert.equal(live.sp.entityId, 'https://app.example.com/saml/tenant-a');
        assert.equal((await store.findByEmailDomain('example.com'))?.id, 'tenant-a');
        assert.deepEqual(
          (await store.findByIssuer('https://old-idp.example.com/')).map((t) => t.id),
          ['tenant-a'],
        );
        await assert.rejects(store.setSsoToggles('tenant-a', { enabled: 'no' as never }), TypeError);
        // Only the switches: an IdP in the same object does not go live without a tested draft.
        const sneaky = {
          enabled: true,
          idp: { entityId: 'https://evil.example/', certificates: [certificate] },
        };
        assert.equal(await store.setSsoToggles('tenant-a', sneaky), true);
        assert.equal((await store.get('tenant-a'))?.idp.entityId, 'https://old-idp.example.com/');
      },
    ],
    [
      'setSsoToggles turns require-SSO on only after an admin SSO login through the live IdP settings',
      async (store) => {
        await store.put(tenant('tenant-a', { breakGlassEmails: ['root@example.com'] }));
        assert.equal(await store.setSsoToggles('tenant-a', { requireSso: true }), false, 'no admin login');
        await store.recordAdminLogin('tenant-a', { by: 'admin@example.com', at: AT.toISOString(), idp: 'x' });
        assert.equal(await store.setSsoToggles('tenant-a', { requireSso: true }), false, 'another IdP');
        assert.equal((await store.get('tenant-a'))?.requireSso, undefined);
        const live = await store.get('tenant-a');
        assert.ok(live !== undefined);
        const idp = idpFingerprint(idpSettingsOf(live));
        await store.recordAdminLogin('tenant-a', { by: 'admin@example.com', at: AT.toISOString(), idp });
        assert.equal(await store.setSsoToggles('tenant-a', { requireSso: true }), true);
        assert.equal((await store.get('tenant-a'))?.requireSso, true);
        // A promotion makes its passed test the admin login (an SSO login through those settings);
        // a restore brings back settings nobody signed in through: the login no longer counts.
        await store.setSsoToggles('tenant-a', { requireSso: false });
        await store.saveDraft('tenant-a', draft('r1'));
        await store.recordDraftTest('tenant-a', 'r1', passed);
        await store.promoteDraft('tenant-a', 'r1', AT);
        assert.equal(await store.setSsoToggles('tenant-a', { requireSso: true }), true);
        await store.setSsoToggles('tenant-a', { requireSso: false });
        await store.restorePrevious('tenant-a', AT);
        assert.equal(await store.setSsoToggles('tenant-a', { requireSso: true }), false);
      },
    ],
    [
      'switches flipped while a promotion runs never write back the IdP settings it replaced',
      async (store) => {
        await store.put(tenant('tenant-a'));
        await store.saveDraft('tenant-a', draft('r1'));
        await store.recordDraftTest('tenant-a', 'r1', passed);
        const [promoted, flipped] = await Promise.all([
          store.promoteDraft('tenant-a', 'r1', AT),
          store.setSsoToggles('tenant-a', { enabled: false, breakGlassEmails: ['root@example.com'] }),
        ]);
        assert.deepEqual([promoted, flipped], [true, true]);
        const live = await store.get('tenant-a');
        assert.equal(live?.idp.entityId, 'https://new-idp.example.com/');
        assert.equal(live.enabled, false);
        assert.deepEqual(live.breakGlassEmails, ['root@example.com']);
      },
    ],
    [
      'tenants are isolated: a draft, a test and a promotion of one tenant never touch another',
      async (store) => {
        await store.put(tenant('tenant-a'));
        await store.put(tenant('tenant-b'));
        await store.saveDraft('tenant-a', draft('r1'));
        assert.deepEqual(await store.getSetup('tenant-b'), {});
        assert.equal(await store.recordDraftTest('tenant-b', 'r1', passed), false);
        assert.equal(await store.promoteDraft('tenant-b', 'r1', AT), false);
        await store.recordDraftTest('tenant-a', 'r1', passed);
        await store.promoteDraft('tenant-a', 'r1', AT);
        assert.equal((await store.get('tenant-b'))?.idp.entityId, 'https://old-idp.example.com/');
        assert.deepEqual(
          (await store.findByIssuer('https://old-idp.example.com/')).map((t) => t.id),
          ['tenant-b'],
        );
      },
    ],
    [
      'the setup record goes with its tenant: a tenant created again with the ID starts with {}',
      async (store) => {
        await store.put(tenant('tenant-a'));
        await store.saveDraft('tenant-a', draft('r1'));
        await store.recordDraftTest('tenant-a', 'r1', passed);
        await store.promoteDraft('tenant-a', 'r1', AT);
        assert.equal(await store.delete('tenant-a'), true);
        assert.equal(await store.getSetup('tenant-a'), undefined);
        await store.put(tenant('tenant-a'));
        assert.deepEqual(await store.getSetup('tenant-a'), {});
        assert.equal(await store.restorePrevious('tenant-a', AT), false);
      },
    ],
    [
      '20 concurrent promotions of one tested draft: exactly one succeeds',
      async (store) => {
        await store.put(tenant('tenant-a'));
        await store.saveDraft('tenant-a', draft('r1'));
        await store.recordDraftTest('tenant-a', 'r1', passed);
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.promoteDraft('tenant-a', 'r1', AT).catch(() => false)),
        );
        assert.equal(results.filter(Boolean).length, 1);
        const setup = await setupOf(store, 'tenant-a');
        assert.equal(setup.previous?.settings.idp.entityId, 'https://old-idp.example.com/');
      },
    ],
    [
      'a draft saved while a promotion runs is never lost nor promoted untested',
      async (store) => {
        await store.put(tenant('tenant-a'));
        await store.saveDraft('tenant-a', draft('r1'));
        await store.recordDraftTest('tenant-a', 'r1', passed);
        const [promoted] = await Promise.all([
          store.promoteDraft('tenant-a', 'r1', AT),
          store.saveDraft('tenant-a', draft('r2', 'https://third-idp.example.com/')),
        ]);
        const live = await store.get('tenant-a');
        const setup = await setupOf(store, 'tenant-a');
        assert.notEqual(live?.idp.entityId, 'https://third-idp.example.com/');
        if (promoted) assert.equal(live?.idp.entityId, 'https://new-idp.example.com/');
        // Either order: r2 saved after the promotion stays as the draft; saved before, it replaced r1
        // and the promotion of r1 was refused.
        assert.equal(setup.draft?.revision, 'r2');
        assert.equal(setup.draft.test, undefined);
      },
    ],
  ]);
}
