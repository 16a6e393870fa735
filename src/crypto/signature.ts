import { createHash, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Element, Node } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { fail } from '../internal/fail.js';
import { attributeOf, descendantsNamed, elementChildren, isElement, textOf } from '../xml/dom.js';
import { NS } from '../xml/namespaces.js';
import {
  DIGEST_ALGORITHMS,
  DIGEST_LENGTH,
  ENVELOPED_SIGNATURE,
  EXC_C14N,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
} from './algorithms.js';
import { certificateFromBase64, type TrustedKey } from './keys.js';

/** What a signature is checked against: the tenant's pinned keys and algorithm policy. */
export interface SignaturePolicy {
  readonly keys: readonly TrustedKey[];
  readonly allowSha1: boolean;
  readonly tenantId: string;
}

/** The pinned key that verified a signature, and the algorithms it used. */
export interface VerifiedSignature {
  readonly key: TrustedKey;
  readonly signatureAlgorithm: string;
  readonly digestAlgorithm: string;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const INCLUSIVE_NAMESPACES = 'http://www.w3.org/2001/10/xml-exc-c14n#';

/**
 * The one `ds:Signature` that is a direct child of `element`, or `undefined`.
 * XML-DSig §3 enveloped signatures sit inside the element they sign; a second one is refused.
 */
export function signatureOf(element: Element, tenantId: string): Element | undefined {
  // The schema puts it right after the Issuer (SAML core §2.3.3, §3.2.1), but Auth0 appends it to
  // the Response. Its place does not matter: it must reference its own parent, checked below.
  let signature: Element | undefined;
  let count = 0;
  for (let child: Node | null = element.firstChild; child !== null; child = child.nextSibling) {
    if (isElement(child, NS.dsig, 'Signature')) {
      signature ??= child;
      count++;
    }
  }
  if (count > 1) structure(`${element.localName ?? 'element'} carries ${count} signatures`, tenantId);
  return signature;
}

/**
 * Verifies the enveloped signature of `element` against the tenant's pinned keys, using a strict
 * profile of XML-DSig (SAML core §5.4): one Reference to the element's own ID, the
 * enveloped-signature and exclusive c14n transforms only, allow-listed algorithms. The shape is
 * checked before any cryptography runs. `element` must be the node the caller reads afterwards,
 * and `ids` must map each ID of the document to its only element.
 *
 * Leaves the DOM as it found it.
 */
export function verifyEnvelopedSignature(
  element: Element,
  signature: Element,
  ids: ReadonlyMap<string, Element>,
  policy: SignaturePolicy,
): VerifiedSignature {
  const tenantId = policy.tenantId;
  const shape = readShape(signature, tenantId);

  // The Reference must point at the element this signature sits in, and nothing else may carry its ID.
  const id = attributeOf(element, 'ID');
  if (id === undefined || shape.referenceUri !== `#${id}` || ids.get(id) !== element) {
    structure('The signature does not reference the element that contains it', tenantId);
  }

  const signatureAlgorithm = allowedSignatureAlgorithm(shape.signatureMethod, policy);
  const digestHash = allowedDigest(shape.digestMethod, policy);
  const digestValue = decodeBase64Value(shape.digestValue, 'DigestValue', tenantId);
  const signatureValue = decodeBase64Value(shape.signatureValue, 'SignatureValue', tenantId);
  if (digestValue.length !== DIGEST_LENGTH[digestHash])
    invalid('The DigestValue has the wrong length', tenantId);

  const signedInfo = Buffer.from(canonicalize(shape.signedInfo, shape.signedInfoPrefixes), 'utf8');
  const key = policy.keys.find((candidate) =>
    verifiesWith(candidate.key, signatureAlgorithm, signedInfo, signatureValue),
  );
  if (key === undefined)
    untrustedOrInvalid(signature, signatureAlgorithm, signedInfo, signatureValue, policy);

  const digest = createHash(digestHash)
    .update(envelopedCanonicalForm(element, signature, shape.referencePrefixes))
    .digest();
  if (!timingSafeEqual(digest, digestValue)) {
    invalid(
      'The digest of the signed element does not match: its content was changed after signing',
      tenantId,
    );
  }
  return { key, signatureAlgorithm: shape.signatureMethod, digestAlgorithm: shape.digestMethod };
}

interface SignatureShape {
  readonly signedInfo: Element;
  readonly signedInfoPrefixes: readonly string[];
  readonly signatureMethod: string;
  readonly referenceUri: string;
  readonly referencePrefixes: readonly string[];
  readonly digestMethod: string;
  readonly digestValue: string;
  readonly signatureValue: string;
}

/** Checks the signature's shape against the strict profile (docs/security.md rule 3) and reads its values. */
function readShape(signature: Element, tenantId: string): SignatureShape {
  const [signedInfo, signatureValue, keyInfo, ...rest] = dsigChildren(signature, tenantId);
  expect(signedInfo, 'SignedInfo', tenantId);
  expect(signatureValue, 'SignatureValue', tenantId);
  if (keyInfo !== undefined) {
    expect(keyInfo, 'KeyInfo', tenantId);
    // KeyInfo is never used to find a key; a reference to fetch one is refused outright.
    if (descendantsNamed(keyInfo, NS.dsig, 'RetrievalMethod').length > 0) {
      structure('KeyInfo points to a key elsewhere (RetrievalMethod)', tenantId);
    }
  }
  if (rest.length > 0)
    structure('The signature has elements beyond SignedInfo, SignatureValue and KeyInfo', tenantId);
  rejectMarkupInside(signedInfo, tenantId);
  rejectMarkupInside(signatureValue, tenantId);
  if (hasElementChild(signatureValue)) structure('SignatureValue contains elements', tenantId);

  const [c14nMethod, signatureMethod, reference, ...extraInfo] = dsigChildren(signedInfo, tenantId);
  expect(c14nMethod, 'CanonicalizationMethod', tenantId);
  expect(signatureMethod, 'SignatureMethod', tenantId);
  expect(reference, 'Reference', tenantId);
  if (extraInfo.length > 0) structure('SignedInfo must hold exactly one Reference', tenantId);
  const signedInfoPrefixes = exclusiveC14nPrefixes(c14nMethod, tenantId);
  if (hasElementChild(signatureMethod)) structure('SignatureMethod has parameters', tenantId);

  const [transforms, digestMethod, digestValue, ...extraReference] = dsigChildren(reference, tenantId);
  expect(transforms, 'Transforms', tenantId);
  expect(digestMethod, 'DigestMethod', tenantId);
  expect(digestValue, 'DigestValue', tenantId);
  if (extraReference.length > 0 || hasElementChild(digestMethod) || hasElementChild(digestValue)) {
    structure('The Reference has unexpected content', tenantId);
  }
  const [enveloped, exclusive, ...extraTransforms] = dsigChildren(transforms, tenantId);
  expect(enveloped, 'Transform', tenantId);
  expect(exclusive, 'Transform', tenantId);
  if (extraTransforms.length > 0 || attributeOf(enveloped, 'Algorithm') !== ENVELOPED_SIGNATURE) {
    structure('The transforms must be exactly enveloped-signature followed by exclusive c14n', tenantId);
  }
  if (hasElementChild(enveloped)) structure('The enveloped-signature transform has parameters', tenantId);
  const referencePrefixes = exclusiveC14nPrefixes(exclusive, tenantId);

  return {
    signedInfo,
    signedInfoPrefixes,
    signatureMethod: attributeOf(signatureMethod, 'Algorithm') ?? '',
    referenceUri: attributeOf(reference, 'URI') ?? '',
    referencePrefixes,
    digestMethod: attributeOf(digestMethod, 'Algorithm') ?? '',
    digestValue: textOf(digestValue),
    signatureValue: textOf(signatureValue),
  };
}

/** The element children of a dsig element; any other element, or non-blank text, is refused. */
function dsigChildren(parent: Element, tenantId: string): Element[] {
  const children: Element[] = [];
  for (let child: Node | null = parent.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE) children.push(child as Element);
    else if (child.nodeType === TEXT_NODE && (child.nodeValue ?? '').trim() !== '') {
      structure(`${parent.localName ?? 'element'} contains text`, tenantId);
    }
  }
  return children;
}

function hasElementChild(parent: Element): boolean {
  for (let child: Node | null = parent.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE) return true;
  }
  return false;
}

/** Comments, CDATA and processing instructions inside SignedInfo make two readings possible. */
function rejectMarkupInside(root: Element, tenantId: string): void {
  // Pre-order over the sibling and parent links; `root` itself is an element.
  let node: Node | null = root.firstChild;
  while (node !== null) {
    if (node.nodeType !== ELEMENT_NODE && node.nodeType !== TEXT_NODE) {
      structure('The signature contains comments or CDATA', tenantId);
    }
    if (node.firstChild !== null) {
      node = node.firstChild;
      continue;
    }
    while (node !== null && node !== root && node.nextSibling === null) node = node.parentNode;
    node = node === null || node === root ? null : node.nextSibling;
  }
}

function expect(
  element: Element | undefined,
  localName: string,
  tenantId: string,
): asserts element is Element {
  if (!isElement(element, NS.dsig, localName))
    structure(`Expected ds:${localName} in the signature`, tenantId);
}

/** Requires exclusive c14n (without comments) and returns its InclusiveNamespaces PrefixList. */
function exclusiveC14nPrefixes(method: Element, tenantId: string): string[] {
  if (attributeOf(method, 'Algorithm') !== EXC_C14N) {
    fail('ALGORITHM_FORBIDDEN', 'Only exclusive XML canonicalisation (xml-exc-c14n#) is accepted', {
      hint: 'Configure the IdP to canonicalise with http://www.w3.org/2001/10/xml-exc-c14n# (the default of every major IdP).',
      expected: EXC_C14N,
      received: attributeOf(method, 'Algorithm') ?? '',
      tenantId,
    });
  }
  const [inclusive, ...extra] = elementChildren(method);
  if (inclusive === undefined) return [];
  if (extra.length > 0 || !isElement(inclusive, INCLUSIVE_NAMESPACES, 'InclusiveNamespaces')) {
    structure('The canonicalisation method has unexpected parameters', tenantId);
  }
  const list = attributeOf(inclusive, 'PrefixList') ?? '';
  return list.split(/\s+/).filter((prefix) => prefix !== '');
}

function allowedSignatureAlgorithm(uri: string, policy: SignaturePolicy): SignatureAlgorithm {
  const algorithm = SIGNATURE_ALGORITHMS.get(uri);
  if (algorithm === undefined || (algorithm.hash === 'sha1' && !policy.allowSha1))
    forbidden(uri, 'signature', policy);
  return algorithm;
}

function allowedDigest(uri: string, policy: SignaturePolicy): 'sha1' | 'sha256' | 'sha384' | 'sha512' {
  const hash = DIGEST_ALGORITHMS.get(uri);
  if (hash === undefined || (hash === 'sha1' && !policy.allowSha1)) forbidden(uri, 'digest', policy);
  return hash;
}

function forbidden(uri: string, kind: 'signature' | 'digest', policy: SignaturePolicy): never {
  const sha1 = uri.endsWith('sha1');
  fail('ALGORITHM_FORBIDDEN', `The ${kind} algorithm ${uri} is not accepted`, {
    hint: sha1
      ? 'The IdP signs with SHA-1. Set its signing algorithm to RSA-SHA256 (Entra ID: SAML Signing Certificate > Signing Algorithm; Okta: Signature Algorithm). Only if impossible, set allowSha1 on the tenant.'
      : 'Configure the IdP to sign with RSA-SHA256 (or ECDSA-SHA256) and a SHA-256 digest.',
    received: uri,
    tenantId: policy.tenantId,
  });
}

/** Strict base64 with the line breaks many IdPs insert (RFC 2045 style wrapping). */
function decodeBase64Value(text: string, what: string, tenantId: string): Buffer {
  const compact = text.replace(/[ \t\r\n]+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    structure(`${what} is not valid base64`, tenantId);
  }
  return Buffer.from(compact, 'base64');
}

/** Whether `signature` over `data` verifies with `key` under `algorithm`; any failure is `false`. */
export function verifiesWith(
  key: KeyObject,
  algorithm: SignatureAlgorithm,
  data: Buffer,
  signature: Buffer,
): boolean {
  if (key.asymmetricKeyType !== algorithm.keyType) return false;
  try {
    return algorithm.keyType === 'ec'
      ? verify(algorithm.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : verify(algorithm.hash, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * Exclusive c14n (with InclusiveNamespaces prefixes taken from the ancestors, XML exc-c14n §3) of
 * `element`. xml-crypto renders ancestor prefixes by declaring them on the element; we remove
 * what it added so the document is unchanged.
 */
function canonicalize(element: Element, prefixes: readonly string[]): string {
  // Each listed prefix that an ancestor declares (looked up once); usually there is none.
  const ancestorNamespaces: { prefix: string; namespaceURI: string }[] = [];
  for (const prefix of prefixes) {
    if (element.getAttributeNodeNS(NS.xmlns, prefix) !== null) continue;
    const namespaceURI = element.lookupNamespaceURI(prefix);
    if (namespaceURI !== null) ancestorNamespaces.push({ prefix, namespaceURI });
  }
  try {
    const output = new ExclusiveCanonicalization().process(element, {
      inclusiveNamespacesPrefixList: [...prefixes],
      ancestorNamespaces,
    });
    if (output === '') fail('SIGNATURE_INVALID', 'The canonical form is empty', { hint: tamperedHint });
    return output;
  } finally {
    for (const { prefix } of ancestorNamespaces) element.removeAttributeNS(NS.xmlns, prefix);
  }
}

/** The enveloped-signature transform (XML-DSig §6.6.4) followed by exclusive c14n. */
function envelopedCanonicalForm(element: Element, signature: Element, prefixes: readonly string[]): string {
  const next = signature.nextSibling;
  element.removeChild(signature);
  try {
    return canonicalize(element, prefixes);
  } finally {
    element.insertBefore(signature, next);
  }
}

/**
 * No pinned key verifies. When the certificate in KeyInfo does, the message is genuine but signed
 * with a key the tenant does not trust (usually a rolled-over IdP certificate): say so, with both
 * fingerprints. KeyInfo is read only to explain a failure, never to accept a message.
 */
function untrustedOrInvalid(
  signature: Element,
  algorithm: SignatureAlgorithm,
  signedInfo: Buffer,
  signatureValue: Buffer,
  policy: SignaturePolicy,
): never {
  const trusted = policy.keys.map((key) => key.fingerprint);
  const embedded = embeddedCertificate(signature);
  if (embedded !== undefined && verifiesWith(embedded.key, algorithm, signedInfo, signatureValue)) {
    fail('KEY_UNTRUSTED', 'The message is signed by a certificate the tenant does not trust', {
      hint: `The IdP signed with the certificate ${embedded.fingerprint}, but this tenant trusts only ${trusted.join(', ')}. The IdP probably rolled over its signing certificate: download the new one from the IdP (Entra ID: SAML Certificates > Certificate (Base64); Okta: Sign On > SAML Signing Certificates) and add it to the tenant.`,
      expected: trusted,
      received: embedded.fingerprint,
      tenantId: policy.tenantId,
    });
  }
  const pinnedButBroken = embedded !== undefined && trusted.includes(embedded.fingerprint);
  fail('SIGNATURE_INVALID', 'The signature does not verify with any certificate the tenant trusts', {
    hint: pinnedButBroken
      ? tamperedHint
      : `Check that the tenant's IdP certificate (${trusted.join(', ')}) is the one the IdP currently signs with.`,
    expected: trusted,
    tenantId: policy.tenantId,
  });
}

function embeddedCertificate(signature: Element): { key: KeyObject; fingerprint: string } | undefined {
  const keyInfo = elementChildren(signature).find((child) => isElement(child, NS.dsig, 'KeyInfo'));
  const x509Data = keyInfo && elementChildren(keyInfo).find((child) => isElement(child, NS.dsig, 'X509Data'));
  const certificate =
    x509Data && elementChildren(x509Data).find((child) => isElement(child, NS.dsig, 'X509Certificate'));
  return certificate === undefined ? undefined : certificateFromBase64(textOf(certificate));
}

const tamperedHint =
  'The signed content does not match its signature: the message was altered after the IdP signed it (or reformatted by a proxy).';

function invalid(message: string, tenantId: string): never {
  fail('SIGNATURE_INVALID', message, { hint: tamperedHint, tenantId });
}

function structure(message: string, tenantId: string): never {
  fail('SIGNATURE_STRUCTURE', message, {
    hint: 'The signature does not follow the SAML signature profile (one reference to the signed element, enveloped-signature and exclusive c14n transforms). The message may have been tampered with.',
    tenantId,
  });
}
