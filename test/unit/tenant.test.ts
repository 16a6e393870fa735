/**
 * validateTenantConfig and defineTenant: every problem reported at once with its path, the frozen result, and what
 * counts as a certificate. The test keys (test/helpers/keys) are valid until 2126; the 1024-bit real-IdP ones in
 * fixtures/real/ expired long ago, so they are judged at a time they were valid (TIME_OF_1024).
 */
import assert from 'node:assert/strict';
import { KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defineTenant, validateTenantConfig } from '../../src/index.js';
import type { TenantConfig, TenantProblem } from '../../src/index.js';

const REAL = new URL('../../fixtures/real/', import.meta.url);
const readPem = (file: string): string => readFileSync(new URL(file, REAL), 'utf8');

/** A 2048-bit RSA test certificate, valid until 2126. */
const PEM_2048 = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
/** When both 1024-bit certificates below were valid. */
const TIME_OF_1024 = new Date('2016-07-01T00:00:00Z');
/** 1024-bit RSA certificates of legacy IdPs. */
const PEM_1024_OKTA = readPem('okta/passportwsfed-2013-signed-assertion.pem');
const PEM_1024_OAM = readPem('other/gosaml2-2016-oam-signed-assertion.pem');

const VALID: TenantConfig = {
  id: 'acme',
  sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
  idp: { entityId: 'https://idp.example.com/', certificates: [PEM_2048] },
};

/** Validates `VALID` with `changes` spread over it (an `undefined` value removes the key). */
function problemsWith(changes: Record<string, unknown>): TenantProblem[] {
  const merged = Object.entries<unknown>({ ...VALID, ...changes }).filter(([, value]) => value !== undefined);
  return validateTenantConfig(Object.fromEntries(merged), { now: () => TIME_OF_1024 });
}

function paths(problems: readonly TenantProblem[]): string[] {
  return problems.map((problem) => problem.path);
}

/** Asserts that exactly one problem is reported, at `path`, and returns its message. */
function onlyProblemAt(problems: readonly TenantProblem[], path: string): string {
  assert.deepEqual(paths(problems), [path], JSON.stringify(problems));
  const [problem] = problems;
  assert.equal(typeof problem?.message, 'string');
  assert.notEqual(problem?.message, '');
  return problem!.message;
}

function rsaBits(pem: string): number | undefined {
  return new X509Certificate(pem).publicKey.asymmetricKeyDetails?.modulusLength;
}

describe('validateTenantConfig', () => {
  it('accepts a minimal valid configuration (empty list)', () => {
    assert.deepEqual(validateTenantConfig(VALID), []);
  });

  it('reports every problem at once, each with its path', () => {
    const problems = validateTenantConfig({
      sp: { entityId: 'https://app.example.com/saml', acsUrl: 'ftp://app.example.com/acs' },
      idp: { entityId: 'https://idp.example.com/', certificates: [] },
      clockSkewSeconds: 301,
      signing: 'sometimes',
      emailDomains: ['example.com', 'not a domain'],
    });
    assert.deepEqual(
      new Set(paths(problems)),
      new Set(['id', 'sp.acsUrl', 'idp.certificates', 'clockSkewSeconds', 'signing', 'emailDomains[1]']),
    );
    assert.equal(problems.length, 6, JSON.stringify(problems));
  });

  it('a non-object configuration is one problem at the root path', () => {
    for (const input of [null, undefined, 'acme', 42, []]) {
      const problems = validateTenantConfig(input);
      assert.equal(problems.length, 1, `input ${String(input)}`);
      assert.equal(problems[0]?.path, '');
    }
  });

  it('missing or blank id', () => {
    onlyProblemAt(problemsWith({ id: undefined }), 'id');
    onlyProblemAt(problemsWith({ id: '' }), 'id');
    onlyProblemAt(problemsWith({ id: '   ' }), 'id');
    onlyProblemAt(problemsWith({ id: 7 }), 'id');
  });

  it('bad acsUrl: not http(s), relative, with white space, missing', () => {
    for (const acsUrl of [
      'ftp://app.example.com/acs',
      '/saml/acs',
      'https://app.example.com/a cs',
      'javascript:1',
    ]) {
      onlyProblemAt(problemsWith({ sp: { ...VALID.sp, acsUrl } }), 'sp.acsUrl');
    }
    onlyProblemAt(problemsWith({ sp: { entityId: VALID.sp.entityId } }), 'sp.acsUrl');
  });

  it('missing sp and idp objects are reported at sp and idp', () => {
    assert.deepEqual(new Set(paths(problemsWith({ sp: undefined, idp: 'x' }))), new Set(['sp', 'idp']));
  });

  it('zero certificates, or certificates not a list', () => {
    const message = onlyProblemAt(
      problemsWith({ idp: { ...VALID.idp, certificates: [] } }),
      'idp.certificates',
    );
    assert.match(message, /at least one certificate/);
    onlyProblemAt(problemsWith({ idp: { ...VALID.idp, certificates: PEM_2048 } }), 'idp.certificates');
    onlyProblemAt(problemsWith({ idp: { entityId: VALID.idp.entityId } }), 'idp.certificates');
  });

  it('a non-certificate string is reported at its index; the valid ones around it are not', () => {
    const problems = problemsWith({
      idp: { ...VALID.idp, certificates: [PEM_2048, 'hello, I am a certificate', 'AAAA', '%%%', 42] },
    });
    assert.deepEqual(paths(problems), [
      'idp.certificates[1]',
      'idp.certificates[2]',
      'idp.certificates[3]',
      'idp.certificates[4]',
    ]);
  });

  it('a PEM whose body is not DER of a certificate is refused', () => {
    const notACertificate = `-----BEGIN CERTIFICATE-----\n${Buffer.from('not a certificate').toString('base64')}\n-----END CERTIFICATE-----`;
    onlyProblemAt(
      problemsWith({ idp: { ...VALID.idp, certificates: [notACertificate] } }),
      'idp.certificates[0]',
    );
  });

  it('1024-bit RSA certificates are refused unless allowRsa1024', () => {
    assert.equal(rsaBits(PEM_1024_OKTA), 1024, 'fixture is 1024-bit');
    assert.equal(rsaBits(PEM_1024_OAM), 1024, 'fixture is 1024-bit');
    const problems = problemsWith({
      idp: { ...VALID.idp, certificates: [PEM_2048, PEM_1024_OKTA, PEM_1024_OAM] },
    });
    assert.deepEqual(paths(problems), ['idp.certificates[1]', 'idp.certificates[2]']);
    for (const problem of problems) assert.match(problem.message, /1024/);
    assert.deepEqual(
      problemsWith({
        idp: { ...VALID.idp, certificates: [PEM_1024_OKTA, PEM_1024_OAM] },
        allowRsa1024: true,
      }),
      [],
    );
    onlyProblemAt(problemsWith({ allowRsa1024: 'yes' }), 'allowRsa1024');
  });

  it('clockSkewSeconds must be a whole number from 0 to 300', () => {
    for (const clockSkewSeconds of [301, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60']) {
      onlyProblemAt(problemsWith({ clockSkewSeconds }), 'clockSkewSeconds');
    }
    for (const clockSkewSeconds of [0, 1, 120, 300]) assert.deepEqual(problemsWith({ clockSkewSeconds }), []);
  });

  it('signing must be one of the four policies', () => {
    for (const signing of ['sometimes', 'Both', '', 1]) onlyProblemAt(problemsWith({ signing }), 'signing');
    for (const signing of ['covered', 'assertion', 'response', 'both']) {
      assert.deepEqual(problemsWith({ signing }), []);
    }
  });

  it("email { from: 'none' } cannot be combined with emailDomains", () => {
    onlyProblemAt(problemsWith({ email: { from: 'none' }, emailDomains: ['example.com'] }), 'email');
    assert.deepEqual(problemsWith({ email: { from: 'none' } }), []);
    assert.deepEqual(problemsWith({ email: { from: 'none' }, emailDomains: [] }), []);
  });

  it('an unknown email source is reported at email', () => {
    for (const email of [
      { from: 'header' },
      { from: 'attribute' },
      { from: 'attribute', name: '' },
      'nameId',
    ]) {
      onlyProblemAt(problemsWith({ email }), 'email');
    }
    onlyProblemAt(problemsWith({ email: { from: 'nameId', format: 'unspecified' } }), 'email');
  });

  it('bad email domains are reported at their index', () => {
    const problems = problemsWith({
      emailDomains: [
        'example.com',
        'not a domain',
        '@example.com',
        'example',
        '*.example.com',
        'Example.ORG',
        7,
      ],
    });
    assert.deepEqual(paths(problems), [
      'emailDomains[1]',
      'emailDomains[2]',
      'emailDomains[3]',
      'emailDomains[4]',
      'emailDomains[6]',
    ]);
    onlyProblemAt(problemsWith({ emailDomains: 'example.com' }), 'emailDomains');
  });

  it('unknown or empty attributeNames fields are reported by name', () => {
    const problems = problemsWith({
      attributeNames: { groups: '', nickname: 'nick', firstName: 'givenName' },
    });
    assert.deepEqual(new Set(paths(problems)), new Set(['attributeNames.groups', 'attributeNames.nickname']));
  });
});

describe('defineTenant', () => {
  it('returns a deeply frozen tenant', () => {
    const tenant = defineTenant({
      ...VALID,
      emailDomains: ['example.com'],
      attributeNames: { groups: 'roles' },
    });
    assert.ok(Object.isFrozen(tenant));
    assert.ok(Object.isFrozen(tenant.sp));
    assert.ok(Object.isFrozen(tenant.idp));
    assert.ok(Object.isFrozen(tenant.idp.certificates));
    assert.ok(Object.isFrozen(tenant.emailDomains));
    assert.ok(Object.isFrozen(tenant.attributeNames));
    assert.throws(() => {
      (tenant.sp as { acsUrl: string }).acsUrl = 'https://evil.example/acs';
    }, TypeError);
    assert.equal(tenant.sp.acsUrl, VALID.sp.acsUrl);
  });

  it('its parsed internals (symbol-keyed) are frozen too, so what verifies cannot change after defineTenant', () => {
    const tenant = defineTenant({ ...VALID, emailDomains: ['example.com'] });
    const mutable: string[] = [];
    const seen = new Set<object>();
    const visit = (value: unknown, path: string): void => {
      // A KeyObject is immutable through its API; its native internals are not ours to freeze.
      if (typeof value !== 'object' || value === null || value instanceof KeyObject || seen.has(value))
        return;
      seen.add(value);
      if (value instanceof Set || value instanceof Map) mutable.push(`${path} (${value.constructor.name})`);
      else if (!Object.isFrozen(value)) mutable.push(path);
      for (const key of Reflect.ownKeys(value)) visit(Reflect.get(value, key), `${path}.${String(key)}`);
    };
    visit(tenant, 'tenant');
    assert.deepEqual(mutable, []);
  });

  it('does not freeze or alias the caller’s configuration', () => {
    const config = structuredClone(VALID) as { sp: { acsUrl: string } } & TenantConfig;
    const tenant = defineTenant(config);
    assert.ok(!Object.isFrozen(config));
    assert.ok(!Object.isFrozen(config.sp));
    config.sp.acsUrl = 'https://changed.example/acs';
    assert.equal(tenant.sp.acsUrl, VALID.sp.acsUrl);
  });

  it('throws a TypeError that lists every problem with its path', () => {
    const invalid = {
      id: '',
      sp: { entityId: 'https://app.example.com/saml', acsUrl: 'not a url' },
      idp: { entityId: 'https://idp.example.com/', certificates: ['garbage'] },
      clockSkewSeconds: 1.5,
    };
    assert.throws(
      () => defineTenant(invalid),
      (error: unknown) => {
        assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
        for (const path of ['id:', 'sp.acsUrl:', 'idp.certificates[0]:', 'clockSkewSeconds:']) {
          assert.ok(error.message.includes(path), `message lists ${path}\n${error.message}`);
        }
        return true;
      },
    );
  });

  it('is idempotent: defining a defined tenant returns the same object', () => {
    const tenant = defineTenant(VALID);
    assert.equal(defineTenant(tenant), tenant);
    assert.equal(defineTenant(defineTenant(tenant)), tenant);
  });

  it('JSON.stringify of a defined tenant equals that of its configuration (no internals leak)', () => {
    const config: TenantConfig = {
      ...VALID,
      emailDomains: ['example.com'],
      allowIdpInitiated: true,
      clockSkewSeconds: 60,
      signing: 'both',
      email: { from: 'attribute', name: 'mail' },
      attributeNames: { groups: 'roles', firstName: 'given', lastName: 'family' },
    };
    const tenant = defineTenant(config);
    assert.equal(JSON.stringify(tenant), JSON.stringify(config));
    assert.deepEqual(Object.keys(tenant), Object.keys(config));
    assert.deepEqual(JSON.parse(JSON.stringify(tenant)), JSON.parse(JSON.stringify(config)));
  });

  it('a defined tenant stored as JSON and read back defines again', () => {
    const tenant = defineTenant(VALID);
    const stored: unknown = JSON.parse(JSON.stringify(tenant));
    const again = defineTenant(stored as TenantConfig);
    assert.notEqual(again, tenant);
    assert.deepEqual(again, tenant);
  });

  it('accepts a bare base64 certificate (the PEM body without its armour), also unwrapped to one line', () => {
    const body = PEM_2048.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').trim();
    assert.ok(!body.includes('-----'));
    const oneLine = body.replace(/\s+/g, '');
    assert.deepEqual(validateTenantConfig({ ...VALID, idp: { ...VALID.idp, certificates: [body] } }), []);
    assert.deepEqual(validateTenantConfig({ ...VALID, idp: { ...VALID.idp, certificates: [oneLine] } }), []);
    const tenant = defineTenant({ ...VALID, idp: { ...VALID.idp, certificates: [oneLine] } });
    assert.equal(tenant.idp.certificates[0], oneLine);
  });

  it('refuses a 1024-bit certificate with a TypeError unless allowRsa1024', () => {
    const config: TenantConfig = { ...VALID, idp: { ...VALID.idp, certificates: [PEM_1024_OKTA] } };
    assert.throws(
      () => defineTenant(config),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /idp\.certificates\[0\]: .*1024/);
        return true;
      },
    );
    assert.ok(Object.isFrozen(defineTenant({ ...config, allowRsa1024: true })));
  });
});
