/**
 * setupInstructions: for every preset, the console's own field names carry the tenant's real values, the text holds
 * all of it, our signing certificate appears where the console checks AuthnRequest signatures, the claims follow
 * the tenant's names and email source, and following the claims yields a working login (a response minted with
 * exactly those claims fills the profile).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTenant, skipReplayCheck, verifyResponse } from '../../src/index.js';
import type { TenantConfig } from '../../src/index.js';
import type { AttributeNames, IdpPresetName } from '../../src/types.js';
import { IDP_PRESETS } from '../../src/idp/products.js';
import { setupInstructions, type SetupInstructions } from '../../src/idp/setup.js';
import {
  ACS_URL as TEST_ACS_URL,
  buildResponse,
  KEYS,
  NOW,
  REQUEST_ID,
  SP_ENTITY_ID,
  signed,
  toForm,
} from '../helpers/idp.js';

const PRESETS = Object.keys(IDP_PRESETS) as IdpPresetName[];
const ENTITY_ID = 'https://app.example.com/saml/acme';
const ACS_URL = 'https://app.example.com/saml/acme/acs';
const LOGIN_URL = 'https://app.example.com/login?tenant=acme';
const SP_SIGNING = { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert };

function tenantWith(preset: IdpPresetName, changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 'acme',
    sp: { entityId: ENTITY_ID, acsUrl: ACS_URL },
    idp: { entityId: 'https://idp.example.com/metadata', certificates: [KEYS.idp.cert] },
    preset,
    ...changes,
  };
}

const valueOf = (setup: SetupInstructions, field: string): string | undefined =>
  setup.toIdp.find((row) => row.field === field)?.value;
const claimOf = (setup: SetupInstructions, claim: string): string | undefined =>
  setup.claims.find((row) => row.claim === claim)?.value;
const fromIdpPaths = (setup: SetupInstructions): Record<string, string> =>
  Object.fromEntries(setup.fromIdp.map((row) => [row.field, row.tenantPath]));

/** The console's names for our entity ID and ACS URL, and for what comes back. */
const CONSOLE: Readonly<
  Record<IdpPresetName, { entityId: string; acsUrl: string; back: Readonly<Record<string, string>> }>
> = {
  azure: {
    entityId: 'Identifier (Entity ID)',
    acsUrl: 'Reply URL (Assertion Consumer Service URL)',
    back: {
      'Microsoft Entra Identifier': 'idp.entityId',
      'Login URL': 'idp.ssoUrl',
      'Certificate (Base64)': 'idp.certificates',
      'App Federation Metadata Url': 'idp',
    },
  },
  okta: {
    entityId: 'Audience URI (SP Entity ID)',
    acsUrl: 'Single sign-on URL',
    back: {
      'Identity Provider Issuer': 'idp.entityId',
      'Identity Provider Single Sign-On URL': 'idp.ssoUrl',
      'X.509 Certificate': 'idp.certificates',
      'Metadata URL': 'idp',
    },
  },
  google: {
    entityId: 'Entity ID',
    acsUrl: 'ACS URL',
    back: { 'Entity ID': 'idp.entityId', 'SSO URL': 'idp.ssoUrl', Certificate: 'idp.certificates' },
  },
  onelogin: {
    entityId: 'Audience (EntityID)',
    acsUrl: 'ACS (Consumer) URL',
    back: {
      'Issuer URL': 'idp.entityId',
      'SAML 2.0 Endpoint (HTTP)': 'idp.ssoUrl',
      'X.509 Certificate': 'idp.certificates',
    },
  },
  ping: {
    entityId: 'Entity ID',
    acsUrl: 'ACS URLs',
    back: {
      'Issuer ID': 'idp.entityId',
      'Single Signon Service': 'idp.ssoUrl',
      'Signing certificate': 'idp.certificates',
    },
  },
  adfs: {
    entityId: 'Relying party trust identifier',
    acsUrl: 'Relying party SAML 2.0 SSO service URL',
    back: {
      'Federation Service Identifier': 'idp.entityId',
      'SAML 2.0 endpoint': 'idp.ssoUrl',
      'Token-signing certificate': 'idp.certificates',
      'Federation metadata': 'idp',
    },
  },
  keycloak: {
    entityId: 'Client ID',
    acsUrl: 'Assertion Consumer Service POST Binding URL',
    back: {
      entityID: 'idp.entityId',
      SingleSignOnService: 'idp.ssoUrl',
      Certificate: 'idp.certificates',
      'SAML 2.0 Identity Provider Metadata': 'idp',
    },
  },
  generic: {
    entityId: 'SP Entity ID (Audience)',
    acsUrl: 'Assertion Consumer Service URL (HTTP-POST binding)',
    back: {
      'IdP Entity ID (Issuer)': 'idp.entityId',
      'IdP signing certificate (X.509)': 'idp.certificates',
      'IdP metadata': 'idp',
    },
  },
};

/** Consoles with a place for our AuthnRequest signing certificate, and its label there. */
const REQUEST_SIGNING: Readonly<Partial<Record<IdpPresetName, string>>> = {
  azure: 'Verification certificates',
  okta: 'Signature Certificate',
  ping: 'Verification Certificate',
  adfs: 'Signature',
  keycloak: 'Client signature required',
  generic: 'SP signing certificate',
};

describe('setupInstructions: every preset', () => {
  for (const preset of PRESETS) {
    describe(preset, () => {
      const setup = setupInstructions(tenantWith(preset));

      it('names the preset and its label; steps, toIdp, fromIdp and claims are all non-empty', () => {
        assert.equal(setup.preset, preset);
        assert.equal(setup.idpLabel, IDP_PRESETS[preset].label);
        for (const list of [setup.steps, setup.toIdp, setup.fromIdp, setup.claims])
          assert.ok(list.length > 0);
        for (const row of setup.toIdp) assert.notEqual(row.value.trim(), '', row.field);
        for (const row of setup.claims) assert.notEqual(row.value.trim(), '', row.claim);
      });

      it("puts the tenant's entity ID and ACS URL under the console's own field names", () => {
        assert.equal(valueOf(setup, CONSOLE[preset].entityId), ENTITY_ID);
        assert.equal(valueOf(setup, CONSOLE[preset].acsUrl), ACS_URL);
      });

      it('says what to copy back, with the tenant path each value goes to', () => {
        const paths = fromIdpPaths(setup);
        for (const [field, path] of Object.entries(CONSOLE[preset].back))
          assert.equal(paths[field], path, field);
        assert.deepEqual(
          new Set(setup.fromIdp.map((row) => row.tenantPath)),
          new Set(['idp.entityId', 'idp.ssoUrl', 'idp.certificates', 'idp']),
        );
      });

      it("asks for the claims under the preset's names", () => {
        const claims = IDP_PRESETS[preset].claims;
        const names = (['email', 'firstName', 'lastName', 'groups'] as const).flatMap(
          (field) => claims[field] ?? [],
        );
        for (const name of names) assert.ok(claimOf(setup, name) !== undefined, name);
      });

      it('the text holds every step, field, value, claim and field to send back', () => {
        const expected = [
          IDP_PRESETS[preset].label,
          ...setup.steps,
          ...setup.toIdp.flatMap((row) => [row.field, row.value, row.note ?? '']),
          ...setup.claims.flatMap((row) => [`${row.claim}: ${row.value}`]),
          ...setup.fromIdp.flatMap((row) => [row.field, row.note ?? '']),
        ];
        for (const piece of expected) assert.ok(setup.text.includes(piece), piece);
      });

      it('without sp.signing, no certificate of ours is mentioned', () => {
        assert.ok(!setup.text.includes('BEGIN CERTIFICATE'));
        const field = REQUEST_SIGNING[preset];
        // Keycloak requires signed requests by default: turn that off.
        if (preset === 'keycloak') assert.equal(valueOf(setup, 'Client signature required'), 'Off');
        else if (field !== undefined) assert.equal(valueOf(setup, field), undefined);
      });

      it('with sp.signing, our certificate goes where the console checks AuthnRequest signatures', () => {
        const withSigning = setupInstructions(
          tenantWith(preset, { sp: { entityId: ENTITY_ID, acsUrl: ACS_URL, signing: SP_SIGNING } }),
        );
        const field = REQUEST_SIGNING[preset];
        const certificate = SP_SIGNING.certificate.trim();
        if (field === undefined) {
          assert.ok(!withSigning.toIdp.some((row) => row.value.includes('BEGIN CERTIFICATE')));
          assert.ok(
            withSigning.steps.some((step) => step.includes('has no setting for AuthnRequest signatures')),
          );
        } else {
          assert.equal(valueOf(withSigning, field), certificate);
          assert.ok(withSigning.text.includes(certificate));
          assert.match(withSigning.toIdp.find((row) => row.field === field)?.note ?? '', /certificate/i);
        }
      });

      it('following the claims gives a working login: a response with exactly those claims fills the profile', async () => {
        const names = claimNamesOf(preset);
        const config: TenantConfig = {
          ...tenantWith(preset),
          sp: { entityId: SP_ENTITY_ID, acsUrl: TEST_ACS_URL },
          email: names.email === undefined ? { from: 'nameId' } : { from: 'attribute' },
        };
        const asked = setupInstructions(config);
        const attributes: Record<string, string[]> = {};
        if (names.email !== undefined) attributes[names.email] = ['alice@example.com'];
        if (names.firstName !== undefined) attributes[names.firstName] = ['Alice'];
        if (names.lastName !== undefined) attributes[names.lastName] = ['Liddell'];
        if (names.groups !== undefined) attributes[names.groups] = ['Admins', 'Staff'];
        for (const name of Object.keys(attributes)) assert.ok(claimOf(asked, name) !== undefined, name);
        const xml = signed(buildResponse({ attributes }), 'both');
        const profile = await verifyResponse(defineTenant(config), toForm(xml), {
          now: () => NOW,
          replayCache: skipReplayCheck,
          inResponseTo: REQUEST_ID,
        });
        assert.equal(profile.email, 'alice@example.com');
        assert.equal(profile.firstName, 'Alice');
        assert.equal(profile.lastName, 'Liddell');
        assert.deepEqual(profile.groups, ['Admins', 'Staff']);
      });

      it('is deeply frozen', () => {
        assert.ok(Object.isFrozen(setup) && Object.isFrozen(setup.toIdp) && Object.isFrozen(setup.toIdp[0]));
      });
    });
  }
});

/** The claim names a tenant of that preset (without attributeNames) asks for: its own, or the generic defaults. */
function claimNamesOf(preset: IdpPresetName): AttributeNames {
  const setup = setupInstructions(tenantWith(preset));
  const claims = new Set(setup.claims.map((row) => row.claim));
  const own = IDP_PRESETS[preset].claims;
  if (preset !== 'generic') return own;
  // The generic preset names nothing: the instructions ask for names the verifier reads by default.
  const generic = { firstName: 'firstName', lastName: 'lastName', groups: 'groups' };
  for (const name of Object.values(generic)) assert.ok(claims.has(name), name);
  return generic;
}

describe('setupInstructions: claims follow the tenant', () => {
  it('Entra ID: Unique User Identifier = user.mail, format Email address, and the default claims', () => {
    const setup = setupInstructions(tenantWith('azure'));
    assert.equal(claimOf(setup, 'Unique User Identifier (Name ID)'), 'user.mail');
    assert.equal(claimOf(setup, 'Name identifier format'), 'Email address');
    assert.equal(
      claimOf(setup, 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'),
      'user.mail',
    );
    assert.equal(
      claimOf(setup, 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname'),
      'user.givenname',
    );
    assert.equal(
      claimOf(setup, 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname'),
      'user.surname',
    );
    assert.match(
      claimOf(setup, 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups') ?? '',
      /group claim/,
    );
  });

  it('Okta: EmailAddress, Application username Email, attribute statements, a groups statement matching .*', () => {
    const setup = setupInstructions(tenantWith('okta'));
    assert.equal(claimOf(setup, 'Name ID format'), 'EmailAddress');
    assert.equal(claimOf(setup, 'Application username'), 'Email');
    assert.equal(claimOf(setup, 'email'), 'user.email');
    assert.equal(claimOf(setup, 'firstName'), 'user.firstName');
    assert.equal(claimOf(setup, 'lastName'), 'user.lastName');
    assert.match(claimOf(setup, 'groups') ?? '', /Matches regex \.\*/);
  });

  it('AD FS: LDAP attribute rules to the claim types, and Name ID from E-Mail Address', () => {
    const setup = setupInstructions(tenantWith('adfs'));
    assert.equal(
      claimOf(setup, 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'),
      'Send LDAP Attributes as Claims: E-Mail-Addresses → E-Mail Address',
    );
    assert.match(claimOf(setup, 'Name ID') ?? '', /E-Mail Address → Name ID.*Email/);
  });

  it('attributeNames replace the preset names in the claims', () => {
    const setup = setupInstructions(
      tenantWith('azure', { attributeNames: { groups: 'roles', firstName: 'given' } }),
    );
    assert.match(claimOf(setup, 'roles') ?? '', /group claim/);
    assert.equal(claimOf(setup, 'given'), 'user.givenname');
    assert.equal(claimOf(setup, 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'), undefined);
  });

  it('email from a named attribute: that name is asked for, and the NameID need not be the address', () => {
    const setup = setupInstructions(tenantWith('okta', { email: { from: 'attribute', name: 'mail' } }));
    assert.equal(claimOf(setup, 'mail'), 'user.email');
    assert.equal(claimOf(setup, 'Name ID format'), 'Unspecified');
  });

  it('email from the preset attribute ({ from: "attribute" } without a name) asks for the preset claim', () => {
    const setup = setupInstructions(tenantWith('onelogin', { email: { from: 'attribute' } }));
    assert.equal(claimOf(setup, 'User.email'), 'Email');
  });

  it('a generic tenant asks for no email attribute when the email is the NameID', () => {
    const setup = setupInstructions(tenantWith('generic'));
    assert.equal(claimOf(setup, 'NameID format'), 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.ok(!setup.claims.some((row) => /mail/i.test(row.claim)), JSON.stringify(setup.claims));
  });

  it("another console keeps the tenant's claim names (they are what the verifier reads)", () => {
    const setup = setupInstructions(tenantWith('azure'), 'okta');
    assert.equal(setup.preset, 'okta');
    assert.equal(valueOf(setup, 'Single sign-on URL'), ACS_URL);
    assert.equal(
      claimOf(setup, 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname'),
      'user.firstName',
    );
  });
});

describe('setupInstructions: signing and login initiation', () => {
  it("the console's signing choice follows the tenant's policy, else the IdP's default", () => {
    assert.equal(valueOf(setupInstructions(tenantWith('azure')), 'Signing Option'), 'Sign SAML assertion');
    assert.equal(
      valueOf(setupInstructions(tenantWith('azure', { signing: 'both' })), 'Signing Option'),
      'Sign SAML response and assertion',
    );
    assert.equal(
      valueOf(setupInstructions(tenantWith('onelogin', { signing: 'response' })), 'SAML signature element'),
      'Response',
    );
    const okta = setupInstructions(tenantWith('okta', { signing: 'assertion' }));
    assert.equal(valueOf(okta, 'Assertion Signature'), 'Signed');
    const keycloak = setupInstructions(tenantWith('keycloak', { signing: 'assertion' }));
    assert.deepEqual(
      [valueOf(keycloak, 'Sign documents'), valueOf(keycloak, 'Sign assertions')],
      ['Off', 'On'],
    );
  });

  it('Google Workspace cannot sign both: the note says so', () => {
    const setup = setupInstructions(tenantWith('google', { signing: 'both' }));
    assert.match(setup.toIdp.find((row) => row.field === 'Signed response')?.note ?? '', /not both/);
  });

  it('Entra ID: a refused IdP-initiated login asks for a Sign on URL; the login URL fills it', () => {
    const refused = setupInstructions(tenantWith('azure'));
    assert.ok(refused.steps.some((step) => step.includes('Sign on URL')));
    assert.equal(valueOf(refused, 'Sign on URL'), undefined);
    const withUrl = setupInstructions(tenantWith('azure'), undefined, { loginUrl: LOGIN_URL });
    assert.equal(valueOf(withUrl, 'Sign on URL'), LOGIN_URL);
    assert.ok(!withUrl.steps.some((step) => step.includes('Sign on URL')));
    const allowed = setupInstructions(tenantWith('azure', { allowIdpInitiated: true }));
    assert.ok(!allowed.steps.some((step) => step.includes('Sign on URL')));
  });

  it('OneLogin: SAML initiator follows allowIdpInitiated; the URL validator matches the ACS URL only', () => {
    assert.equal(valueOf(setupInstructions(tenantWith('onelogin')), 'SAML initiator'), 'Service Provider');
    const setup = setupInstructions(tenantWith('onelogin', { allowIdpInitiated: true }));
    assert.equal(valueOf(setup, 'SAML initiator'), 'OneLogin');
    const validator = new RegExp(valueOf(setup, 'ACS (Consumer) URL Validator') ?? '(?!)');
    assert.ok(validator.test(ACS_URL));
    for (const other of [
      `${ACS_URL}x`,
      ACS_URL.replace('app.example', 'appXexample'),
      `https://evil.test/?${ACS_URL}`,
    ]) {
      assert.ok(!validator.test(other), other);
    }
  });
});

describe('setupInstructions: before the IdP exists', () => {
  it('works for a draft without idp: the admin reads them before having the IdP values', () => {
    const draft = Object.fromEntries(Object.entries(tenantWith('azure')).filter(([key]) => key !== 'idp'));
    const setup = setupInstructions(draft as Omit<TenantConfig, 'idp'>);
    assert.equal(valueOf(setup, 'Identifier (Entity ID)'), ENTITY_ID);
    assert.equal(valueOf(setup, 'Reply URL (Assertion Consumer Service URL)'), ACS_URL);
    assert.deepEqual(setup, setupInstructions(tenantWith('azure')));
  });
});

describe('setupInstructions: argument errors are TypeErrors', () => {
  it('an unknown preset', () => {
    assert.throws(
      () => setupInstructions(tenantWith('okta'), 'auth0' as IdpPresetName),
      (err: unknown) => err instanceof TypeError && err.message.includes('preset must be one of'),
    );
  });

  it('an invalid tenant', () => {
    assert.throws(
      () => setupInstructions({ ...tenantWith('okta'), sp: { entityId: '', acsUrl: ACS_URL } }),
      TypeError,
    );
  });

  it('a login URL that is not an https URL', () => {
    for (const loginUrl of [
      'not a url',
      'ftp://app.example.com/login',
      'http://app.example.com/login',
      '/login',
    ]) {
      assert.throws(
        () => setupInstructions(tenantWith('azure'), undefined, { loginUrl }),
        TypeError,
        loginUrl,
      );
    }
    assert.equal(
      valueOf(
        setupInstructions(tenantWith('azure'), undefined, { loginUrl: 'http://localhost:3000/login' }),
        'Sign on URL',
      ),
      'http://localhost:3000/login',
    );
  });
});
