/**
 * validateTenantConfig for the newer tenant fields: preset, enabled, requireSso, allowHttp, breakGlassEmails, roles,
 * attributeNames merged over the preset, plain-http URLs, certificate expiry (error when expired, warning within 30
 * days, judged at options.now) and an email attribute that nothing names. test/helpers/keys/idp.crt is valid from
 * 2026-11-30 to 2126-11-06T10:20:06Z; the expiry tests pick `now` relative to that.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defineTenant, validateTenantConfig } from '../../src/index.js';
import type { TenantConfig, TenantProblem } from '../../src/index.js';
import { resolvedTenant } from '../../src/tenant/define.js';
import { IDP_PRESETS } from '../../src/idp/products.js';

const PEM = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
const NOT_AFTER = new Date(new X509Certificate(PEM).validTo);
const DAY_MS = 86_400_000;
/** A time at which the certificate is far from expiry. */
const NOW = new Date('2027-01-15T12:00:00Z');

const VALID: TenantConfig = {
  id: 'acme',
  sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
  idp: { entityId: 'https://idp.example.com/', certificates: [PEM] },
};

/** Validates `VALID` with `changes` spread over it, at `now`. */
function problemsWith(changes: Record<string, unknown>, now: Date = NOW): TenantProblem[] {
  return validateTenantConfig({ ...VALID, ...changes }, { now: () => now });
}

/** Asserts that exactly one problem is reported, at `path`, with that severity, and returns its message. */
function onlyProblemAt(problems: readonly TenantProblem[], path: string, severity = 'error'): string {
  assert.deepEqual(
    problems.map((p) => [p.path, p.severity]),
    [[path, severity]],
    JSON.stringify(problems),
  );
  assert.notEqual(problems[0]?.message ?? '', '');
  return problems[0]!.message;
}

describe('validateTenantConfig: preset', () => {
  it('accepts every known preset', () => {
    for (const preset of Object.keys(IDP_PRESETS)) assert.deepEqual(problemsWith({ preset }), [], preset);
  });

  it('refuses an unknown preset, a preset in other case, and a non-string, listing the known ones', () => {
    for (const preset of ['auth0', 'Azure', 'entra', '', 42, ['okta']]) {
      const message = onlyProblemAt(problemsWith({ preset }), 'preset');
      assert.match(message, /azure.*okta.*generic/, String(preset));
    }
  });

  it('null is refused like any other wrong value, not taken as "the default"', () => {
    onlyProblemAt(problemsWith({ preset: null }), 'preset');
    onlyProblemAt(problemsWith({ signing: null }), 'signing');
    onlyProblemAt(problemsWith({ clockSkewSeconds: null }), 'clockSkewSeconds');
  });

  it("takes the preset's email source when the tenant names none (Okta: any NameID format)", () => {
    assert.deepEqual(resolvedTenant({ ...VALID, preset: 'okta' }).email, { from: 'nameId', format: 'any' });
    assert.deepEqual(resolvedTenant({ ...VALID, preset: 'azure' }).email, { from: 'nameId' });
    const explicit = { from: 'attribute', name: 'mail' } as const;
    assert.deepEqual(resolvedTenant({ ...VALID, preset: 'okta', email: explicit }).email, explicit);
  });

  it("defaults to generic, and the preset's claim names fill attributeNames", () => {
    assert.equal(resolvedTenant(VALID).preset, 'generic');
    assert.deepEqual(resolvedTenant(VALID).attributeNames, {});
    assert.deepEqual(resolvedTenant({ ...VALID, preset: 'okta' }).attributeNames, IDP_PRESETS.okta.claims);
  });

  it('attributeNames override the preset field by field', () => {
    const resolved = resolvedTenant({ ...VALID, preset: 'azure', attributeNames: { groups: 'roles' } });
    assert.deepEqual(resolved.attributeNames, { ...IDP_PRESETS.azure.claims, groups: 'roles' });
  });
});

describe('validateTenantConfig: booleans', () => {
  for (const key of [
    'enabled',
    'requireSso',
    'allowHttp',
    'allowIdpInitiated',
    'allowSha1',
    'allowRsa1024',
  ]) {
    it(`${key} must be true or false`, () => {
      for (const value of ['true', 1, 0, null, {}, []]) {
        const extra = key === 'requireSso' ? { emailDomains: ['example.com'] } : {};
        onlyProblemAt(problemsWith({ [key]: value, ...extra }), key);
      }
      assert.deepEqual(problemsWith({ [key]: false }), []);
    });
  }

  it('enabled defaults to true, requireSso to false', () => {
    const resolved = resolvedTenant(VALID);
    assert.equal(resolved.enabled, true);
    assert.equal(resolved.requireSso, false);
    assert.equal(resolvedTenant({ ...VALID, enabled: false }).enabled, false);
  });
});

describe('validateTenantConfig: requireSso and breakGlassEmails', () => {
  it('requireSso needs emailDomains (they say whose password login is off)', () => {
    assert.match(onlyProblemAt(problemsWith({ requireSso: true }), 'requireSso'), /emailDomains/);
    assert.match(
      onlyProblemAt(problemsWith({ requireSso: true, emailDomains: [] }), 'requireSso'),
      /emailDomains/,
    );
    assert.deepEqual(problemsWith({ requireSso: true, emailDomains: ['example.com'] }), []);
    assert.deepEqual(problemsWith({ requireSso: false }), []);
  });

  it('breakGlassEmails must be an array of addresses; each bad entry is reported at its index', () => {
    onlyProblemAt(problemsWith({ breakGlassEmails: 'admin@example.com' }), 'breakGlassEmails');
    const problems = problemsWith({
      breakGlassEmails: ['admin@example.com', 'not an address', 42, 'two@@example.com', '', 'ok@EXAMPLE.com'],
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['breakGlassEmails[1]', 'breakGlassEmails[2]', 'breakGlassEmails[3]', 'breakGlassEmails[4]'],
    );
  });

  it('break-glass addresses are kept with their domain lower-cased', () => {
    const resolved = resolvedTenant({
      ...VALID,
      requireSso: true,
      emailDomains: ['example.com'],
      breakGlassEmails: [' Admin@EXAMPLE.com '],
    });
    assert.deepEqual(resolved.breakGlassEmails, ['Admin@example.com']);
  });
});

describe('validateTenantConfig: roles', () => {
  it('accepts rules with a default role, rules alone, or a default role alone', () => {
    assert.deepEqual(
      problemsWith({ roles: { rules: [{ group: 'Admins', role: 'admin' }], defaultRole: 'viewer' } }),
      [],
    );
    assert.deepEqual(problemsWith({ roles: { rules: [{ group: 'Admins', role: 'admin' }] } }), []);
    assert.deepEqual(problemsWith({ roles: { rules: [], defaultRole: 'viewer' } }), []);
  });

  it('a roles value that is not { rules: [...] } is one problem at roles', () => {
    for (const roles of ['admin', [], null, {}, { rules: 'Admins' }, { defaultRole: 'viewer' }]) {
      onlyProblemAt(problemsWith({ roles }), 'roles');
    }
  });

  it('each bad rule field is reported at its path', () => {
    const problems = problemsWith({
      roles: {
        rules: [
          { group: 'Admins', role: 'admin' },
          { group: '', role: 'member' },
          'Staff',
          { group: 'Sales', role: 7 },
        ],
      },
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['roles.rules[1].group', 'roles.rules[2].group', 'roles.rules[2].role', 'roles.rules[3].role'],
    );
  });

  it('defaultRole must be a non-empty string', () => {
    for (const defaultRole of ['', 0, null, ['viewer']]) {
      onlyProblemAt(problemsWith({ roles: { rules: [], defaultRole } }), 'roles.defaultRole');
    }
  });
});

describe('validateTenantConfig: plain http', () => {
  const withAcs = (acsUrl: string, changes: Record<string, unknown> = {}): TenantProblem[] =>
    problemsWith({ sp: { ...VALID.sp, acsUrl }, ...changes });

  it('refuses http URLs on other hosts, also look-alikes of localhost', () => {
    for (const url of [
      'http://app.example.com/acs',
      'http://localhost.example.com/acs',
      'http://127.0.0.2/acs',
      'http://10.0.0.1/acs',
      'http://[::2]/acs',
    ]) {
      assert.match(onlyProblemAt(withAcs(url), 'sp.acsUrl'), /https/, url);
    }
  });

  it('accepts http on localhost, 127.0.0.1 and [::1], with or without a port', () => {
    for (const url of [
      'http://localhost/acs',
      'http://localhost:3000/acs',
      'http://127.0.0.1:8080/acs',
      'http://[::1]:8443/acs',
    ]) {
      assert.deepEqual(withAcs(url), [], url);
    }
  });

  it('allowHttp accepts http anywhere (a development tunnel)', () => {
    assert.deepEqual(withAcs('http://dev-tunnel.example.net/acs', { allowHttp: true }), []);
  });

  it('applies to the IdP SSO URLs too, each at its path', () => {
    const idp = {
      ...VALID.idp,
      ssoUrl: 'http://idp.example.com/sso',
      ssoUrls: { post: 'http://idp.example.com/post' },
    };
    assert.deepEqual(
      problemsWith({ idp }).map((p) => p.path),
      ['idp.ssoUrl', 'idp.ssoUrls.post'],
    );
    assert.deepEqual(problemsWith({ idp, allowHttp: true }), []);
  });
});

describe('validateTenantConfig: certificate expiry (judged at options.now)', () => {
  const at = (offsetMs: number): TenantProblem[] =>
    problemsWith({}, new Date(NOT_AFTER.getTime() + offsetMs));

  it('the test certificate expires on 2126-11-06', () => {
    assert.equal(NOT_AFTER.toISOString(), '2126-11-06T10:20:06.000Z');
  });

  it('more than 30 days left: no problem', () => {
    assert.deepEqual(at(-31 * DAY_MS), []);
  });

  it('30 days or fewer left: a warning at the certificate, naming the date', () => {
    for (const days of [30, 29, 1]) {
      assert.match(onlyProblemAt(at(-days * DAY_MS), 'idp.certificates[0]', 'warning'), /2126-11-06/);
    }
  });

  it('expired (also at the very instant): an error at the certificate', () => {
    for (const offset of [0, 1000, 365 * DAY_MS]) {
      assert.match(onlyProblemAt(at(offset), 'idp.certificates[0]'), /expired on 2126-11-06/);
    }
  });

  it('a warning leaves the tenant usable; only the expired certificate of two is reported', () => {
    const expired = readFileSync(
      new URL('../../fixtures/real/azure/waisaml2-2023-signed-assertion.pem', import.meta.url),
      'utf8',
    );
    const problems = problemsWith({ idp: { ...VALID.idp, certificates: [expired, PEM] } });
    onlyProblemAt(problems, 'idp.certificates[0]');
    assert.doesNotThrow(() => defineTenant(VALID));
  });
});

describe("validateTenantConfig: email { from: 'attribute' }", () => {
  it('needs a name, attributeNames.email, or a preset that names the email claim', () => {
    assert.match(onlyProblemAt(problemsWith({ email: { from: 'attribute' } }), 'email'), /name/);
    assert.deepEqual(problemsWith({ email: { from: 'attribute', name: 'mail' } }), []);
    assert.deepEqual(problemsWith({ email: { from: 'attribute' }, attributeNames: { email: 'mail' } }), []);
    for (const preset of ['azure', 'okta', 'google', 'onelogin', 'ping', 'adfs', 'keycloak']) {
      assert.deepEqual(problemsWith({ email: { from: 'attribute' }, preset }), [], preset);
    }
  });

  it('an empty or non-string name is refused', () => {
    for (const name of ['', 42]) onlyProblemAt(problemsWith({ email: { from: 'attribute', name } }), 'email');
  });

  it('the name is reported only once the rest is valid (it depends on the preset)', () => {
    const problems = problemsWith({ email: { from: 'attribute' }, preset: 'nope' });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['preset'],
    );
  });
});
