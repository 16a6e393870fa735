// A deliberately plain address: one @, no quotes, comments or spaces. The local part may hold
// Unicode letters (SMTPUTF8 addresses exist in the wild); the domain must be ASCII (IDNs in their
// xn-- form), because lower-casing Unicode maps look-alikes such as U+212A KELVIN SIGN onto `k`, and
// the domain decides which tenant may claim the user.
const EMAIL =
  /^([\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62})$/u;

/** An email address with its domain lower-cased (the local part is kept as sent). */
export interface EmailAddress {
  readonly address: string;
  readonly domain: string;
}

/** Parses an address, or returns `undefined` when it is not one samlkit accepts. */
export function parseEmail(value: string): EmailAddress | undefined {
  const match = EMAIL.exec(value);
  if (match === null) return undefined;
  const domain = (match[2] ?? '').toLowerCase();
  return { address: `${match[1] ?? ''}@${domain}`, domain };
}

/** The domain of an address typed by a user (trimmed, lower-cased), or `undefined`. */
export function domainOf(value: string): string | undefined {
  return parseEmail(value.trim())?.domain;
}
