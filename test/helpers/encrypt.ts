/**
 * A test encryptor for SAML assertions (XML Encryption 1.1), written with node:crypto only, the way an IdP
 * encrypts: a fresh AES key (GCM or CBC, or anything named, for the refusal tests), wrapped with RSA-OAEP (or
 * RSA 1.5), the EncryptedKey inside the EncryptedData's KeyInfo or beside it, named by a RetrievalMethod or a
 * DataReference. Also the SP's decryption keys and their certificates. Test-only.
 *
 * OAEP with equal OAEP and MGF1 digests goes through OpenSSL (`publicEncrypt`), so samlkit's own OAEP decoding is
 * checked against an independent encoder; only a differing MGF1 digest, which node:crypto cannot produce, uses the
 * encoding below (RFC 8017 §7.1.1).
 */
import crypto from 'node:crypto';
import forge from 'node-forge';

export const XENC = 'http://www.w3.org/2001/04/xmlenc#';
export const XENC11 = 'http://www.w3.org/2009/xmlenc11#';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';

export const ENC = {
  aes128gcm: `${XENC11}aes128-gcm`,
  aes192gcm: `${XENC11}aes192-gcm`,
  aes256gcm: `${XENC11}aes256-gcm`,
  aes128cbc: `${XENC}aes128-cbc`,
  aes192cbc: `${XENC}aes192-cbc`,
  aes256cbc: `${XENC}aes256-cbc`,
  tripleDes: `${XENC}tripledes-cbc`,
  rsaOaep: `${XENC11}rsa-oaep`,
  rsaOaepMgf1p: `${XENC}rsa-oaep-mgf1p`,
  rsa15: `${XENC}rsa-1_5`,
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  mgf1sha1: `${XENC11}mgf1sha1`,
  mgf1sha224: `${XENC11}mgf1sha224`,
  mgf1sha256: `${XENC11}mgf1sha256`,
  mgf1sha384: `${XENC11}mgf1sha384`,
  mgf1sha512: `${XENC11}mgf1sha512`,
} as const;

const HASH_OF: Readonly<Record<string, string>> = {
  [ENC.sha1]: 'sha1',
  [ENC.sha256]: 'sha256',
  [ENC.sha384]: 'sha384',
  [ENC.sha512]: 'sha512',
  [ENC.mgf1sha1]: 'sha1',
  [ENC.mgf1sha224]: 'sha224',
  [ENC.mgf1sha256]: 'sha256',
  [ENC.mgf1sha384]: 'sha384',
  [ENC.mgf1sha512]: 'sha512',
};

const CIPHER_OF: Readonly<Record<string, { name: string; keyBytes: number; mode: 'gcm' | 'cbc' }>> = {
  [ENC.aes128gcm]: { name: 'aes-128-gcm', keyBytes: 16, mode: 'gcm' },
  [ENC.aes192gcm]: { name: 'aes-192-gcm', keyBytes: 24, mode: 'gcm' },
  [ENC.aes256gcm]: { name: 'aes-256-gcm', keyBytes: 32, mode: 'gcm' },
  [ENC.aes128cbc]: { name: 'aes-128-cbc', keyBytes: 16, mode: 'cbc' },
  [ENC.aes192cbc]: { name: 'aes-192-cbc', keyBytes: 24, mode: 'cbc' },
  [ENC.aes256cbc]: { name: 'aes-256-cbc', keyBytes: 32, mode: 'cbc' },
  [ENC.tripleDes]: { name: 'des-ede3-cbc', keyBytes: 24, mode: 'cbc' },
};

/** A self-signed certificate (PEM) for an RSA private key (PKCS#1 or PKCS#8 PEM), made with node-forge. */
export function certificateFor(privateKeyPem: string, commonName = 'sp.example.com'): string {
  const privateKey = crypto.createPrivateKey(privateKeyPem);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(
    crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  );
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date('2000-01-01T00:00:00Z');
  certificate.validity.notAfter = new Date('2099-01-01T00:00:00Z');
  certificate.setSubject([{ name: 'commonName', value: commonName }]);
  certificate.setIssuer([{ name: 'commonName', value: commonName }]);
  certificate.sign(
    forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  return forge.pki.certificateToPem(certificate);
}

export interface SpDecryptionPair {
  readonly privateKey: string;
  readonly certificate: string;
}

function generatePair(commonName: string, bits = 2048): SpDecryptionPair {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privateKey: pem, certificate: certificateFor(pem, commonName) };
}

/** The SP's decryption keys: the current one, the next one (rollover), and one no tenant holds. */
export const SP_KEYS = {
  current: generatePair('sp-current.example.com'),
  next: generatePair('sp-next.example.com'),
  stranger: generatePair('stranger.example.com'),
  /** A 3072-bit key: another modulus length. */
  large: generatePair('sp-large.example.com', 3072),
} as const;

export interface EncryptOptions {
  /** Content encryption URI. Default AES-256-GCM. */
  content?: string;
  /** Key transport URI. Default `xmlenc11#rsa-oaep`. */
  keyTransport?: string;
  /** OAEP DigestMethod URI; `null` leaves it out (SHA-1). Default: left out. */
  oaepDigest?: string | null;
  /** `xenc11:MGF` URI; `null` leaves it out (MGF1-SHA1). Default: left out. */
  mgf?: string | null;
  /** `xenc:OAEPparams` (the OAEP label). */
  oaepLabel?: Buffer;
  /** The recipient's certificate (PEM). Default: SP_KEYS.current. */
  certificate?: string;
  /**
   * Where the EncryptedKey goes: inside the EncryptedData's KeyInfo (`inline`, default), beside it named by a
   * RetrievalMethod (`retrieval`, Okta style, with a DataReference back), or beside it naming the data by a
   * DataReference only, without KeyInfo (`reference`).
   */
  placement?: 'inline' | 'retrieval' | 'reference';
  /** The content key; default random of the right length. */
  contentKey?: Buffer;
  /** Bytes to encrypt instead of the assertion's text. */
  plaintext?: string | Buffer;
  /** Namespace prefix of the xenc elements. Default `xenc`. */
  prefix?: string;
}

export interface Encrypted {
  /** The `saml:EncryptedAssertion` markup. */
  readonly xml: string;
  readonly contentKey: Buffer;
  /** The content CipherValue (IV ‖ ciphertext ‖ tag for GCM, IV ‖ ciphertext for CBC). */
  readonly content: Buffer;
  readonly wrappedKey: Buffer;
}

function mgf1(hash: string, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; Buffer.concat(out).length < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    out.push(crypto.createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RSA-OAEP encryption; OpenSSL's own unless the MGF1 digest differs from the OAEP digest. */
export function oaepEncrypt(
  certificate: string,
  message: Buffer,
  oaepHash: string,
  mgfHash: string,
  label: Buffer = Buffer.alloc(0),
): Buffer {
  const key = crypto.createPublicKey(certificate);
  if (oaepHash === mgfHash) {
    return crypto.publicEncrypt(
      { key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash, oaepLabel: label },
      message,
    );
  }
  const k = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const hLen = crypto.createHash(oaepHash).digest().length;
  const db = Buffer.concat([
    crypto.createHash(oaepHash).update(label).digest(),
    Buffer.alloc(k - message.length - 2 * hLen - 2),
    Buffer.from([1]),
    message,
  ]);
  const seed = crypto.randomBytes(hLen);
  const dbMask = mgf1(mgfHash, seed, db.length);
  const maskedDb = Buffer.from(db.map((byte, i) => byte ^ (dbMask[i] ?? 0)));
  const seedMask = mgf1(mgfHash, maskedDb, hLen);
  const maskedSeed = Buffer.from(seed.map((byte, i) => byte ^ (seedMask[i] ?? 0)));
  const em = Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb]);
  return crypto.publicEncrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, em);
}

/** Encrypts bytes as XML Encryption content: AES-GCM (IV ‖ C ‖ tag) or CBC (IV ‖ C, XML Enc padding). */
export function encryptContent(algorithm: string, key: Buffer, plaintext: Buffer): Buffer {
  const cipher = CIPHER_OF[algorithm];
  if (cipher === undefined) return crypto.randomBytes(plaintext.length + 32);
  if (cipher.mode === 'gcm') {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv(cipher.name as 'aes-256-gcm', key, iv, { authTagLength: 16 });
    return Buffer.concat([iv, c.update(plaintext), c.final(), c.getAuthTag()]);
  }
  const block = cipher.name.startsWith('des') ? 8 : 16;
  const iv = crypto.randomBytes(block);
  const n = block - (plaintext.length % block);
  // XML Encryption padding: random octets, the last one says how many (ISO 10126, as Santuario does).
  const padding = Buffer.concat([crypto.randomBytes(n - 1), Buffer.from([n])]);
  const c = crypto.createCipheriv(cipher.name, key, iv).setAutoPadding(false);
  return Buffer.concat([iv, c.update(Buffer.concat([plaintext, padding])), c.final()]);
}

/** Wraps the content key as `transport` says (RSA-OAEP variants, or RSA 1.5 for the refusal test). */
function wrapKey(o: EncryptOptions, certificate: string, contentKey: Buffer): Buffer {
  const transport = o.keyTransport ?? ENC.rsaOaep;
  if (transport === ENC.rsa15) {
    return crypto.publicEncrypt(
      { key: crypto.createPublicKey(certificate), padding: crypto.constants.RSA_PKCS1_PADDING },
      contentKey,
    );
  }
  const oaepHash = HASH_OF[o.oaepDigest ?? ENC.sha1] ?? 'sha1';
  const mgfHash = transport === ENC.rsaOaepMgf1p ? 'sha1' : (HASH_OF[o.mgf ?? ENC.mgf1sha1] ?? 'sha1');
  return oaepEncrypt(certificate, contentKey, oaepHash, mgfHash, o.oaepLabel);
}

const certificateBase64 = (pem: string): string => pem.replace(/-----[^-]+-----|\s+/g, '');

/** `plaintext` as an EncryptedAssertion. */
export function encryptXml(plaintext: string | Buffer, o: EncryptOptions = {}): Encrypted {
  const contentAlgorithm = o.content ?? ENC.aes256gcm;
  const certificate = o.certificate ?? SP_KEYS.current.certificate;
  const contentKey = o.contentKey ?? crypto.randomBytes(CIPHER_OF[contentAlgorithm]?.keyBytes ?? 32);
  const content = encryptContent(contentAlgorithm, contentKey, Buffer.from(plaintext));
  const wrappedKey = wrapKey(o, certificate, contentKey);
  const x = o.prefix ?? 'xenc';
  const placement = o.placement ?? 'inline';
  const transport = o.keyTransport ?? ENC.rsaOaep;
  const parameters =
    (o.oaepDigest == null ? '' : `<ds:DigestMethod xmlns:ds="${DS}" Algorithm="${o.oaepDigest}"/>`) +
    (o.mgf == null ? '' : `<xenc11:MGF xmlns:xenc11="${XENC11}" Algorithm="${o.mgf}"/>`) +
    (o.oaepLabel === undefined ? '' : `<${x}:OAEPparams>${o.oaepLabel.toString('base64')}</${x}:OAEPparams>`);
  const encryptedKey =
    `<${x}:EncryptedKey xmlns:${x}="${XENC}" Id="_ek1">` +
    `<${x}:EncryptionMethod Algorithm="${transport}">${parameters}</${x}:EncryptionMethod>` +
    `<ds:KeyInfo xmlns:ds="${DS}"><ds:X509Data><ds:X509Certificate>${certificateBase64(certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    `<${x}:CipherData><${x}:CipherValue>${wrappedKey.toString('base64')}</${x}:CipherValue></${x}:CipherData>` +
    (placement === 'inline'
      ? ''
      : `<${x}:ReferenceList><${x}:DataReference URI="#_ed1"/></${x}:ReferenceList>`) +
    `</${x}:EncryptedKey>`;
  const keyInfo =
    placement === 'inline'
      ? `<ds:KeyInfo xmlns:ds="${DS}">${encryptedKey}</ds:KeyInfo>`
      : placement === 'retrieval'
        ? `<ds:KeyInfo xmlns:ds="${DS}"><ds:RetrievalMethod Type="${XENC}EncryptedKey" URI="#_ek1"/></ds:KeyInfo>`
        : '';
  const xml =
    `<saml:EncryptedAssertion xmlns:saml="${SAML}">` +
    `<${x}:EncryptedData xmlns:${x}="${XENC}" Id="_ed1" Type="${XENC}Element">` +
    `<${x}:EncryptionMethod Algorithm="${contentAlgorithm}"/>` +
    keyInfo +
    `<${x}:CipherData><${x}:CipherValue>${content.toString('base64')}</${x}:CipherValue></${x}:CipherData>` +
    `</${x}:EncryptedData>` +
    (placement === 'inline' ? '' : encryptedKey) +
    `</saml:EncryptedAssertion>`;
  return { xml, contentKey, content, wrappedKey };
}

const ASSERTION = /<((?:[\w.-]+:)?)Assertion[\s>][\s\S]*<\/\1Assertion>/;

/** The Assertion element's text in a Response. */
export function assertionOf(responseXml: string): string {
  const match = ASSERTION.exec(responseXml);
  if (match === null) throw new Error('encryptResponse: no Assertion');
  return match[0];
}

/** The Response with its Assertion replaced by an EncryptedAssertion of that assertion's exact text. */
export function encryptResponse(responseXml: string, o: EncryptOptions = {}): string {
  const assertion = assertionOf(responseXml);
  return responseXml.replace(assertion, () => encryptXml(o.plaintext ?? assertion, o).xml);
}

/** `base64` with one byte flipped at `index` (negative: from the end). */
export function flipByte(base64: string, index: number): string {
  const bytes = Buffer.from(base64, 'base64');
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

const CIPHER_VALUE = /(<(?:[\w.-]+:)?CipherValue>)([^<]*)(<\/)/g;

/** Replaces the CipherValue inside (`key`) or outside (`content`) the EncryptedKey of an encrypted Response. */
function withCipherValue(xml: string, which: 'key' | 'content', change: (base64: string) => string): string {
  const keyStart = /<(?:[\w.-]+:)?EncryptedKey[\s>]/.exec(xml)?.index ?? -1;
  const keyEnd = /<\/(?:[\w.-]+:)?EncryptedKey>/.exec(xml)?.index ?? -1;
  const inKey = (index: number): boolean => keyStart < index && index < keyEnd;
  const match = [...xml.matchAll(CIPHER_VALUE)].find(
    (candidate) => inKey(candidate.index) === (which === 'key'),
  );
  if (match === undefined) throw new Error(`no ${which} CipherValue`);
  const [whole, open, value, close] = match;
  return (
    xml.slice(0, match.index) + open! + change(value ?? '') + close! + xml.slice(match.index + whole.length)
  );
}

/** Replaces the content CipherValue (IV, ciphertext, tag) of an encrypted Response. */
export function withContentCipherValue(xml: string, change: (base64: string) => string): string {
  return withCipherValue(xml, 'content', change);
}

/** Replaces the EncryptedKey's CipherValue of an encrypted Response. */
export function withKeyCipherValue(xml: string, change: (base64: string) => string): string {
  return withCipherValue(xml, 'key', change);
}
