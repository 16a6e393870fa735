/**
 * The example app's just-in-time provisioning (examples/shared/users.ts): accounts keyed by
 * (tenant, issuer, NameID), linked to an invited account by email only on a verified domain of the
 * same tenant (docs/domains.md).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProvisioningInput } from '../../src/index.js';
import { createUsersTable } from '../../examples/shared/users.js';

function login(tenantId: string, nameId: string, emailDomainVerified: boolean): ProvisioningInput {
  const issuer = `https://idp.${tenantId}.example/`;
  return {
    key: { tenantId, issuer, nameId },
    profile: {
      tenantId,
      issuer,
      nameId,
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      email: 'ceo@acme.com',
      groups: [],
      attributes: {},
      assertionId: '_a',
      notOnOrAfter: new Date(0),
    },
    tenant: { id: tenantId } as ProvisioningInput['tenant'],
    emailDomainVerified,
    roles: [],
  };
}

describe('example users table', () => {
  it('links an invited account on a verified domain of the same tenant, then updates it', () => {
    const users = createUsersTable();
    const invited = users.invite('acme', 'CEO@acme.com', 'The CEO');
    assert.deepEqual(users.provision(login('acme', 'ceo@acme.com', true)), {
      action: 'link',
      userId: invited.id,
    });
    assert.deepEqual(users.provision(login('acme', 'ceo@acme.com', true)), {
      action: 'update',
      userId: invited.id,
    });
  });

  it('never links on an unverified domain, nor across tenants: a separate account is made', () => {
    const users = createUsersTable();
    const invited = users.invite('acme', 'ceo@acme.com', 'The CEO');
    const unverified = users.provision(login('acme', 'ceo@acme.com', false));
    const otherTenant = users.provision(login('evil', 'ceo@acme.com', true));
    for (const decision of [unverified, otherTenant]) {
      assert.equal(decision.action, 'create');
      assert.notEqual('userId' in decision && decision.userId, invited.id);
    }
    assert.deepEqual(users.byId(invited.id)?.identities, []);
  });
});
