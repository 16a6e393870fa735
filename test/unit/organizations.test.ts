/**
 * An organisation with several connections (issue #18, point 5): each connection is a tenant with
 * its own IdP, keys and policies; routed by domain (one per subsidiary) or chosen on the login page
 * (two IdPs during a migration), and a connection's login counts as in a verified domain only when
 * the domain's holder lists it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createServiceProvider,
  createMemoryStore,
  validateTenantConfig,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const clock = (): Date => NOW;

let oldIdp: TestIdp;
let newIdp: TestIdp;

before(async () => {
  oldIdp = await createTestIdp({
    entityId: 'https://adfs.acme.com/adfs/services/trust',
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: clock,
  });
  newIdp = await createTestIdp({
    entityId: 'https://acme.okta.com/exk1',
    key: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
    now: clock,
  });
});

function connection(id: string, idp: TestIdp, changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id,
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    ...changes,
  };
}

async function setup(...tenants: TenantConfig[]) {
  const store = createMemoryStore({ now: clock });
  for (const tenant of tenants) {
    await store.put(tenant);
    for (const domain of tenant.emailDomains ?? [])
      await store.setDomainVerification(tenant.id, domain, {
        verifiedAt: NOW,
        method: 'operator',
        by: 'test',
      });
  }
  return { store, sp: createServiceProvider({ tenants: store, state: store, now: clock }) };
}

/** A full SP-initiated login through the connection's IdP. */
async function login(sp: ReturnType<typeof createServiceProvider>, tenantId: string, idp: TestIdp) {
  const started = await sp.startLogin({ tenantId });
  const form = answerRedirect(idp, started, { user: { email: 'alice@acme.com' } });
  return sp.finishLogin(form, { browserSecret: started.browserSecret });
}

describe('several connections per organisation', () => {
  const migrating = () => [
    connection('acme-adfs', oldIdp, {
      emailDomains: ['acme.com'],
      requireSso: true,
      organization: { id: 'org-acme', label: 'AD FS (old)', connections: ['acme-okta'] },
    }),
    connection('acme-okta', newIdp, {
      authnContext: { require: 'mfa' },
      organization: { id: 'org-acme', label: 'Okta (new)' },
    }),
  ];

  it('the login page offers every connection of the domain holder’s organisation, holder first', async () => {
    const { sp } = await setup(...migrating());
    assert.deepEqual(await sp.loginMethods('alice@acme.com'), {
      sso: { tenantId: 'acme-adfs' },
      password: false,
      connections: [
        { tenantId: 'acme-adfs', label: 'AD FS (old)' },
        { tenantId: 'acme-okta', label: 'Okta (new)' },
      ],
    });
  });

  it('each connection signs in with its own IdP and keys, and its own policies', async () => {
    const { sp } = await setup(...migrating());
    const old = await login(sp, 'acme-adfs', oldIdp);
    assert.equal(old.tenant.id, 'acme-adfs');
    assert.equal(old.emailDomainVerified, true);
    // The new connection requires MFA, the old one does not.
    await assert.rejects(login(sp, 'acme-okta', newIdp), { code: 'AUTHN_CONTEXT_NOT_MET' });
    // The old IdP's key does not sign for the new connection.
    await assert.rejects(login(sp, 'acme-okta', oldIdp), { code: 'ISSUER_MISMATCH' });
  });

  it("a listed connection's logins are in the holder's verified domain", async () => {
    const [holder, okta] = migrating();
    assert.ok(holder !== undefined && okta !== undefined);
    const withoutMfa: Record<string, unknown> = { ...okta };
    delete withoutMfa.authnContext;
    const { sp } = await setup(holder, withoutMfa as unknown as TenantConfig);
    const result = await login(sp, 'acme-okta', newIdp);
    assert.equal(result.tenant.id, 'acme-okta');
    assert.equal(result.emailDomainVerified, true);
  });

  it('one connection per subsidiary: each routed by its own domain, no choice offered', async () => {
    const { sp } = await setup(
      connection('acme-us', oldIdp, { emailDomains: ['acme.com'], organization: { id: 'org-acme' } }),
      connection('acme-de', newIdp, { emailDomains: ['acme.de'], organization: { id: 'org-acme' } }),
    );
    assert.deepEqual(await sp.loginMethods('alice@acme.com'), {
      sso: { tenantId: 'acme-us' },
      password: true,
    });
    assert.deepEqual(await sp.loginMethods('anna@acme.de'), { sso: { tenantId: 'acme-de' }, password: true });
  });

  it('leaves out a listed connection that is missing, disabled or of another organisation', async () => {
    const { sp } = await setup(
      connection('acme-adfs', oldIdp, {
        emailDomains: ['acme.com'],
        organization: { id: 'org-acme', connections: ['gone', 'off', 'other'] },
      }),
      connection('off', newIdp, { enabled: false, organization: { id: 'org-acme' } }),
      connection('other', newIdp, { organization: { id: 'org-globex' } }),
    );
    assert.deepEqual(await sp.loginMethods('alice@acme.com'), {
      sso: { tenantId: 'acme-adfs' },
      password: true,
    });
  });

  it('validates organization with paths', () => {
    const problems = (organization: unknown) =>
      validateTenantConfig({ ...connection('acme', oldIdp), organization }, { now: () => NOW })
        .filter((problem) => problem.severity === 'error')
        .map((problem) => problem.path);
    assert.deepEqual(problems({ id: 'org-1', label: 'Okta', connections: ['b'] }), []);
    assert.deepEqual(problems({ id: '' }), ['organization.id']);
    assert.deepEqual(problems({ id: 'o', connections: ['acme', ''] }), [
      'organization.connections[0]',
      'organization.connections[1]',
    ]);
    assert.deepEqual(problems({ id: 'o', members: [] }), ['organization.members']);
  });
});
