/**
 * Reads the AuthnRequest a test IdP receives, as a real IdP would: decoded with size caps and
 * parsed strictly. Used by `createTestIdp` only.
 *
 * @module
 * @internal
 */
import { inflateRawCapped } from '../internal/inflate.js';
import { fail } from '../internal/fail.js';
import { attributeOf, childrenNamed, textOf } from '../xml/dom.js';
import { NS } from '../xml/namespaces.js';
import { parseXml } from '../xml/parse.js';

/** The largest AuthnRequest the test IdP reads, in bytes of XML (inflated, for the Redirect binding). */
export const MAX_AUTHN_REQUEST_BYTES = 64 * 1024;

/** What the test IdP takes from an AuthnRequest (SAML core §3.4.1). */
export interface ReceivedAuthnRequest {
  /** The request's ID: the response's InResponseTo. */
  readonly id: string;
  /** The SP's entity ID (the request's Issuer): the response's Audience. */
  readonly issuer?: string;
  /** Where the SP wants the response: the form action, Destination and Recipient. */
  readonly acsUrl?: string;
}

const hint =
  'The test IdP received a SAMLRequest it cannot read. Pass the SAMLRequest query parameter of the HTTP-Redirect URL (URL-decoded, e.g. with URLSearchParams) or the SAMLRequest field of the HTTP-POST form, unchanged.';
const sizeHint = `The test IdP reads AuthnRequests of up to ${MAX_AUTHN_REQUEST_BYTES} bytes; a real one is about 1 KB.`;

/**
 * Decodes a `SAMLRequest` value and reads the AuthnRequest in it. `binding` says how the value is
 * encoded: `'redirect'` is base64 of raw DEFLATE (SAML bindings §3.4.4.1), `'post'` is base64 of
 * the XML (§3.5.4); without it, a value whose decoded bytes start with `<` is taken as POST, any
 * other as Redirect. Signatures on the request are not checked.
 *
 * @throws SamlError `INVALID_ENCODING` (not base64, not DEFLATE, not UTF-8), `SIZE_LIMIT` (more
 *   than {@link MAX_AUTHN_REQUEST_BYTES}), `DTD_FORBIDDEN` or `MALFORMED_XML` (not well-formed, not
 *   a SAML 2.0 AuthnRequest, no ID, an AssertionConsumerServiceURL that is not absolute http(s)).
 */
export function readAuthnRequest(
  value: string,
  binding: 'redirect' | 'post' | undefined,
): ReceivedAuthnRequest {
  const bytes = decodeBase64(value);
  const xmlBytes =
    (binding ?? (looksLikeXml(bytes) ? 'post' : 'redirect')) === 'post' ? bytes : inflate(bytes);
  if (xmlBytes.length > MAX_AUTHN_REQUEST_BYTES) {
    fail('SIZE_LIMIT', `The AuthnRequest is larger than ${MAX_AUTHN_REQUEST_BYTES} bytes`, {
      hint: sizeHint,
    });
  }
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(xmlBytes);
  } catch (cause) {
    fail('INVALID_ENCODING', 'The AuthnRequest is not valid UTF-8', { hint, cause });
  }
  const request = parseXml(xml).root;
  if (request.namespaceURI !== NS.protocol || request.localName !== 'AuthnRequest') {
    fail('MALFORMED_XML', `Expected a samlp:AuthnRequest, got ${request.localName ?? 'an element'}`, {
      hint,
      received: `{${request.namespaceURI ?? ''}}${request.localName ?? ''}`,
    });
  }
  if (attributeOf(request, 'Version') !== '2.0') {
    fail('MALFORMED_XML', 'The AuthnRequest is not SAML version 2.0', { hint });
  }
  const id = attributeOf(request, 'ID');
  if (id === undefined || id === '') fail('MALFORMED_XML', 'The AuthnRequest has no ID', { hint });

  const [issuerElement, ...moreIssuers] = childrenNamed(request, NS.assertion, 'Issuer');
  if (moreIssuers.length > 0) fail('MALFORMED_XML', 'The AuthnRequest has more than one Issuer', { hint });
  const issuer = issuerElement === undefined ? undefined : textOf(issuerElement).trim();
  const acsUrl = attributeOf(request, 'AssertionConsumerServiceURL');
  // The URL becomes a form action in a browser: never a javascript: or relative one.
  if (acsUrl !== undefined && (!/^https?:\/\/\S+$/i.test(acsUrl) || !URL.canParse(acsUrl))) {
    fail('MALFORMED_XML', 'The AssertionConsumerServiceURL is not an absolute http(s) URL', {
      hint,
      received: acsUrl,
    });
  }
  return {
    id,
    ...(issuer !== undefined && issuer !== '' && { issuer }),
    ...(acsUrl !== undefined && { acsUrl }),
  };
}

function decodeBase64(value: string): Buffer {
  // base64 grows by 4/3; allow for line wrapping, then check the exact sizes after decoding.
  if (value.length > MAX_AUTHN_REQUEST_BYTES * 2) {
    fail('SIZE_LIMIT', `The SAMLRequest value is longer than ${MAX_AUTHN_REQUEST_BYTES * 2} characters`, {
      hint: sizeHint,
    });
  }
  const compact = value.replace(/[ \t\r\n]+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    fail('INVALID_ENCODING', 'The SAMLRequest value is not valid base64', { hint });
  }
  return Buffer.from(compact, 'base64');
}

/** XML text starts with `<`, after an optional UTF-8 byte order mark and white space. */
function looksLikeXml(bytes: Buffer): boolean {
  let index = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (bytes[index] === 0x20 || bytes[index] === 0x09 || bytes[index] === 0x0a || bytes[index] === 0x0d) {
    index++;
  }
  return bytes[index] === 0x3c;
}

/** Raw DEFLATE, capped at {@link MAX_AUTHN_REQUEST_BYTES}: a deflate bomb is never inflated. */
function inflate(bytes: Buffer): Buffer {
  const inflated = inflateRawCapped(bytes, MAX_AUTHN_REQUEST_BYTES);
  if (inflated.ok) return inflated.bytes;
  if (inflated.reason === 'too-large') {
    fail('SIZE_LIMIT', `The AuthnRequest inflates to more than ${MAX_AUTHN_REQUEST_BYTES} bytes`, {
      hint: sizeHint,
    });
  }
  fail('INVALID_ENCODING', `The SAMLRequest is not raw DEFLATE data: ${inflated.detail}`, {
    hint,
  });
}
