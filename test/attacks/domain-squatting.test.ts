/**
 * Domain squatting by a malicious tenant admin: claiming a competitor's domain before its real
 * owner signs up, or a public mailbox domain, to route its users to the squatter's IdP and turn off
 * their password login (requireSso). A claim counts only once proven (docs/security.md rule 27): a pending
 * claim routes nothing, enforces nothing and blocks nobody; public mailbox domains are never
 * claimable.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createDomainOwnership,
  createServiceProvider,
  isPublicEmailDomain,
  createMemoryStore,
  SamlError,
  validateTenantConfig,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';

let victimIdp: TestIdp;
let squatterIdp: TestIdp;

before(async () => {
  victimIdp = await createTestIdp({ entityId: 'https://idp.acme.com/' });
  squatterIdp = await createTestIdp({ entityId: 'https://idp.squatter.example/' });
});

function config(id: string, idp: TestIdp, changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id,
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    ...changes,
  };
}

describe('domain squatting', () => {
  it('a squatter that claims the victim’s domain first neither routes its users nor turns off their password login', async () => {
    const store = createMemoryStore();
    await store.put(config('squatter', squatterIdp, { emailDomains: ['acme.com'], requireSso: true }));
    const sp = createServiceProvider({ tenants: store, state: store });
    assert.deepEqual(await sp.loginMethods('ceo@acme.com'), { sso: null, password: true });
    await assert.rejects(sp.startLogin({ email: 'ceo@acme.com' }), (error: unknown) => {
      assert.ok(error instanceof SamlError && error.code === 'TENANT_NOT_FOUND', String(error));
      return true;
    });
  });

  it('the pending claim does not block the real owner, whose verification wins and routes', async () => {
    const store = createMemoryStore();
    await store.put(config('squatter', squatterIdp, { emailDomains: ['acme.com'], requireSso: true }));
    await store.put(config('acme', victimIdp, { emailDomains: ['acme.com'], requireSso: true }));
    const ownership = createDomainOwnership({ tenants: store, resolveTxt: () => Promise.resolve([]) });
    await ownership.verifyByOperator('acme', 'acme.com', { by: 'support@app.example.com' });
    const sp = createServiceProvider({ tenants: store, state: store });
    assert.deepEqual(await sp.loginMethods('ceo@acme.com'), { sso: { tenantId: 'acme' }, password: false });
    assert.equal((await sp.startLogin({ email: 'ceo@acme.com' })).tenantId, 'acme');
    await assert.rejects(
      ownership.verifyByOperator('squatter', 'acme.com', { by: 'someone' }),
      (error: unknown) => {
        assert.ok(error instanceof SamlError && error.code === 'DOMAIN_ALREADY_CLAIMED', String(error));
        return true;
      },
    );
  });

  it('a squatter cannot verify by DNS without the victim’s record (its own token is not the victim’s)', async () => {
    const store = createMemoryStore();
    await store.put(config('squatter', squatterIdp, { emailDomains: ['acme.com'] }));
    await store.put(config('acme', victimIdp, { emailDomains: ['acme.com'] }));
    const [victimClaim] = await createDomainOwnership({ tenants: store }).claims('acme');
    assert.ok(victimClaim !== undefined);
    // acme.com publishes its own record; the squatter asks to be verified with it.
    const published = [[victimClaim.record.value]];
    const ownership = createDomainOwnership({ tenants: store, resolveTxt: () => Promise.resolve(published) });
    await assert.rejects(ownership.verifyByDns('squatter', 'acme.com'), (error: unknown) => {
      assert.ok(error instanceof SamlError && error.code === 'DOMAIN_VERIFICATION_FAILED', String(error));
      return true;
    });
    assert.equal((await ownership.verifyByDns('acme', 'acme.com')).status, 'verified');
  });

  it('public mailbox domains cannot be claimed: not in validation, not in a store, not by verification', async () => {
    for (const domain of [
      'gmail.com',
      'outlook.com',
      'hotmail.com',
      'yahoo.com',
      'icloud.com',
      'proton.me',
    ]) {
      assert.ok(isPublicEmailDomain(domain), domain);
      const problems = validateTenantConfig(config('squatter', squatterIdp, { emailDomains: [domain] }));
      assert.ok(
        problems.some(
          (p) => p.path === 'emailDomains[0]' && p.severity === 'error' && p.message.includes('public'),
        ),
        JSON.stringify(problems),
      );
      await assert.rejects(
        createMemoryStore().put(config('squatter', squatterIdp, { emailDomains: [domain] })),
        TypeError,
      );
    }
    // The app extends the list; verification refuses what it lists.
    const store = createMemoryStore();
    await store.put(config('acme', victimIdp, { emailDomains: ['mail.acme-isp.net'] }));
    const extra = ['mail.acme-isp.net'];
    assert.equal(
      validateTenantConfig(config('acme', victimIdp, { emailDomains: ['mail.acme-isp.net'] }), {
        publicEmailDomains: extra,
      })[0]?.path,
      'emailDomains[0]',
    );
    const ownership = createDomainOwnership({ tenants: store, publicEmailDomains: extra });
    await assert.rejects(
      ownership.verifyByOperator('acme', 'mail.acme-isp.net', { by: 'ops' }),
      (error: unknown) => {
        assert.ok(error instanceof SamlError && error.code === 'PUBLIC_EMAIL_DOMAIN', String(error));
        return true;
      },
    );
  });
});
