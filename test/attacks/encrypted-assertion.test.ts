/**
 * Encrypted assertions (XML Encryption), attacked the ways the literature and past CVEs did: the Bleichenbacher
 * oracle of RSA 1.5, 3DES, CBC malleability and the padding/parsing oracle (Jager and Somorovsky 2011), the
 * algorithm-switch "backwards compatibility" attack (Jager, Paterson and Somorovsky 2013), wrapped, duplicated and
 * out-of-place EncryptedKeys, tampered ciphertext and tag, hostile decrypted payloads (DOCTYPE, two assertions,
 * IDs of the Response), and encryption standing in for a signature. The attacker knows the SP's public key (it is
 * in the metadata), so he can encrypt anything; only a signature by the IdP authenticates.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import type { SamlError } from '../../src/index.js';
import {
  ENC,
  encryptResponse,
  encryptXml,
  flipByte,
  SP_KEYS,
  withContentCipherValue,
  withKeyCipherValue,
  XENC,
  type EncryptOptions,
} from '../helpers/encrypt.js';
import { expectCode, expectSamlError, verify } from '../helpers/expect.js';
import { buildResponse, KEYS, signed, signXml, tenant } from '../helpers/idp.js';

type Overrides = NonNullable<Parameters<typeof tenant>[0]>;

const CURRENT = { privateKey: SP_KEYS.current.privateKey, certificate: SP_KEYS.current.certificate };
/** Tenant A with our decryption key (and whatever else the test says). */
const withKeys = (o: Overrides = {}) => tenant({ ...o, sp: { decryption: [CURRENT], ...o.sp } });
const cbcTenant = withKeys({ allowAesCbc: true });

const signedAssertion = (): string => signed(buildResponse(), 'assertion');
/** The genuine IdP flow: assertion signed, then encrypted; the Response unsigned (Entra/ADFS/Okta default). */
const encrypted = (o: EncryptOptions = {}): string => encryptResponse(signedAssertion(), o);
/** The Response signed over the encrypted assertion (SimpleSAMLphp, Okta "signed response"). */
const signedOverEncrypted = (xml: string): string => signXml(xml, { ref: 'response' });

const ASSERTION = /<saml:Assertion[\s>][\s\S]*<\/saml:Assertion>/;
/** The Response with its assertion replaced by `markup`. */
const replaced = (xml: string, markup: string): string => xml.replace(ASSERTION, () => markup);
/** An EncryptedAssertion of `plaintext`, to our key. */
const encryptedPayload = (plaintext: string | Buffer, o: EncryptOptions = {}): string =>
  replaced(buildResponse(), encryptXml(plaintext, o).xml);
const signedAssertionText = (): string => ASSERTION.exec(signedAssertion())![0];

describe('encrypted assertions: positive controls', () => {
  it('AES-GCM, signed assertion, key inside KeyInfo: accepted', async () => {
    const profile = await verify(encrypted(), { tenant: withKeys() });
    assert.equal(profile.nameId, 'alice@example.com');
  });

  it('the EncryptedKey beside the data, named by RetrievalMethod (Okta) or naming the data by DataReference', async () => {
    for (const placement of ['retrieval', 'reference'] as const) {
      const profile = await verify(encrypted({ placement }), { tenant: withKeys() });
      assert.equal(profile.nameId, 'alice@example.com', placement);
    }
  });

  it('an unsigned assertion in a Response signed over its encrypted form: covered (AES-GCM and AES-CBC)', async () => {
    for (const content of [ENC.aes128gcm, ENC.aes128cbc]) {
      const xml = signedOverEncrypted(encryptResponse(buildResponse(), { content }));
      const profile = await verify(xml, { tenant: cbcTenant });
      assert.equal(profile.nameId, 'alice@example.com', content);
    }
  });
});

describe('encrypted assertions: key transport', () => {
  it('RSA 1.5 key transport (Bleichenbacher oracle) is refused before any decryption', async () => {
    await expectCode(
      verify(encrypted({ keyTransport: ENC.rsa15 }), { tenant: withKeys() }),
      'ALGORITHM_FORBIDDEN',
    );
    const signedToo = signedOverEncrypted(encryptResponse(buildResponse(), { keyTransport: ENC.rsa15 }));
    await expectCode(verify(signedToo, { tenant: withKeys() }), 'ALGORITHM_FORBIDDEN');
  });

  it('RSA 1.5 with AES-CBC on a CBC tenant (the classic padding-oracle pair)', async () => {
    const xml = encrypted({ keyTransport: ENC.rsa15, content: ENC.aes128cbc });
    await expectCode(verify(xml, { tenant: cbcTenant }), 'ALGORITHM_FORBIDDEN');
  });

  it('AES key wrap, an unknown URI, rsa-oaep-mgf1p with SHA-256, an unknown MGF', async () => {
    const variants: EncryptOptions[] = [
      { keyTransport: `${XENC}kw-aes256` },
      { keyTransport: 'urn:example:rsa-raw' },
      { keyTransport: ENC.rsaOaepMgf1p, oaepDigest: ENC.sha256 },
      { mgf: 'http://www.w3.org/2009/xmlenc11#mgf1md5' },
    ];
    for (const o of variants) {
      await expectCode(verify(encrypted(o), { tenant: withKeys() }), 'ALGORITHM_FORBIDDEN');
    }
  });

  it('a wrapped key changed by one bit (OAEP) does not decrypt', async () => {
    const xml = withKeyCipherValue(encrypted(), (value) => flipByte(value, 100));
    await expectCode(verify(xml, { tenant: withKeys() }), 'DECRYPTION_FAILED');
  });

  it('a key wrapped for another SP certificate does not decrypt', async () => {
    const xml = encrypted({ certificate: SP_KEYS.stranger.certificate });
    await expectCode(verify(xml, { tenant: withKeys() }), 'DECRYPTION_FAILED');
  });
});

describe('encrypted assertions: content encryption', () => {
  it('3DES is refused, though it would decrypt', async () => {
    await expectCode(
      verify(encrypted({ content: ENC.tripleDes }), { tenant: cbcTenant }),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('AES-CBC on a tenant that refuses it, signed assertion or signed Response', async () => {
    await expectCode(
      verify(encrypted({ content: ENC.aes256cbc }), { tenant: withKeys() }),
      'ALGORITHM_FORBIDDEN',
    );
    const xml = signedOverEncrypted(encryptResponse(signedAssertion(), { content: ENC.aes128cbc }));
    await expectCode(verify(xml, { tenant: withKeys() }), 'ALGORITHM_FORBIDDEN');
  });

  it('algorithm switch: a GCM ciphertext relabelled as CBC (backwards-compatibility attack)', async () => {
    const xml = encrypted().replace(ENC.aes256gcm, ENC.aes256cbc);
    await expectCode(verify(xml, { tenant: cbcTenant }), 'DECRYPTION_FAILED');
  });

  it('key-length confusion: a 256-bit content key under an aes128-gcm label', async () => {
    const xml = encrypted().replace(ENC.aes256gcm, ENC.aes128gcm);
    await expectCode(verify(xml, { tenant: withKeys() }), 'DECRYPTION_FAILED');
  });
});

describe('encrypted assertions: EncryptedKey placement', () => {
  const genuine = encryptXml(signedAssertionText());
  const attackerKey = encryptXml('x'); // a key the attacker chose, wrapped to our public certificate
  const keyOf = (markup: string, id = '_ek1'): string =>
    /<xenc:EncryptedKey[\s\S]*<\/xenc:EncryptedKey>/.exec(markup)![0].replace('Id="_ek1"', `Id="${id}"`);

  it('duplicated EncryptedKey inside KeyInfo', async () => {
    const markup = genuine.xml.replace(
      '</ds:KeyInfo><xenc:CipherData>',
      `${keyOf(genuine.xml, '_ek2')}</ds:KeyInfo><xenc:CipherData>`,
    );
    await expectCode(verify(replaced(buildResponse(), markup), { tenant: withKeys() }), 'DECRYPTION_FAILED');
  });

  it('wrapped EncryptedKey: an attacker key inside KeyInfo, the genuine one beside the data', async () => {
    const markup = genuine.xml
      .replace(keyOf(genuine.xml), keyOf(attackerKey.xml, '_ek2'))
      .replace('</saml:EncryptedAssertion>', `${keyOf(genuine.xml)}</saml:EncryptedAssertion>`);
    await expectCode(verify(replaced(buildResponse(), markup), { tenant: withKeys() }), 'DECRYPTION_FAILED');
  });

  it('an EncryptedKey nested in the KeyInfo of the EncryptedKey', async () => {
    const key = keyOf(genuine.xml);
    const nested = key.replace('<ds:X509Data>', `${keyOf(attackerKey.xml, '_ek2')}<ds:X509Data>`);
    const markup = genuine.xml.replace(key, nested);
    await expectCode(verify(replaced(buildResponse(), markup), { tenant: withKeys() }), 'DECRYPTION_FAILED');
  });

  it('RetrievalMethod pointing to an EncryptedKey outside the EncryptedAssertion (in samlp:Extensions)', async () => {
    const beside = encryptXml(signedAssertionText(), { placement: 'retrieval' });
    const key = keyOf(beside.xml);
    const xml = replaced(buildResponse(), beside.xml.replace(key, '')).replace(
      '<samlp:Status>',
      `<samlp:Extensions>${key}</samlp:Extensions><samlp:Status>`,
    );
    await expectCode(verify(xml, { tenant: withKeys() }), 'DECRYPTION_FAILED');
  });

  it('RetrievalMethod to an external URL (never fetched), or with Transforms', async () => {
    const beside = encryptXml(signedAssertionText(), { placement: 'retrieval' });
    for (const markup of [
      beside.xml.replace('URI="#_ek1"', 'URI="https://attacker.example/key.xml"'),
      beside.xml.replace(
        /<ds:RetrievalMethod ([^>]*)\/>/,
        '<ds:RetrievalMethod $1><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"/></ds:Transforms></ds:RetrievalMethod>',
      ),
      beside.xml.replace(`Type="${XENC}EncryptedKey"`, 'Type="http://www.w3.org/2000/09/xmldsig#X509Data"'),
    ]) {
      assert.notEqual(markup, beside.xml);
      await expectCode(
        verify(replaced(buildResponse(), markup), { tenant: withKeys() }),
        'DECRYPTION_FAILED',
      );
    }
  });

  it('a DataReference naming another EncryptedData, and a key beside the data that names nothing', async () => {
    const beside = encryptXml(signedAssertionText(), { placement: 'reference' });
    for (const markup of [
      beside.xml.replace('<xenc:DataReference URI="#_ed1"/>', '<xenc:DataReference URI="#_other"/>'),
      beside.xml.replace(/<xenc:ReferenceList>.*<\/xenc:ReferenceList>/, ''),
    ]) {
      assert.notEqual(markup, beside.xml);
      await expectCode(
        verify(replaced(buildResponse(), markup), { tenant: withKeys() }),
        'DECRYPTION_FAILED',
      );
    }
  });

  it('CipherReference (fetch the ciphertext elsewhere) instead of CipherValue; Content instead of Element', async () => {
    for (const markup of [
      genuine.xml.replace(
        /<xenc:CipherValue>([^<]*)<\/xenc:CipherValue><\/xenc:CipherData><\/xenc:EncryptedData>/,
        '<xenc:CipherReference URI="https://attacker.example/c"/></xenc:CipherData></xenc:EncryptedData>',
      ),
      genuine.xml.replace(`Type="${XENC}Element"`, `Type="${XENC}Content"`),
    ]) {
      assert.notEqual(markup, genuine.xml);
      await expectCode(
        verify(replaced(buildResponse(), markup), { tenant: withKeys() }),
        'DECRYPTION_FAILED',
      );
    }
  });
});

describe('encrypted assertions: tampered ciphertext', () => {
  it('AES-GCM: a flipped ciphertext byte, tag byte or IV byte, a truncated tag', async () => {
    const changes: ((value: string) => string)[] = [
      (value) => flipByte(value, 40),
      (value) => flipByte(value, -1),
      (value) => flipByte(value, 0),
      (value) => Buffer.from(value, 'base64').subarray(0, -4).toString('base64'),
    ];
    for (const change of changes) {
      await expectCode(
        verify(withContentCipherValue(encrypted(), change), { tenant: withKeys() }),
        'DECRYPTION_FAILED',
      );
    }
  });

  it('AES-CBC in an unsigned Response: a flipped IV byte (first block), a flipped padding block', async () => {
    for (const index of [0, -17]) {
      const xml = withContentCipherValue(encrypted({ content: ENC.aes128cbc }), (value) =>
        flipByte(value, index),
      );
      await expectCode(verify(xml, { tenant: cbcTenant }), 'DECRYPTION_FAILED');
    }
  });

  it('AES-CBC in a signed Response: the Response signature catches the change before anything is decrypted', async () => {
    const xml = signedOverEncrypted(encryptResponse(buildResponse(), { content: ENC.aes128cbc }));
    const tampered = withContentCipherValue(xml, (value) => flipByte(value, 0));
    await expectCode(verify(tampered, { tenant: cbcTenant }), 'SIGNATURE_INVALID');
  });

  it('a genuine signed Response whose EncryptedAssertion the attacker replaces with his own', async () => {
    const genuine = signedOverEncrypted(encryptResponse(buildResponse()));
    const evil = encryptXml(ASSERTION.exec(buildResponse({ nameId: 'admin@example.com' }))![0]).xml;
    const xml = genuine.replace(/<saml:EncryptedAssertion[\s\S]*<\/saml:EncryptedAssertion>/, () => evil);
    await expectCode(verify(xml, { tenant: withKeys() }), 'SIGNATURE_INVALID');
  });

  it('ciphertext that is not base64, too short, or larger than the cap', async () => {
    for (const value of ['!!!!', 'AAAA', crypto.randomBytes(20).toString('base64')]) {
      const xml = withContentCipherValue(encrypted(), () => value);
      await expectCode(verify(xml, { tenant: withKeys() }), 'DECRYPTION_FAILED');
    }
    const huge = withContentCipherValue(encrypted(), () =>
      crypto.randomBytes(2 * 1024 * 1024 + 48).toString('base64'),
    );
    await expectCode(
      verify(huge, { tenant: withKeys(), checks: { maxResponseBytes: 4 * 1024 * 1024 } }),
      'SIZE_LIMIT',
    );
  });
});

describe('encrypted assertions: hostile decrypted payloads', () => {
  // The attacker encrypts what he likes to our public key. Under AES-GCM, reporting exactly what is wrong tells
  // him nothing he did not write himself; under AES-CBC without a signed Response, it is all DECRYPTION_FAILED.
  it('a DOCTYPE (entity expansion, XXE) in the decrypted payload', async () => {
    const payloads = [
      `<!DOCTYPE a [<!ENTITY x "admin">]>${signedAssertionText()}`,
      `<?xml version="1.0"?><!DOCTYPE saml:Assertion SYSTEM "file:///etc/passwd">${signedAssertionText()}`,
    ];
    for (const payload of payloads) {
      await expectCode(verify(encryptedPayload(payload), { tenant: withKeys() }), 'DTD_FORBIDDEN');
      const cbc = encryptedPayload(payload, { content: ENC.aes128cbc });
      await expectCode(verify(cbc, { tenant: cbcTenant }), 'DECRYPTION_FAILED');
    }
  });

  it('two assertions in the decrypted payload: two roots, one inside the other, a wrapper around the signed one', async () => {
    const genuine = signedAssertionText();
    const evil = ASSERTION.exec(buildResponse({ nameId: 'admin@example.com', assertionId: '_evil' }))![0];
    const cases = [
      [`${genuine}${evil}`, 'MALFORMED_XML'],
      [
        evil.replace('</saml:Assertion>', `<saml:Advice>${genuine}</saml:Advice></saml:Assertion>`),
        'MULTIPLE_ASSERTIONS',
      ],
      [
        genuine.replace('</saml:Assertion>', `<saml:Advice>${evil}</saml:Advice></saml:Assertion>`),
        'MULTIPLE_ASSERTIONS',
      ],
      [
        `<saml:Evidence xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${genuine}</saml:Evidence>`,
        'MALFORMED_XML',
      ],
      [encryptXml(genuine).xml, 'MALFORMED_XML'],
    ] as const;
    for (const [payload, code] of cases) {
      await expectCode(verify(encryptedPayload(payload), { tenant: withKeys() }), code);
      const cbc = encryptedPayload(payload, { content: ENC.aes128cbc });
      await expectCode(verify(cbc, { tenant: cbcTenant }), 'DECRYPTION_FAILED');
    }
  });

  it('a decrypted assertion that reuses the Response ID, or whose signature points into the Response', async () => {
    const reused = replaced(buildResponse({ responseId: '_assert1' }), encryptXml(signedAssertionText()).xml);
    await expectCode(verify(reused, { tenant: withKeys() }), 'DUPLICATE_ID');
    // Signed as the Response's ID: the reference cannot reach the Response from the decrypted document.
    const pointing = signedAssertionText().replace('URI="#_assert1"', 'URI="#_resp1"');
    await expectCode(verify(encryptedPayload(pointing), { tenant: withKeys() }), 'SIGNATURE_STRUCTURE');
  });

  it('invalid UTF-8, an unbound prefix (context namespaces are not inherited), too deep a tree', async () => {
    const deep = signedAssertionText().replace(
      '</saml:Assertion>',
      `${'<a>'.repeat(60)}${'</a>'.repeat(60)}</saml:Assertion>`,
    );
    const cases = [
      [Buffer.concat([Buffer.from(signedAssertionText()), Buffer.from([0xff, 0xfe])]), 'MALFORMED_XML'],
      [signedAssertionText().replace(/ xmlns:saml="[^"]*"/, ''), 'MALFORMED_XML'],
      [deep, 'SIZE_LIMIT'],
    ] as const;
    for (const [payload, code] of cases) {
      await expectCode(verify(encryptedPayload(payload), { tenant: withKeys() }), code);
    }
  });
});

describe('encrypted assertions: encryption is not a signature', () => {
  it('an unsigned assertion inside an encrypted container, unsigned Response (AES-GCM)', async () => {
    await expectCode(verify(encryptResponse(buildResponse()), { tenant: withKeys() }), 'SIGNATURE_MISSING');
  });

  it('an unsigned assertion inside an encrypted container, unsigned Response (AES-CBC): one error, no oracle', async () => {
    const xml = encryptResponse(buildResponse(), { content: ENC.aes256cbc });
    await expectCode(verify(xml, { tenant: cbcTenant }), 'DECRYPTION_FAILED');
  });

  it('an assertion the attacker signed with his own key and encrypted to ours', async () => {
    const evil = signed(buildResponse({ nameId: 'admin@example.com' }), 'assertion', KEYS.attacker);
    await expectCode(verify(encryptResponse(evil), { tenant: withKeys() }), 'KEY_UNTRUSTED');
    await expectCode(
      verify(encryptResponse(evil, { content: ENC.aes128cbc }), { tenant: cbcTenant }),
      'DECRYPTION_FAILED',
    );
  });

  it('a signed Response does not satisfy signing: "assertion" for an unsigned encrypted assertion', async () => {
    const xml = signedOverEncrypted(encryptResponse(buildResponse()));
    await expectCode(verify(xml, { tenant: withKeys({ signing: 'assertion' }) }), 'SIGNATURE_MISSING');
    const both = signedOverEncrypted(encrypted());
    const profile = await verify(both, { tenant: withKeys({ signing: 'both' }) });
    assert.equal(profile.nameId, 'alice@example.com');
  });

  it('signing: "response" with an encrypted assertion in an unsigned Response', async () => {
    await expectCode(verify(encrypted(), { tenant: withKeys({ signing: 'response' }) }), 'SIGNATURE_MISSING');
  });

  it('a Response signed by the attacker around an encrypted assertion', async () => {
    const xml = signXml(encryptResponse(buildResponse()), {
      ref: 'response',
      key: KEYS.attacker.key,
      cert: KEYS.attacker.cert,
    });
    await expectCode(verify(xml, { tenant: withKeys() }), 'KEY_UNTRUSTED');
  });

  it('a ds:Signature placed directly in the EncryptedAssertion', async () => {
    const genuine = signedOverEncrypted(encryptResponse(buildResponse()));
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(genuine)![0];
    const xml = encrypted().replace('</saml:EncryptedAssertion>', `${signature}</saml:EncryptedAssertion>`);
    await expectCode(verify(xml, { tenant: withKeys() }), 'SIGNATURE_STRUCTURE');
  });

  it('EncryptedAssertion next to a plain signed assertion', async () => {
    const xml = signedAssertion().replace(
      '</samlp:Response>',
      `${encryptXml(signedAssertionText()).xml}</samlp:Response>`,
    );
    await expectCode(verify(xml, { tenant: withKeys() }), 'MULTIPLE_ASSERTIONS');
  });

  it('EncryptedID instead of a NameID in a signed assertion', async () => {
    const xml = signXml(
      buildResponse().replace(
        /<saml:NameID .*<\/saml:NameID>/,
        `<saml:EncryptedID><xenc:EncryptedData xmlns:xenc="${XENC}"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedID>`,
      ),
      { ref: 'assertion' },
    );
    await expectCode(verify(xml, { tenant: withKeys() }), 'ENCRYPTED_ASSERTION_UNSUPPORTED');
  });

  it('a plain assertion on a tenant that requires encryption (ENCRYPTION_REQUIRED), even in a signed Response', async () => {
    const strict = withKeys({ requireEncryptedAssertion: true });
    await expectCode(verify(signedAssertion(), { tenant: strict }), 'ENCRYPTION_REQUIRED');
    await expectCode(verify(signed(buildResponse(), 'both'), { tenant: strict }), 'ENCRYPTION_REQUIRED');
  });

  it('an EncryptedAssertion for a tenant without decryption keys', async () => {
    const error = await expectSamlError(verify(encrypted()));
    assert.equal(error.code, 'DECRYPTION_FAILED');
    assert.match(error.hint, /sp\.decryption/);
  });
});

describe('encrypted assertions: one error for every decryption failure (no oracle)', () => {
  /** Everything an error tells: its own enumerable fields, and the cause. */
  const shapeOf = (error: SamlError): string =>
    JSON.stringify({
      code: error.code,
      message: error.message,
      hint: error.hint,
      expected: error.expected,
      tenantId: error.tenantId,
      received: error.received,
      cause: String(error.cause),
      fields: Object.keys(error).sort(),
    });

  /** AES-CBC ciphertext of raw bytes (padding included by the caller), under the content key of `base`. */
  const cbcRaw = (base: ReturnType<typeof encryptXml>, padded: Buffer): string => {
    const iv = crypto.randomBytes(16);
    const cipher = crypto.createCipheriv('aes-128-cbc', base.contentKey, iv).setAutoPadding(false);
    const content = Buffer.concat([iv, cipher.update(padded), cipher.final()]).toString('base64');
    return replaced(buildResponse(), base.xml.replace(base.content.toString('base64'), content));
  };

  it('AES-GCM: structure, key, ciphertext and tag failures all give the same code, message and hint', async () => {
    const base = encrypted();
    const markup = encryptXml(signedAssertionText());
    const variants = [
      withContentCipherValue(base, (value) => flipByte(value, 40)),
      withContentCipherValue(base, (value) => flipByte(value, -1)),
      withContentCipherValue(base, (value) =>
        Buffer.from(value, 'base64').subarray(0, 27).toString('base64'),
      ),
      withContentCipherValue(base, () => 'not base64'),
      withKeyCipherValue(base, (value) => flipByte(value, 1)),
      withKeyCipherValue(base, (value) => flipByte(value, 255)),
      withKeyCipherValue(base, () => crypto.randomBytes(255).toString('base64')),
      encrypted({ certificate: SP_KEYS.stranger.certificate }),
      encrypted({ certificate: SP_KEYS.large.certificate }),
      encrypted().replace(ENC.aes256gcm, ENC.aes192gcm),
      replaced(
        buildResponse(),
        markup.xml.replace(
          '</saml:EncryptedAssertion>',
          `<xenc:EncryptedKey xmlns:xenc="${XENC}"/></saml:EncryptedAssertion>`,
        ),
      ),
      replaced(
        buildResponse(),
        markup.xml.replace('<xenc:CipherData><xenc:CipherValue>', '<xenc:CipherData>text<xenc:CipherValue>'),
      ),
      encrypted({ oaepLabel: Buffer.from('label') }).replace(
        /<xenc:OAEPparams>[^<]*</,
        '<xenc:OAEPparams>b3RoZXI=<',
      ),
    ];
    const errors = await Promise.all(
      variants.map((xml) => expectSamlError(verify(xml, { tenant: withKeys() }))),
    );
    for (const error of errors) {
      assert.equal(error.code, 'DECRYPTION_FAILED', error.message);
      assert.equal(error.cause, undefined);
      assert.equal(error.received, undefined);
    }
    const shapes = new Set(errors.map(shapeOf));
    assert.equal(shapes.size, 1, [...shapes].join('\n'));
  });

  it('AES-CBC in an unsigned Response: bad padding, garbage, DOCTYPE, broken or foreign or missing signature, wrong key: one error', async () => {
    const base = encryptXml('placeholder', { content: ENC.aes128cbc });
    const assertion = Buffer.from(signedAssertionText());
    const pad = (bytes: Buffer, last: number): Buffer => {
      const n = 16 - (bytes.length % 16);
      return Buffer.concat([bytes, crypto.randomBytes(n - 1), Buffer.from([last === -1 ? n : last])]);
    };
    const withContent = (plaintext: Buffer): string => cbcRaw(base, pad(plaintext, -1));
    const variants = [
      cbcRaw(base, pad(assertion, 0)), // padding byte 0
      cbcRaw(base, pad(assertion, 17)), // padding byte > block size
      cbcRaw(base, pad(assertion, 200)),
      withContent(crypto.randomBytes(300)), // valid padding, garbage
      withContent(Buffer.concat([Buffer.from('<!DOCTYPE a>'), assertion])),
      withContent(Buffer.from(signedAssertionText().replace('alice@example.com', 'admin@example.com'))), // digest
      withContent(Buffer.from(ASSERTION.exec(signed(buildResponse(), 'assertion', KEYS.attacker))![0])), // foreign key
      withContent(Buffer.from(ASSERTION.exec(buildResponse())![0])), // unsigned
      withContentCipherValue(encrypted({ content: ENC.aes128cbc }), (value) => flipByte(value, 3)), // IV bit flip
      withContentCipherValue(encrypted({ content: ENC.aes128cbc }), (value) => flipByte(value, -20)), // padding block
      encrypted({ content: ENC.aes128cbc, certificate: SP_KEYS.stranger.certificate }),
      encrypted({ content: ENC.aes128cbc }).replace(
        '</xenc:CipherData></xenc:EncryptedKey>',
        '</xenc:CipherData><xenc:ReferenceList><xenc:DataReference URI="#_other"/></xenc:ReferenceList></xenc:EncryptedKey>',
      ), // structure
    ];
    const errors = await Promise.all(
      variants.map((xml) => expectSamlError(verify(xml, { tenant: cbcTenant }))),
    );
    for (const error of errors) {
      assert.equal(error.code, 'DECRYPTION_FAILED', error.message);
      assert.equal(error.cause, undefined);
    }
    const shapes = new Set(errors.map(shapeOf));
    assert.equal(shapes.size, 1, [...shapes].join('\n'));
    // Control: the same content key and format decrypt and verify when nothing is wrong.
    const profile = await verify(withContent(assertion), { tenant: cbcTenant });
    assert.equal(profile.nameId, 'alice@example.com');
  });
});
