/**
 * Issuer squatting: a malicious tenant admin copies another tenant's public IdP entity ID and its
 * public certificate into their own tenant and allows IdP-initiated logins. Before, every
 * IdP-initiated login of the victim became `TENANT_AMBIGUOUS` (a denial of service); it must never
 * become a login into the squatter's tenant either (docs/security.md rule 28).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createDomainOwnership,
  createServiceProvider,
  createMemoryStore,
  type MemoryStore,
  SamlError,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';

let victimIdp: TestIdp;

before(async () => {
  victimIdp = await createTestIdp({ entityId: 'https://sts.acme.com/adfs/services/trust' });
});

const VICTIM_SP = 'https://app.example.com/saml/acme';
const VICTIM_ACS = 'https://app.example.com/saml/acme/acs';

function victim(changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 'acme',
    sp: { entityId: VICTIM_SP, acsUrl: VICTIM_ACS },
    idp: { entityId: victimIdp.entityId, certificates: [victimIdp.certificate] },
    emailDomains: ['acme.com'],
    allowIdpInitiated: true,
    ...changes,
  };
}

/** The squatter's tenant: the victim's public IdP values, its own SP values unless it copies those too. */
function squatter(changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 'squatter',
    sp: {
      entityId: 'https://app.example.com/saml/squatter',
      acsUrl: 'https://app.example.com/saml/squatter/acs',
    },
    idp: { entityId: victimIdp.entityId, certificates: [victimIdp.certificate] },
    emailDomains: ['squatter.example'],
    allowIdpInitiated: true,
    ...changes,
  };
}

async function setup(
  ...tenants: TenantConfig[]
): Promise<{ store: MemoryStore; verify: (id: string, d: string) => Promise<void> }> {
  const store = createMemoryStore();
  for (const tenant of tenants) await store.put(tenant);
  const ownership = createDomainOwnership({ tenants: store });
  return {
    store,
    verify: async (id, domain) => {
      await ownership.verifyByOperator(id, domain, { by: 'ops' });
    },
  };
}

/** An IdP-initiated response of the victim's IdP to the victim's SP. */
function unsolicited(email: string): { SAMLResponse: string } {
  return victimIdp.respond({ acsUrl: VICTIM_ACS, audience: VICTIM_SP, user: { email } });
}

async function ambiguous(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SamlError && error.code === 'TENANT_AMBIGUOUS', String(error));
    return true;
  });
}

describe('issuer squatting', () => {
  it('a copied issuer and certificate do not break the victim’s IdP-initiated logins (the audience tells them apart)', async () => {
    const { store } = await setup(victim(), squatter());
    const sp = createServiceProvider({ tenants: store, state: store });
    const result = await sp.finishLogin(unsolicited('ada@acme.com'));
    assert.equal(result.tenant.id, 'acme');
  });

  it('copying the SP entity ID too: the tenant that owns the email’s verified domain gets the login', async () => {
    const { store, verify } = await setup(
      victim(),
      squatter({ sp: { entityId: VICTIM_SP, acsUrl: VICTIM_ACS } }),
    );
    await verify('acme', 'acme.com');
    await verify('squatter', 'squatter.example');
    const sp = createServiceProvider({ tenants: store, state: store });
    const result = await sp.finishLogin(unsolicited('ada@acme.com'));
    assert.equal(result.tenant.id, 'acme');
    assert.equal(result.emailDomainVerified, true);
  });

  it('never a guess: when nothing tells the tenants apart, it stays TENANT_AMBIGUOUS (no capture)', async () => {
    // The victim has not verified acme.com yet; the squatter has verified a domain of its own.
    const { store, verify } = await setup(
      victim(),
      squatter({ sp: { entityId: VICTIM_SP, acsUrl: VICTIM_ACS } }),
    );
    await verify('squatter', 'squatter.example');
    const sp = createServiceProvider({ tenants: store, state: store });
    await ambiguous(sp.finishLogin(unsolicited('ada@acme.com')));
    // The victim's own ACS route names the tenant and is never ambiguous.
    assert.equal((await sp.finishLogin(unsolicited('ada@acme.com'), { tenantId: 'acme' })).tenant.id, 'acme');
  });

  it('an email of the squatter’s verified domain elsewhere in the response never logs the user into the squatter', async () => {
    const { store, verify } = await setup(
      victim(),
      squatter({ sp: { entityId: VICTIM_SP, acsUrl: VICTIM_ACS } }),
    );
    await verify('squatter', 'squatter.example');
    const sp = createServiceProvider({ tenants: store, state: store });
    // Such an attribute may pick the squatter as the candidate; its verification then refuses the
    // login, because the profile's email is not in a domain verified for (or allowed by) the squatter.
    const form = victimIdp.respond({
      acsUrl: VICTIM_ACS,
      audience: VICTIM_SP,
      user: { email: 'ada@acme.com' },
      attributes: { mail: ['boss@squatter.example'] },
    });
    await assert.rejects(sp.finishLogin(form), (error: unknown) => {
      assert.ok(error instanceof SamlError, String(error));
      assert.ok(['TENANT_AMBIGUOUS', 'EMAIL_DOMAIN_NOT_ALLOWED'].includes(error.code), error.code);
      return true;
    });
    const open = squatter({ sp: { entityId: VICTIM_SP, acsUrl: VICTIM_ACS }, emailDomains: [] });
    const { store: other, verify: verifyOther } = await setup(victim(), {
      ...open,
      emailDomains: ['squatter.example'],
    });
    await verifyOther('squatter', 'squatter.example');
    await other.put(open); // dropping its emailDomains restriction drops its verified claim too
    await ambiguous(createServiceProvider({ tenants: other, state: other }).finishLogin(form));
  });
});
