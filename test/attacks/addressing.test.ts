/**
 * Audience, recipient, destination, issuer, status and freshness: a perfectly signed assertion that
 * was meant for someone else, somewhere else, or some other time is still refused. Everything here
 * is signed by the genuine IdP key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTenant } from '../../src/index.js';
import {
  ACS_URL,
  buildResponse,
  IDP_ENTITY_ID,
  NOW,
  signed,
  SP_ENTITY_ID,
  tenant,
  type ResponseOptions,
} from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';

const a = (o: ResponseOptions): string => signed(buildResponse(o), 'assertion');
const r = (o: ResponseOptions): string => signed(buildResponse(o), 'response');
const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';

describe('audience', () => {
  it('assertion for another SP', async () => {
    await expectCode(verify(a({ audience: 'https://other-sp.example/metadata' })), 'AUDIENCE_MISMATCH');
  });
  it('no AudienceRestriction', async () => {
    await expectCode(verify(a({ audience: null })), 'AUDIENCE_MISMATCH');
  });
  it('audience extending our entity ID', async () => {
    await expectCode(verify(a({ audience: `${SP_ENTITY_ID}/evil` })), 'AUDIENCE_MISMATCH');
  });
  it('audience with a trailing slash', async () => {
    await expectCode(verify(a({ audience: `${SP_ENTITY_ID}/` })), 'AUDIENCE_MISMATCH');
  });
  it('empty AudienceRestriction', async () => {
    const xml = signed(
      buildResponse({ audience: null }).replace(/(<saml:Conditions [^>]*>)/, '$1<saml:AudienceRestriction/>'),
    );
    await expectCode(verify(xml), 'AUDIENCE_MISMATCH');
  });
});

describe('recipient', () => {
  it('bearer Recipient is another ACS', async () => {
    await expectCode(verify(a({ recipient: 'https://attacker.example/acs' })), 'RECIPIENT_MISMATCH');
  });
  it('bearer Recipient missing', async () => {
    await expectCode(verify(a({ recipient: null })), 'RECIPIENT_MISMATCH');
  });
  it('Recipient differing only in host case', async () => {
    await expectCode(
      verify(a({ recipient: ACS_URL.replace('sp.example.com', 'SP.example.com') })),
      'RECIPIENT_MISMATCH',
    );
  });
  it('Recipient over http instead of https', async () => {
    await expectCode(verify(a({ recipient: ACS_URL.replace('https:', 'http:') })), 'RECIPIENT_MISMATCH');
  });
});

describe('destination', () => {
  it('signed Response with another Destination', async () => {
    await expectCode(verify(r({ destination: 'https://attacker.example/acs' })), 'DESTINATION_MISMATCH');
  });
  it('signed Response without a Destination', async () => {
    await expectCode(verify(r({ destination: null })), 'DESTINATION_MISMATCH');
  });
  it('unsigned Response whose Destination names another ACS', async () => {
    await expectCode(verify(a({ destination: 'https://attacker.example/acs' })), 'DESTINATION_MISMATCH');
  });
  it('Destination with a query string appended', async () => {
    await expectCode(
      verify(r({ destination: `${ACS_URL}?next=https://attacker.example` })),
      'DESTINATION_MISMATCH',
    );
  });
});

describe('issuer', () => {
  it('assertion issued by another entity sharing the signing key (multi-tenant IdP)', async () => {
    await expectCode(
      verify(a({ issuer: 'https://idp.example.com/other-tenant', responseIssuer: null })),
      'ISSUER_MISMATCH',
    );
  });
  it('Response Issuer differs from the assertion Issuer', async () => {
    await expectCode(verify(a({ responseIssuer: 'https://attacker.example/idp' })), 'ISSUER_MISMATCH');
  });
  it('Issuer differing only in case', async () => {
    await expectCode(verify(a({ issuer: IDP_ENTITY_ID.toUpperCase() })), 'ISSUER_MISMATCH');
  });
  it('Issuer with a non-entity Format', async () => {
    const xml = signed(
      buildResponse({ responseIssuer: null }).replace(
        '<saml:Issuer>',
        '<saml:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">',
      ),
    );
    await expectCode(verify(xml), 'ISSUER_MISMATCH');
  });
  it('Issuer with a trailing slash', async () => {
    await expectCode(verify(a({ issuer: `${IDP_ENTITY_ID}/` })), 'ISSUER_MISMATCH');
  });
});

describe('status', () => {
  it('Requester status', async () => {
    await expectCode(verify(a({ statusCode: `${STATUS}Requester` })), 'STATUS_NOT_SUCCESS');
  });
  it('Responder status with a nested Success code', async () => {
    const xml = a({ statusCode: `${STATUS}Responder` }).replace(
      `<samlp:StatusCode Value="${STATUS}Responder"/>`,
      `<samlp:StatusCode Value="${STATUS}Responder"><samlp:StatusCode Value="${STATUS}Success"/></samlp:StatusCode>`,
    );
    await expectCode(verify(xml), 'STATUS_NOT_SUCCESS');
  });
  it('unknown status URI', async () => {
    await expectCode(verify(a({ statusCode: `${STATUS}success` })), 'STATUS_NOT_SUCCESS');
  });
});

describe('freshness', () => {
  it('Conditions NotOnOrAfter long past', async () => {
    await expectCode(verify(a({ notOnOrAfter: -3600, scdNotOnOrAfter: 300 })), 'EXPIRED');
  });
  it('Conditions NotOnOrAfter just beyond the 120 s skew', async () => {
    await expectCode(verify(a({ notOnOrAfter: -121 })), 'EXPIRED');
  });
  it('NotBefore beyond the skew', async () => {
    await expectCode(verify(a({ notBefore: 300 })), 'NOT_YET_VALID');
  });
  it('NotBefore 5 s ahead with clockSkewSeconds 0', async () => {
    await expectCode(
      verify(a({ notBefore: 5 }), { tenant: tenant({ clockSkewSeconds: 0 }) }),
      'NOT_YET_VALID',
    );
  });
  it('bearer SubjectConfirmationData NotBefore beyond the skew', async () => {
    const xml = signed(
      buildResponse().replace(
        '<saml:SubjectConfirmationData ',
        `<saml:SubjectConfirmationData NotBefore="${new Date(NOW.getTime() + 600_000).toISOString()}" `,
      ),
    );
    await expectCode(verify(xml), 'NOT_YET_VALID');
  });
  it('IdP session already over (SessionNotOnOrAfter past)', async () => {
    const xml = signed(
      buildResponse().replace(
        'SessionIndex="_session1"',
        `SessionIndex="_session1" SessionNotOnOrAfter="${new Date(NOW.getTime() - 3_600_000).toISOString()}"`,
      ),
    );
    await expectCode(verify(xml), 'EXPIRED');
  });
  it('bearer NotOnOrAfter missing', async () => {
    await expectCode(verify(a({ scdNotOnOrAfter: null })), 'SUBJECT_CONFIRMATION_INVALID');
  });
  it('bearer NotOnOrAfter past', async () => {
    await expectCode(verify(a({ scdNotOnOrAfter: -600 })), 'EXPIRED');
  });
  it('Conditions NotOnOrAfter unparseable (NaN must not mean "no limit")', async () => {
    const xml = signed(
      buildResponse().replace(/(<saml:Conditions [^>]*NotOnOrAfter=")[^"]*"/, '$1tomorrow"'),
    );
    await expectCode(verify(xml), 'MALFORMED_XML');
  });
  it('bearer NotOnOrAfter unparseable', async () => {
    const xml = signed(
      buildResponse().replace(/(<saml:SubjectConfirmationData [^>]*NotOnOrAfter=")[^"]*"/, '$1never"'),
    );
    await expectCode(verify(xml), 'MALFORMED_XML');
  });
  it('Conditions NotOnOrAfter without a time zone (read as server-local time)', async () => {
    const xml = signed(buildResponse().replace(/(<saml:Conditions [^>]*NotOnOrAfter="[^"]*)Z"/, '$1"'));
    await expectCode(verify(xml), 'MALFORMED_XML');
  });
  it('holder-of-key SubjectConfirmation instead of bearer', async () => {
    const xml = signed(
      buildResponse().replace(
        'urn:oasis:names:tc:SAML:2.0:cm:bearer',
        'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key',
      ),
    );
    await expectCode(verify(xml), 'SUBJECT_CONFIRMATION_INVALID');
  });
  it('clockSkewSeconds above 300 refused by defineTenant', () => {
    assert.throws(() => defineTenant(tenant({ clockSkewSeconds: 86_400 })), TypeError);
  });
});
