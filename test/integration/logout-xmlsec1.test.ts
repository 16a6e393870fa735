/**
 * The logout messages samlkit signs for the HTTP-POST binding (LogoutRequest and LogoutResponse,
 * enveloped signatures) verify with xmlsec1, an XML-DSig implementation that shares no code with
 * samlkit, with exactly the tenant's key, and stop verifying once changed. The HTTP-Redirect query
 * signature is checked with OpenSSL through node:crypto in test/unit/logout.test.ts, and by
 * SimpleSAMLphp in test/e2e/simplesamlphp-logout.test.ts. Skipped when xmlsec1 is missing, except
 * in CI (CI=true), where a missing xmlsec1 fails the suite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogoutRequest, createLogoutResponse, type LogoutMessage } from '../../src/index.js';
import { KEYS } from '../helpers/constants.js';
import { spTenant, SP_KEYS } from '../helpers/logout.js';
import { hasXmlsec1, XMLSEC1_INSTALL, xmlsec1Verify, type IdAttribute } from './xmlsec1.js';

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const IDS: readonly IdAttribute[] = [
  { ns: SAMLP, localName: 'LogoutRequest' },
  { ns: SAMLP, localName: 'LogoutResponse' },
];

const available = hasXmlsec1();
const required = process.env.CI === 'true';
const skip = available || required ? false : `xmlsec1 not installed: ${XMLSEC1_INSTALL}`;

function postedXml(message: LogoutMessage): string {
  assert.equal(message.binding, 'post');
  return Buffer.from(message.fields.SAMLRequest ?? message.fields.SAMLResponse ?? '', 'base64').toString(
    'utf8',
  );
}

describe('logout messages signed by samlkit, checked by xmlsec1', { skip }, () => {
  let dir = '';
  const path = (name: string): string => join(dir, name);

  before(() => {
    assert.ok(available, `xmlsec1 is required when CI=true: ${XMLSEC1_INSTALL}`);
    dir = mkdtempSync(join(tmpdir(), 'samlkit-logout-xmlsec1-'));
    writeFileSync(path('sp.crt'), SP_KEYS.cert);
    writeFileSync(path('other.crt'), KEYS.attacker.cert);
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const messages: readonly [string, () => LogoutMessage][] = [
    [
      'LogoutRequest',
      () =>
        createLogoutRequest(
          spTenant(),
          {
            nameId: 'alice@example.com',
            nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
            spNameQualifier: 'https://sp.example.com/saml/acme',
            sessionIndex: '_s1',
          },
          { binding: 'post', relayState: 'rs' },
        ),
    ],
    [
      'LogoutResponse',
      () => createLogoutResponse(spTenant(), { inResponseTo: '_lr1', binding: 'post', status: 'partial' }),
    ],
  ];

  for (const [name, make] of messages) {
    it(`our ${name} (HTTP-POST): OK with the tenant's key, FAIL with another, FAIL once changed`, async () => {
      const xml = postedXml(make());
      assert.match(xml, new RegExp(`^<samlp:${name} `));
      writeFileSync(path(`${name}.xml`), xml);
      const good = await xmlsec1Verify(path(`${name}.xml`), path('sp.crt'), IDS);
      assert.equal(good.verdict, 'OK', good.output);
      const other = await xmlsec1Verify(path(`${name}.xml`), path('other.crt'), IDS);
      assert.equal(other.verdict, 'FAIL', other.output);
      writeFileSync(
        path(`${name}-changed.xml`),
        xml.replace('https://sp.example.com/saml/acme<', 'https://evil.example/<'),
      );
      const changed = await xmlsec1Verify(path(`${name}-changed.xml`), path('sp.crt'), IDS);
      assert.equal(changed.verdict, 'FAIL', changed.output);
    });
  }
});
