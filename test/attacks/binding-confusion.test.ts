/**
 * RelayState and binding confusion: a Redirect-binding (deflated) payload, another SAML message type,
 * a wrapper protocol, or the Redirect binding's detached signature fields posted to the HTTP-POST
 * ACS all fail cleanly. RelayState never influences verification or leaks into the profile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ACS_URL, buildResponse, IDP_ENTITY_ID, NS, signed, signXml, SP_ENTITY_ID } from '../helpers/idp.js';
import { expectCode, verify, verifyForm, type Form } from '../helpers/expect.js';

const good = signed(buildResponse(), 'assertion');
const b64 = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64');
const message = (name: string, body: string, attrs = ''): string =>
  signXml(
    `<samlp:${name} xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="_m1" Version="2.0" IssueInstant="2027-01-15T12:00:00Z" Destination="${ACS_URL}"${attrs}>` +
      `<saml:Issuer>${IDP_ENTITY_ID}</saml:Issuer>${body}</samlp:${name}>`,
    { ref: 'response' },
  );
const SUCCESS =
  '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>';

describe('binding confusion', () => {
  it('Redirect-binding payload (raw DEFLATE) posted as SAMLResponse', async () => {
    await expectCode(verifyForm({ SAMLResponse: b64(zlib.deflateRawSync(good)) }), 'INVALID_ENCODING');
  });

  it('zlib-wrapped DEFLATE payload posted as SAMLResponse', async () => {
    await expectCode(verifyForm({ SAMLResponse: b64(zlib.deflateSync(good)) }), 'INVALID_ENCODING');
  });

  it('URL-encoded base64 (Redirect-binding query value) posted as SAMLResponse', async () => {
    await expectCode(verifyForm({ SAMLResponse: encodeURIComponent(b64(good)) }), 'INVALID_ENCODING');
  });

  it('base64 of base64', async () => {
    await expectCode(verifyForm({ SAMLResponse: b64(b64(good)) }), 'MALFORMED_XML');
  });

  it('signed LogoutResponse posted to the ACS', async () => {
    await expectCode(verify(message('LogoutResponse', SUCCESS, ' InResponseTo="_req123"')), 'MALFORMED_XML');
  });

  it('signed AuthnRequest posted to the ACS', async () => {
    await expectCode(
      verify(message('AuthnRequest', '', ` AssertionConsumerServiceURL="${ACS_URL}"`)),
      'MALFORMED_XML',
    );
  });

  it('signed LogoutRequest posted to the ACS', async () => {
    await expectCode(
      verify(message('LogoutRequest', '<saml:NameID>admin@example.com</saml:NameID>')),
      'MALFORMED_XML',
    );
  });

  it('ArtifactResponse wrapping a signed Response', async () => {
    const inner = good.replace(/^<\?xml[^>]*>/, '');
    await expectCode(verify(message('ArtifactResponse', SUCCESS + inner)), 'MALFORMED_XML');
  });

  it('SOAP envelope wrapping a signed Response', async () => {
    const soap = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${good}</soap:Body></soap:Envelope>`;
    await expectCode(verify(soap), 'MALFORMED_XML');
  });

  it('Response with Version="2.1"', async () => {
    await expectCode(
      verify(good.replace('Version="2.0" IssueInstant', 'Version="2.1" IssueInstant')),
      'MALFORMED_XML',
    );
  });

  it('Response without a Version', async () => {
    await expectCode(verify(good.replace(' Version="2.0" IssueInstant', ' IssueInstant')), 'MALFORMED_XML');
  });

  it('Assertion with Version="2.1", signed by the IdP', async () => {
    const xml = signed(buildResponse().replace('ID="_assert1" Version="2.0"', 'ID="_assert1" Version="2.1"'));
    await expectCode(verify(xml), 'MALFORMED_XML');
  });

  it('SAMLRequest field instead of SAMLResponse', async () => {
    const form = { SAMLRequest: b64(good) } as Form;
    await expectCode(verifyForm(form), 'INVALID_ENCODING');
  });

  it("Redirect binding's detached Signature/SigAlg fields do not sign a POSTed response", async () => {
    const form = {
      SAMLResponse: b64(buildResponse()),
      SigAlg: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      Signature: b64('forged'),
    } as Form;
    await expectCode(verifyForm(form), 'SIGNATURE_MISSING');
  });
});

describe('RelayState', () => {
  it('an absolute-URL RelayState does not change the outcome or leak into the profile', async () => {
    const plain = await verifyForm({ SAMLResponse: b64(good) });
    const withRelay = await verifyForm({
      SAMLResponse: b64(good),
      RelayState: 'https://attacker.example/phish',
    });
    assert.deepEqual(withRelay, plain);
    assert.ok(!JSON.stringify(withRelay).includes('attacker.example'));
  });

  it('a RelayState that is not a string does not turn a forgery into a success', async () => {
    const form = { SAMLResponse: b64(buildResponse()), RelayState: { SAMLResponse: b64(good) } };
    await expectCode(verifyForm(form), 'SIGNATURE_MISSING');
  });

  it('a response meant for another SP is not rescued by a RelayState naming ours', async () => {
    const other = signed(buildResponse({ audience: 'https://other-sp.example/metadata' }));
    await expectCode(verifyForm({ SAMLResponse: b64(other), RelayState: SP_ENTITY_ID }), 'AUDIENCE_MISMATCH');
  });
});
