import { domainToASCII } from 'node:url';

// A deliberately plain address: one @, no quotes, comments or spaces. The local part may hold
// Unicode letters (SMTPUTF8 addresses exist in the wild); the domain must be ASCII (IDNs in their
// xn-- form), because lower-casing Unicode maps look-alikes such as U+212A KELVIN SIGN onto `k`, and
// the domain decides which tenant may claim the user.
const EMAIL =
  /^([\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62})$/u;

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, the address inside its brackets 254. */
export const MAX_EMAIL_OCTETS = 254;

/** An email address in samlkit's normal form: the local part as sent, the domain lower-case ASCII. */
export interface EmailAddress {
  readonly address: string;
  readonly domain: string;
}

/**
 * Parses an address that must already be in normal form (what an IdP asserts): the local part in
 * NFKC, the domain ASCII (its case is folded), at most 254 octets. Anything else is `undefined`:
 * an asserted identity is never rewritten into another one.
 */
export function parseEmail(value: string): EmailAddress | undefined {
  if (value.length > MAX_EMAIL_OCTETS || Buffer.byteLength(value, 'utf8') > MAX_EMAIL_OCTETS)
    return undefined;
  const match = EMAIL.exec(value);
  if (match === null) return undefined;
  const local = match[1] ?? '';
  // A compatibility character (fullwidth letters, ligatures) would be another address to an app
  // that normalises with NFKC, as many do before comparing.
  if (local.normalize('NFKC') !== local) return undefined;
  const domain = (match[2] ?? '').toLowerCase();
  return { address: `${local}@${domain}`, domain };
}

/**
 * Brings an address a person typed into the normal form, the way browsers and apps compare them
 * (docs/security.md rule 26): NFKC (fullwidth `＠` and letters), white space trimmed, the domain through
 * UTS #46 (`domainToASCII`: case, IDNs, ignorable characters) without a trailing dot. What still
 * does not parse, or is longer than 254 octets, is `undefined`: the caller refuses it rather than
 * guess, because an app might normalise it into an address whose domain requires SSO.
 */
export function normalizeTypedEmail(value: string): EmailAddress | undefined {
  if (value.length > MAX_EMAIL_OCTETS * 4) return undefined;
  const text = value.normalize('NFKC').trim();
  const at = text.lastIndexOf('@');
  if (at <= 0) return undefined;
  let domain = domainToASCII(text.slice(at + 1));
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (domain === '') return undefined;
  return parseEmail(`${text.slice(0, at)}@${domain}`);
}
