/**
 * mapRoles: exact group → role rules in rule order, the default role only when nothing matched, no roles without a
 * mapping, and Entra ID's groups overage claim. Profiles come from verifyResponse (a real Keycloak response and
 * responses minted by the test IdP) or are built by hand for the rule logic.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTenant, skipReplayCheck, verifyResponse } from '../../src/index.js';
import type { SamlProfile, TenantConfig } from '../../src/index.js';
import type { RoleMapping } from '../../src/types.js';
import { GROUPS_OVERAGE_CLAIM } from '../../src/idp/azure.js';
import { mapRoles } from '../../src/tenant/roles.js';
import { checksFor, formOf, loadManifest, tenantFor } from '../fixtures/manifest.js';
import { buildResponse, NOW, REQUEST_ID, signed, tenant as testTenant, toForm } from '../helpers/idp.js';

const RULES: RoleMapping = {
  rules: [
    { group: 'Admins', role: 'admin' },
    { group: 'Staff', role: 'member' },
    { group: 'Engineering', role: 'member' },
    { group: 'Owners', role: 'admin' },
    { group: 'Billing', role: 'billing' },
  ],
  defaultRole: 'viewer',
};

const TENANT: TenantConfig = testTenant({ roles: RULES });

function profile(groups: readonly string[], attributes: Record<string, readonly string[]> = {}): SamlProfile {
  return Object.freeze({
    tenantId: TENANT.id,
    issuer: TENANT.idp.entityId,
    nameId: 'alice@example.com',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    email: 'alice@example.com',
    groups: Object.freeze([...groups]),
    attributes: Object.freeze({ groups: [...groups], ...attributes }),
    assertionId: '_assert1',
    notOnOrAfter: new Date(NOW.getTime() + 300_000),
  });
}

describe('mapRoles: rules', () => {
  const tenant = defineTenant(TENANT);

  it('grants every matching role in rule order (not group order), each once', () => {
    assert.deepEqual(mapRoles(tenant, profile(['Billing', 'Staff', 'Admins'])).roles, [
      'admin',
      'member',
      'billing',
    ]);
    assert.deepEqual(mapRoles(tenant, profile(['Owners', 'Admins', 'Engineering', 'Staff'])).roles, [
      'admin',
      'member',
    ]);
  });

  it('matches group names exactly: case, white space and prefixes count', () => {
    for (const group of [
      'admins',
      'ADMINS',
      'Admins ',
      ' Admins',
      'Admin',
      'Admins2',
      'CN=Admins,OU=Groups',
    ]) {
      assert.deepEqual(mapRoles(tenant, profile([group])).roles, ['viewer'], group);
    }
  });

  it('gives the default role only when no rule matched', () => {
    assert.deepEqual(mapRoles(tenant, profile([])).roles, ['viewer']);
    assert.deepEqual(mapRoles(tenant, profile(['Sales'])).roles, ['viewer']);
    assert.deepEqual(mapRoles(tenant, profile(['Sales', 'Staff'])).roles, ['member']);
  });

  it('without defaultRole, a user no rule matches has no role', () => {
    const noDefault = defineTenant(testTenant({ roles: { rules: RULES.rules } }));
    assert.deepEqual(mapRoles(noDefault, profile(['Sales'])).roles, []);
    assert.deepEqual(mapRoles(noDefault, profile(['Staff'])).roles, ['member']);
  });

  it('a default role alone (no rules) applies to everyone', () => {
    const everyone = defineTenant(testTenant({ roles: { rules: [], defaultRole: 'member' } }));
    assert.deepEqual(mapRoles(everyone, profile(['Admins'])).roles, ['member']);
  });

  it('a tenant without a mapping grants no role, whatever the groups', () => {
    const unmapped = defineTenant(testTenant());
    assert.deepEqual(mapRoles(unmapped, profile(['Admins', 'Staff'])), { roles: [], groupsOverage: false });
  });

  it('accepts a plain configuration as well as a defined tenant, with the same result', () => {
    const user = profile(['Staff', 'Owners']);
    assert.deepEqual(mapRoles(TENANT, user), mapRoles(tenant, user));
  });

  it('returns a fresh array each call and leaves the (frozen) profile alone', () => {
    const user = profile(['Admins']);
    const first = mapRoles(tenant, user);
    first.roles.push('tampered');
    assert.deepEqual(mapRoles(tenant, user).roles, ['admin']);
    assert.deepEqual(user.groups, ['Admins']);
  });
});

describe('mapRoles: argument errors are TypeErrors', () => {
  it('an invalid plain configuration', () => {
    assert.throws(
      () => mapRoles({ ...TENANT, roles: { rules: [{ group: '', role: 'admin' }] } }, profile([])),
      (err: unknown) => err instanceof TypeError && err.message.includes('roles.rules[0].group'),
    );
  });

  it("another tenant's profile", () => {
    const other = { ...profile(['Admins']), tenantId: 'tenant-b' };
    assert.throws(
      () => mapRoles(TENANT, other),
      (err: unknown) => err instanceof TypeError && err.message.includes('tenant-b'),
    );
  });

  it('something that is not a profile', () => {
    assert.throws(() => mapRoles(TENANT, { tenantId: TENANT.id } as unknown as SamlProfile), TypeError);
  });
});

describe('mapRoles: Entra ID groups overage', () => {
  const azure = defineTenant(testTenant({ preset: 'azure', attributeNames: {}, roles: RULES }));
  const ENTRA_GROUPS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups';
  const OBJECT_ID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
  const GRAPH_LINK =
    'https://graph.windows.net/b0a63ade-3ec7-4d8b-991f-87eb4336274a/users/552200d7/getMemberObjects';

  async function login(attributes: Record<string, readonly string[]>): Promise<SamlProfile> {
    const xml = signed(buildResponse({ attributes: { [OBJECT_ID]: ['552200d7'], ...attributes } }));
    return verifyResponse(azure, toForm(xml), {
      now: () => NOW,
      replayCache: skipReplayCheck,
      inResponseTo: REQUEST_ID,
    });
  }

  it('the overage claim sets groupsOverage; the default role still applies', async () => {
    const user = await login({ [GROUPS_OVERAGE_CLAIM]: [GRAPH_LINK] });
    assert.deepEqual(user.groups, []);
    assert.deepEqual(mapRoles(azure, user), { roles: ['viewer'], groupsOverage: true });
  });

  it('with the groups fetched from Microsoft Graph, mapping again grants their roles', async () => {
    const user = await login({ [GROUPS_OVERAGE_CLAIM]: [GRAPH_LINK] });
    assert.deepEqual(mapRoles(azure, { ...user, groups: ['Admins', 'Billing'] }).roles, ['admin', 'billing']);
  });

  it('groups sent in the token: no overage, their roles', async () => {
    const user = await login({ [ENTRA_GROUPS]: ['Staff', 'Admins'] });
    assert.deepEqual(mapRoles(azure, user), { roles: ['admin', 'member'], groupsOverage: false });
  });

  it('the overage flag does not depend on a role mapping', async () => {
    const unmapped = defineTenant(testTenant({ preset: 'azure', attributeNames: {} }));
    const xml = signed(buildResponse({ attributes: { [GROUPS_OVERAGE_CLAIM]: [GRAPH_LINK] } }));
    const user = await verifyResponse(unmapped, toForm(xml), {
      now: () => NOW,
      replayCache: skipReplayCheck,
      inResponseTo: REQUEST_ID,
    });
    assert.deepEqual(mapRoles(unmapped, user), { roles: [], groupsOverage: true });
  });
});

describe('mapRoles on a real IdP response', () => {
  it("Keycloak's Role claim (preset keycloak) maps to roles", async () => {
    const entry = loadManifest().find((e) => e.file === 'keycloak/tercen-2022-signed-response.xml');
    assert.ok(entry);
    const tenant = defineTenant({
      ...tenantFor(entry),
      preset: 'keycloak',
      roles: {
        rules: [
          { group: 'manage-account', role: 'member' },
          { group: 'admin', role: 'admin' },
        ],
        defaultRole: 'none',
      },
    });
    const user = await verifyResponse(tenant, formOf(entry), checksFor(entry));
    assert.ok(user.groups.includes('manage-account'), JSON.stringify(user.groups));
    assert.deepEqual(mapRoles(tenant, user), { roles: ['member'], groupsOverage: false });
  });
});
