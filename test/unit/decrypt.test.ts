/**
 * src/crypto/decrypt.ts and xmlenc.ts: the OAEP decoding against OpenSSL (known answers with MGF1 digests node:crypto cannot
 * produce, and round trips through OpenSSL's own encoder), every AES mode, the XML Encryption padding, every key of
 * the tenant tried, the structure reader, the one error, and the tenant options that configure it.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import {
  decryptionFailed,
  decryptParts,
  parseDecryptionKey,
  type DecryptionKey,
  type DecryptionPolicy,
} from '../../src/crypto/decrypt.js';
import type { EncryptedParts } from '../../src/crypto/decrypt.js';
import { readEncryptedAssertion } from '../../src/crypto/xmlenc.js';
import { SamlError, validateTenantConfig, type TenantConfig } from '../../src/index.js';
import { parseXml } from '../../src/xml/parse.js';
import { KEYS } from '../helpers/constants.js';
import { certificateFor, ENC, encryptContent, encryptXml, oaepEncrypt, SP_KEYS } from '../helpers/encrypt.js';

const keyOf = (pair: { privateKey: string; certificate: string }, allowRsa1024 = false): DecryptionKey => {
  const key = parseDecryptionKey(pair, { allowRsa1024 });
  assert.ok(typeof key !== 'string', key as string);
  return key;
};
const CURRENT = keyOf(SP_KEYS.current);
const NEXT = keyOf(SP_KEYS.next);
const LARGE = keyOf(SP_KEYS.large);
const IDP_AS_SP = keyOf({ privateKey: KEYS.idp.key, certificate: KEYS.idp.cert });
const policy = (keys: readonly DecryptionKey[], allowAesCbc = true): DecryptionPolicy => ({
  keys,
  allowAesCbc,
  tenantId: 't',
});

/** The parts of what the test encryptor wrote, read by samlkit's structure reader. */
const partsOf = (xml: string, p: DecryptionPolicy = policy([CURRENT])): EncryptedParts =>
  readEncryptedAssertion(parseXml(xml).root, p);

function expectDecryptionFailed(run: () => unknown): SamlError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SamlError, String(error));
    assert.equal(error.code, 'DECRYPTION_FAILED', error.message);
    return error;
  }
  assert.fail('expected DECRYPTION_FAILED');
}

describe('RSA-OAEP key transport', () => {
  // Made with `openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:… -pkeyopt
  // rsa_mgf1_md:…` for test/helpers/keys/idp.crt: OAEP and MGF1 digests that differ, which node:crypto cannot make.
  const MESSAGE = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  const KNOWN_ANSWERS = [
    [
      'sha256',
      'sha1',
      'WdObqXq18N3Q3J9S8Ik5M1YvBY9fduBE4tt2xTIKa7FAUT31sYQjxUsZiPFrOPbvKvlSI5sBKOkEvyrfnOVmgMaaRn36nGzp7KxOp3AfvuJPraPulw1Z+1QIajwDdxkZxv8adHBUg7ancp5ppzpMCjOk4WRGMBtstNEC5Tua/cGxKYbDiY/S9FpET3iai5p+JRWOYAP+j6ywWAeFc0GM+PtnFnwQla4UZMvd60/YA7iA50xU7fT/wE5L98Lolw/ZGBewVjpGkD2zQCKKhGWNPXOuzSrjIC8IfqUr2TUKCveRdUt3+heWF+rd+BS+VlK7xopHdFRJWgYVs97fXIpkRw==',
    ],
    [
      'sha1',
      'sha256',
      'VkXqZb9DKI9JKxCLROF13mNNkdv7KDeBGyJRY90uBZvCARVlN1oAJIKnnE6jJAigr+5+FSdACCPR/bw2vrE7/6bzZbgqxWWz5lKXJBoi9NYgMzDqw/umup65nS/eyw6G7KJxwKKr3zmc26oFh/KT26YOo+ALEEuGxGXgjqmt+CuGuWf2KfxJcHF52ccfNYu92L4QvAB52OIlHkz/yDaU9zKvJT5a5un0U3BvqQ/t/4L5PrhsQK1EHWR4ydsm52VNI98DzQi0PqXvdHZ/+b9o2tu4qHM2Q3BgNBEgTKgdA4ud1pDY1Hvn2xBnCLgg26LKFe5KcDch9YCBS80VBW8k2Q==',
    ],
    [
      'sha512',
      'sha384',
      'OEJy9QRrvVDXyjt4s0vSwndzWVVMeHZNBH5DozlDtWswcQW+7cOkSC5jkZnQVLfYNAdpsv67wYTWtWpO59tP8AXHGsFSCCFnPdAJ8xq+Ud/gQm+8dRYfrhZZmpbem1Jsu8adpz4dTgQA45zhxOgiaMsHml9M5ZWC3T3n+YvYtROiz++akRYEVOfpuiSq10+v9ceszn/MRYQVBkagI6krUaA4MNJpDB40Yko0c1ZEdctFwZUBTbZ4+0X8+h9r828Z9d25sU79pjQfSfgbKJpPBvXgmNHH8m6ZQJS4irVpYcYiIvHNHbBCTUidjoGzgK3E4LyX4EBvxgFO4/eUL5h0vA==',
    ],
    [
      'sha384',
      'sha224',
      'YLmORuqmydZS4hUXtYywDYnb5/Fzx1RKcM/0KR18AkgX7ERDwpLCGwqdqVgH0tTNH5smt1ZmyjbLTmZkd5c+6/y7jAL+dGD9I2gfcRiXOcOqXS2tMtmf0a7LTLEM+kDajSfJqRm3EqHerfZK5tQnGm3FyBSr1auITB2hvXPsYx7Qx+5qXlpkY+SXMKhtLG3AmPH8dwnq/WZS7lZp6pVEzgHMiZzCSDEpdMi3vwcyGzwUG5z16diMT6txVsKsBg4WiF5OksFDm8ONxmwxq/I9QyAXmcojvnVImyGH60PIpfNTZdSpkrqEx2X7fW2Tdzq/+rpoHEwgBWUPiZwIyPG3Gg==',
    ],
    [
      'sha256',
      'sha512',
      'SJNlQEpSalKpdks9V/ewIWhdCQ6S6SfAsMRK3mbFkDA1nQwjsTGrHuyYZ0+KRsQXc0H+e6tySyPklQcNL4RAcO/E3KE3vSsrEDfZd5MAv0YtptImAgQYmml+WCW+DyOMq/0FXqPY6TEr/OMniUwGv0s2o/sNBrjhy/+JWzQSZuJm6vVQmrizMliJRJvoqNllYhhzsTyBT1Os5aRhkoEytAQ4p+mLL3MwTOvICkQuYGrghOGkP5mYOQAmENdLvQxgDd6BRQX6wcQlGBOs7jYB2t8ZMGCp+u+iNhXi/6atPesYYfMmRoWTLsu8Nv9a54No0dUycZxBztw8c+Q8sABOaQ==',
    ],
  ] as const;
  // The same tool, with the label "label" (OAEPparams), OAEP SHA-256 and MGF1-SHA1.
  const LABELLED =
    'BZR5PvWVHWyP9y8m/twpdAFwHk5m/VBTa3AAercr9eFU1AbsxwRpNbKAdSKy05q2Kv+V/r2uqV2zlPlZyn4A+LGAGYtIClR3e8ILIGyGUGc3olzxJ4S1a/L+xNV+xfJDdW90RRoAEg2DJ3UpVV3XGoBRQpP9Rb2SO8oyF6EGoPX4+wahbdlO2of3BuFj5WYdVvgBmHTJdCO03tFY/D8T2qJh3voRyncNhfR/Te2WXQZcwHtM+ICDBQ9KKbpTZqjHf9gzG8P2ef2LtaU9dU5UDDGBbldKMvFPxuT5s5fmuX1q5E83xrICG159EfJ2221j0NzyXhis/znNexUKfyVqBw==';

  /** Parts whose content is "hello" under MESSAGE (AES-256-GCM) and whose key is wrapped as given. */
  const knownParts = (oaepHash: string, mgfHash: string, wrapped: string, label = ''): EncryptedParts => ({
    contentAlgorithm: ENC.aes256gcm,
    mode: 'gcm',
    keyTransport: ENC.rsaOaep,
    summary: '',
    content: encryptContent(ENC.aes256gcm, MESSAGE, Buffer.from('hello')),
    wrappedKey: Buffer.from(wrapped, 'base64'),
    keyBytes: 32,
    oaepHash: oaepHash as EncryptedParts['oaepHash'],
    mgfHash: mgfHash as EncryptedParts['mgfHash'],
    label: Buffer.from(label),
  });

  for (const [oaepHash, mgfHash, wrapped] of KNOWN_ANSWERS) {
    it(`unwraps OpenSSL's OAEP ${oaepHash} with MGF1-${mgfHash} (known answer)`, () => {
      const { plaintext, key } = decryptParts(knownParts(oaepHash, mgfHash, wrapped), policy([IDP_AS_SP]));
      assert.equal(plaintext.toString(), 'hello');
      assert.equal(key, IDP_AS_SP);
    });
  }

  it('unwraps a labelled OAEP ciphertext with its label (OAEPparams), and not with another', () => {
    const right = knownParts('sha256', 'sha1', LABELLED, 'label');
    assert.equal(decryptParts(right, policy([IDP_AS_SP])).plaintext.toString(), 'hello');
    expectDecryptionFailed(() =>
      decryptParts({ ...right, label: Buffer.from('other') }, policy([IDP_AS_SP])),
    );
    expectDecryptionFailed(() => decryptParts({ ...right, label: Buffer.alloc(0) }, policy([IDP_AS_SP])));
  });

  it('refuses a known answer read with the wrong OAEP or MGF1 digest', () => {
    const [oaepHash, mgfHash, wrapped] = KNOWN_ANSWERS[0];
    expectDecryptionFailed(() => decryptParts(knownParts(mgfHash, oaepHash, wrapped), policy([IDP_AS_SP])));
    expectDecryptionFailed(() => decryptParts(knownParts(oaepHash, oaepHash, wrapped), policy([IDP_AS_SP])));
  });

  const HASHES = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
  it('round-trips every OAEP × MGF1 digest pair (OpenSSL encodes equal pairs), 2048 and 3072-bit keys', () => {
    for (const [pair, key] of [
      [SP_KEYS.current, CURRENT],
      [SP_KEYS.large, LARGE],
    ] as const) {
      for (const oaepHash of HASHES) {
        for (const mgfHash of [...HASHES, 'sha224'] as const) {
          const contentKey = crypto.randomBytes(32);
          const parts: EncryptedParts = {
            ...knownParts(oaepHash, mgfHash, ''),
            content: encryptContent(ENC.aes256gcm, contentKey, Buffer.from('hello')),
            wrappedKey: oaepEncrypt(pair.certificate, contentKey, oaepHash, mgfHash),
          };
          assert.equal(
            decryptParts(parts, policy([key])).plaintext.toString(),
            'hello',
            `${oaepHash}/${mgfHash}`,
          );
        }
      }
    }
  });

  it('OpenSSL decrypts what the test encoder makes when the digests differ (the helper is sound)', () => {
    const contentKey = crypto.randomBytes(16);
    const wrapped = oaepEncrypt(SP_KEYS.current.certificate, contentKey, 'sha256', 'sha256');
    const opened = crypto.privateDecrypt(
      {
        key: SP_KEYS.current.privateKey,
        padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      wrapped,
    );
    assert.deepEqual(opened, contentKey);
  });

  it('tries every key of the tenant: the next key opens what was encrypted to it, and says so', () => {
    const parts = partsOf(
      encryptXml('<a/>', { certificate: SP_KEYS.next.certificate }).xml,
      policy([CURRENT, NEXT]),
    );
    assert.equal(decryptParts(parts, policy([CURRENT, NEXT])).key, NEXT);
    assert.equal(decryptParts(parts, policy([NEXT, CURRENT])).key, NEXT);
    expectDecryptionFailed(() => decryptParts(parts, policy([CURRENT, LARGE])));
  });

  it('refuses a content key of the wrong length for the algorithm', () => {
    const parts = partsOf(
      encryptXml('<a/>', { content: ENC.aes128gcm }).xml.replace(ENC.aes128gcm, ENC.aes256gcm),
    );
    assert.equal(parts.keyBytes, 32);
    expectDecryptionFailed(() => decryptParts(parts, policy([CURRENT])));
  });
});

describe('AES content encryption', () => {
  for (const content of [
    ENC.aes128gcm,
    ENC.aes192gcm,
    ENC.aes256gcm,
    ENC.aes128cbc,
    ENC.aes192cbc,
    ENC.aes256cbc,
  ]) {
    it(`decrypts ${content.replace(/^.*#/, '')}, plaintexts of 0 to 40 bytes`, () => {
      for (let length = 0; length <= 40; length += 1) {
        const plaintext = crypto.randomBytes(length);
        const parts = partsOf(encryptXml(plaintext, { content }).xml);
        assert.deepEqual(decryptParts(parts, policy([CURRENT])).plaintext, plaintext, `${length} bytes`);
      }
    });
  }

  /** AES-128-CBC of raw blocks under a known key. */
  const cbcParts = (padded: Buffer): { parts: EncryptedParts; key: Buffer } => {
    const key = crypto.randomBytes(16);
    const iv = crypto.randomBytes(16);
    const cipher = crypto.createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
    const parts = partsOf(encryptXml('x', { content: ENC.aes128cbc, contentKey: key }).xml);
    return { parts: { ...parts, content: Buffer.concat([iv, cipher.update(padded), cipher.final()]) }, key };
  };

  it('strips XML Encryption padding: the last octet counts, the others may be anything (1 to 16)', () => {
    const body = Buffer.from('0123456789abcdef0123456789');
    for (const count of [6, 22]) {
      const fill =
        count === 6 ? crypto.randomBytes(5) : Buffer.concat([crypto.randomBytes(5), crypto.randomBytes(16)]);
      const { parts } = cbcParts(Buffer.concat([body, fill, Buffer.from([count <= 16 ? count : 6])]));
      const plaintext = decryptParts(parts, policy([CURRENT])).plaintext;
      assert.ok(plaintext.subarray(0, body.length).equals(body));
    }
    const full = cbcParts(Buffer.concat([Buffer.alloc(16, 0x41), crypto.randomBytes(15), Buffer.from([16])]));
    assert.deepEqual(decryptParts(full.parts, policy([CURRENT])).plaintext, Buffer.alloc(16, 0x41));
  });

  it('refuses a padding octet of 0 or above the block size, and a ciphertext that is not whole blocks', () => {
    for (const last of [0, 17, 32, 255]) {
      const { parts } = cbcParts(Buffer.concat([Buffer.alloc(31, 0x41), Buffer.from([last])]));
      expectDecryptionFailed(() => decryptParts(parts, policy([CURRENT])));
    }
    const { parts } = cbcParts(Buffer.concat([Buffer.alloc(15, 0x41), Buffer.from([1])]));
    expectDecryptionFailed(() =>
      decryptParts({ ...parts, content: parts.content.subarray(0, 30) }, policy([CURRENT])),
    );
    expectDecryptionFailed(() =>
      decryptParts({ ...parts, content: parts.content.subarray(0, 16) }, policy([CURRENT])),
    );
  });

  it('refuses a GCM ciphertext shorter than IV and tag, or with a tag changed', () => {
    const parts = partsOf(encryptXml('<a/>').xml);
    expectDecryptionFailed(() =>
      decryptParts({ ...parts, content: parts.content.subarray(0, 27) }, policy([CURRENT])),
    );
    const changed = Buffer.from(parts.content);
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
    expectDecryptionFailed(() => decryptParts({ ...parts, content: changed }, policy([CURRENT])));
  });
});

describe('readEncryptedAssertion', () => {
  it('reads the algorithms and their defaults (OAEP SHA-1, MGF1-SHA1)', () => {
    assert.equal(
      partsOf(encryptXml('x').xml).summary,
      'aes256-gcm content, rsa-oaep key transport (sha1 digest, MGF1 with sha1)',
    );
    assert.equal(
      partsOf(
        encryptXml('x', { keyTransport: ENC.rsaOaepMgf1p, oaepDigest: ENC.sha1, content: ENC.aes128cbc }).xml,
      ).summary,
      'aes128-cbc content, rsa-oaep-mgf1p key transport (sha1 digest, MGF1 with sha1)',
    );
    const parts = partsOf(encryptXml('x', { oaepDigest: ENC.sha512, mgf: ENC.mgf1sha224 }).xml);
    assert.equal(parts.oaepHash, 'sha512');
    assert.equal(parts.mgfHash, 'sha224');
  });

  it('refuses CBC by name unless allowed, and 3DES, RSA 1.5 and unknown URIs always (ALGORITHM_FORBIDDEN)', () => {
    const forbidden = (xml: string, p: DecryptionPolicy): SamlError => {
      try {
        partsOf(xml, p);
      } catch (error) {
        assert.ok(error instanceof SamlError);
        assert.equal(error.code, 'ALGORITHM_FORBIDDEN');
        return error;
      }
      assert.fail('expected ALGORITHM_FORBIDDEN');
    };
    const cbc = forbidden(encryptXml('x', { content: ENC.aes128cbc }).xml, policy([CURRENT], false));
    assert.match(cbc.hint, /allowAesCbc/);
    assert.equal(cbc.received, ENC.aes128cbc);
    forbidden(encryptXml('x', { content: ENC.tripleDes }).xml, policy([CURRENT]));
    forbidden(encryptXml('x', { keyTransport: ENC.rsa15 }).xml, policy([CURRENT]));
    forbidden(
      encryptXml('x', { keyTransport: ENC.rsaOaepMgf1p, oaepDigest: ENC.sha256 }).xml,
      policy([CURRENT]),
    );
    forbidden(encryptXml('x', { mgf: ENC.mgf1sha1.replace('sha1', 'md5') }).xml, policy([CURRENT]));
  });

  it('refuses an MGF on rsa-oaep-mgf1p, a repeated parameter, an unknown parameter (DECRYPTION_FAILED)', () => {
    expectDecryptionFailed(() =>
      partsOf(encryptXml('x', { keyTransport: ENC.rsaOaepMgf1p, mgf: ENC.mgf1sha1 }).xml),
    );
    const twice = encryptXml('x', { oaepDigest: ENC.sha256 }).xml.replace(
      /(<ds:DigestMethod [^>]*\/>)/,
      '$1$1',
    );
    expectDecryptionFailed(() => partsOf(twice));
    const unknown = encryptXml('x').xml.replace(
      '</xenc:EncryptionMethod><ds:KeyInfo',
      '<xenc:KeySize>256</xenc:KeySize></xenc:EncryptionMethod><ds:KeyInfo',
    );
    expectDecryptionFailed(() => partsOf(unknown));
  });
});

describe('the one decryption error', () => {
  it('has one message; the hint names our certificates, and the CBC caveat only when CBC is allowed', () => {
    const withCbc = expectDecryptionFailed(() => decryptionFailed(policy([CURRENT, NEXT])));
    const without = expectDecryptionFailed(() => decryptionFailed(policy([CURRENT], false)));
    const none = expectDecryptionFailed(() => decryptionFailed(policy([])));
    assert.equal(withCbc.message, without.message);
    assert.equal(none.message, without.message);
    assert.ok(withCbc.hint.includes(CURRENT.fingerprint) && withCbc.hint.includes(NEXT.fingerprint));
    assert.deepEqual(withCbc.expected, [CURRENT.fingerprint, NEXT.fingerprint]);
    assert.match(withCbc.hint, /decryption oracle/);
    assert.doesNotMatch(without.hint, /CBC/);
    assert.match(none.hint, /sp\.decryption/);
    assert.equal(none.expected, undefined);
  });
});

describe('sp.decryption, allowAesCbc and requireEncryptedAssertion in the tenant configuration', () => {
  const base: TenantConfig = {
    id: 't',
    sp: { entityId: 'https://sp.example.com/', acsUrl: 'https://sp.example.com/acs' },
    idp: { entityId: 'https://idp.example.com/', certificates: [KEYS.idp.cert] },
  };
  const problems = (config: unknown): string[] =>
    validateTenantConfig(config, { now: () => new Date('2030-01-01T00:00:00Z') })
      .filter((problem) => problem.severity === 'error')
      .map((problem) => `${problem.path}: ${problem.message}`);
  const withDecryption = (decryption: unknown, rest: Record<string, unknown> = {}): unknown => ({
    ...base,
    ...rest,
    sp: { ...base.sp, decryption },
  });

  it('accepts key pairs, current and next', () => {
    assert.deepEqual(problems(withDecryption([SP_KEYS.current, SP_KEYS.next], { allowAesCbc: true })), []);
  });

  it('reports every mistake with its path', () => {
    assert.deepEqual(problems(withDecryption([])), [
      'sp.decryption: must be a non-empty array of { privateKey, certificate } (leave it out for none)',
    ]);
    assert.deepEqual(problems(withDecryption({ privateKey: 'x', certificate: 'y' })).length, 1);
    const mixed = problems(
      withDecryption([
        SP_KEYS.current,
        { privateKey: SP_KEYS.next.privateKey, certificate: SP_KEYS.current.certificate },
        'pem',
        SP_KEYS.current,
        { privateKey: KEYS.ec.key, certificate: KEYS.ec.cert },
        { privateKey: KEYS.rsa1024.key, certificate: KEYS.rsa1024.cert },
      ]),
    );
    assert.equal(mixed.length, 5, mixed.join('\n'));
    assert.match(mixed[0] ?? '', /^sp\.decryption\[1\]: privateKey does not belong to certificate/);
    assert.match(mixed[1] ?? '', /^sp\.decryption\[2\]: must be/);
    assert.match(mixed[2] ?? '', /^sp\.decryption\[3\]: repeats an earlier certificate/);
    assert.match(mixed[3] ?? '', /^sp\.decryption\[4\]: certificate must hold an RSA key/);
    assert.match(mixed[4] ?? '', /^sp\.decryption\[5\]: certificate has a 1024-bit RSA key/);
  });

  it('accepts a 1024-bit decryption key only with allowRsa1024', () => {
    const weak = { privateKey: KEYS.rsa1024.key, certificate: KEYS.rsa1024.cert };
    assert.deepEqual(problems(withDecryption([weak], { allowRsa1024: true })), []);
  });

  it('allowAesCbc and requireEncryptedAssertion need sp.decryption; they must be booleans', () => {
    assert.deepEqual(problems({ ...base, allowAesCbc: true, requireEncryptedAssertion: true }), [
      'allowAesCbc: needs sp.decryption: without a key nothing is decrypted',
      'requireEncryptedAssertion: needs sp.decryption: without a key every assertion is refused',
    ]);
    assert.deepEqual(problems(withDecryption([SP_KEYS.current], { allowAesCbc: 'yes' })), [
      'allowAesCbc: must be true or false',
    ]);
  });

  it('a certificate made for the key (as for a published fixture key) is accepted', () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.deepEqual(problems(withDecryption([{ privateKey: pem, certificate: certificateFor(pem) }])), []);
  });
});
