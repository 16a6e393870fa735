/**
 * DOM tools for the attacker's position: parse a signed Response, move, clone and rewrite nodes,
 * serialise it back. `redigest`/`resign` play a compromised or sloppy signer: they recompute the
 * DigestValue / SignatureValue after SignedInfo was edited, so that a structural check (not the
 * crypto) is what has to reject the message.
 */
import crypto from 'node:crypto';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { KEYS, NS } from './idp.js';

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'application/xml');
}

export function serialize(doc: Document): string {
  return new XMLSerializer().serializeToString(doc);
}

/** Parses `xml`, lets `fn` rewrite the DOM, serialises the result. */
export function edit(xml: string, fn: (doc: Document) => void): string {
  const doc = parse(xml);
  fn(doc);
  return serialize(doc);
}

/** Every descendant element of `root` with that namespace and local name, in document order. */
export function all(root: Document | Element, ns: string, local: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, local));
}

/** The `index`th descendant element with that namespace and local name; throws when absent. */
export function one(root: Document | Element, ns: string, local: string, index = 0): Element {
  const found = all(root, ns, local)[index];
  if (found === undefined) throw new Error(`no ${local} #${index}`);
  return found;
}

/** The direct children of `parent` that are elements. */
export function children(parent: Element): Element[] {
  return Array.from(parent.childNodes).filter((n): n is Element => n.nodeType === 1);
}

export const assertionOf = (doc: Document): Element => one(doc, NS.saml, 'Assertion');

/** The ds:Signature that is a direct child of `el`. */
export function signatureOf(el: Element): Element {
  const sig = children(el).find((c) => c.namespaceURI === NS.ds && c.localName === 'Signature');
  if (sig === undefined) throw new Error(`${el.localName ?? '?'} has no Signature child`);
  return sig;
}

export function text(el: Element, value: string): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(el.ownerDocument!.createTextNode(value));
}

/** A deep copy of `el` with a new ID and without its own Signature (the attacker's evil twin). */
export function evilTwin(el: Element, id: string): Element {
  const copy = el.cloneNode(true) as Element;
  copy.setAttribute('ID', id);
  for (const c of children(copy))
    if (c.namespaceURI === NS.ds && c.localName === 'Signature') copy.removeChild(c);
  return copy;
}

/** Sets the text of the first NameID under `root`. */
export function setNameId(root: Element, value: string): void {
  text(one(root, NS.saml, 'NameID'), value);
}

const c14n = (el: Element): string => new ExclusiveCanonicalization().process(el, {});

/** Digest of `el` under enveloped-signature + exc-c14n. */
export function digestOf(el: Element, hash = 'sha256'): string {
  const copy = el.cloneNode(true) as Element;
  for (const c of children(copy))
    if (c.namespaceURI === NS.ds && c.localName === 'Signature') copy.removeChild(c);
  return crypto.createHash(hash).update(c14n(copy)).digest('base64');
}

type Which = 'assertion' | 'response';
const signedElement = (doc: Document, which: Which): Element =>
  which === 'response' ? doc.documentElement! : assertionOf(doc);

/** Recomputes the SignatureValue of the signature on `which` over its (edited) SignedInfo. */
export function resignDoc(doc: Document, which: Which, key: string = KEYS.idp.key): void {
  const sig = signatureOf(signedElement(doc, which));
  const signedInfo = one(sig, NS.ds, 'SignedInfo');
  const value = crypto.sign('sha256', Buffer.from(c14n(signedInfo)), key).toString('base64');
  text(one(sig, NS.ds, 'SignatureValue'), value);
}

export function resign(xml: string, which: Which, key?: string): string {
  return edit(xml, (doc) => {
    resignDoc(doc, which, key);
  });
}

/** Recomputes the first Reference's DigestValue of the signature on `which`, then re-signs. */
export function redigest(xml: string, which: Which, key?: string): string {
  return edit(xml, (doc) => {
    const el = signedElement(doc, which);
    text(one(signatureOf(el), NS.ds, 'DigestValue'), digestOf(el));
    resignDoc(doc, which, key);
  });
}

/** Inserts `markup` (parsed in the context of the Response's namespaces) before `ref` or as last child. */
export function insertXml(parent: Element, markup: string, before: Element | null = null): Element[] {
  const wrapper = parse(
    `<w xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" xmlns:ds="${NS.ds}">${markup}</w>`,
  ).documentElement!;
  const added: Element[] = [];
  for (const n of Array.from(wrapper.childNodes)) {
    const imported = parent.ownerDocument!.importNode(n, true);
    parent.insertBefore(imported, before);
    if (imported.nodeType === 1) added.push(imported as Element);
  }
  return added;
}
