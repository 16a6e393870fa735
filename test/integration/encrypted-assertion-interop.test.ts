/**
 * Encrypted assertions made by implementations that share no code with samlkit: SimpleSAMLphp 1.19 (PHP,
 * xmlseclibs; the exact code path of its IdP: AES-128-CBC under RSA-OAEP-MGF1P, assertion and Response signed as
 * configured) and xmlsec1 (libxmlsec with OpenSSL: AES-GCM and AES-CBC). samlkit must decrypt and accept them with
 * the tenant settings the docs give, and refuse CBC without `allowAesCbc`. Skipped when php/SimpleSAMLphp or
 * xmlsec1 is missing, except in CI (CI=true), where that fails.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SP_KEYS } from '../helpers/encrypt.js';
import { expectCode, verify } from '../helpers/expect.js';
import {
  ACS_URL,
  buildResponse,
  IDP_ENTITY_ID,
  KEYS,
  NOW,
  REQUEST_ID,
  signed,
  SP_ENTITY_ID,
  tenant,
} from '../helpers/idp.js';
import { hasXmlsec1, XMLSEC1_INSTALL } from './xmlsec1.js';

const SSP_INSTALL = 'bash .ci/install-system-deps.sh (simplesamlphp, php8.2-cli, php8.2-xml)';
const sspAvailable =
  spawnSync('php', ['--version']).status === 0 && existsSync('/usr/share/simplesamlphp/lib/_autoload.php');
const required = process.env.CI === 'true';
const ENCRYPT_RESPONSE = fileURLToPath(new URL('php/encrypt-response.php', import.meta.url));

const decryption = [{ privateKey: SP_KEYS.current.privateKey, certificate: SP_KEYS.current.certificate }];
/** What docs/errors.md and the allowAesCbc documentation tell a SimpleSAMLphp 1.x customer to set. */
const sspTenant = tenant({ sp: { decryption }, allowAesCbc: true });

describe(
  'encrypted assertions from SimpleSAMLphp 1.19 (its IdP code path)',
  {
    skip: sspAvailable || required ? false : `SimpleSAMLphp not installed: ${SSP_INSTALL}`,
  },
  () => {
    const mint = (signAssertion: boolean, signResponse: boolean): string =>
      execFileSync(
        'php',
        [
          ENCRYPT_RESPONSE,
          JSON.stringify({
            idpKey: KEYS.idp.key,
            idpCert: KEYS.idp.cert,
            spCert: SP_KEYS.current.certificate,
            now: Math.floor(NOW.getTime() / 1000),
            idpEntityId: IDP_ENTITY_ID,
            spEntityId: SP_ENTITY_ID,
            acsUrl: ACS_URL,
            inResponseTo: REQUEST_ID,
            nameId: 'alice@example.com',
            signAssertion,
            signResponse,
          }),
        ],
        { encoding: 'utf8' },
      );

    before(() => {
      assert.ok(sspAvailable, `SimpleSAMLphp is required when CI=true: ${SSP_INSTALL}`);
    });

    it('uses AES-128-CBC with RSA-OAEP-MGF1P (SHA-1), the EncryptedKey inside KeyInfo', () => {
      const xml = mint(true, true);
      assert.match(xml, /EncryptionMethod Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmlenc#aes128-cbc"/);
      assert.match(
        xml,
        /EncryptionMethod Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmlenc#rsa-oaep-mgf1p"\/>/,
      );
      assert.match(xml, /<dsig:KeyInfo[^>]*><xenc:EncryptedKey>/);
    });

    for (const [signAssertion, signResponse] of [
      [true, true],
      [true, false],
      [false, true],
    ] as const) {
      const what = `${signAssertion ? 'signed' : 'unsigned'} assertion, ${signResponse ? 'signed' : 'unsigned'} Response`;
      it(`${what}: accepted with sp.decryption and allowAesCbc`, async () => {
        const profile = await verify(mint(signAssertion, signResponse), { tenant: sspTenant });
        assert.equal(profile.nameId, 'alice@example.com');
        assert.deepEqual(profile.groups, ['admins', 'engineering']);
      });
    }

    it('refused without allowAesCbc (ALGORITHM_FORBIDDEN), and without any signature (DECRYPTION_FAILED)', async () => {
      await expectCode(
        verify(mint(true, true), { tenant: tenant({ sp: { decryption } }) }),
        'ALGORITHM_FORBIDDEN',
      );
      await expectCode(verify(mint(false, false), { tenant: sspTenant }), 'DECRYPTION_FAILED');
    });
  },
);

describe(
  'encrypted assertions from xmlsec1',
  {
    skip: hasXmlsec1() || required ? false : `xmlsec1 not installed: ${XMLSEC1_INSTALL}`,
  },
  () => {
    let dir = '';
    const path = (name: string): string => join(dir, name);
    const assertion = /<saml:Assertion[\s>][\s\S]*<\/saml:Assertion>/;
    const response = signed(buildResponse(), 'assertion');

    /** The signed assertion, encrypted by xmlsec1 from a template, put back into the Response. */
    const encryptWithXmlsec1 = (content: string, bits: number): string => {
      writeFileSync(path('assertion.xml'), assertion.exec(response)![0]);
      writeFileSync(
        path('template.xml'),
        `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">` +
          `<xenc:EncryptionMethod Algorithm="${content}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` +
          `<xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>` +
          `<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
          `<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>`,
      );
      const encrypted = execFileSync(
        'xmlsec1',
        [
          '--encrypt',
          '--pubkey-cert-pem',
          path('sp.crt'),
          '--session-key',
          `aes-${bits}`,
          '--xml-data',
          path('assertion.xml'),
          path('template.xml'),
        ],
        { encoding: 'utf8' },
      ).replace(/^<\?xml[^>]*\?>\s*/, '');
      const markup = `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${encrypted.trim()}</saml:EncryptedAssertion>`;
      return response.replace(assertion, () => markup);
    };

    before(() => {
      assert.ok(hasXmlsec1(), `xmlsec1 is required when CI=true: ${XMLSEC1_INSTALL}`);
      dir = mkdtempSync(join(tmpdir(), 'samlkit-xmlsec1-enc-'));
      writeFileSync(path('sp.crt'), SP_KEYS.current.certificate);
    });
    after(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    for (const [content, bits] of [
      ['http://www.w3.org/2009/xmlenc11#aes128-gcm', 128],
      ['http://www.w3.org/2009/xmlenc11#aes192-gcm', 192],
      ['http://www.w3.org/2009/xmlenc11#aes256-gcm', 256],
      ['http://www.w3.org/2001/04/xmlenc#aes128-cbc', 128],
      ['http://www.w3.org/2001/04/xmlenc#aes256-cbc', 256],
    ] as const) {
      it(`${content.replace(/^.*#/, '')} under rsa-oaep-mgf1p: decrypted and accepted`, async () => {
        const profile = await verify(encryptWithXmlsec1(content, bits), {
          tenant: tenant({ sp: { decryption }, allowAesCbc: content.endsWith('-cbc') }),
        });
        assert.equal(profile.nameId, 'alice@example.com');
      });
    }
  },
);
