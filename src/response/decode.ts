import { fail } from '../internal/fail.js';
import { fieldOf } from '../internal/form.js';

export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

const encodingHint =
  "The ACS must receive the IdP's HTTP-POST form unchanged: the SAMLResponse field holds base64 (SAML bindings §3.5.4). Check the body parser (application/x-www-form-urlencoded) and that the IdP uses the HTTP-POST binding for this ACS URL.";

/**
 * Takes the SAMLResponse field of an HTTP-POST binding form (SAML bindings §3.5.4) and returns the
 * XML text. The size is capped before decoding (docs/security.md rule 2); the base64 must be strict
 * (canonical, optionally wrapped) and the bytes valid UTF-8.
 */
export function decodePostedResponse(form: unknown, maxBytes: number): string {
  if (typeof form !== 'object' || form === null) {
    fail('INVALID_ENCODING', 'The form is missing', { hint: encodingHint });
  }
  // Own properties only: a parsed body must not find its SAMLResponse on a polluted prototype.
  const field = fieldOf(form, 'SAMLResponse');
  if (typeof field !== 'string' || field === '') {
    fail('INVALID_ENCODING', 'The form has no SAMLResponse field', { hint: encodingHint });
  }
  // base64 grows 4/3; allow generously for line wrapping, then check the exact decoded size.
  if (field.length > maxBytes * 2) {
    fail('SIZE_LIMIT', `The SAMLResponse field is longer than ${maxBytes * 2} characters`, {
      hint: sizeHint(maxBytes),
    });
  }
  const bytes = strictBase64(field);
  if (bytes === undefined) {
    fail('INVALID_ENCODING', 'The SAMLResponse field is not valid base64', { hint: encodingHint });
  }
  if (bytes.length > maxBytes) {
    fail('SIZE_LIMIT', `The decoded response is larger than ${maxBytes} bytes`, { hint: sizeHint(maxBytes) });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    fail('INVALID_ENCODING', 'The decoded response is not valid UTF-8', { hint: encodingHint, cause });
  }
}

/**
 * The bytes of canonical base64 (RFC 4648 §4, padded; §3.5: unused bits zero), which may be wrapped
 * with spaces, tabs and line breaks; `undefined` for anything else, including the empty string.
 * Node's decoder is lenient (it skips what is not in the alphabet and takes base64url too), so the
 * bytes are encoded again and must give back exactly the text: one pass each way, cheaper than a
 * regular expression over the text (a 4 MiB response is ~5.6 million characters).
 */
function strictBase64(field: string): Buffer | undefined {
  let bytes = Buffer.from(field, 'base64');
  if (bytes.toString('base64') !== field) {
    // IdPs may wrap the base64 (at 76 columns, say): unwrapped, it must be canonical too.
    const compact = field.replace(/[ \t\r\n]+/g, '');
    if (compact === field) return undefined;
    bytes = Buffer.from(compact, 'base64');
    if (bytes.toString('base64') !== compact) return undefined;
  }
  return bytes.length === 0 ? undefined : bytes;
}

function sizeHint(maxBytes: number): string {
  return `samlkit accepts responses up to ${maxBytes} bytes (checks.maxResponseBytes). If the IdP sends very many groups, have it send group IDs or filter the groups for this application.`;
}
