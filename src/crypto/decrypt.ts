/**
 * Decrypts an XML-encrypted SAML assertion (SAML core §6; XML Encryption 1.1 §5) with `node:crypto`
 * only, once `xmlenc.ts` has read its structure and algorithms (docs/security.md rule 11).
 *
 * Every failure is one error with one message ({@link decryptionFailed}). The OAEP decoding
 * (RFC 8017 §7.1.2) is done here over the raw RSA operation, because `node:crypto` cannot choose the
 * MGF1 digest apart from the OAEP digest. It has no early exit; whether the key unwrapped or not,
 * AES runs with a key of the right length (a random one on failure), every key of the tenant is
 * tried, and one decision is taken at the end.
 *
 * @module
 */
import {
  constants,
  createDecipheriv,
  createHash,
  privateDecrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { fail } from '../internal/fail.js';
import { parseRsaKeyPair, type CertificateProblem } from './keys.js';
import type { HashName } from './algorithms.js';

/** The AES mode of a content algorithm we decrypt (XML Encryption 1.1 §5.2). */
export type ContentMode = 'gcm' | 'cbc';

/** The digest of OAEP's mask generation function (MGF1, XML Encryption 1.1 §5.5.2). */
export type MgfHash = HashName | 'sha224';

/** The parts of an EncryptedAssertion, checked for shape and algorithms, before any key is used. */
export interface EncryptedParts {
  readonly contentAlgorithm: string;
  readonly mode: ContentMode;
  readonly keyTransport: string;
  /** The algorithms in words, for `explainResponse` (public: no key involved). */
  readonly summary: string;
  readonly content: Buffer;
  readonly wrappedKey: Buffer;
  readonly keyBytes: 16 | 24 | 32;
  readonly oaepHash: HashName;
  readonly mgfHash: MgfHash;
  readonly label: Buffer;
}

const HASH_BYTES: Readonly<Record<MgfHash, number>> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const AES_BLOCK_BYTES = 16;

/** One of our decryption keys (`sp.decryption`), parsed once. */
export interface DecryptionKey {
  readonly privateKey: KeyObject;
  /** SHA-256 fingerprint of its certificate, as IdP consoles show it. */
  readonly fingerprint: string;
  /** The certificate as base64 DER, as metadata carries it. */
  readonly certificateBase64: string;
  /** The RSA modulus length in bytes: the length of every ciphertext made for this key. */
  readonly modulusBytes: number;
}

/** What decrypting needs from the tenant. */
export interface DecryptionPolicy {
  readonly keys: readonly DecryptionKey[];
  readonly allowAesCbc: boolean;
  readonly tenantId: string;
}

/** The decrypted bytes and the key that opened them. */
export interface Decrypted {
  readonly plaintext: Buffer;
  readonly key: DecryptionKey;
}

/**
 * Parses one of our decryption key pairs (`sp.decryption`) with {@link parseRsaKeyPair}: key
 * transport is RSA-OAEP (XML Encryption 1.1 §5.5.2), so the pair is RSA.
 */
export function parseDecryptionKey(
  pair: Parameters<typeof parseRsaKeyPair>[0],
  options: Parameters<typeof parseRsaKeyPair>[1],
): DecryptionKey | CertificateProblem {
  const parsed = parseRsaKeyPair(pair, options);
  if (typeof parsed === 'string') return parsed;
  const { privateKey, certificate } = parsed;
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  return Object.freeze({
    privateKey,
    fingerprint: certificate.fingerprint,
    certificateBase64: certificate.base64,
    modulusBytes: Math.ceil(bits / 8),
  });
}

/** Why an AES-CBC failure may have been something else; part of every hint once CBC is allowed. */
const UNAUTHENTICATED_CBC =
  ' When the assertion is AES-CBC encrypted and the Response is not signed, every failure up to the verification of the assertion’s own signature (a wrong IdP certificate included) is reported as this one error, because telling them apart would make the SP a decryption oracle; have the IdP sign the Response as well, or encrypt with AES-GCM, to see the exact failure.';

/**
 * The one error of every decryption failure: same code, message and hint whatever went wrong
 * (a broken structure, a key that does not unwrap, a bad tag or padding), so that no answer tells
 * an attacker more than "no". The hint depends on the tenant's configuration only.
 */
export function decryptionFailed(policy: DecryptionPolicy): never {
  const fingerprints = policy.keys.map((key) => key.fingerprint);
  fail('DECRYPTION_FAILED', 'The encrypted assertion could not be decrypted', {
    hint:
      fingerprints.length === 0
        ? 'The IdP encrypts the assertion, but this tenant has no decryption key. Add a key pair to sp.decryption and give its certificate to the IdP (publish it with buildSpMetadata), or turn off assertion encryption in the IdP (Okta: Assertion Encryption = Unencrypted; Entra ID: Token encryption inactive; ADFS: no encryption certificate).'
        : `The IdP must encrypt to one of this tenant's decryption certificates (SHA-256 ${fingerprints.join(', ')}) with RSA-OAEP key transport and AES-GCM${policy.allowAesCbc ? ' or AES-CBC' : ''}. Upload the current certificate from the SP metadata to the IdP (Okta: Encryption Certificate; Entra ID: Token encryption; ADFS: relying party Encryption tab). If the IdP already uses it, the message was altered in transit.${policy.allowAesCbc ? UNAUTHENTICATED_CBC : ''}`,
    ...(fingerprints.length > 0 && { expected: fingerprints }),
    tenantId: policy.tenantId,
  });
}

/**
 * Unwraps the content key with every key of the tenant and decrypts the content. Any failure
 * throws {@link decryptionFailed}, decided once, at the end.
 */
export function decryptParts(parts: EncryptedParts, policy: DecryptionPolicy): Decrypted {
  let contentKey: Buffer = randomBytes(parts.keyBytes);
  let opened: DecryptionKey | undefined;
  let keyOk = 0;
  // Every key is tried, whichever opens: the time does not depend on which one did.
  for (const key of policy.keys) {
    const unwrapped = unwrapKey(key, parts);
    const good = unwrapped.ok & equalInt(unwrapped.message.length, parts.keyBytes);
    if (good === 1 && keyOk === 0) {
      contentKey = unwrapped.message;
      opened = key;
    }
    keyOk |= good;
  }
  const content = parts.mode === 'gcm' ? decryptGcm(parts, contentKey) : decryptCbc(parts, contentKey);
  if ((keyOk & content.ok) !== 1 || opened === undefined) decryptionFailed(policy);
  return { plaintext: content.plaintext, key: opened };
}

// ---------------------------------------------------------------------------------------------------
// Cryptography: no early exit on secret data, one decision at the end
// ---------------------------------------------------------------------------------------------------

/** 1 when a === b, else 0, without a branch (both small non-negative integers). */
function equalInt(a: number, b: number): number {
  return (((a ^ b) - 1) >>> 31) & 1;
}

/** `a` when bit is 1, `b` when 0, without a branch. */
function select(bit: number, a: number, b: number): number {
  return (-bit & (a ^ b)) ^ b;
}

function mgf1(hash: MgfHash, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0, total = 0; total < length; i++) {
    counter.writeUInt32BE(i);
    const block = createHash(hash).update(seed).update(counter).digest();
    blocks.push(block);
    total += block.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function xorInto(target: Buffer, mask: Buffer): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) ^ (mask[i] ?? 0);
}

/** RSADP then EME-OAEP decoding (RFC 8017 §7.1.2), returning ok = 1 or 0 and the message. */
function unwrapKey(key: DecryptionKey, parts: EncryptedParts): { ok: number; message: Buffer } {
  const k = key.modulusBytes;
  const hLen = HASH_BYTES[parts.oaepHash];
  // Lengths are public: a ciphertext for another key size, or a key too small for the digest.
  if (parts.wrappedKey.length !== k || k < 2 * hLen + 2) return { ok: 0, message: Buffer.alloc(0) };
  let em: Buffer;
  try {
    em = privateDecrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, parts.wrappedKey);
  } catch {
    return { ok: 0, message: Buffer.alloc(0) }; // the ciphertext is not below the modulus
  }
  if (em.length !== k) return { ok: 0, message: Buffer.alloc(0) };
  const seed = Buffer.from(em.subarray(1, 1 + hLen));
  const db = Buffer.from(em.subarray(1 + hLen));
  xorInto(seed, mgf1(parts.mgfHash, db, hLen));
  xorInto(db, mgf1(parts.mgfHash, seed, k - hLen - 1));
  const labelHash = createHash(parts.oaepHash).update(parts.label).digest();

  let bad = em[0] ?? 1;
  for (let i = 0; i < hLen; i++) bad |= (db[i] ?? 0) ^ (labelHash[i] ?? 0);
  let found = 0;
  let index = 0;
  for (let i = hLen; i < db.length; i++) {
    const byte = db[i] ?? 0;
    const isOne = equalInt(byte, 1);
    const isZero = equalInt(byte, 0);
    index = select(isOne & (found ^ 1), i, index);
    bad |= (found ^ 1) & (isZero ^ 1) & (isOne ^ 1);
    found |= isOne;
  }
  bad |= found ^ 1;
  return { ok: equalInt(bad, 0), message: db.subarray(index + 1) };
}

/** AES-GCM (XML Encryption 1.1 §5.2.4): IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes), no AAD. */
function decryptGcm(parts: EncryptedParts, key: Buffer): { ok: number; plaintext: Buffer } {
  const bytes = parts.content;
  if (bytes.length < GCM_IV_BYTES + GCM_TAG_BYTES) return { ok: 0, plaintext: Buffer.alloc(0) };
  try {
    const decipher = createDecipheriv(
      `aes-${parts.keyBytes * 8}-gcm` as 'aes-256-gcm',
      key,
      bytes.subarray(0, GCM_IV_BYTES),
      { authTagLength: GCM_TAG_BYTES },
    );
    decipher.setAuthTag(bytes.subarray(bytes.length - GCM_TAG_BYTES));
    const plaintext = Buffer.concat([
      decipher.update(bytes.subarray(GCM_IV_BYTES, bytes.length - GCM_TAG_BYTES)),
      decipher.final(),
    ]);
    return { ok: 1, plaintext };
  } catch {
    return { ok: 0, plaintext: Buffer.alloc(0) };
  }
}

/**
 * AES-CBC (XML Encryption 1.1 §5.2.2): IV (16 bytes) ‖ ciphertext; the last octet of the plaintext
 * says how many padding octets to strip (1 to 16; the others may be anything, ISO 10126 style).
 */
function decryptCbc(parts: EncryptedParts, key: Buffer): { ok: number; plaintext: Buffer } {
  const bytes = parts.content;
  const body = bytes.subarray(AES_BLOCK_BYTES);
  if (bytes.length < 2 * AES_BLOCK_BYTES || body.length % AES_BLOCK_BYTES !== 0) {
    return { ok: 0, plaintext: Buffer.alloc(0) };
  }
  const decipher = createDecipheriv(
    `aes-${parts.keyBytes * 8}-cbc`,
    key,
    bytes.subarray(0, AES_BLOCK_BYTES),
  ).setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(body), decipher.final()]);
  const padding = padded[padded.length - 1] ?? 0;
  // 1 ≤ padding ≤ 16, without a branch.
  const ok = (((padding - 1) >>> 31) ^ 1) & (((AES_BLOCK_BYTES - padding) >>> 31) ^ 1);
  return { ok, plaintext: padded.subarray(0, padded.length - select(ok, padding, 0)) };
}
