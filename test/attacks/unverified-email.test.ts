/**
 * Unverified emails: tenant B's admin runs B's IdP, which asserts `ceo@acme.com`. An app that finds
 * or links accounts by email would hand over the account. The login result says whether the
 * email's domain is verified for the tenant that verified the response (docs/security.md rule 27); only a
 * verified domain makes an email trusted.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createDomainOwnership,
  createServiceProvider,
  createMemoryStore,
  type MemoryStore,
  validateTenantConfig,
  type LoginResult,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';

let acmeIdp: TestIdp;
let evilIdp: TestIdp;

before(async () => {
  acmeIdp = await createTestIdp({ entityId: 'https://idp.acme.com/' });
  evilIdp = await createTestIdp({ entityId: 'https://idp.tenant-b.example/' });
});

function config(id: string, idp: TestIdp, changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id,
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    ...changes,
  };
}

async function login(
  store: MemoryStore,
  tenantId: string,
  idp: TestIdp,
  email: string,
): Promise<LoginResult> {
  const sp = createServiceProvider({ tenants: store, state: store });
  const started = await sp.startLogin({ tenantId });
  const form = answerRedirect(idp, started, { user: { email } });
  return sp.finishLogin(form, { browserSecret: started.browserSecret });
}

describe('unverified emails', () => {
  it('tenant B without emailDomains: its IdP’s ceo@acme.com is returned but marked unverified', async () => {
    const store = createMemoryStore();
    await store.put(config('acme', acmeIdp, { emailDomains: ['acme.com'] }));
    await createDomainOwnership({ tenants: store }).verifyByOperator('acme', 'acme.com', { by: 'ops' });
    await store.put(config('tenant-b', evilIdp));
    const result = await login(store, 'tenant-b', evilIdp, 'ceo@acme.com');
    assert.equal(result.profile.email, 'ceo@acme.com');
    assert.equal(result.emailDomainVerified, false);
  });

  it('tenant B listing acme.com (a pending claim) does not make it trusted either', async () => {
    const store = createMemoryStore();
    await store.put(config('tenant-b', evilIdp, { emailDomains: ['acme.com'] }));
    const result = await login(store, 'tenant-b', evilIdp, 'ceo@acme.com');
    assert.equal(result.emailDomainVerified, false);
  });

  it('the owner of the verified domain gets emailDomainVerified: true; an address outside it does not', async () => {
    const store = createMemoryStore();
    await store.put(config('acme', acmeIdp, { emailDomains: ['acme.com', 'acme.io'] }));
    await createDomainOwnership({ tenants: store }).verifyByOperator('acme', 'acme.com', { by: 'ops' });
    assert.equal((await login(store, 'acme', acmeIdp, 'ceo@acme.com')).emailDomainVerified, true);
    assert.equal((await login(store, 'acme', acmeIdp, 'ceo@ACME.com')).emailDomainVerified, true);
    assert.equal((await login(store, 'acme', acmeIdp, 'dev@acme.io')).emailDomainVerified, false);
  });

  it('validateTenantConfig warns an enabled tenant with no verified domain', () => {
    const tenant = config('tenant-b', evilIdp, { emailDomains: ['acme.com'] });
    const warned = validateTenantConfig(tenant, { verifiedDomains: [] });
    assert.ok(
      warned.some(
        (p) => p.severity === 'warning' && p.path === 'emailDomains' && p.message.includes('verified'),
      ),
      JSON.stringify(warned),
    );
    assert.deepEqual(validateTenantConfig(tenant, { verifiedDomains: ['acme.com'] }), []);
    assert.deepEqual(validateTenantConfig({ ...tenant, enabled: false }, { verifiedDomains: [] }), []);
  });
});
