import { createHash, sign, type KeyObject } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { attributeOf, elementChildren, isElement } from '../xml/dom.js';
import { NS } from '../xml/namespaces.js';
import { ENVELOPED_SIGNATURE, EXC_C14N } from './algorithms.js';

/** A private key and the certificate that publishes it (base64 DER, as metadata carries it). */
export interface SignerKey {
  readonly privateKey: KeyObject;
  readonly certificateBase64: string;
}

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

/**
 * Adds an enveloped XML signature to `element`, in the strict profile samlkit itself verifies
 * (XML-DSig §6.6.4; SAML core §5.4): RSA-SHA256, one Reference to the element's ID, the
 * enveloped-signature and exclusive c14n transforms, the certificate in KeyInfo. The Signature is
 * placed right after the element's Issuer, or first, as the SAML and metadata schemas require.
 */
export function signEnveloped(element: Element, key: SignerKey): void {
  const id = attributeOf(element, 'ID');
  if (id === undefined) throw new TypeError('The element to sign has no ID attribute');
  const document = element.ownerDocument;
  if (document === null) throw new TypeError('The element to sign is not in a document');
  const c14n = new ExclusiveCanonicalization();
  const digest = createHash('sha256').update(c14n.process(element, {}), 'utf8').digest('base64');

  const ds = (name: string, attributes: Record<string, string> = {}, text?: string): Element => {
    const child = document.createElementNS(NS.dsig, `ds:${name}`);
    for (const [attribute, value] of Object.entries(attributes)) child.setAttribute(attribute, value);
    if (text !== undefined) child.appendChild(document.createTextNode(text));
    return child;
  };
  const nest = (parent: Element, ...children: Element[]): Element => {
    for (const child of children) parent.appendChild(child);
    return parent;
  };

  const signedInfo = nest(
    ds('SignedInfo'),
    ds('CanonicalizationMethod', { Algorithm: EXC_C14N }),
    ds('SignatureMethod', { Algorithm: RSA_SHA256 }),
    nest(
      ds('Reference', { URI: `#${id}` }),
      nest(
        ds('Transforms'),
        ds('Transform', { Algorithm: ENVELOPED_SIGNATURE }),
        ds('Transform', { Algorithm: EXC_C14N }),
      ),
      ds('DigestMethod', { Algorithm: SHA256 }),
      ds('DigestValue', {}, digest),
    ),
  );
  const signatureValue = ds('SignatureValue');
  const signature = nest(
    ds('Signature'),
    signedInfo,
    signatureValue,
    nest(ds('KeyInfo'), nest(ds('X509Data'), ds('X509Certificate', {}, key.certificateBase64))),
  );
  signature.setAttributeNS(NS.xmlns, 'xmlns:ds', NS.dsig);

  const [first] = elementChildren(element);
  const issuer = isElement(first, NS.assertion, 'Issuer') ? first : undefined;
  element.insertBefore(signature, issuer === undefined ? (first ?? null) : issuer.nextSibling);

  const canonicalSignedInfo = c14n.process(signedInfo, {});
  const value = sign('sha256', Buffer.from(canonicalSignedInfo, 'utf8'), key.privateKey).toString('base64');
  signatureValue.appendChild(document.createTextNode(value));
}

/** The HTTP-Redirect binding signature (SAML bindings §3.4.4.1) over the exact query string bytes. */
export function signQueryString(query: string, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(query, 'utf8'), privateKey).toString('base64');
}
