/**
 * The signature part of `samlkit inspect`: which elements carry a ds:Signature, what each one
 * references and with which algorithms (XML-DSig §4), and the certificates in the document with
 * their SHA-256 fingerprints and expiry. Shown, never verified or trusted.
 *
 * @module
 * @internal
 */
import type { Document, Element } from '@xmldom/xmldom';
import { expiryOf, fields, isoSeconds, summarizeCertificate, type Row } from './format.js';
import {
  ancestors,
  attributeOf,
  childNamed,
  childrenNamed,
  descendantsNamed,
  elementChildren,
  NS,
  parentElement,
  textOf,
} from './xml-view.js';

const WEAK = /#(?:rsa-)?sha1$|#hmac-sha1$|#dsa-sha1$/;

/** A note for an algorithm samlkit refuses unless the tenant allows SHA-1; `''` for others. */
export const weak = (algorithm: string): string =>
  WEAK.test(algorithm) ? ' (SHA-1: refused unless the tenant sets allowSha1)' : '';

function describeElement(element: Element): string {
  const id = attributeOf(element, 'ID') ?? attributeOf(element, 'Id') ?? attributeOf(element, 'id');
  return `${element.localName ?? element.tagName}${id === undefined ? '' : ` ${id}`}`;
}

/** `Assertion _a1 (rsa-sha256, sha256)`, one per signature, or `nothing`. */
export function signedParts(document: Document): string {
  const parts = descendantsNamed(document, NS.dsig, 'Signature').map((signature) => {
    const parent = parentElement(signature);
    const methods = [
      ...descendantsNamed(signature, NS.dsig, 'SignatureMethod'),
      ...descendantsNamed(signature, NS.dsig, 'DigestMethod'),
    ].map((method) => (attributeOf(method, 'Algorithm') ?? '?').replace(/^.*#/, ''));
    return `${parent === undefined ? 'nothing' : describeElement(parent)} (${[...new Set(methods)].join(', ')})`;
  });
  return parts.length === 0 ? 'nothing (no ds:Signature)' : parts.join('; ');
}

/**
 * One block per ds:Signature: the element it sits on, its algorithms, where each Reference points
 * (its parent, another element — a wrapping sign — or nothing), and what its KeyInfo holds.
 */
export function signatureLines(
  document: Document,
  root: Element,
  ids: ReadonlyMap<string, Element>,
): string[] {
  const signatures = descendantsNamed(document, NS.dsig, 'Signature');
  if (signatures.length === 0) return ['', 'Signatures: none (no element carries a ds:Signature)'];
  const lines = ['', `Signatures (${signatures.length}; shown, not verified)`];
  for (const signature of signatures) {
    const parent = parentElement(signature);
    const on =
      parent === undefined
        ? 'nothing'
        : `${describeElement(parent)}${parent === root ? ' (the document element)' : ''}`;
    const rows: Row[] = [];
    const signedInfo = childNamed(signature, NS.dsig, 'SignedInfo');
    const algorithm = (element: Element | undefined, local: string): string => {
      const found = element === undefined ? undefined : childNamed(element, NS.dsig, local);
      return found === undefined ? '(none)' : (attributeOf(found, 'Algorithm') ?? '(no Algorithm)');
    };
    rows.push(['CanonicalizationMethod', algorithm(signedInfo, 'CanonicalizationMethod')]);
    const method = algorithm(signedInfo, 'SignatureMethod');
    rows.push(['SignatureMethod', `${method}${weak(method)}`]);
    for (const reference of signedInfo === undefined ? [] : childrenNamed(signedInfo, NS.dsig, 'Reference')) {
      const uri = attributeOf(reference, 'URI');
      const target = uri?.startsWith('#') === true ? ids.get(uri.slice(1)) : undefined;
      const points =
        uri === undefined || uri === ''
          ? 'the whole document'
          : target === undefined
            ? 'no element in this document'
            : target === parent
              ? 'its parent'
              : `${describeElement(target)}, not its parent`;
      rows.push(['Reference', `${uri ?? '(no URI)'} → ${points}`]);
      const digest = algorithm(reference, 'DigestMethod');
      rows.push(['  DigestMethod', `${digest}${weak(digest)}`]);
      const transforms = childNamed(reference, NS.dsig, 'Transforms');
      const list = transforms === undefined ? [] : childrenNamed(transforms, NS.dsig, 'Transform');
      rows.push(['  Transforms', list.map((t) => attributeOf(t, 'Algorithm') ?? '?').join(', ') || '(none)']);
    }
    const keyInfo = childNamed(signature, NS.dsig, 'KeyInfo');
    const keys = keyInfo === undefined ? [] : descendantsNamed(keyInfo, NS.dsig, 'X509Certificate');
    rows.push([
      'KeyInfo',
      keyInfo === undefined
        ? '(none)'
        : keys.length > 0
          ? keys
              .map(
                (key) =>
                  `certificate SHA-256 ${summarizeCertificate(textOf(key))?.fingerprint ?? '(unreadable)'}`,
              )
              .join('; ')
          : elementChildren(keyInfo)
              .map((child) => child.localName ?? child.tagName)
              .join(', ') || '(empty)',
    ]);
    lines.push(`  on ${on}`, ...fields(rows, '    '));
  }
  return lines;
}

/** Where a certificate was found: the nearest signature, key descriptor or encryption element. */
function contextOf(element: Element): string {
  for (const at of ancestors(element)) {
    if (at.namespaceURI === NS.dsig && at.localName === 'Signature') {
      const parent = parentElement(at);
      return `KeyInfo of the Signature on ${parent === undefined ? 'nothing' : describeElement(parent)}`;
    }
    if (at.namespaceURI === NS.metadata && at.localName === 'KeyDescriptor') {
      const role = parentElement(at);
      const entity = role === undefined ? undefined : parentElement(role);
      const entityId = entity === undefined ? undefined : attributeOf(entity, 'entityID');
      return `KeyDescriptor use=${attributeOf(at, 'use') ?? '(any)'} of ${role?.localName ?? '?'}${entityId === undefined ? '' : ` of ${entityId}`}`;
    }
    if (
      at.namespaceURI === NS.xenc &&
      (at.localName === 'EncryptedKey' || at.localName === 'EncryptedData')
    ) {
      return `KeyInfo of ${at.localName} (the key the message is encrypted for)`;
    }
  }
  return 'the document';
}

/**
 * Every X509Certificate in the document, once per fingerprint: subject, validity and where it was
 * found. For information only: samlkit trusts the tenant's pinned certificates, never these.
 */
export function certificateLines(document: Document, now: Date): string[] {
  const found = new Map<string, { rows: Row[]; places: string[] }>();
  for (const element of descendantsNamed(document, NS.dsig, 'X509Certificate')) {
    const summary = summarizeCertificate(textOf(element));
    const key = summary?.fingerprint ?? `unreadable #${found.size + 1}`;
    const entry = found.get(key) ?? {
      rows:
        summary === undefined
          ? [['Error', 'not a readable X.509 certificate']]
          : [
              ['Subject', summary.subject],
              ['Valid from', isoSeconds(summary.notBefore)],
              ['Expiry', expiryOf(summary.notAfter, now)],
            ],
      places: [],
    };
    entry.places.push(contextOf(element));
    found.set(key, entry);
  }
  if (found.size === 0) return [];
  const lines = ['', `Certificates in the document (${found.size}; not trusted, for information)`];
  for (const [fingerprint, { rows, places }] of found) {
    lines.push(
      `  SHA-256 ${fingerprint}`,
      ...fields([...rows, ...places.map((place): Row => ['Found in', place])], '    '),
    );
  }
  return lines;
}
