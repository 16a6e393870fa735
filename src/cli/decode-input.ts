/**
 * Finds the SAML message in whatever an admin pastes: raw XML, base64, URL-encoded base64, an
 * HTTP-Redirect value (raw DEFLATE + base64, SAML bindings §3.4.4.1), a whole
 * `SAMLResponse=…&RelayState=…` form body (§3.5.4) or a whole URL with `?SAMLRequest=…`. Sizes are
 * capped before and after decoding, and inflating stops at the cap (no deflate bombs).
 *
 * @module
 * @internal
 */
import { inflateRawCapped } from '../internal/inflate.js';
import { inputError } from './io.js';

/** Largest input text accepted, in characters. */
export const MAX_INPUT_CHARS = 4 * 1024 * 1024;
/** Largest decoded (or inflated) XML accepted, in bytes. */
export const MAX_XML_BYTES = 4 * 1024 * 1024;

const MESSAGE_FIELDS = ['SAMLResponse', 'SAMLRequest'] as const;
/** The form or query field that carried the message. */
export type MessageField = (typeof MESSAGE_FIELDS)[number];

/** Where the message was found, before base64 or DEFLATE decoding. */
export type Carrier =
  | { readonly kind: 'xml'; readonly xml: string }
  | {
      readonly kind: 'value';
      /** The base64 text, URL-decoded when the carrier was URL-encoded. */
      readonly value: string;
      /** How the value was carried, for display. */
      readonly carrier: string;
      /** The form or query field, when the input named one. */
      readonly field?: MessageField;
      readonly relayState?: string;
      /** HTTP-Redirect binding signature parameters (not verified). */
      readonly sigAlg?: string;
      readonly signature?: string;
    };

/** A decoded message: its XML text and how it was encoded. */
export interface DecodedMessage {
  readonly xml: string;
  /** How the input carried the XML, e.g. `base64 of raw DEFLATE (HTTP-Redirect binding)`. */
  readonly encoding: string;
  readonly field?: MessageField;
  readonly relayState?: string;
  readonly sigAlg?: string;
  readonly signature?: string;
}

/**
 * Finds the message in `text` without decoding base64: the XML itself, or the value of the
 * `SAMLResponse` / `SAMLRequest` field of a form body or URL, or the bare value.
 */
export function findMessage(text: string): Carrier {
  if (text.length > MAX_INPUT_CHARS) {
    throw inputError(`the input is larger than ${MAX_INPUT_CHARS} characters`);
  }
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw inputError('the input is empty');
  if (trimmed.startsWith('<')) return { kind: 'xml', xml: text.replace(/^\uFEFF/, '') };

  if (/^https?:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw inputError('the input looks like a URL but is not a valid one');
    }
    return fromParams(
      url.searchParams,
      'URL query parameter',
      'the URL has no SAMLRequest or SAMLResponse parameter',
    );
  }
  if (/^[\w.-]+=/.test(trimmed) && /(?:^|&)SAML(?:Response|Request)=/.test(trimmed)) {
    return fromParams(
      new URLSearchParams(trimmed),
      'form field',
      'the form has no SAMLRequest or SAMLResponse field',
    );
  }
  if (/%[0-9A-Fa-f]{2}/.test(trimmed)) {
    let value: string;
    try {
      value = decodeURIComponent(trimmed);
    } catch {
      throw inputError('the input contains % escapes that are not valid URL encoding');
    }
    return { kind: 'value', value, carrier: 'URL-encoded' };
  }
  return { kind: 'value', value: trimmed, carrier: 'bare value' };
}

function fromParams(params: URLSearchParams, carrier: string, missing: string): Carrier {
  const present = MESSAGE_FIELDS.filter((name) => params.has(name));
  const field = present[0];
  if (field === undefined) throw inputError(missing);
  if (present.length > 1) throw inputError('the input has both a SAMLRequest and a SAMLResponse');
  const single = (name: string): string | undefined => {
    const values = params.getAll(name);
    if (values.length > 1) throw inputError(`the input has ${values.length} ${name} fields`);
    return values[0];
  };
  const value = single(field) ?? '';
  const relayState = single('RelayState');
  const sigAlg = single('SigAlg');
  const signature = single('Signature');
  return {
    kind: 'value',
    value,
    carrier: `${carrier} ${field}`,
    field,
    ...(relayState !== undefined && { relayState }),
    ...(sigAlg !== undefined && { sigAlg }),
    ...(signature !== undefined && { signature }),
  };
}

/**
 * Decodes the message in `text` to XML text: base64 (standard or URL-safe, wrapped or not), and
 * raw DEFLATE when the decoded bytes are not XML. Throws an input error when nothing decodes.
 */
export function decodeInput(text: string): DecodedMessage {
  const found = findMessage(text);
  if (found.kind === 'xml') {
    if (Buffer.byteLength(found.xml, 'utf8') > MAX_XML_BYTES) {
      throw inputError(`the XML is larger than ${MAX_XML_BYTES} bytes`);
    }
    return { xml: found.xml, encoding: 'XML' };
  }
  const bytes = decodeBase64(found.value);
  const deflated = !looksLikeXml(bytes);
  const xml = utf8(deflated ? inflate(bytes) : bytes);
  return {
    xml,
    encoding: describeEncoding(found.carrier, deflated),
    ...(found.field !== undefined && { field: found.field }),
    ...(found.relayState !== undefined && { relayState: found.relayState }),
    ...(found.sigAlg !== undefined && { sigAlg: found.sigAlg }),
    ...(found.signature !== undefined && { signature: found.signature }),
  };
}

function describeEncoding(carrier: string, deflated: boolean): string {
  const encoding = deflated ? 'base64 of raw DEFLATE (HTTP-Redirect binding)' : 'base64';
  if (carrier === 'bare value') return encoding;
  if (carrier === 'URL-encoded') return `URL-encoded ${encoding}`;
  return `${carrier}, ${encoding}`;
}

function decodeBase64(value: string): Buffer {
  // Base64 has no spaces: a space is a `+` that form decoding turned into one.
  let compact = value.replace(/[\t\r\n]+/g, '').replace(/ /g, '+');
  // URL-safe base64 (RFC 4648 §5), as some tools print it.
  if (/[-_]/.test(compact) && !/[+/]/.test(compact)) compact = compact.replace(/-/g, '+').replace(/_/g, '/');
  if (!compact.includes('=')) compact += '='.repeat((4 - (compact.length % 4)) % 4);
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw inputError(
      'the input is not a SAML message: expected XML, base64, a form body (SAMLResponse=…) or a URL with ?SAMLRequest=…',
    );
  }
  if ((compact.length / 4) * 3 > MAX_XML_BYTES + 3) {
    throw inputError(`the decoded message is larger than ${MAX_XML_BYTES} bytes`);
  }
  return Buffer.from(compact, 'base64');
}

/** XML text starts with `<`, after an optional UTF-8 byte order mark and white space. */
function looksLikeXml(bytes: Uint8Array): boolean {
  let index = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (bytes[index] === 0x20 || bytes[index] === 0x09 || bytes[index] === 0x0a || bytes[index] === 0x0d) {
    index++;
  }
  return bytes[index] === 0x3c;
}

/** Raw DEFLATE (RFC 1951), abandoned as soon as the output passes {@link MAX_XML_BYTES}. */
function inflate(bytes: Uint8Array): Uint8Array {
  const inflated = inflateRawCapped(bytes, MAX_XML_BYTES);
  if (inflated.ok) return inflated.bytes;
  if (inflated.reason === 'too-large') {
    throw inputError(`the message inflates to more than ${MAX_XML_BYTES} bytes (a deflate bomb?); refused`);
  }
  throw inputError(
    'the input decodes from base64, but to neither XML nor raw DEFLATE data (HTTP-Redirect binding)',
  );
}

function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw inputError('the decoded message is not valid UTF-8 text');
  }
}
