/**
 * Signed SP metadata verifies with xmlsec1, an XML-DSig implementation that shares no code with
 * samlkit, and stops verifying once changed. Skipped when xmlsec1 is missing, except in CI
 * (CI=true), where a missing xmlsec1 fails the suite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSpMetadata } from '../../src/metadata/sp.js';
import type { TenantConfig } from '../../src/types.js';
import { KEYS } from '../helpers/constants.js';
import { hasXmlsec1, XMLSEC1_INSTALL, xmlsec1Verify, type IdAttribute } from './xmlsec1.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const ENTITY_DESCRIPTOR_ID: readonly IdAttribute[] = [{ ns: MD, localName: 'EntityDescriptor' }];

const available = hasXmlsec1();
const required = process.env.CI === 'true';
const skip = available || required ? false : `xmlsec1 not installed: ${XMLSEC1_INSTALL}`;

const TENANT: TenantConfig = {
  id: 'acme',
  sp: {
    // Needs escaping in an attribute: the signature covers the escaped form's parsed value.
    entityId: 'https://app.example.com/saml?tenant=a&b="c"',
    acsUrl: 'https://app.example.com/saml/acme/acs',
    signing: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    nextSigning: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
  },
  idp: { entityId: 'https://idp.example.com/', certificates: [KEYS.attacker.cert] },
};

describe('SP metadata signature, checked by xmlsec1', { skip }, () => {
  let dir = '';
  const path = (name: string): string => join(dir, name);

  before(() => {
    assert.ok(available, `xmlsec1 is required when CI=true: ${XMLSEC1_INSTALL}`);
    dir = mkdtempSync(join(tmpdir(), 'samlkit-sp-metadata-'));
    writeFileSync(path('sp.crt'), KEYS.idp.cert);
    writeFileSync(path('next.crt'), KEYS.rollover.cert);
    writeFileSync(path('other.crt'), KEYS.attacker.cert);
    const xml = buildSpMetadata(TENANT, {
      sign: true,
      validDays: 7,
      sloUrl: 'https://app.example.com/saml/acme/slo?x=1&y=2',
      includeEncryptionKeys: true,
      organization: { name: 'Example & Söhne <GmbH>', url: 'https://example.com/' },
      contacts: [{ type: 'technical', email: 'sso@example.com', givenName: 'SSO "team"' }],
    });
    writeFileSync(path('metadata.xml'), xml);
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('verifies with the SP signing certificate', async () => {
    const result = await xmlsec1Verify(path('metadata.xml'), path('sp.crt'), ENTITY_DESCRIPTOR_ID);
    assert.equal(result.verdict, 'OK', result.output);
    assert.equal(result.ok, true);
  });

  it('does not verify with the next certificate (published, but not the signer) or another one', async () => {
    for (const cert of ['next.crt', 'other.crt']) {
      const result = await xmlsec1Verify(path('metadata.xml'), path(cert), ENTITY_DESCRIPTOR_ID);
      assert.equal(result.verdict, 'FAIL', `${cert}: ${result.output}`);
    }
  });

  const tamperings: readonly (readonly [string, (xml: string) => string])[] = [
    ['the ACS URL is changed', (xml) => xml.replace('/saml/acme/acs"', '/saml/evil/acs"')],
    ['the entityID is changed', (xml) => xml.replace('tenant=a&amp;', 'tenant=x&amp;')],
    [
      'a signing KeyDescriptor is added',
      (xml) =>
        xml.replace(
          '<md:SingleLogoutService',
          `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBase64(KEYS.attacker.cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleLogoutService`,
        ),
    ],
    ['validUntil is extended', (xml) => xml.replace(/validUntil="\d{4}/, 'validUntil="2999')],
  ];
  for (const [name, tamper] of tamperings) {
    it(`fails when ${name}`, async () => {
      const original = readFileSync(path('metadata.xml'), 'utf8');
      const tampered = tamper(original);
      assert.notEqual(tampered, original, 'the tampering must change the document');
      writeFileSync(path('tampered.xml'), tampered);
      const result = await xmlsec1Verify(path('tampered.xml'), path('sp.crt'), ENTITY_DESCRIPTOR_ID);
      assert.equal(result.verdict, 'FAIL', result.output);
    });
  }
});

function certificateBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
}
