/**
 * Authentication context (issue #18, point 1) with the test IdP: a tenant that requires MFA or
 * given classes, met, not met and missing, for the class reference and for the claims Entra ID /
 * AD FS and Okta use instead; the RequestedAuthnContext that goes out; step-up with ForceAuthn and
 * the AuthnInstant age; and only signed bytes count.
 */
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { DOMParser, type Document } from '@xmldom/xmldom';
import {
  createAuthnRequest,
  createServiceProvider,
  explainResponse,
  createMemoryStore,
  MFA_CLASS_REFS,
  skipReplayCheck,
  validateTenantConfig,
  verifyResponse,
  type IdpPresetName,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type RespondInput, type TestIdp, type TestIdpUser } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import { expectCode } from '../helpers/expect.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const clock = (): Date => NOW;
const ALICE: TestIdpUser = { email: 'alice@acme.com', firstName: 'Alice' };
const SP = { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' };
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';
const MS_METHODS = 'http://schemas.microsoft.com/claims/authnmethodsreferences';
const MULTIPLE_AUTHN = 'http://schemas.microsoft.com/claims/multipleauthn';
const PASSWORD_METHOD = 'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password';

const idps = new Map<IdpPresetName, TestIdp>();

function idpOf(preset: IdpPresetName): TestIdp {
  const idp = idps.get(preset);
  assert.ok(idp !== undefined, preset);
  return idp;
}

function tenant(preset: IdpPresetName, changes: Partial<TenantConfig> = {}): TenantConfig {
  const idp = idpOf(preset);
  return {
    id: 'acme',
    preset,
    sp: SP,
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    allowIdpInitiated: true,
    ...changes,
  };
}

/** Verifies an IdP-initiated response of the preset's test IdP with the overrides given. */
async function verify(
  config: TenantConfig,
  overrides: Omit<RespondInput, 'user'> = {},
  maxAuthnAgeSeconds?: number,
) {
  const form = idpOf(config.preset ?? 'generic').respond({ ...overrides, user: ALICE });
  return verifyResponse(config, form, {
    now: () => NOW,
    replayCache: skipReplayCheck,
    ...(maxAuthnAgeSeconds !== undefined && { maxAuthnAgeSeconds }),
  });
}

/** The AuthnRequest XML of a Redirect URL. */
function requestXml(url: string): Document {
  const encoded = new URL(url).searchParams.get('SAMLRequest') ?? '';
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function requestedContext(url: string): { comparison: string | null; classes: string[] } | undefined {
  const doc = requestXml(url);
  const [requested] = [
    ...doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:protocol', 'RequestedAuthnContext'),
  ];
  if (requested === undefined) return undefined;
  return {
    comparison: requested.getAttribute('Comparison'),
    classes: [
      ...requested.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'AuthnContextClassRef'),
    ].map((element) => element.textContent ?? ''),
  };
}

before(async () => {
  for (const preset of ['generic', 'azure', 'adfs', 'okta', 'google', 'ping'] as const) {
    idps.set(
      preset,
      await createTestIdp({
        preset,
        key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
        now: clock,
        sp: SP,
      }),
    );
  }
});

describe('authnContext: the profile exposes the context', () => {
  it('reads the class reference, the methods of the preset claim and the AuthnInstant from the signed assertion', async () => {
    const instant = new Date(NOW.getTime() - 60_000);
    const profile = await verify(tenant('azure'), {
      authnContextClassRef: `${AC}Password`,
      authnInstant: instant,
      attributes: { [MS_METHODS]: [PASSWORD_METHOD, MULTIPLE_AUTHN] },
    });
    assert.equal(profile.authnContextClassRef, `${AC}Password`);
    assert.deepEqual(profile.authnMethods, [PASSWORD_METHOD, MULTIPLE_AUTHN]);
    assert.deepEqual(profile.authnInstant, instant);
  });

  it('leaves the class and the methods out when the IdP sends none', async () => {
    const profile = await verify(tenant('generic'), { authnContextClassRef: null });
    assert.equal(profile.authnContextClassRef, undefined);
    assert.equal(profile.authnMethods, undefined);
  });
});

describe("authnContext { require: 'mfa' }: met, not met, missing", () => {
  it('is met by an MFA class reference, whatever the preset', async () => {
    for (const classRef of MFA_CLASS_REFS) {
      const profile = await verify(tenant('generic', { authnContext: { require: 'mfa' } }), {
        authnContextClassRef: classRef,
      });
      assert.equal(profile.authnContextClassRef, classRef);
    }
  });

  it("is met by Entra ID's authnmethodsreferences holding multipleauthn, with a password class", async () => {
    for (const preset of ['azure', 'adfs'] as const) {
      const profile = await verify(tenant(preset, { authnContext: { require: 'mfa' } }), {
        authnContextClassRef: `${AC}Password`,
        attributes: { [MS_METHODS]: [PASSWORD_METHOD, MULTIPLE_AUTHN] },
      });
      assert.deepEqual(profile.authnMethods, [PASSWORD_METHOD, MULTIPLE_AUTHN]);
    }
  });

  it("is met by Okta's amr attribute holding mfa", async () => {
    await verify(tenant('okta', { authnContext: { require: 'mfa' } }), {
      attributes: { amr: ['pwd', 'mfa'] },
    });
  });

  it("is not met by a password login, with the hint of the tenant's IdP console", async () => {
    const cases: [IdpPresetName, RegExp][] = [
      ['azure', /Conditional Access/],
      ['adfs', /access control policy/],
      ['okta', /session\.amr/],
      ['google', /2-Step Verification/],
      ['ping', /PingFederate/],
      ['generic', /refeds\.org\/profile\/mfa/],
    ];
    for (const [preset, hint] of cases) {
      const error = await expectCode(
        verify(tenant(preset, { authnContext: { require: 'mfa' } }), {
          authnContextClassRef: `${AC}PasswordProtectedTransport`,
          attributes: { [MS_METHODS]: [PASSWORD_METHOD], amr: ['pwd'] },
        }),
        'AUTHN_CONTEXT_NOT_MET',
      );
      assert.match(error.hint, hint);
      assert.equal(error.tenantId, 'acme');
      assert.match(error.received ?? '', /PasswordProtectedTransport/);
    }
  });

  it('is not met when the assertion does not say how the user authenticated', async () => {
    const error = await expectCode(
      verify(tenant('azure', { authnContext: { require: 'mfa' } }), { authnContextClassRef: null }),
      'AUTHN_CONTEXT_NOT_MET',
    );
    assert.match(error.received ?? '', /no AuthnContextClassRef, no authentication methods/);
  });

  it("reads the method claim of the tenant's preset only: an Okta amr claim means nothing for Entra ID", async () => {
    await expectCode(
      verify(tenant('azure', { authnContext: { require: 'mfa' } }), { attributes: { amr: ['mfa'] } }),
      'AUTHN_CONTEXT_NOT_MET',
    );
  });
});

describe("authnContext { require: 'classes' }", () => {
  const required: TenantConfig['authnContext'] = {
    require: 'classes',
    classes: [`${AC}TimeSyncToken`, `${AC}Smartcard`],
  };

  it('is met by one of the classes (exact comparison)', async () => {
    const profile = await verify(tenant('generic', { authnContext: required }), {
      authnContextClassRef: `${AC}Smartcard`,
    });
    assert.equal(profile.authnContextClassRef, `${AC}Smartcard`);
  });

  it('is not met by another class, nor by an MFA claim, nor by nothing', async () => {
    const config = tenant('azure', { authnContext: required });
    const other = await expectCode(
      verify(config, {
        authnContextClassRef: `${AC}SmartcardPKI`,
        attributes: { [MS_METHODS]: [MULTIPLE_AUTHN] },
      }),
      'AUTHN_CONTEXT_NOT_MET',
    );
    assert.deepEqual(other.expected, [`${AC}TimeSyncToken`, `${AC}Smartcard`]);
    await expectCode(verify(config, { authnContextClassRef: null }), 'AUTHN_CONTEXT_NOT_MET');
  });

  it('is reported by explainResponse as its own check', async () => {
    const config = tenant('generic', { authnContext: required });
    const form = idpOf('generic').respond({ user: ALICE, authnContextClassRef: `${AC}Password` });
    const report = await explainResponse(config, form, { now: () => NOW });
    const failed = report.checks.find((check) => check.status === 'fail');
    assert.equal(failed?.name, 'authn-context');
    assert.equal(report.error?.code, 'AUTHN_CONTEXT_NOT_MET');
  });
});

describe('the AuthnRequest asks for the required context (SAML core §3.3.2.2.1)', () => {
  it('sends the required classes with Comparison exact, and MFA to the IdPs that act on it', () => {
    const classes = [`${AC}TimeSyncToken`];
    const request = (config: TenantConfig) =>
      requestedContext(createAuthnRequest(config, { now: () => NOW }).url);
    assert.deepEqual(request(tenant('generic', { authnContext: { require: 'classes', classes } })), {
      comparison: 'exact',
      classes,
    });
    assert.deepEqual(request(tenant('adfs', { authnContext: { require: 'mfa' } })), {
      comparison: 'exact',
      classes: [MULTIPLE_AUTHN],
    });
    assert.deepEqual(request(tenant('ping', { authnContext: { require: 'mfa' } })), {
      comparison: 'exact',
      classes: ['https://refeds.org/profile/mfa'],
    });
    // Entra ID answers a request for a class it did not perform with an error instead of MFA.
    assert.equal(request(tenant('azure', { authnContext: { require: 'mfa' } })), undefined);
    assert.equal(request(tenant('generic')), undefined);
    assert.equal(
      request(
        tenant('generic', {
          authnContext: { require: 'classes', classes, sendRequestedAuthnContext: false },
        }),
      ),
      undefined,
    );
    assert.deepEqual(
      request(tenant('azure', { authnContext: { require: 'mfa', sendRequestedAuthnContext: true } })),
      {
        comparison: 'exact',
        classes: ['https://refeds.org/profile/mfa'],
      },
    );
  });

  it("lets the caller's own requestedAuthnContext win", () => {
    const config = tenant('adfs', { authnContext: { require: 'mfa' } });
    const url = createAuthnRequest(config, {
      now: () => NOW,
      requestedAuthnContext: { classes: [`${AC}Smartcard`], comparison: 'minimum' },
    }).url;
    assert.deepEqual(requestedContext(url), { comparison: 'minimum', classes: [`${AC}Smartcard`] });
  });
});

describe('authnContext configuration', () => {
  it('reports every mistake with its path', () => {
    const problems = (authnContext: unknown) =>
      validateTenantConfig({ ...tenant('generic'), authnContext }, { now: () => NOW })
        .filter((problem) => problem.severity === 'error')
        .map((problem) => problem.path);
    assert.deepEqual(problems({ require: 'mfa' }), []);
    assert.deepEqual(problems({ require: 'password' }), ['authnContext']);
    assert.deepEqual(problems({ require: 'classes', classes: [] }), ['authnContext.classes']);
    assert.deepEqual(problems({ require: 'classes', classes: ['ok', ' padded'] }), [
      'authnContext.classes[1]',
    ]);
    assert.deepEqual(problems({ require: 'mfa', classes: ['x'] }), ['authnContext.classes']);
    assert.deepEqual(problems({ require: 'mfa', sendRequestedAuthnContext: 'yes' }), [
      'authnContext.sendRequestedAuthnContext',
    ]);
  });
});

describe('step-up: ForceAuthn and the AuthnInstant age', () => {
  it('checks.maxAuthnAgeSeconds refuses an old or absent AuthnInstant (AUTHN_TOO_OLD), with the skew', async () => {
    const config = tenant('generic', { clockSkewSeconds: 60 });
    const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
    await verify(config, { authnInstant: ago(300 + 59) }, 300);
    const error = await expectCode(verify(config, { authnInstant: ago(300 + 61) }, 300), 'AUTHN_TOO_OLD');
    assert.match(error.hint, /ForceAuthn/);
    assert.equal(error.received, ago(361).toISOString());
    // A future AuthnInstant beyond the skew is no fresher than an old one.
    await expectCode(verify(config, { authnInstant: ago(-120) }, 300), 'AUTHN_TOO_OLD');
    // Without the check, any age passes.
    await verify(config, { authnInstant: ago(86_400) });
    await assert.rejects(verify(config, {}, -1), TypeError);
  });

  it('startLogin({ forceAuthn }) sends ForceAuthn and finishLogin refuses a reused IdP session', async () => {
    const store = createMemoryStore({ now: clock });
    await store.put(tenant('generic', { allowIdpInitiated: false }));
    const sp = createServiceProvider({ tenants: store, state: store, now: clock, requestTtlSeconds: 600 });
    const idp = idpOf('generic');
    const respond = async (
      options: { forceAuthn?: boolean; maxAuthnAgeSeconds?: number },
      authnInstant: Date,
    ) => {
      const login = await sp.startLogin({ tenantId: 'acme' }, options);
      assert.equal(
        requestXml(login.url).documentElement?.getAttribute('ForceAuthn') ?? null,
        options.forceAuthn === true ? 'true' : null,
      );
      const form = answerRedirect(idp, login, { user: ALICE, authnInstant });
      return sp.finishLogin(form, { browserSecret: login.browserSecret });
    };
    const hourAgo = new Date(NOW.getTime() - 3_600_000);
    // A plain login accepts the IdP's session of an hour ago.
    await respond({}, hourAgo);
    // A step-up refuses it: by default the login may be no older than the request's lifetime.
    await expectCode(respond({ forceAuthn: true }, hourAgo), 'AUTHN_TOO_OLD');
    const fresh = await respond({ forceAuthn: true }, new Date(NOW.getTime() - 5_000));
    assert.equal(fresh.profile.authnInstant?.getTime(), NOW.getTime() - 5_000);
    // An explicit age, tighter than the lifetime.
    await expectCode(
      respond({ forceAuthn: true, maxAuthnAgeSeconds: 60 }, new Date(NOW.getTime() - 300_000)),
      'AUTHN_TOO_OLD',
    );
    await assert.rejects(sp.startLogin({ tenantId: 'acme' }, { maxAuthnAgeSeconds: 1.5 }), TypeError);
  });
});
