/**
 * Joining another organisation: tenant B's admin sets B's `organization` to A's ID, hoping A's login
 * page offers B's IdP to A's users, or that B's logins count as in A's verified domain (and so may be
 * linked to A's accounts by email). Connections are linked only when A, the domain's holder, lists
 * B: naming the organisation alone does nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createServiceProvider, createMemoryStore, type TenantConfig } from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';

const NOW = new Date('2027-03-01T09:00:00Z');
let acmeIdp: TestIdp;
let evilIdp: TestIdp;

before(async () => {
  acmeIdp = await createTestIdp({
    entityId: 'https://idp.acme.com/',
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: () => NOW,
  });
  evilIdp = await createTestIdp({
    entityId: 'https://idp.evil.example/',
    key: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
    now: () => NOW,
  });
});

function tenant(id: string, idp: TestIdp, changes: Partial<TenantConfig>): TenantConfig {
  return {
    id,
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    ...changes,
  };
}

describe('joining another organisation', () => {
  it('naming its organisation neither puts a tenant on its login page nor verifies its emails', async () => {
    const store = createMemoryStore({ now: () => NOW });
    await store.put(
      tenant('acme', acmeIdp, { emailDomains: ['acme.com'], organization: { id: 'org-acme' } }),
    );
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: NOW,
      method: 'operator',
      by: 'test',
    });
    // B's admin copies A's organisation ID and lists A back, to look mutual.
    await store.put(
      tenant('evil', evilIdp, { organization: { id: 'org-acme', label: 'Acme SSO', connections: ['acme'] } }),
    );
    const sp = createServiceProvider({ tenants: store, state: store, now: () => NOW });
    assert.deepEqual(await sp.loginMethods('ceo@acme.com'), { sso: { tenantId: 'acme' }, password: true });

    const started = await sp.startLogin({ tenantId: 'evil' });
    const result = await sp.finishLogin(
      answerRedirect(evilIdp, started, { user: { email: 'ceo@acme.com' } }),
      { browserSecret: started.browserSecret },
    );
    assert.equal(result.tenant.id, 'evil');
    assert.equal(
      result.emailDomainVerified,
      false,
      "B's assertion about an acme.com address stays untrusted",
    );
  });
});
