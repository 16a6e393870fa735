/**
 * Takes a logout message off the wire: the raw query string of the HTTP-Redirect binding (SAML
 * bindings §3.4.4) or the form of the HTTP-POST binding (§3.5.4), with size caps before every
 * expensive step. Nothing here is trusted yet: the signature is checked in `verify.ts`.
 *
 * @module
 * @internal
 */
import { inflateRawCapped } from '../internal/inflate.js';
import { fail } from '../internal/fail.js';
import { isWellFormed } from '../internal/text.js';
import { fieldOf } from '../internal/form.js';

/** The default largest decoded (inflated) logout message accepted, in bytes; a real one is 1–3 KB. */
export const DEFAULT_MAX_LOGOUT_BYTES = 64 * 1024;
/** The largest `maxMessageBytes` a caller may set for logout messages, in bytes. */
export const MAX_LOGOUT_BYTES = 1024 * 1024;

/**
 * A logout message as the SLO URL received it. Any value may be passed: everything is checked.
 *
 * - `{ binding: 'redirect', query }`: the raw query string of the request URL, exactly as it
 *   arrived (the part after `?`, still percent-encoded: `req.url.slice(req.url.indexOf('?') + 1)`).
 *   Never a re-encoded one: the signature covers the bytes as sent (SAML bindings §3.4.4.1).
 * - `{ binding: 'post', form }`: the parsed `application/x-www-form-urlencoded` body.
 */
export type LogoutMessageInput =
  | {
      /** The HTTP-Redirect binding (a GET to the SLO URL). */
      readonly binding: 'redirect';
      /** The raw query string as received, e.g. `SAMLRequest=fZB…&RelayState=…&SigAlg=…&Signature=…`. */
      readonly query: unknown;
    }
  | {
      /** The HTTP-POST binding (a form posted to the SLO URL). */
      readonly binding: 'post';
      /** The posted form fields (`SAMLRequest` or `SAMLResponse`, and `RelayState`), e.g. `req.body`. */
      readonly form: unknown;
    };

/** The query signature of a Redirect-binding message, with the exact octets it must cover. */
export interface QuerySignature {
  readonly sigAlg: string;
  readonly signature: string;
  readonly signedOctets: Buffer;
}

/** A decoded, still unverified logout message. */
export interface DecodedLogout {
  readonly binding: 'redirect' | 'post';
  /** Which field carried it: a request or a response. */
  readonly parameter: 'SAMLRequest' | 'SAMLResponse';
  readonly xml: string;
  readonly relayState?: string;
  /** Only for the Redirect binding, when the query carries `Signature`. */
  readonly querySignature?: QuerySignature;
}

const encodingHint =
  "The SLO URL must receive the IdP's logout message unchanged: for HTTP-Redirect the raw query string (SAMLRequest or SAMLResponse, RelayState, SigAlg, Signature), for HTTP-POST the form (SAML bindings §3.4.4, §3.5.4). Pass the raw query string, not a re-encoded one.";

const MAX_RELAY_STATE_BYTES = 80;

/**
 * Decodes a logout message. Every failure, for any input of any type, is a `SamlError`
 * (`INVALID_ENCODING` or `SIZE_LIMIT`).
 */
export function decodeLogoutMessage(input: unknown, maxBytes: number): DecodedLogout {
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : undefined;
  const binding = fields !== undefined && Object.hasOwn(fields, 'binding') ? fields.binding : undefined;
  if (binding === 'redirect' && fields !== undefined) {
    return decodeRedirect(Object.hasOwn(fields, 'query') ? fields.query : undefined, maxBytes);
  }
  if (binding === 'post' && fields !== undefined) {
    return decodePost(Object.hasOwn(fields, 'form') ? fields.form : undefined, maxBytes);
  }
  fail(
    'INVALID_ENCODING',
    "The logout message must be { binding: 'redirect', query } or { binding: 'post', form }",
    {
      hint: encodingHint,
    },
  );
}

/** SAML bindings §3.4.4: parameters of the raw query, each at most once. */
function decodeRedirect(query: unknown, maxBytes: number): DecodedLogout {
  if (typeof query !== 'string')
    fail('INVALID_ENCODING', 'The query string is missing', { hint: encodingHint });
  // base64 grows 4/3 and percent-encoding up to 3×; deflate shrinks. A generous cap before any work.
  if (query.length > maxBytes * 4) {
    fail('SIZE_LIMIT', `The query string is longer than ${maxBytes * 4} characters`, {
      hint: sizeHint(maxBytes),
    });
  }
  const raw = query.startsWith('?') ? query.slice(1) : query;
  // A query as sent is ASCII; anything else was decoded or re-encoded on the way.
  if (!/^[\x21-\x7e]*$/.test(raw)) {
    fail('INVALID_ENCODING', 'The query string holds characters a URL query cannot', { hint: encodingHint });
  }
  const params = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature'].includes(name)) continue;
    if (params.has(name)) {
      fail('INVALID_ENCODING', `The query string carries ${name} twice`, { hint: encodingHint });
    }
    params.set(name, eq < 0 ? '' : part.slice(eq + 1));
  }
  const parameter = messageParameter(params.has('SAMLRequest'), params.has('SAMLResponse'));
  const rawMessage = params.get(parameter) ?? '';
  const rawRelayState = params.get('RelayState');
  const rawSigAlg = params.get('SigAlg');
  const rawSignature = params.get('Signature');

  const bytes = base64(percentDecode(rawMessage, parameter), parameter, maxBytes * 2);
  const xml = utf8(inflate(bytes, maxBytes), parameter);
  const relayState = relayStateOf(
    rawRelayState === undefined ? undefined : percentDecode(rawRelayState, 'RelayState'),
  );

  let querySignature: QuerySignature | undefined;
  if (rawSignature !== undefined || rawSigAlg !== undefined) {
    if (rawSignature === undefined || rawSigAlg === undefined) {
      fail('INVALID_ENCODING', 'The query string has SigAlg without Signature, or Signature without SigAlg', {
        hint: encodingHint,
      });
    }
    // SAML bindings §3.4.4.1: the parameters in this order, as they appeared in the URL, RelayState
    // only when present. Re-encoding them would verify other bytes than the IdP signed.
    const octets = [
      `${parameter}=${rawMessage}`,
      ...(rawRelayState === undefined ? [] : [`RelayState=${rawRelayState}`]),
      `SigAlg=${rawSigAlg}`,
    ].join('&');
    querySignature = {
      sigAlg: percentDecode(rawSigAlg, 'SigAlg'),
      signature: percentDecode(rawSignature, 'Signature'),
      signedOctets: Buffer.from(octets, 'latin1'),
    };
  }
  return {
    binding: 'redirect',
    parameter,
    xml,
    ...(relayState !== undefined && { relayState }),
    ...(querySignature !== undefined && { querySignature }),
  };
}

/** SAML bindings §3.5.4: the base64 field (own properties only) and RelayState. */
function decodePost(form: unknown, maxBytes: number): DecodedLogout {
  if (typeof form !== 'object' || form === null) {
    fail('INVALID_ENCODING', 'The form is missing', { hint: encodingHint });
  }
  const own = (name: string): unknown => fieldOf(form, name);
  const parameter = messageParameter(own('SAMLRequest') !== undefined, own('SAMLResponse') !== undefined);
  const field = own(parameter);
  if (typeof field !== 'string' || field === '') {
    fail('INVALID_ENCODING', `The form's ${parameter} field is not a string`, { hint: encodingHint });
  }
  const rawRelayState = own('RelayState');
  if (rawRelayState !== undefined && typeof rawRelayState !== 'string') {
    fail('INVALID_ENCODING', "The form's RelayState field is not a string", { hint: encodingHint });
  }
  const relayState = relayStateOf(rawRelayState);
  const bytes = base64(field, parameter, maxBytes);
  return {
    binding: 'post',
    parameter,
    xml: utf8(bytes, parameter),
    ...(relayState !== undefined && { relayState }),
  };
}

/**
 * SAML bindings §3.4.3, §3.5.3: at most 80 bytes. It is echoed back in our response, so it must be
 * well-formed Unicode (a lone surrogate has no UTF-8 form). An empty one counts as none.
 */
function relayStateOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (Buffer.byteLength(value, 'utf8') > MAX_RELAY_STATE_BYTES) {
    fail('INVALID_ENCODING', `The RelayState is longer than ${MAX_RELAY_STATE_BYTES} bytes`, {
      hint: 'SAML bindings §3.4.3 limits RelayState to 80 bytes. Check what the IdP sends with its logout messages.',
    });
  }
  if (!isWellFormed(value)) {
    fail('INVALID_ENCODING', 'The RelayState is not well-formed Unicode', {
      hint: 'The RelayState must be text the IdP can receive back unchanged. Check what the IdP sends with its logout messages.',
    });
  }
  return value;
}

function messageParameter(request: boolean, response: boolean): 'SAMLRequest' | 'SAMLResponse' {
  if (request === response) {
    fail(
      'INVALID_ENCODING',
      request
        ? 'The message carries both SAMLRequest and SAMLResponse'
        : 'The message has no SAMLRequest or SAMLResponse',
      { hint: encodingHint },
    );
  }
  return request ? 'SAMLRequest' : 'SAMLResponse';
}

/** application/x-www-form-urlencoded decoding of one raw value ('+' is a space). */
function percentDecode(value: string, what: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch (cause) {
    fail('INVALID_ENCODING', `The ${what} parameter is not percent-encoded properly`, {
      hint: encodingHint,
      cause,
    });
  }
}

function base64(text: string, what: string, maxBytes: number): Buffer {
  if (text.length > maxBytes * 2) {
    fail('SIZE_LIMIT', `The ${what} value is longer than ${maxBytes * 2} characters`, {
      hint: sizeHint(maxBytes),
    });
  }
  const compact = text.replace(/[ \t\r\n]+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    fail('INVALID_ENCODING', `The ${what} value is not valid base64`, { hint: encodingHint });
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) {
    fail('SIZE_LIMIT', `The decoded ${what} is larger than ${maxBytes} bytes`, { hint: sizeHint(maxBytes) });
  }
  return bytes;
}

/** Raw DEFLATE (SAML bindings §3.4.4.1), stopped as soon as the output passes the cap. */
function inflate(bytes: Buffer, maxBytes: number): Buffer {
  const inflated = inflateRawCapped(bytes, maxBytes);
  if (inflated.ok) return inflated.bytes;
  if (inflated.reason === 'too-large') {
    fail('SIZE_LIMIT', `The message inflates to more than ${maxBytes} bytes`, { hint: sizeHint(maxBytes) });
  }
  fail('INVALID_ENCODING', 'The message is not raw DEFLATE data', {
    hint: encodingHint,
    cause: inflated.detail,
  });
}

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    fail('INVALID_ENCODING', `The decoded ${what} is not valid UTF-8`, { hint: encodingHint, cause });
  }
}

function sizeHint(maxBytes: number): string {
  return `samlkit accepts logout messages up to ${maxBytes} bytes (maxMessageBytes); a real one is a few kilobytes. Check what the IdP sends to the SLO URL.`;
}
