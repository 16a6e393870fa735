/**
 * Multiple assertions and duplicate elements: exactly one Assertion directly under the Response, one
 * Subject with one NameID, one Conditions. The duplicates are signed by the genuine IdP, so the
 * signature is no help: only the cardinality checks can refuse them.
 */
import { describe, it } from 'node:test';
import { buildResponse, signed, signXml } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';

const base = buildResponse();
const signedAfter = (from: string, to: string): string => {
  if (!base.includes(from)) throw new Error(`template lacks ${from}`);
  return signed(base.replace(from, to));
};
const assertionXml = (id: string, nameId: string): string => {
  const xml = buildResponse({ assertionId: id, nameId });
  return xml.slice(xml.indexOf('<saml:Assertion '), xml.indexOf('</samlp:Response>'));
};
const SUBJECT = /<saml:Subject>.*<\/saml:Subject>/.exec(base)![0];
const NAMEID = /<saml:NameID .*<\/saml:NameID>/.exec(base)![0];
const CONDITIONS = /<saml:Conditions .*<\/saml:Conditions>/.exec(base)![0];

describe('multiple assertions and duplicate elements', () => {
  it('two assertions, each validly signed by the IdP (alice and admin)', async () => {
    const two = base.replace(
      '</samlp:Response>',
      `${assertionXml('_assert2', 'admin@example.com')}</samlp:Response>`,
    );
    const xml = signXml(signXml(two, { ref: 'assertion', id: '_assert1' }), {
      ref: 'assertion',
      id: '_assert2',
    });
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('admin assertion hidden in the Advice of the signed assertion', async () => {
    const xml = signedAfter(
      '<saml:AuthnStatement ',
      `<saml:Advice>${assertionXml('_inner', 'admin@example.com')}</saml:Advice><saml:AuthnStatement `,
    );
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('unsigned assertion added to the Response Extensions after signing', async () => {
    const xml = signed(base).replace(
      '<samlp:Status>',
      `<samlp:Extensions>${assertionXml('_extra', 'admin@example.com')}</samlp:Extensions><samlp:Status>`,
    );
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('two Subjects', async () => {
    const xml = signedAfter(SUBJECT, SUBJECT.replace('alice@', 'admin@') + SUBJECT);
    await expectCode(verify(xml), 'MALFORMED_XML');
  });

  it('two NameIDs in the Subject', async () => {
    const xml = signedAfter(NAMEID, NAMEID.replace('alice@', 'admin@') + NAMEID);
    await expectCode(verify(xml), 'NAMEID_MISSING');
  });

  it('Subject without a NameID', async () => {
    await expectCode(verify(signedAfter(NAMEID, '')), 'NAMEID_MISSING');
  });

  it('two Conditions (the second one wide open)', async () => {
    const xml = signedAfter(CONDITIONS, CONDITIONS + '<saml:Conditions/>');
    await expectCode(verify(xml), 'CONDITIONS_INVALID');
  });

  it('no Conditions at all', async () => {
    await expectCode(verify(signedAfter(CONDITIONS, '')), 'CONDITIONS_INVALID');
  });

  it('unknown condition type', async () => {
    const xml = signedAfter(
      '</saml:AudienceRestriction>',
      '</saml:AudienceRestriction><saml:Condition xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:x="urn:x" xsi:type="x:OnlyOnTuesdays"/>',
    );
    await expectCode(verify(xml), 'CONDITIONS_INVALID');
  });

  it('a second AudienceRestriction naming another SP (all restrictions must hold)', async () => {
    const xml = signedAfter(
      '</saml:AudienceRestriction>',
      '</saml:AudienceRestriction><saml:AudienceRestriction><saml:Audience>https://other-sp.example/metadata</saml:Audience></saml:AudienceRestriction>',
    );
    await expectCode(verify(xml), 'AUDIENCE_MISMATCH');
  });

  it('no AuthnStatement', async () => {
    await expectCode(verify(signed(buildResponse({ authnStatement: false }))), 'AUTHN_STATEMENT_MISSING');
  });

  it('two Issuers in the assertion', async () => {
    const xml = signed(
      buildResponse({ responseIssuer: null }).replace(
        '<saml:Issuer>https://idp.example.com/metadata</saml:Issuer>',
        '<saml:Issuer>https://idp.example.com/metadata</saml:Issuer><saml:Issuer>https://attacker.example/idp</saml:Issuer>',
      ),
    );
    await expectCode(verify(xml), 'ISSUER_MISMATCH');
  });

  it('two SubjectConfirmationData in one bearer SubjectConfirmation', async () => {
    const xml = signedAfter(
      '</saml:SubjectConfirmation>',
      '<saml:SubjectConfirmationData Recipient="https://attacker.example/acs"/></saml:SubjectConfirmation>',
    );
    await expectCode(verify(xml), 'SUBJECT_CONFIRMATION_INVALID');
  });
});
