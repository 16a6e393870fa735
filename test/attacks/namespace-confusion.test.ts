/**
 * Namespace confusion: elements are selected by namespace URI and local name, never by prefix or by
 * local name alone. Most cases are signed by the genuine IdP after the odd markup went in (as if the
 * IdP passed user-controlled XML through), so only namespace-aware selection can catch them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildResponse, NS, signed } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';

const base = buildResponse();
const signedAfter = (from: string, to: string, what: 'assertion' | 'response' = 'assertion'): string => {
  if (!base.includes(from)) throw new Error(`template lacks ${from}`);
  return signed(base.replace(from, to), what);
};
const NAMEID =
  '<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@example.com</saml:NameID>';

describe('namespace confusion', () => {
  it('NameID in a foreign namespace (same local name) is not a NameID', async () => {
    const xml = signedAfter(NAMEID, '<evil:NameID xmlns:evil="urn:evil">admin@example.com</evil:NameID>');
    await expectCode(verify(xml), 'NAMEID_MISSING');
  });

  it('foreign-namespace NameID before the real one is ignored', async () => {
    const xml = signedAfter(
      NAMEID,
      `<evil:NameID xmlns:evil="urn:evil">admin@example.com</evil:NameID>${NAMEID}`,
    );
    const profile = await verify(xml);
    assert.equal(profile.nameId, 'alice@example.com');
  });

  it('saml prefix redefined on the NameID to a foreign namespace', async () => {
    const xml = signedAfter('<saml:NameID ', '<saml:NameID xmlns:saml="urn:evil" ');
    await expectCode(verify(xml), 'NAMEID_MISSING');
  });

  it('Subject moved to a foreign namespace by prefix redefinition', async () => {
    const xml = signedAfter('<saml:Subject>', '<saml:Subject xmlns:saml="urn:evil">');
    await expectCode(verify(xml), 'NAMEID_MISSING');
  });

  it('Response root in the SAML 1.0 protocol namespace', async () => {
    const xml = signed(
      base.replace(`xmlns:samlp="${NS.samlp}"`, 'xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"'),
    );
    await expectCode(verify(xml), 'MALFORMED_XML');
  });

  it('Response root in no namespace', async () => {
    const xml = signed(
      base
        .replace('<samlp:Response ', '<Response ')
        .replace('</samlp:Response>', '</Response>')
        .replace(
          '<samlp:Status><samlp:StatusCode',
          `<samlp:Status xmlns:samlp="${NS.samlp}"><samlp:StatusCode`,
        ),
    );
    await expectCode(verify(xml), 'MALFORMED_XML');
  });

  it('Assertion in a foreign namespace (prefix saml bound to urn:evil on the assertion)', async () => {
    const xml = signedAfter(
      `<saml:Assertion xmlns:saml="${NS.saml}"`,
      '<saml:Assertion xmlns:saml="urn:evil"',
    );
    await expectCode(verify(xml), 'ASSERTION_MISSING');
  });

  it('Assertion written with the protocol prefix (samlp:Assertion)', async () => {
    const xml = signed(
      base
        .replace(`<saml:Assertion xmlns:saml="${NS.saml}"`, `<samlp:Assertion xmlns:saml="${NS.saml}"`)
        .replace('</saml:Assertion>', '</samlp:Assertion>'),
    );
    await expectCode(verify(xml), 'ASSERTION_MISSING');
  });

  it('ds prefix of the assertion Signature rebound to a look-alike namespace', async () => {
    const rebound = signed(base).replace(
      'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"',
      'xmlns:ds="http://www.w3.org/2000/09/xmldsig-more#"',
    );
    await expectCode(verify(rebound), 'SIGNATURE_MISSING');
  });

  it('Audience in a foreign namespace', async () => {
    const xml = signedAfter(
      '<saml:Audience>https://sp.example.com/saml/metadata</saml:Audience>',
      '<evil:Audience xmlns:evil="urn:evil">https://sp.example.com/saml/metadata</evil:Audience>',
    );
    await expectCode(verify(xml), 'AUDIENCE_MISMATCH');
  });

  it('assertion Issuer in a foreign namespace', async () => {
    const xml = signed(
      buildResponse({ responseIssuer: null }).replace(
        '<saml:Issuer>https://idp.example.com/metadata</saml:Issuer>',
        '<evil:Issuer xmlns:evil="urn:evil">https://idp.example.com/metadata</evil:Issuer>',
      ),
    );
    await expectCode(verify(xml), 'ISSUER_MISMATCH');
  });

  it('bearer SubjectConfirmation in a foreign namespace', async () => {
    const xml = signedAfter('<saml:SubjectConfirmation ', '<saml:SubjectConfirmation xmlns:saml="urn:evil" ');
    await expectCode(verify(xml), 'SUBJECT_CONFIRMATION_INVALID');
  });

  it('Success StatusCode in a foreign namespace replacing a failure (unsigned Response)', async () => {
    const failed = signed(buildResponse({ statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Responder' }));
    const xml = failed.replace(
      '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/>',
      '<evil:StatusCode xmlns:evil="urn:evil" Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>' +
        '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/>',
    );
    await expectCode(verify(xml), 'STATUS_NOT_SUCCESS');
  });
});
