import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, it } from 'node:test';
import type { Element } from '@xmldom/xmldom';
import { deflateRaw } from 'pako';
import {
  SamlError,
  createAuthnRequest,
  parseIdpMetadata,
  skipReplayCheck,
  verifyResponse,
  type SamlErrorCode,
  type TenantConfig,
} from '../../src/index.js';
import { IDP_PRESETS } from '../../src/idp/products.js';
import type { RespondOverrides } from '../../src/testing/idp-response.js';
import {
  MAX_AUTHN_REQUEST_BYTES,
  createTestIdp,
  type RespondInput,
  type TestIdp,
  type TestIdpOptions,
  type TestIdpResponse,
} from '../../src/testing/idp.js';
import type { IdpPresetName } from '../../src/types.js';
import { BINDINGS, NAMEID_FORMAT, NS } from '../../src/xml/namespaces.js';
import { parseXml } from '../../src/xml/parse.js';
import { expectCode, memoryCache } from '../helpers/expect.js';

const keyFile = (name: string): string =>
  readFileSync(new URL(`../helpers/keys/${name}`, import.meta.url), 'utf8');
const KEY = { privateKey: keyFile('idp.key'), certificate: keyFile('idp.crt') };
const ATTACKER = { privateKey: keyFile('attacker.key'), certificate: keyFile('attacker.crt') };

const NOW = new Date('2027-01-15T12:00:00.000Z');
const at = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);
const SP = { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' };
const USER = {
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  groups: ['admins', 'engineering'],
};
const PRESETS = Object.keys(IDP_PRESETS) as IdpPresetName[];
const GENERIC_CLAIMS = { email: 'email', firstName: 'firstName', lastName: 'lastName', groups: 'groups' };

/** A test IdP on the fixed clock and the shared test key (no key generation). */
function testIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  return createTestIdp({ key: KEY, now: () => NOW, sp: SP, ...options });
}

/**
 * The tenant an integrator would write for this IdP: its metadata, its preset, and a signing policy
 * that demands exactly what the preset says the product signs.
 */
function tenantFor(idp: TestIdp, overrides: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 'acme',
    preset: idp.preset,
    signing: IDP_PRESETS[idp.preset].signs,
    // Okta's default NameID format is unspecified (its value is still the address).
    ...(idp.preset === 'okta' && { email: { from: 'nameId', format: 'any' } }),
    ...overrides,
    sp: SP,
    idp: parseIdpMetadata(idp.metadata(), { now: () => NOW }).idp,
  };
}

function xmlOf(response: TestIdpResponse): string {
  return Buffer.from(response.SAMLResponse, 'base64').toString('utf8');
}

function child(parent: Element, ns: string, localName: string): Element | undefined {
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    const element = node as Element;
    if (node.nodeType === 1 && element.namespaceURI === ns && element.localName === localName) return element;
  }
  return undefined;
}

function path(root: Element, ...steps: [string, string][]): Element {
  let element = root;
  for (const [ns, localName] of steps) {
    const next = child(element, ns, localName);
    assert.ok(next, `no ${localName} under ${element.localName ?? ''}`);
    element = next;
  }
  return element;
}

const A = NS.assertion;
const P = NS.protocol;

function throwsSaml(fn: () => unknown, code: SamlErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SamlError, `expected a SamlError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('createTestIdp: SP-initiated round trip, for every preset', () => {
  for (const preset of PRESETS) {
    describe(preset, () => {
      const claims = { ...GENERIC_CLAIMS, ...IDP_PRESETS[preset].claims };

      for (const binding of ['redirect', 'post'] as const) {
        it(`answers an AuthnRequest sent with the ${binding} binding; verifyResponse accepts it`, async () => {
          const idp = await testIdp({ preset });
          const tenant = tenantFor(idp);
          const request = createAuthnRequest(tenant, { binding, relayState: 'state-1', now: () => NOW });
          const SAMLRequest =
            request.binding === 'redirect'
              ? (new URL(request.url).searchParams.get('SAMLRequest') ?? '')
              : request.fields.SAMLRequest;
          const target = request.binding === 'redirect' ? request.url.split('?')[0] : request.action;
          assert.equal(target, idp.ssoUrl);

          const form = idp.respond({ SAMLRequest, RelayState: 'state-1', user: USER });
          assert.equal(form.action, SP.acsUrl);
          assert.equal(form.RelayState, 'state-1');

          const profile = await verifyResponse(tenant, form, {
            inResponseTo: request.id,
            now: () => NOW,
            replayCache: skipReplayCheck,
          });
          assert.equal(profile.email, USER.email);
          assert.equal(profile.nameId, USER.email);
          assert.equal(profile.nameIdFormat, IDP_PRESETS[preset].nameIdFormat);
          assert.equal(profile.firstName, USER.firstName);
          assert.equal(profile.lastName, USER.lastName);
          assert.deepEqual(profile.groups, USER.groups);
          assert.equal(profile.issuer, idp.entityId);
          assert.equal(profile.inResponseTo, request.id);
          assert.deepEqual(profile.notOnOrAfter, at(300));
          assert.deepEqual(profile.authnInstant, NOW);
          assert.match(profile.sessionIndex ?? '', /^_[0-9a-f]{40}$/);
          // The claims travel under the product's own names.
          assert.deepEqual(profile.attributes[claims.email], [USER.email]);
          assert.deepEqual(profile.attributes[claims.firstName], [USER.firstName]);
          assert.deepEqual(profile.attributes[claims.lastName], [USER.lastName]);
          assert.deepEqual(profile.attributes[claims.groups], USER.groups);
        });
      }

      it(`in ${preset}'s shape, every signs override verifies`, async () => {
        const idp = await testIdp({ preset });
        for (const signs of ['assertion', 'response', 'both'] as const) {
          const tenant = tenantFor(idp, { signing: signs, allowIdpInitiated: true });
          const profile = await verifyResponse(tenant, idp.respond({ user: USER, signs }), {
            now: () => NOW,
            replayCache: skipReplayCheck,
          });
          assert.equal(profile.email, USER.email, signs);
        }
      });

      it(`signs what ${preset} signs (${IDP_PRESETS[preset].signs}), RSA-SHA256 with exclusive c14n`, async () => {
        const idp = await testIdp({ preset });
        const root = parseXml(xmlOf(idp.respond({ user: USER }))).root;
        const assertion = path(root, [A, 'Assertion']);
        const signs = IDP_PRESETS[preset].signs;
        const responseSignature = child(root, NS.dsig, 'Signature');
        const assertionSignature = child(assertion, NS.dsig, 'Signature');
        assert.equal(responseSignature !== undefined, signs === 'response' || signs === 'both');
        assert.equal(assertionSignature !== undefined, signs === 'assertion' || signs === 'both');
        for (const signature of [responseSignature, assertionSignature]) {
          if (signature === undefined) continue;
          // Right after the Issuer, as the schema wants.
          assert.equal(
            signature.previousSibling && (signature.previousSibling as Element).localName,
            'Issuer',
          );
          const signedInfo = path(signature, [NS.dsig, 'SignedInfo']);
          assert.equal(
            path(signedInfo, [NS.dsig, 'SignatureMethod']).getAttribute('Algorithm'),
            'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
          );
          assert.equal(
            path(signedInfo, [NS.dsig, 'CanonicalizationMethod']).getAttribute('Algorithm'),
            'http://www.w3.org/2001/10/xml-exc-c14n#',
          );
        }
      });
    });
  }
});

describe('createTestIdp: the response, element by element', () => {
  it('carries the times, IDs, subject and statements the Web Browser SSO profile asks for', async () => {
    const idp = await testIdp({ preset: 'generic' });
    const tenant = tenantFor(idp);
    const request = createAuthnRequest(tenant, { now: () => NOW });
    const SAMLRequest = new URL(request.url).searchParams.get('SAMLRequest') ?? '';
    const root = parseXml(xmlOf(idp.respond({ SAMLRequest, user: USER }))).root;

    assert.equal(root.getAttribute('Version'), '2.0');
    assert.match(root.getAttribute('ID') ?? '', /^_[0-9a-f]{40}$/);
    assert.equal(root.getAttribute('IssueInstant'), NOW.toISOString());
    assert.equal(root.getAttribute('Destination'), SP.acsUrl);
    assert.equal(root.getAttribute('InResponseTo'), request.id);
    assert.equal(path(root, [A, 'Issuer']).textContent, idp.entityId);
    assert.equal(
      path(root, [P, 'Status'], [P, 'StatusCode']).getAttribute('Value'),
      'urn:oasis:names:tc:SAML:2.0:status:Success',
    );

    const assertion = path(root, [A, 'Assertion']);
    assert.match(assertion.getAttribute('ID') ?? '', /^_[0-9a-f]{40}$/);
    assert.notEqual(assertion.getAttribute('ID'), root.getAttribute('ID'));
    assert.equal(assertion.getAttribute('IssueInstant'), NOW.toISOString());
    const nameId = path(assertion, [A, 'Subject'], [A, 'NameID']);
    assert.equal(nameId.textContent, USER.email);
    assert.equal(nameId.getAttribute('Format'), NAMEID_FORMAT.emailAddress);
    const confirmation = path(assertion, [A, 'Subject'], [A, 'SubjectConfirmation']);
    assert.equal(confirmation.getAttribute('Method'), 'urn:oasis:names:tc:SAML:2.0:cm:bearer');
    const data = path(confirmation, [A, 'SubjectConfirmationData']);
    assert.equal(data.getAttribute('InResponseTo'), request.id);
    assert.equal(data.getAttribute('Recipient'), SP.acsUrl);
    assert.equal(data.getAttribute('NotOnOrAfter'), at(300).toISOString());
    const conditions = path(assertion, [A, 'Conditions']);
    assert.equal(conditions.getAttribute('NotBefore'), at(-30).toISOString());
    assert.equal(conditions.getAttribute('NotOnOrAfter'), at(300).toISOString());
    assert.equal(path(conditions, [A, 'AudienceRestriction'], [A, 'Audience']).textContent, SP.entityId);
    const authn = path(assertion, [A, 'AuthnStatement']);
    assert.equal(authn.getAttribute('AuthnInstant'), NOW.toISOString());
    assert.match(authn.getAttribute('SessionIndex') ?? '', /^_[0-9a-f]{40}$/);
    assert.equal(authn.hasAttribute('SessionNotOnOrAfter'), false);
    assert.equal(
      path(authn, [A, 'AuthnContext'], [A, 'AuthnContextClassRef']).textContent,
      'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
    );
  });

  it('reads the clock once per response', async () => {
    let now = NOW;
    const idp = await createTestIdp({ key: KEY, sp: SP, now: () => now });
    const tenant = tenantFor(idp, { allowIdpInitiated: true });
    const first = idp.respond({ user: USER });
    now = at(3600);
    const second = idp.respond({ user: USER });
    assert.equal(parseXml(xmlOf(second)).root.getAttribute('IssueInstant'), at(3600).toISOString());
    await verifyResponse(tenant, second, { now: () => at(3600), replayCache: skipReplayCheck });
    await expectCode(
      verifyResponse(tenant, first, { now: () => at(3600), replayCache: skipReplayCheck }),
      'EXPIRED',
    );
  });

  it('writes every value through the DOM: markup in a value stays text', async () => {
    const idp = await testIdp({ preset: 'generic' });
    const tenant = tenantFor(idp, { allowIdpInitiated: true });
    const firstName = `Ada <b>"&amp;'</b> ]]> <!-- x -->`;
    const group = '</saml:AttributeValue><saml:AttributeValue>root';
    const form = idp.respond({ user: { ...USER, firstName, groups: [group] } });
    const profile = await verifyResponse(tenant, form, { now: () => NOW, replayCache: skipReplayCheck });
    assert.equal(profile.firstName, firstName);
    assert.deepEqual(profile.groups, [group]);
  });

  it('refuses a value XML cannot carry with a TypeError', async () => {
    const idp = await testIdp();
    assert.throws(
      () => idp.respond({ user: { ...USER, firstName: 'Ada\u0001' } }),
      /the AttributeValue value/,
    );
    assert.throws(
      () => idp.respond({ user: USER, recipient: 'https://a.example/\uFFFE' }),
      /the Recipient attribute/,
    );
    assert.throws(() => idp.respond({ user: USER, attributes: { 'x\uD800': ['1'] } }), /the Name attribute/);
  });

  it('shapes the XML like the product: prefixes, default namespace, Issuer format, statement order', async () => {
    const shapes: Record<string, { root: string; assertion: string }> = {
      azure: { root: 'samlp:Response', assertion: 'Assertion' },
      adfs: { root: 'samlp:Response', assertion: 'Assertion' },
      okta: { root: 'saml2p:Response', assertion: 'saml2:Assertion' },
      google: { root: 'saml2p:Response', assertion: 'saml2:Assertion' },
      keycloak: { root: 'samlp:Response', assertion: 'saml:Assertion' },
    };
    for (const [preset, shape] of Object.entries(shapes)) {
      const idp = await testIdp({ preset: preset as IdpPresetName });
      const root = parseXml(xmlOf(idp.respond({ user: USER }))).root;
      const assertion = path(root, [A, 'Assertion']);
      assert.equal(root.tagName, shape.root, preset);
      assert.equal(assertion.tagName, shape.assertion, preset);
      const statements = [child(assertion, A, 'AuthnStatement'), child(assertion, A, 'AttributeStatement')];
      const attributesFirst = statements[1]?.nextSibling === statements[0];
      assert.equal(attributesFirst, preset === 'azure' || preset === 'adfs', preset);
      const format = path(root, [A, 'Issuer']).getAttribute('Format');
      assert.equal(format, preset === 'okta' ? NAMEID_FORMAT.entity : null, preset);
    }
  });

  it('azure: an Entra-shaped entity ID and the claims Entra ID adds, stable per user', async () => {
    const idp = await testIdp({ preset: 'azure' });
    const match = /^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/$/.exec(idp.entityId);
    assert.ok(match, idp.entityId);
    const tenant = tenantFor(idp, { allowIdpInitiated: true });
    const first = await verifyResponse(tenant, idp.respond({ user: USER }), {
      now: () => NOW,
      replayCache: skipReplayCheck,
    });
    const second = await verifyResponse(tenant, idp.respond({ user: USER }), {
      now: () => NOW,
      replayCache: skipReplayCheck,
    });
    const claims = 'http://schemas.microsoft.com/identity/claims';
    assert.deepEqual(first.attributes[`${claims}/tenantid`], [match[1]]);
    assert.deepEqual(first.attributes[`${claims}/displayname`], ['Ada Lovelace']);
    assert.deepEqual(first.attributes['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name'], [
      USER.email,
    ]);
    const objectId = first.attributes[`${claims}/objectidentifier`];
    assert.match(objectId?.[0] ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(second.attributes[`${claims}/objectidentifier`], objectId);
  });

  it('onelogin: a user without groups gets one empty memberOf value, which samlkit ignores', async () => {
    const idp = await testIdp({ preset: 'onelogin' });
    const tenant = tenantFor(idp, { allowIdpInitiated: true });
    const profile = await verifyResponse(tenant, idp.respond({ user: { email: USER.email } }), {
      now: () => NOW,
      replayCache: skipReplayCheck,
    });
    assert.deepEqual(profile.attributes.memberOf, ['']);
    assert.deepEqual(profile.groups, []);
  });

  it("okta: the default email source refuses Okta's unspecified NameID; format 'any' accepts it", async () => {
    const idp = await testIdp({ preset: 'okta' });
    const strict = tenantFor(idp, { allowIdpInitiated: true, email: { from: 'nameId' } });
    await expectCode(
      verifyResponse(strict, idp.respond({ user: USER }), { now: () => NOW, replayCache: skipReplayCheck }),
      'NAMEID_NOT_EMAIL',
    );
    const profile = await verifyResponse(
      tenantFor(idp, { allowIdpInitiated: true }),
      idp.respond({ user: USER }),
      {
        now: () => NOW,
        replayCache: skipReplayCheck,
      },
    );
    assert.equal(profile.nameIdFormat, NAMEID_FORMAT.unspecified);
    assert.equal(profile.email, USER.email);
  });

  it('takes user.nameId as the NameID', async () => {
    const idp = await testIdp({ preset: 'keycloak' });
    const tenant = tenantFor(idp, { allowIdpInitiated: true, email: { from: 'attribute' } });
    const profile = await verifyResponse(tenant, idp.respond({ user: { ...USER, nameId: 'ada' } }), {
      now: () => NOW,
      replayCache: skipReplayCheck,
    });
    assert.equal(profile.nameId, 'ada');
    assert.equal(profile.email, USER.email);
  });
});

describe('createTestIdp: IdP-initiated (unsolicited) responses', () => {
  it('goes to options.sp, without InResponseTo, and is accepted with allowIdpInitiated', async () => {
    const idp = await testIdp({ preset: 'azure' });
    const form = idp.respond({ user: USER, RelayState: '/reports' });
    assert.equal(form.action, SP.acsUrl);
    assert.equal(form.RelayState, '/reports');
    const root = parseXml(xmlOf(form)).root;
    assert.equal(root.hasAttribute('InResponseTo'), false);
    const data = path(
      root,
      [A, 'Assertion'],
      [A, 'Subject'],
      [A, 'SubjectConfirmation'],
      [A, 'SubjectConfirmationData'],
    );
    assert.equal(data.hasAttribute('InResponseTo'), false);

    const profile = await verifyResponse(tenantFor(idp, { allowIdpInitiated: true }), form, {
      now: () => NOW,
      replayCache: skipReplayCheck,
    });
    assert.equal(profile.email, USER.email);
    assert.equal(profile.inResponseTo, undefined);
    await expectCode(
      verifyResponse(tenantFor(idp), form, { now: () => NOW, replayCache: skipReplayCheck }),
      'UNSOLICITED_RESPONSE',
    );
  });

  it('leaves RelayState out when none is given', async () => {
    const idp = await testIdp();
    assert.equal('RelayState' in idp.respond({ user: USER }), false);
  });

  it('needs options.sp, or acsUrl and audience overrides', async () => {
    const idp = await createTestIdp({ key: KEY, now: () => NOW });
    assert.throws(() => idp.respond({ user: USER }), /no ACS URL is known/);
    assert.throws(() => idp.respond({ user: USER, acsUrl: SP.acsUrl }), /no audience is known/);
    const form = idp.respond({ user: USER, acsUrl: SP.acsUrl, audience: SP.entityId });
    assert.equal(form.action, SP.acsUrl);
    await verifyResponse(tenantFor(idp, { allowIdpInitiated: true }), form, {
      now: () => NOW,
      replayCache: skipReplayCheck,
    });
  });
});

describe('createTestIdp: overrides make the verifier refuse the response', () => {
  const cases: [string, RespondOverrides, SamlErrorCode][] = [
    ['audience', { audience: 'https://other.example.com/saml' }, 'AUDIENCE_MISMATCH'],
    ['recipient', { recipient: 'https://other.example.com/acs' }, 'RECIPIENT_MISMATCH'],
    ['destination', { destination: 'https://other.example.com/acs' }, 'DESTINATION_MISMATCH'],
    ['destination: null on a signed Response', { destination: null }, 'DESTINATION_MISMATCH'],
    ['issuer', { issuer: 'https://evil.example.com/idp' }, 'ISSUER_MISMATCH'],
    ['inResponseTo', { inResponseTo: '_another-request' }, 'IN_RESPONSE_TO_MISMATCH'],
    ['inResponseTo: null', { inResponseTo: null }, 'IN_RESPONSE_TO_MISMATCH'],
    ['notOnOrAfter', { notOnOrAfter: at(-600) }, 'EXPIRED'],
    ['subjectNotOnOrAfter', { subjectNotOnOrAfter: at(-600) }, 'EXPIRED'],
    ['sessionNotOnOrAfter', { sessionNotOnOrAfter: at(-600) }, 'EXPIRED'],
    ['notBefore', { notBefore: at(600) }, 'NOT_YET_VALID'],
    [
      'status',
      { status: { code: 'Responder', subCode: 'AuthnFailed', message: 'Wrong password' } },
      'STATUS_NOT_SUCCESS',
    ],
    ["signs: 'none'", { signs: 'none' }, 'SIGNATURE_MISSING'],
    ["signs: 'assertion' where the tenant wants both", { signs: 'assertion' }, 'SIGNATURE_MISSING'],
    ['signingKey', { signingKey: ATTACKER }, 'KEY_UNTRUSTED'],
    ['nameIdFormat', { nameIdFormat: NAMEID_FORMAT.unspecified }, 'NAMEID_NOT_EMAIL'],
  ];
  for (const [name, overrides, code] of cases) {
    it(`${name} → ${code}`, async () => {
      // generic signs both, so the Response is signed and Destination is required.
      const idp = await testIdp({ preset: 'generic' });
      const tenant = tenantFor(idp);
      const request = createAuthnRequest(tenant, { binding: 'post', now: () => NOW });
      const form = idp.respond({ SAMLRequest: request.fields.SAMLRequest, user: USER, ...overrides });
      // Without the override, the same request is answered correctly.
      await verifyResponse(tenant, idp.respond({ SAMLRequest: request.fields.SAMLRequest, user: USER }), {
        inResponseTo: request.id,
        now: () => NOW,
        replayCache: skipReplayCheck,
      });
      await expectCode(
        verifyResponse(tenant, form, {
          inResponseTo: request.id,
          now: () => NOW,
          replayCache: skipReplayCheck,
        }),
        code,
      );
    });
  }

  it('status: no assertion, the codes and message as given', async () => {
    const idp = await testIdp({ preset: 'google' });
    const form = idp.respond({
      user: USER,
      status: {
        code: 'Requester',
        subCode: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
        message: 'Not assigned',
      },
    });
    const root = parseXml(xmlOf(form)).root;
    assert.equal(child(root, A, 'Assertion'), undefined);
    const code = path(root, [P, 'Status'], [P, 'StatusCode']);
    assert.equal(code.getAttribute('Value'), 'urn:oasis:names:tc:SAML:2.0:status:Requester');
    assert.equal(
      path(code, [P, 'StatusCode']).getAttribute('Value'),
      'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
    );
    assert.equal(path(root, [P, 'Status'], [P, 'StatusMessage']).textContent, 'Not assigned');
    assert.ok(child(root, NS.dsig, 'Signature'), 'google signs the Response, error or not');
    const error = await verifyResponse(tenantFor(idp, { allowIdpInitiated: true }), form, {
      now: () => NOW,
      replayCache: skipReplayCheck,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof SamlError);
    assert.equal(error.code, 'STATUS_NOT_SUCCESS');
    assert.match(error.message, /Requester\/RequestDenied: Not assigned/);
  });

  it('attributes: added and replaced by name', async () => {
    const idp = await testIdp({ preset: 'generic' });
    const form = idp.respond({
      user: USER,
      attributes: { groups: ['auditors'], department: ['R&D', 'Ops'] },
    });
    const profile = await verifyResponse(tenantFor(idp, { allowIdpInitiated: true }), form, {
      now: () => NOW,
      replayCache: skipReplayCheck,
    });
    assert.deepEqual(profile.groups, ['auditors']);
    assert.deepEqual(profile.attributes.department, ['R&D', 'Ops']);
    assert.deepEqual(profile.attributes.email, [USER.email]);
  });

  it('assertionId: the same ID twice is a replay', async () => {
    const idp = await testIdp();
    const tenant = tenantFor(idp, { allowIdpInitiated: true });
    const replayCache = memoryCache();
    const first = await verifyResponse(tenant, idp.respond({ user: USER, assertionId: '_fixed' }), {
      now: () => NOW,
      replayCache,
    });
    assert.equal(first.assertionId, '_fixed');
    await expectCode(
      verifyResponse(tenant, idp.respond({ user: USER, assertionId: '_fixed' }), {
        now: () => NOW,
        replayCache,
      }),
      'REPLAY',
    );
  });

  it('validates its own arguments with TypeErrors', async () => {
    const idp = await testIdp();
    const bad: unknown[] = [
      { user: { email: '' } },
      { user: { ...USER, groups: 'admins' } },
      { user: USER, signs: 'everything' },
      { user: USER, notBefore: 'yesterday' },
      { user: USER, status: { message: 'no code' } },
      { user: USER, attributes: { x: [1] } },
      { user: USER, binding: 'artifact' },
      { user: USER, SAMLRequest: 42 },
      { user: USER, signingKey: { privateKey: ATTACKER.privateKey, certificate: KEY.certificate } },
    ];
    for (const input of bad) {
      assert.throws(() => idp.respond(input as RespondInput), TypeError, JSON.stringify(input));
    }
  });
});

describe('createTestIdp: a SAMLRequest it cannot read makes respond throw a SamlError', () => {
  const redirectValue = (xml: string | Uint8Array): string => Buffer.from(deflateRaw(xml)).toString('base64');
  const postValue = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');
  const authnRequest = (
    attributes = '',
    body = '<saml:Issuer>https://app.example.com</saml:Issuer>',
  ): string =>
    `<samlp:AuthnRequest xmlns:samlp="${P}" xmlns:saml="${A}" ID="_r1" Version="2.0" IssueInstant="${NOW.toISOString()}"${attributes}>${body}</samlp:AuthnRequest>`;

  it('reads a hand-made request, detecting the binding or as told', async () => {
    const idp = await testIdp();
    const xml = authnRequest(` AssertionConsumerServiceURL="https://other.example.com/acs"`);
    for (const [SAMLRequest, binding] of [
      [redirectValue(xml), undefined],
      [redirectValue(xml), 'redirect'],
      [postValue(xml), undefined],
      [postValue(`\uFEFF\n${xml}`), undefined],
      [postValue(xml), 'post'],
    ] as const) {
      const form = idp.respond({ SAMLRequest, user: USER, ...(binding && { binding }) });
      assert.equal(form.action, 'https://other.example.com/acs');
      const root = parseXml(xmlOf(form)).root;
      assert.equal(root.getAttribute('InResponseTo'), '_r1');
      assert.equal(
        path(root, [A, 'Assertion'], [A, 'Conditions'], [A, 'AudienceRestriction'], [A, 'Audience'])
          .textContent,
        'https://app.example.com',
      );
    }
  });

  it('falls back to options.sp when the request names no ACS URL or Issuer', async () => {
    const idp = await testIdp();
    const form = idp.respond({ SAMLRequest: postValue(authnRequest('', '')), user: USER });
    assert.equal(form.action, SP.acsUrl);
    const audience = path(
      parseXml(xmlOf(form)).root,
      [A, 'Assertion'],
      [A, 'Conditions'],
      [A, 'AudienceRestriction'],
      [A, 'Audience'],
    );
    assert.equal(audience.textContent, SP.entityId);
  });

  it('stops inflating a deflate bomb at the cap instead of inflating it whole', async () => {
    // 9 × 10 MiB of zeros, flushed so each block can be repeated: about 90 MiB from 90 KB.
    const block = deflateRawSync(Buffer.alloc(10 * 1024 * 1024), { finishFlush: constants.Z_FULL_FLUSH });
    const bomb = Buffer.concat([...Array<Buffer>(9).fill(block), Buffer.from([0x03, 0x00])]);
    const SAMLRequest = bomb.toString('base64');
    assert.ok(SAMLRequest.length <= MAX_AUTHN_REQUEST_BYTES * 2, 'the bomb passes the encoded-size cap');
    let started = performance.now();
    assert.equal(inflateRawSync(bomb).length, 90 * 1024 * 1024);
    const whole = performance.now() - started;

    const idp = await testIdp();
    started = performance.now();
    throwsSaml(() => idp.respond({ SAMLRequest, user: USER }), 'SIZE_LIMIT');
    const capped = performance.now() - started;
    assert.ok(capped < whole / 4, `capped inflate took ${capped} ms, the whole bomb ${whole} ms`);
  });

  const cases: [string, () => string, SamlErrorCode, ('redirect' | 'post')?][] = [
    [
      'a request just over the inflated cap',
      () => redirectValue(authnRequest('', `<!--${'x'.repeat(MAX_AUTHN_REQUEST_BYTES)}-->`)),
      'SIZE_LIMIT',
    ],
    [
      'an oversized POST value',
      () => postValue(authnRequest('', `<!--${'x'.repeat(MAX_AUTHN_REQUEST_BYTES)}-->`)),
      'SIZE_LIMIT',
    ],
    ['a value longer than any request', () => 'A'.repeat(MAX_AUTHN_REQUEST_BYTES * 2 + 4), 'SIZE_LIMIT'],
    ['not base64', () => 'not base64!', 'INVALID_ENCODING'],
    ['an empty value', () => '', 'INVALID_ENCODING'],
    [
      'bytes that are not DEFLATE',
      () => Buffer.from([0xff, 0xff, 0xff, 0xff]).toString('base64'),
      'INVALID_ENCODING',
    ],
    [
      'a truncated DEFLATE stream',
      () => Buffer.from(deflateRaw(authnRequest()).subarray(0, 20)).toString('base64'),
      'INVALID_ENCODING',
    ],
    [
      'DEFLATE of bytes that are not UTF-8',
      () => redirectValue(new Uint8Array([0x3c, 0xff, 0xfe, 0x3e])),
      'INVALID_ENCODING',
    ],
    ['XML sent as redirect', () => postValue(authnRequest()), 'INVALID_ENCODING', 'redirect'],
    ['DEFLATE sent as post', () => redirectValue(authnRequest()), 'INVALID_ENCODING', 'post'],
    ['malformed XML', () => redirectValue('<samlp:AuthnRequest xmlns:samlp="x">'), 'MALFORMED_XML'],
    ['a DOCTYPE', () => redirectValue(`<!DOCTYPE x [<!ENTITY e "e">]>${authnRequest()}`), 'DTD_FORBIDDEN'],
    [
      'a Response instead of an AuthnRequest',
      () => postValue(`<samlp:Response xmlns:samlp="${P}" ID="_x" Version="2.0"/>`),
      'MALFORMED_XML',
    ],
    [
      'an AuthnRequest in another namespace',
      () => postValue(authnRequest().replace(P, 'urn:evil')),
      'MALFORMED_XML',
    ],
    [
      'SAML version 1.1',
      () => postValue(authnRequest().replace('Version="2.0"', 'Version="1.1"')),
      'MALFORMED_XML',
    ],
    ['no ID', () => postValue(authnRequest().replace(' ID="_r1"', '')), 'MALFORMED_XML'],
    [
      'two Issuers',
      () => postValue(authnRequest('', '<saml:Issuer>a</saml:Issuer><saml:Issuer>b</saml:Issuer>')),
      'MALFORMED_XML',
    ],
    [
      'a javascript: ACS URL',
      () => postValue(authnRequest(' AssertionConsumerServiceURL="javascript:alert(1)"')),
      'MALFORMED_XML',
    ],
    [
      'a relative ACS URL',
      () => postValue(authnRequest(' AssertionConsumerServiceURL="/acs"')),
      'MALFORMED_XML',
    ],
  ];
  for (const [name, value, code, binding] of cases) {
    it(`${name} → ${code}`, async () => {
      const idp = await testIdp();
      throwsSaml(() => idp.respond({ SAMLRequest: value(), user: USER, ...(binding && { binding }) }), code);
    });
  }
});

describe('createTestIdp: metadata and options', () => {
  it('publishes metadata that parseIdpMetadata turns into a usable tenant IdP', async () => {
    const idp = await testIdp({
      preset: 'okta',
      entityId: 'https://idp.test/okta?a=1&b=<2>',
      ssoUrl: 'https://idp.test/okta/sso?x=1&y=2',
    });
    const metadata = parseIdpMetadata(idp.metadata(), { now: () => NOW });
    assert.equal(metadata.entityId, 'https://idp.test/okta?a=1&b=<2>');
    assert.deepEqual(metadata.ssoUrls, { redirect: idp.ssoUrl, post: idp.ssoUrl });
    assert.equal(metadata.signingCertificates.length, 1);
    assert.equal(
      metadata.signingCertificates[0]?.fingerprint,
      new X509Certificate(KEY.certificate).fingerprint256,
    );
    assert.equal(
      new X509Certificate(idp.certificate).fingerprint256,
      new X509Certificate(KEY.certificate).fingerprint256,
    );
    assert.deepEqual(metadata.nameIdFormats, [NAMEID_FORMAT.unspecified, NAMEID_FORMAT.emailAddress]);
    assert.equal(metadata.wantAuthnRequestsSigned, false);
    assert.deepEqual(metadata.idp, {
      entityId: idp.entityId,
      certificates: metadata.signingCertificates.map((certificate) => certificate.pem),
      ssoUrl: idp.ssoUrl,
      ssoUrls: { redirect: idp.ssoUrl, post: idp.ssoUrl },
      wantAuthnRequestsSigned: false,
    });
    const root = parseXml(idp.metadata()).root;
    const descriptor = path(root, [NS.metadata, 'IDPSSODescriptor']);
    assert.equal(descriptor.getAttribute('protocolSupportEnumeration'), P);
    const bindings = [...descriptor.getElementsByTagNameNS(NS.metadata, 'SingleSignOnService')].map((e) =>
      e.getAttribute('Binding'),
    );
    assert.deepEqual(bindings, [BINDINGS.redirect, BINDINGS.post]);
  });

  it('defaults: generic preset, entity ID and SSO URL under idp.test', async () => {
    const idp = await createTestIdp({ key: KEY });
    assert.equal(idp.preset, 'generic');
    assert.equal(idp.entityId, 'https://idp.test/generic');
    assert.equal(idp.ssoUrl, 'https://idp.test/generic/sso');
  });

  it('generates a fresh RSA-2048 key pair when none is given', async () => {
    const idp = await createTestIdp({ preset: 'ping', sp: SP, now: () => NOW });
    const certificate = new X509Certificate(idp.certificate);
    assert.equal(certificate.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.notEqual(certificate.fingerprint256, new X509Certificate(KEY.certificate).fingerprint256);
    const profile = await verifyResponse(
      tenantFor(idp, { allowIdpInitiated: true }),
      idp.respond({ user: USER }),
      {
        now: () => NOW,
        replayCache: skipReplayCheck,
      },
    );
    assert.equal(profile.email, USER.email);
  });

  it('refuses bad options with a TypeError', async () => {
    const bad: unknown[] = [
      null,
      { preset: 'shibboleth' },
      { key: { privateKey: ATTACKER.privateKey, certificate: KEY.certificate } },
      { key: { privateKey: 'nope', certificate: KEY.certificate } },
      { key: KEY, entityId: '' },
      { key: KEY, entityId: 'https://idp.test/\u0000' },
      { key: KEY, ssoUrl: 'javascript:alert(1)' },
      { key: KEY, sp: { entityId: SP.entityId, acsUrl: '/acs' } },
      { key: KEY, now: NOW },
    ];
    for (const options of bad) {
      await assert.rejects(createTestIdp(options as TestIdpOptions), TypeError, JSON.stringify(options));
    }
    const idp = await createTestIdp({ key: KEY, sp: SP, now: () => new Date(Number.NaN) });
    assert.throws(() => idp.respond({ user: USER }), TypeError);
  });
});
