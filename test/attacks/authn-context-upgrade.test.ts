/**
 * MFA upgrade: a user who signed in with a password only tries to pass a tenant's MFA requirement
 * by changing what the response says about the authentication: the class reference or the method
 * claim rewritten after signing, or an MFA AuthnStatement / claim added where the signature does
 * not reach (a second, unsigned assertion; the unsigned Response around a signed assertion). Only
 * the signed assertion is read, so each attempt fails, and never with AUTHN_CONTEXT accepted.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SamlError, skipReplayCheck, verifyResponse, type TenantConfig } from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { KEYS } from '../helpers/constants.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const SP = { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' };
const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const MFA = 'https://refeds.org/profile/mfa';
const MS_METHODS = 'http://schemas.microsoft.com/claims/authnmethodsreferences';
const MULTIPLE_AUTHN = 'http://schemas.microsoft.com/claims/multipleauthn';

let idp: TestIdp;
let tenant: TenantConfig;

before(async () => {
  idp = await createTestIdp({
    preset: 'azure',
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: () => NOW,
    sp: SP,
  });
  tenant = {
    id: 'acme',
    preset: 'azure',
    sp: SP,
    idp: { entityId: idp.entityId, certificates: [idp.certificate] },
    allowIdpInitiated: true,
    authnContext: { require: 'mfa' },
  };
});

/** A password-only login, signed as the preset signs (the assertion), then edited. */
function tampered(edit: (xml: string) => string, signs?: 'assertion' | 'response'): { SAMLResponse: string } {
  const form = idp.respond({
    user: { email: 'alice@acme.com' },
    authnContextClassRef: PASSWORD,
    attributes: { [MS_METHODS]: ['password'] },
    ...(signs !== undefined && { signs }),
  });
  const xml = Buffer.from(form.SAMLResponse, 'base64').toString('utf8');
  const edited = edit(xml);
  assert.notEqual(edited, xml, 'the edit must change the response');
  return { SAMLResponse: Buffer.from(edited).toString('base64') };
}

async function refused(form: { SAMLResponse: string }, codes: readonly string[]): Promise<void> {
  await assert.rejects(
    verifyResponse(tenant, form, { now: () => NOW, replayCache: skipReplayCheck }),
    (error: unknown) => {
      assert.ok(error instanceof SamlError, String(error));
      assert.ok(codes.includes(error.code), `${error.code}: ${error.message}`);
      return true;
    },
  );
}

describe('MFA upgrade attempts', () => {
  it('positive control: the untouched password-only response fails the MFA requirement', async () => {
    await refused(
      tampered((xml) => xml.replace('<Assertion', '<Assertion ')),
      ['AUTHN_CONTEXT_NOT_MET'],
    );
  });

  it('rewriting the signed class reference to MFA breaks the signature', async () => {
    await refused(
      tampered((xml) => xml.replace(PASSWORD, MFA)),
      ['SIGNATURE_INVALID'],
    );
  });

  it('adding multipleauthn to the signed method claim breaks the signature', async () => {
    await refused(
      tampered((xml) =>
        xml.replace(
          '<AttributeValue>password</AttributeValue>',
          `<AttributeValue>password</AttributeValue><AttributeValue>${MULTIPLE_AUTHN}</AttributeValue>`,
        ),
      ),
      ['SIGNATURE_INVALID'],
    );
  });

  it('a second, unsigned assertion claiming MFA is refused before anything is read', async () => {
    await refused(
      tampered((xml) => {
        const start = xml.indexOf('<Assertion');
        const end = xml.indexOf('</Assertion>') + '</Assertion>'.length;
        const copy = xml
          .slice(start, end)
          .replace(/<Signature[\s\S]*?<\/Signature>/, '')
          .replace(/ID="[^"]+"/, 'ID="_forged"')
          .replace(PASSWORD, MFA);
        return xml.slice(0, end) + copy + xml.slice(end);
      }),
      ['MULTIPLE_ASSERTIONS'],
    );
  });

  it('an MFA AuthnStatement in the unsigned Response, outside the signed assertion, is not read', async () => {
    await refused(
      tampered((xml) =>
        xml.replace(
          '</samlp:Response>',
          `<AuthnStatement xmlns="urn:oasis:names:tc:SAML:2.0:assertion" AuthnInstant="${NOW.toISOString()}"><AuthnContext><AuthnContextClassRef>${MFA}</AuthnContextClassRef></AuthnContext></AuthnStatement></samlp:Response>`,
        ),
      ),
      ['AUTHN_CONTEXT_NOT_MET', 'MALFORMED_XML'],
    );
  });
});
