/**
 * The structure of an XML-encrypted SAML assertion (SAML core §2.3.4; XML Encryption 1.1 §3) and
 * the algorithm allow-list, read before any key is used (docs/security.md rule 3 and 11).
 *
 * - Key transport: RSA-OAEP only (`xmlenc#rsa-oaep-mgf1p`, `xmlenc11#rsa-oaep` with its digest and
 *   MGF1 variants). RSA PKCS#1 v1.5 never: it is the Bleichenbacher oracle.
 * - Content: AES-GCM always; AES-CBC only when the tenant allows it. 3DES never.
 * - The one `EncryptedKey` sits in the `EncryptedData`'s `KeyInfo` or beside it in the same
 *   `EncryptedAssertion`, named by a `RetrievalMethod` or naming the data by a `DataReference`.
 *   Nothing outside the `EncryptedAssertion` is ever looked at, nothing is fetched, and `KeyInfo`
 *   never chooses our key.
 * - A malformed structure is the one `DECRYPTION_FAILED` of `decrypt.ts`. Only two checks keep their
 *   own codes, because they depend on no key: a refused algorithm (`ALGORITHM_FORBIDDEN`) and an
 *   oversized ciphertext (`SIZE_LIMIT`).
 *
 * @module
 */
import type { Element, Node } from '@xmldom/xmldom';
import { fail } from '../internal/fail.js';
import {
  attributeOf,
  childrenNamed,
  descendantsNamed,
  elementChildren,
  isElement,
  textOf,
} from '../xml/dom.js';
import { NS } from '../xml/namespaces.js';
import type { HashName } from './algorithms.js';
import {
  decryptionFailed,
  type ContentMode,
  type DecryptionPolicy,
  type EncryptedParts,
  type MgfHash,
} from './decrypt.js';

export const XENC = 'http://www.w3.org/2001/04/xmlenc#';
export const XENC11 = 'http://www.w3.org/2009/xmlenc11#';
const ELEMENT_TYPE = `${XENC}Element`;
const ENCRYPTED_KEY_TYPE = `${XENC}EncryptedKey`;

/** RSA-OAEP key transport (XML Encryption 1.1 §5.5.2). */
export const KEY_TRANSPORT = {
  rsaOaepMgf1p: `${XENC}rsa-oaep-mgf1p`,
  rsaOaep: `${XENC11}rsa-oaep`,
} as const;

/** A block encryption algorithm we decrypt (XML Encryption 1.1 §5.2). */
interface ContentAlgorithm {
  readonly mode: ContentMode;
  readonly keyBytes: 16 | 24 | 32;
}

/** AES-GCM (§5.2.4), then AES-CBC (§5.2.2), strongest first: the order metadata advertises. */
export const CONTENT_ALGORITHMS: ReadonlyMap<string, ContentAlgorithm> = new Map([
  [`${XENC11}aes256-gcm`, { mode: 'gcm', keyBytes: 32 }],
  [`${XENC11}aes192-gcm`, { mode: 'gcm', keyBytes: 24 }],
  [`${XENC11}aes128-gcm`, { mode: 'gcm', keyBytes: 16 }],
  [`${XENC}aes256-cbc`, { mode: 'cbc', keyBytes: 32 }],
  [`${XENC}aes192-cbc`, { mode: 'cbc', keyBytes: 24 }],
  [`${XENC}aes128-cbc`, { mode: 'cbc', keyBytes: 16 }],
]);

/**
 * OAEP digests (XML Encryption 1.1 §5.5.2). SHA-1 is fine here: OAEP needs no collision resistance,
 * and it is the default of both URIs, so `allowSha1` does not apply.
 */
const OAEP_DIGESTS: ReadonlyMap<string, HashName> = new Map([
  ['http://www.w3.org/2000/09/xmldsig#sha1', 'sha1'],
  ['http://www.w3.org/2001/04/xmlenc#sha256', 'sha256'],
  ['http://www.w3.org/2001/04/xmldsig-more#sha384', 'sha384'],
  ['http://www.w3.org/2001/04/xmlenc#sha512', 'sha512'],
]);

/** MGF1 variants of `xmlenc11#rsa-oaep` (XML Encryption 1.1 §5.5.2); `mgf1sha1` is the default. */
const MGF1_DIGESTS: ReadonlyMap<string, MgfHash> = new Map([
  [`${XENC11}mgf1sha1`, 'sha1'],
  [`${XENC11}mgf1sha224`, 'sha224'],
  [`${XENC11}mgf1sha256`, 'sha256'],
  [`${XENC11}mgf1sha384`, 'sha384'],
  [`${XENC11}mgf1sha512`, 'sha512'],
]);

/** The largest ciphertext we decrypt, in bytes (the decrypted assertion is never longer). */
export const MAX_ENCRYPTED_BYTES = 2 * 1024 * 1024;
/** An RSA-8192 ciphertext; any EncryptedKey longer than this is not ours. */
const MAX_WRAPPED_KEY_BYTES = 1024;

/**
 * Reads the structure of an `EncryptedAssertion` (SAML core §2.3.4) and applies the algorithm
 * allow-list. No key is used yet, so its failures are no oracle; they are still all
 * `DECRYPTION_FAILED` (one message), except a refused algorithm and an oversized ciphertext.
 */
export function readEncryptedAssertion(encrypted: Element, policy: DecryptionPolicy): EncryptedParts {
  const broken: () => never = () => decryptionFailed(policy);
  const [data, ...siblings] = xencChildren(encrypted, broken);
  if (!isElement(data, XENC, 'EncryptedData')) broken();
  if (siblings.some((sibling) => !isElement(sibling, XENC, 'EncryptedKey'))) broken();
  // One EncryptedKey in the whole EncryptedAssertion: no choice between keys, no multi-recipient.
  if (descendantsNamed(encrypted, XENC, 'EncryptedKey').length !== 1) broken();

  checkTypeAndEncoding(data, ELEMENT_TYPE, broken);
  const dataId = attributeOf(data, 'Id');
  const [method, ...dataRest] = xencChildren(data, broken);
  if (!isElement(method, XENC, 'EncryptionMethod') || elementChildren(method).length > 0) broken();
  const keyInfo =
    dataRest[0] !== undefined && isElement(dataRest[0], NS.dsig, 'KeyInfo') ? dataRest.shift() : undefined;
  const [cipherData, ...extraData] = dataRest;
  if (!isElement(cipherData, XENC, 'CipherData') || extraData.length > 0) broken();

  const encryptedKey = locateKey(keyInfo, siblings, dataId, broken);
  const [keyMethod, ...keyRest] = xencChildren(encryptedKey, broken);
  if (!isElement(keyMethod, XENC, 'EncryptionMethod')) broken();
  if (keyRest[0] !== undefined && isElement(keyRest[0], NS.dsig, 'KeyInfo')) keyRest.shift(); // never used
  const [keyCipherData, ...keyTail] = keyRest;
  if (!isElement(keyCipherData, XENC, 'CipherData')) broken();
  const referenceList = isElement(keyTail[0], XENC, 'ReferenceList') ? keyTail.shift() : undefined;
  if (isElement(keyTail[0], XENC, 'CarriedKeyName')) keyTail.shift(); // a name, never used
  if (keyTail.length > 0) broken();
  if (referenceList !== undefined) checkReferences(referenceList, dataId, broken);
  checkTypeAndEncoding(encryptedKey, undefined, broken);

  // The algorithms: public input, refused by name.
  const contentAlgorithm = attributeOf(method, 'Algorithm') ?? '';
  const keyTransport = attributeOf(keyMethod, 'Algorithm') ?? '';
  const content = CONTENT_ALGORITHMS.get(contentAlgorithm);
  if (content === undefined || (content.mode === 'cbc' && !policy.allowAesCbc)) {
    forbiddenContent(contentAlgorithm, content !== undefined, policy);
  }
  const oaep = readOaepParameters(keyMethod, keyTransport, policy, broken);

  const contentBytes = cipherValue(cipherData, MAX_ENCRYPTED_BYTES, policy, broken);
  const wrappedKey = cipherValue(keyCipherData, MAX_WRAPPED_KEY_BYTES, policy, broken);
  return {
    contentAlgorithm,
    mode: content.mode,
    keyTransport,
    summary: `${shortName(contentAlgorithm)} content, ${shortName(keyTransport)} key transport (${oaep.oaepHash} digest, MGF1 with ${oaep.mgfHash})`,
    content: contentBytes,
    wrappedKey,
    keyBytes: content.keyBytes,
    ...oaep,
  };
}

// ---------------------------------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------------------------------

const TEXT_NODE = 3;
const CDATA_NODE = 4;

/** The element children of an xenc element; non-blank text or CDATA between them is refused. */
function xencChildren(parent: Element, broken: () => never): Element[] {
  for (let child: Node | null = parent.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === CDATA_NODE) broken();
    if (child.nodeType === TEXT_NODE && (child.nodeValue ?? '').trim() !== '') broken();
  }
  return elementChildren(parent);
}

/** `Type` must be the expected one when present; `Encoding` (a transform we do not run) is refused. */
function checkTypeAndEncoding(element: Element, type: string | undefined, broken: () => never): void {
  const actual = attributeOf(element, 'Type');
  if (actual !== undefined && actual !== (type ?? ENCRYPTED_KEY_TYPE)) broken();
  if (attributeOf(element, 'Encoding') !== undefined) broken();
}

/**
 * The EncryptedKey: the one in the data's KeyInfo, or the sibling that a RetrievalMethod names or
 * whose DataReference names the data. Any other KeyInfo content, or a reference to anything else,
 * is refused.
 */
function locateKey(
  keyInfo: Element | undefined,
  siblings: readonly Element[],
  dataId: string | undefined,
  broken: () => never,
): Element {
  const [content, ...extra] = keyInfo === undefined ? [] : xencChildren(keyInfo, broken);
  if (extra.length > 0) broken();
  const [sibling] = siblings;
  if (content === undefined) {
    // Without KeyInfo the key beside the data must name it (a DataReference, checked with the key).
    if (sibling === undefined || keyInfo !== undefined || dataId === undefined) broken();
    if (childrenNamed(sibling, XENC, 'ReferenceList').length !== 1) broken();
    return sibling;
  }
  if (isElement(content, XENC, 'EncryptedKey')) {
    if (sibling !== undefined) broken();
    return content;
  }
  if (sibling === undefined) broken();
  if (!isElement(content, NS.dsig, 'RetrievalMethod') || elementChildren(content).length > 0) broken();
  const type = attributeOf(content, 'Type');
  if (type !== undefined && type !== ENCRYPTED_KEY_TYPE) broken();
  const keyId = attributeOf(sibling, 'Id');
  if (keyId === undefined || attributeOf(content, 'URI') !== `#${keyId}`) broken();
  return sibling;
}

/** Every DataReference must name this EncryptedData; a KeyReference is refused. */
function checkReferences(list: Element, dataId: string | undefined, broken: () => never): void {
  const references = xencChildren(list, broken);
  if (references.length === 0 || dataId === undefined) broken();
  for (const reference of references) {
    if (!isElement(reference, XENC, 'DataReference') || attributeOf(reference, 'URI') !== `#${dataId}`) {
      broken();
    }
    // Transforms inside a DataReference would select other content.
    if (elementChildren(reference).length > 0) broken();
  }
}

/** One CipherValue (never a CipherReference, which would fetch), strict base64, within the cap. */
function cipherValue(
  cipherData: Element,
  maxBytes: number,
  policy: DecryptionPolicy,
  broken: () => never,
): Buffer {
  const [value, ...extra] = xencChildren(cipherData, broken);
  if (!isElement(value, XENC, 'CipherValue') || extra.length > 0 || elementChildren(value).length > 0)
    broken();
  const compact = textOf(value).replace(/[ \t\r\n]+/g, '');
  if (compact.length > Math.ceil(maxBytes / 3) * 4) {
    if (maxBytes === MAX_ENCRYPTED_BYTES) {
      fail('SIZE_LIMIT', `The encrypted assertion is larger than ${MAX_ENCRYPTED_BYTES} bytes`, {
        hint: 'The response is larger than samlkit accepts. Have the IdP send fewer attribute values (group IDs only, or the groups assigned to this application).',
        tenantId: policy.tenantId,
      });
    }
    broken();
  }
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) broken();
  return Buffer.from(compact, 'base64');
}

/** The OAEP digest, MGF1 digest and label of the key transport; anything but RSA-OAEP is refused. */
function readOaepParameters(
  method: Element,
  algorithm: string,
  policy: DecryptionPolicy,
  broken: () => never,
): { oaepHash: HashName; mgfHash: MgfHash; label: Buffer } {
  const mgf1p = algorithm === KEY_TRANSPORT.rsaOaepMgf1p;
  if (!mgf1p && algorithm !== KEY_TRANSPORT.rsaOaep) forbiddenKeyTransport(algorithm, policy);
  let oaepHash: HashName = 'sha1';
  let mgfHash: MgfHash = 'sha1';
  let label = Buffer.alloc(0);
  const seen = new Set<string>();
  for (const parameter of xencChildren(method, broken)) {
    const name = `${parameter.namespaceURI ?? ''}#${parameter.localName ?? ''}`;
    if (seen.has(name)) broken();
    seen.add(name);
    if (isElement(parameter, NS.dsig, 'DigestMethod') && elementChildren(parameter).length === 0) {
      const uri = attributeOf(parameter, 'Algorithm') ?? '';
      const hash = OAEP_DIGESTS.get(uri);
      // rsa-oaep-mgf1p is defined with SHA-1 (XML Encryption 1.0 §5.4.2).
      if (hash === undefined || (mgf1p && hash !== 'sha1'))
        forbiddenKeyTransport(`${algorithm} with ${uri}`, policy);
      oaepHash = hash;
    } else if (!mgf1p && isElement(parameter, XENC11, 'MGF') && elementChildren(parameter).length === 0) {
      const uri = attributeOf(parameter, 'Algorithm') ?? '';
      const hash = MGF1_DIGESTS.get(uri);
      if (hash === undefined) forbiddenKeyTransport(`${algorithm} with ${uri}`, policy);
      mgfHash = hash;
    } else if (isElement(parameter, XENC, 'OAEPparams') && elementChildren(parameter).length === 0) {
      const text = textOf(parameter).replace(/[ \t\r\n]+/g, '');
      if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length > 1024) broken();
      label = Buffer.from(text, 'base64');
    } else {
      broken();
    }
  }
  return { oaepHash, mgfHash, label };
}

const shortName = (uri: string): string => uri.replace(/^.*#/, '');

function forbiddenContent(uri: string, isCbc: boolean, policy: DecryptionPolicy): never {
  fail('ALGORITHM_FORBIDDEN', `The assertion is encrypted with ${uri}, which this tenant does not accept`, {
    hint: isCbc
      ? 'The IdP encrypts with AES-CBC, which has no integrity protection. Set it to AES-GCM (aes128-gcm or aes256-gcm) if it can; only if it cannot, set allowAesCbc on the tenant (the assertion must then still be signed).'
      : 'Configure the IdP to encrypt assertions with AES-GCM (http://www.w3.org/2009/xmlenc11#aes256-gcm); 3DES and unknown algorithms are refused.',
    received: uri,
    tenantId: policy.tenantId,
  });
}

function forbiddenKeyTransport(uri: string, policy: DecryptionPolicy): never {
  fail('ALGORITHM_FORBIDDEN', `The content key is encrypted with ${uri}, which samlkit does not accept`, {
    hint: 'Configure the IdP to encrypt the key with RSA-OAEP (http://www.w3.org/2009/xmlenc11#rsa-oaep or http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p); RSA PKCS#1 v1.5 (rsa-1_5) is refused because it allows decryption-oracle attacks.',
    received: uri,
    tenantId: policy.tenantId,
  });
}
