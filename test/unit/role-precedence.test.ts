/**
 * Role mapping (issue #18, point 2): patterns (prefix, glob), precedence (one role or the set),
 * case-insensitive matching, and the app-wide mapping (Openlayer's `<app>-role-admin|member|viewer`)
 * that tenants inherit and override, through mapRoles and through the service's finishLogin.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createServiceProvider,
  defineTenant,
  groupRoleConvention,
  mapRoles,
  createMemoryStore,
  validateTenantConfig,
  type RoleMapping,
  type SamlProfile,
  type TenantConfig,
} from '../../src/index.js';
import { globMatches } from '../../src/tenant/roles.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { KEYS } from '../helpers/constants.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const SP = { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' };
const OPENLAYER = groupRoleConvention('openlayer', ['admin', 'member', 'viewer']);

let idp: TestIdp;

before(async () => {
  idp = await createTestIdp({
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: () => NOW,
    sp: SP,
  });
});

function tenant(roles?: RoleMapping): TenantConfig {
  return {
    id: 'acme',
    sp: SP,
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    allowIdpInitiated: true,
    ...(roles !== undefined && { roles }),
  };
}

function profile(groups: readonly string[]): SamlProfile {
  return {
    tenantId: 'acme',
    issuer: 'https://idp.example.com',
    nameId: 'alice@acme.com',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    groups,
    attributes: {},
    assertionId: '_a',
    notOnOrAfter: NOW,
  };
}

const roles = (mapping: RoleMapping | undefined, groups: readonly string[], defaults?: RoleMapping) =>
  mapRoles(defineTenant(tenant(mapping)), profile(groups), defaults === undefined ? {} : { defaults }).roles;

describe('the <app>-role-<role> convention', () => {
  it('makes one exact rule per role, strongest first, with precedence first', () => {
    assert.deepEqual(OPENLAYER, {
      rules: [
        { group: 'openlayer-role-admin', role: 'admin' },
        { group: 'openlayer-role-member', role: 'member' },
        { group: 'openlayer-role-viewer', role: 'viewer' },
      ],
      precedence: 'first',
    });
    assert.ok(Object.isFrozen(OPENLAYER) && Object.isFrozen(OPENLAYER.rules));
    assert.throws(() => groupRoleConvention('', ['admin']), TypeError);
    assert.throws(() => groupRoleConvention('app', []), TypeError);
    assert.throws(() => groupRoleConvention('app', ['admin', ''] as string[]), TypeError);
  });

  it('a user in both the admin and the viewer group gets admin only', () => {
    assert.deepEqual(roles(OPENLAYER, ['openlayer-role-viewer', 'openlayer-role-admin']), ['admin']);
    assert.deepEqual(roles(OPENLAYER, ['openlayer-role-viewer', 'openlayer-role-member']), ['member']);
    assert.deepEqual(roles(OPENLAYER, ['openlayer-role-owner']), []);
  });
});

describe('precedence', () => {
  const rules: RoleMapping['rules'] = [
    { group: 'viewers', role: 'viewer' },
    { group: 'admins', role: 'admin' },
  ];

  it("'all' (the default, today's behaviour) grants the set in rule order; 'first' the first rule's role", () => {
    assert.deepEqual(roles({ rules }, ['admins', 'viewers']), ['viewer', 'admin']);
    assert.deepEqual(roles({ rules, precedence: 'all' }, ['admins', 'viewers']), ['viewer', 'admin']);
    // The rules' order decides, not the order the IdP lists the groups in.
    assert.deepEqual(roles({ rules, precedence: 'first' }, ['admins', 'viewers']), ['viewer']);
    assert.deepEqual(roles({ rules: [...rules].reverse(), precedence: 'first' }, ['viewers', 'admins']), [
      'admin',
    ]);
  });

  it('defaultRole applies only when no rule matched, with either precedence', () => {
    for (const precedence of ['all', 'first'] as const) {
      assert.deepEqual(roles({ rules, precedence, defaultRole: 'guest' }, ['sales']), ['guest']);
      assert.deepEqual(roles({ rules, precedence, defaultRole: 'guest' }, ['admins']), ['admin']);
    }
  });
});

describe('patterns: prefix and glob, never a regular expression', () => {
  it('groupPrefix matches names that start with it', () => {
    const mapping: RoleMapping = { rules: [{ groupPrefix: 'eng-', role: 'engineer' }] };
    assert.deepEqual(roles(mapping, ['eng-platform']), ['engineer']);
    assert.deepEqual(roles(mapping, ['eng-']), ['engineer']);
    assert.deepEqual(roles(mapping, ['team-eng-platform', 'ENG-platform']), []);
  });

  it('groupGlob: * stands for any run of characters; everything else is literal', () => {
    const mapping: RoleMapping = { rules: [{ groupGlob: '*-admins', role: 'admin' }] };
    assert.deepEqual(roles(mapping, ['eu-admins']), ['admin']);
    assert.deepEqual(roles(mapping, ['-admins']), ['admin']);
    assert.deepEqual(roles(mapping, ['eu-admins-old', 'admins']), []);
    // Regular-expression syntax is literal text.
    const literal: RoleMapping = { rules: [{ groupGlob: 'a.b+(c)?*', role: 'x' }] };
    assert.deepEqual(roles(literal, ['a.b+(c)?z']), ['x']);
    assert.deepEqual(roles(literal, ['aXbb(c)z']), []);
  });

  it('globMatches decides pieces, overlaps and empty parts right', () => {
    const cases: [string, string, boolean][] = [
      ['*', '', true],
      ['**', 'abc', true],
      ['a*', 'a', true],
      ['*a', 'ba', true],
      ['a*a', 'a', false],
      ['a*a', 'aa', true],
      ['ab*ba', 'aba', false],
      ['*ab*ab*', 'xabyab', true],
      ['*ab*ab*', 'xaby', false],
      ['x*y*z', 'xzyz', true],
      ['x*y*z', 'xzzy', false],
      ['', '', true],
      ['', 'a', false],
    ];
    for (const [pattern, text, expected] of cases) {
      assert.equal(globMatches(pattern, text), expected, `${pattern} ~ ${text}`);
    }
  });

  it('a pathological pattern against a long name stays linear (no backtracking)', () => {
    const pattern = `${'*a'.repeat(100)}*b`;
    const name = 'a'.repeat(255);
    // Would take exponential steps with a backtracking matcher; indexOf pieces take one scan.
    assert.equal(globMatches(pattern, name), false);
    // And a tenant's mapping cannot hold one: at most 4 stars (the next describe).
    assert.throws(
      () => roles({ rules: [{ groupGlob: pattern.slice(0, 250), role: 'x' }] }, [name]),
      TypeError,
    );
    assert.deepEqual(roles({ rules: [{ groupGlob: '*a*a*a*b', role: 'x' }] }, [name]), []);
  });

  it('caseInsensitive applies to exact names, prefixes and globs', () => {
    const mapping: RoleMapping = {
      caseInsensitive: true,
      rules: [
        { group: 'Admins', role: 'admin' },
        { groupPrefix: 'Eng-', role: 'engineer' },
        { groupGlob: '*-VIEWERS', role: 'viewer' },
      ],
    };
    assert.deepEqual(roles(mapping, ['ADMINS', 'eng-x', 'eu-viewers']), ['admin', 'engineer', 'viewer']);
    assert.deepEqual(roles({ ...mapping, caseInsensitive: false }, ['ADMINS', 'eng-x', 'eu-viewers']), []);
  });
});

describe('inheritance: the app-wide mapping and tenant overrides', () => {
  it('a tenant without roles inherits the app mapping', () => {
    assert.deepEqual(roles(undefined, ['openlayer-role-member'], OPENLAYER), ['member']);
  });

  it('a tenant mapping replaces the app mapping unless it inherits', () => {
    const own: RoleMapping = { rules: [{ group: 'Acme Admins', role: 'admin' }], defaultRole: 'guest' };
    assert.deepEqual(roles(own, ['openlayer-role-member'], OPENLAYER), ['guest']);
    assert.deepEqual(roles({ ...own, inherit: true }, ['openlayer-role-member'], OPENLAYER), ['member']);
    assert.deepEqual(roles({ ...own, inherit: true }, ['Acme Admins'], OPENLAYER), ['admin']);
  });

  it("an inheriting tenant's rules come first, and it takes the app's precedence and defaults unless it sets its own", () => {
    const app: RoleMapping = { ...OPENLAYER, defaultRole: 'viewer', caseInsensitive: true };
    const own: RoleMapping = { inherit: true, rules: [{ group: 'acme-contractors', role: 'viewer' }] };
    // The tenant ranks contractors as viewers even when they are also in the member group.
    assert.deepEqual(roles(own, ['OPENLAYER-ROLE-MEMBER', 'ACME-CONTRACTORS'], app), ['viewer']);
    assert.deepEqual(roles(own, ['sales'], app), ['viewer']);
    assert.deepEqual(
      roles({ ...own, precedence: 'all' }, ['openlayer-role-member', 'acme-contractors'], app),
      ['viewer', 'member'],
    );
    assert.deepEqual(roles({ ...own, defaultRole: 'none' }, ['sales'], app), ['none']);
    assert.deepEqual(roles({ ...own, caseInsensitive: false }, ['OPENLAYER-ROLE-MEMBER'], app), ['viewer']);
  });

  it('a hand-built call (groups from Microsoft Graph after an overage) gets TypeErrors naming what is wrong', () => {
    const t = tenant({ rules: [{ group: 'a', role: 'x' }], caseInsensitive: true });
    const calls: [unknown, unknown, RegExp][] = [
      [0, { tenantId: t.id, groups: [], attributes: {} }, /^tenant must be/],
      [t, null, /^profile must be/],
      [t, { tenantId: t.id, groups: [null, 5], attributes: {} }, /^profile\.groups must be/],
    ];
    for (const [mapped, profile, message] of calls) {
      assert.throws(() => mapRoles(mapped as never, profile as never), { name: 'TypeError', message });
    }
  });

  it('an app mapping cannot itself inherit, and a bad one is a TypeError naming it', () => {
    assert.throws(() => roles(undefined, [], { ...OPENLAYER, inherit: true }), /options\.defaults\.inherit/);
    assert.throws(
      () =>
        createServiceProvider({
          tenants: createMemoryStore(),
          state: createMemoryStore(),
          roles: { rules: [{ role: 'x' }] } as never,
        }),
      /options\.roles\.rules\[0\]/,
    );
  });

  it('finishLogin applies the app mapping the service was given, with the tenant override', async () => {
    const store = createMemoryStore({ now: () => NOW });
    const sp = createServiceProvider({ tenants: store, state: store, now: () => NOW, roles: OPENLAYER });
    const login = async (groups: string[]) =>
      (await sp.finishLogin(idp.respond({ user: { email: 'alice@acme.com', groups } }), { tenantId: 'acme' }))
        .roles;
    await store.put(tenant());
    assert.deepEqual(await login(['openlayer-role-viewer', 'openlayer-role-admin']), ['admin']);
    await store.put(tenant({ inherit: true, rules: [{ groupPrefix: 'contractor-', role: 'viewer' }] }));
    assert.deepEqual(await login(['openlayer-role-admin', 'contractor-eu']), ['viewer']);
    await store.put(tenant({ rules: [{ group: 'staff', role: 'member' }] }));
    assert.deepEqual(await login(['openlayer-role-admin', 'staff']), ['member']);
  });
});

describe('role mapping configuration', () => {
  const problems = (roles: unknown) =>
    validateTenantConfig({ ...tenant(), roles }, { now: () => NOW })
      .filter((problem) => problem.severity === 'error')
      .map((problem) => problem.path);

  it("accepts today's shape unchanged", () => {
    assert.deepEqual(problems({ rules: [{ group: 'Admins', role: 'admin' }], defaultRole: 'member' }), []);
  });

  it('reports rules that name their groups in no way or in two ways, bad options and oversize patterns', () => {
    assert.deepEqual(problems({ rules: [{ role: 'admin' }] }), ['roles.rules[0].group']);
    assert.deepEqual(problems({ rules: [{ group: 'a', groupPrefix: 'b', role: 'admin' }] }), [
      'roles.rules[0]',
      'roles.rules[0].groupPrefix',
    ]);
    assert.deepEqual(problems({ rules: [{ groupRegex: '^a', role: 'admin' }] }), [
      'roles.rules[0].groupRegex',
      'roles.rules[0].group',
    ]);
    assert.deepEqual(problems({ rules: [], precedence: 'last', caseInsensitive: 'yes', inherit: 1 }), [
      'roles.precedence',
      'roles.caseInsensitive',
      'roles.inherit',
    ]);
    assert.deepEqual(problems({ rules: [{ groupGlob: '*'.repeat(257), role: 'x' }] }), [
      'roles.rules[0].groupGlob',
    ]);
  });

  it('caps what another tenant\u2019s admin could make every login pay: 20 prefix or glob rules, 4 stars a glob', () => {
    const globs = (count: number, glob = '*a*b*') =>
      Array.from({ length: count }, () => ({ groupGlob: glob, role: 'x' }));
    assert.deepEqual(problems({ rules: globs(20) }), []);
    assert.deepEqual(
      problems({
        rules: [...globs(10), ...Array.from({ length: 11 }, () => ({ groupPrefix: 'a', role: 'x' }))],
      }),
      ['roles.rules'],
    );
    assert.deepEqual(
      problems({
        rules: [...globs(20), ...Array.from({ length: 400 }, (_, i) => ({ group: `g${i}`, role: 'x' }))],
      }),
      [],
    );
    assert.deepEqual(problems({ rules: globs(1, '*a*a*a*a*') }), ['roles.rules[0].groupGlob']);
    assert.deepEqual(problems({ rules: globs(1, '*a*a*a*') }), []);
  });
});
