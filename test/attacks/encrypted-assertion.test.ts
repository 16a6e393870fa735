/**
 * Encrypted-assertion oracles. samlkit does not decrypt yet: every EncryptedAssertion, whatever its
 * ciphertext or key transport, gets the same code and message (no padding or format oracle), and
 * encryption never stands in for a signature.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { buildResponse, signXml } from '../helpers/idp.js';
import { expectCode, expectSamlError, verify } from '../helpers/expect.js';

const XENC = 'http://www.w3.org/2001/04/xmlenc#';
const encrypted = (o: { cipher?: string; keyTransport?: string; data?: string } = {}): string =>
  `<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="${XENC}" Type="${XENC}Element">` +
  `<xenc:EncryptionMethod Algorithm="${o.cipher ?? 'http://www.w3.org/2009/xmlenc11#aes256-gcm'}"/>` +
  `<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>` +
  `<xenc:EncryptionMethod Algorithm="${o.keyTransport ?? 'http://www.w3.org/2009/xmlenc11#rsa-oaep'}"/>` +
  `<xenc:CipherData><xenc:CipherValue>${crypto.randomBytes(256).toString('base64')}</xenc:CipherValue></xenc:CipherData>` +
  `</xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>${o.data ?? crypto.randomBytes(512).toString('base64')}` +
  `</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>`;
const ASSERTION = /<saml:Assertion .*<\/saml:Assertion>/;
const replaced = (markup: string): string => buildResponse().replace(ASSERTION, markup);

describe('encrypted assertions', () => {
  it('EncryptedAssertion in an unsigned Response', async () => {
    await expectCode(verify(replaced(encrypted())), 'ENCRYPTED_ASSERTION_UNSUPPORTED');
  });

  it('EncryptedAssertion in a signed Response', async () => {
    await expectCode(
      verify(signXml(replaced(encrypted()), { ref: 'response' })),
      'ENCRYPTED_ASSERTION_UNSUPPORTED',
    );
  });

  it('RSA 1.5 key transport with AES-CBC (padding-oracle setup)', async () => {
    const xml = replaced(
      encrypted({ cipher: `${XENC}aes128-cbc`, keyTransport: `${XENC}rsa-1_5`, data: 'AAAA' }),
    );
    await expectCode(verify(xml), 'ENCRYPTED_ASSERTION_UNSUPPORTED');
  });

  it('garbage, truncated and well-formed ciphertexts give the same error (no oracle)', async () => {
    const variants = [
      encrypted({ data: '!!!' }),
      encrypted({ data: 'AA==' }),
      encrypted(),
      encrypted({ keyTransport: `${XENC}rsa-1_5` }),
    ];
    const errors = await Promise.all(variants.map((v) => expectSamlError(verify(replaced(v)))));
    const shapes = new Set(errors.map((e) => `${e.code}|${e.message}`));
    assert.equal(shapes.size, 1, [...shapes].join('\n'));
  });

  it('EncryptedAssertion next to a plain signed assertion', async () => {
    const xml = signXml(buildResponse(), { ref: 'assertion' }).replace(
      '</samlp:Response>',
      `${encrypted()}</samlp:Response>`,
    );
    await expectCode(verify(xml), 'MULTIPLE_ASSERTIONS');
  });

  it('EncryptedID instead of a NameID in a signed assertion', async () => {
    const xml = signXml(
      buildResponse().replace(
        /<saml:NameID .*<\/saml:NameID>/,
        `<saml:EncryptedID><xenc:EncryptedData xmlns:xenc="${XENC}"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedID>`,
      ),
      { ref: 'assertion' },
    );
    await expectCode(verify(xml), 'ENCRYPTED_ASSERTION_UNSUPPORTED');
  });
});
