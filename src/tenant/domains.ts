/**
 * Email-domain ownership, the pure part: what a claim is, the DNS TXT record that proves one, how
 * the answer of a lookup is judged, and which domains nobody may claim (public mailboxes). The DNS
 * lookup itself is I/O and lives in `dns.ts`; the store keeps the claims.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import publicMailboxDomains from 'email-providers';
import { fail } from '../internal/fail.js';

/** The label put before a domain to name its verification record: `_samlkit-verification.<domain>`. */
export const DOMAIN_VERIFICATION_LABEL = '_samlkit-verification';

/** What the TXT record's value starts with; the claim's token follows. */
export const DOMAIN_VERIFICATION_PREFIX = 'samlkit-domain-verification=';

/** How a claim was proven. */
export interface DomainVerification {
  /** When it was proven (the latest successful check for DNS). */
  readonly verifiedAt: Date;
  /** `'dns'`: the TXT record was found; `'operator'`: the app's staff vouched for it. */
  readonly method: 'dns' | 'operator';
  /** Who proved it: `'dns'` for a DNS check, else the operator's name or ID as the app gave it. */
  readonly by: string;
}

/**
 * One tenant's claim on one email domain. A claim exists for each domain in the tenant's
 * `emailDomains`; it starts `pending` with a fresh random token and becomes `verified` once the
 * domain's owner proves it (DNS TXT record, or an operator). Only a verified claim routes users,
 * enforces `requireSso` and makes an email trusted (docs/domains.md); of all tenants, at most one
 * holds a domain verified at a time.
 */
export interface DomainClaim {
  /** The tenant that claims the domain. */
  readonly tenantId: string;
  /** The domain, lower-case ASCII (IDNs in their xn-- form). */
  readonly domain: string;
  /** The random token of this tenant's claim on this domain, for the TXT record. */
  readonly token: string;
  /** `'pending'` until proven; `'verified'` afterwards (until demoted). */
  readonly status: 'pending' | 'verified';
  /** How and when it was proven; present exactly when `status` is `'verified'`. */
  readonly verification?: DomainVerification;
}

/** The DNS record that proves a claim: add it in the domain's DNS zone. */
export interface DomainVerificationRecord {
  /** The record's name, e.g. `_samlkit-verification.acme.com`. */
  readonly name: string;
  /** Always `'TXT'`. */
  readonly type: 'TXT';
  /** The record's value, e.g. `samlkit-domain-verification=4kT…`. */
  readonly value: string;
}

/**
 * The TXT record that proves a claim. Show it to the tenant's admin next to a Verify button.
 *
 * @example
 * ```ts
 * const record = domainVerificationRecord(claim);
 * // { name: '_samlkit-verification.acme.com', type: 'TXT', value: 'samlkit-domain-verification=…' }
 * ```
 */
export function domainVerificationRecord(
  claim: Pick<DomainClaim, 'domain' | 'token'>,
): DomainVerificationRecord {
  return {
    name: `${DOMAIN_VERIFICATION_LABEL}.${claim.domain}`,
    type: 'TXT',
    value: `${DOMAIN_VERIFICATION_PREFIX}${claim.token}`,
  };
}

/**
 * Judges the TXT records found at a claim's record name: `true` when one of them is exactly the
 * claim's value (RFC 7208 style: a record split into several strings is joined first). Pure.
 */
export function recordsProveClaim(
  claim: Pick<DomainClaim, 'domain' | 'token'>,
  records: readonly (readonly string[])[],
): boolean {
  const expected = domainVerificationRecord(claim).value;
  return records.some((strings) => strings.join('').trim() === expected);
}

/**
 * Throws `DOMAIN_VERIFICATION_FAILED`, with a hint that shows the exact record to add, unless the
 * records prove the claim.
 */
export function requireRecordsProveClaim(claim: DomainClaim, records: readonly (readonly string[])[]): void {
  if (recordsProveClaim(claim, records)) return;
  const record = domainVerificationRecord(claim);
  const ours = records.filter((strings) => strings.join('').startsWith(DOMAIN_VERIFICATION_PREFIX));
  const found =
    records.length === 0
      ? `No TXT record exists at ${record.name}`
      : ours.length === 0
        ? `The TXT records at ${record.name} hold no samlkit verification value`
        : `The TXT record at ${record.name} holds another token (another tenant's, or an old one)`;
  fail('DOMAIN_VERIFICATION_FAILED', `${found}: ${claim.domain} is not verified`, {
    hint: `In the DNS zone of ${claim.domain}, add a TXT record named ${record.name} with the value ${record.value} (exactly), wait for it to be published (minutes, up to the TTL), then verify again.`,
    expected: record.value,
    received: claim.domain,
    tenantId: claim.tenantId,
  });
}

/** A public mailbox domain check: the app's own domains, then the list of `email-providers`. */
export type PublicEmailDomains = readonly string[] | ((domain: string) => boolean);

/**
 * True for a public mailbox domain (gmail.com, outlook.com, …: the ~8 000 of the `email-providers`
 * package) or one the app adds (`extra`: a list, or a function), which no tenant may claim: its
 * users are not one organisation. Exact match, ignoring case: a subdomain (`contoso.onmicrosoft.com`)
 * may belong to one organisation, and its owner proves it like any other.
 *
 * @example
 * ```ts
 * isPublicEmailDomain('gmail.com'); // true
 * isPublicEmailDomain('example.net', ['example.net']); // true
 * ```
 */
export function isPublicEmailDomain(domain: string, extra?: PublicEmailDomains): boolean {
  if (typeof domain !== 'string') throw new TypeError('domain must be a string');
  const lower = domain.toLowerCase().replace(/\.$/, '');
  const listed = typeof extra === 'function' ? extra : (d: string): boolean => extra?.includes(d) ?? false;
  return PUBLIC.has(lower) || listed(lower);
}

/**
 * The reserved example domains of RFC 2606 §3 belong to no mailbox provider (the list carries
 * example.com anyway): documentation and test tenants use them.
 */
const RESERVED = new Set(['example.com', 'example.net', 'example.org']);
const PUBLIC: ReadonlySet<string> = new Set(
  publicMailboxDomains.map((d) => d.toLowerCase()).filter((d) => !RESERVED.has(d)),
);

/** Throws `PUBLIC_EMAIL_DOMAIN` for a domain {@link isPublicEmailDomain} lists. */
export function refusePublicEmailDomain(
  domain: string,
  tenantId: string,
  extra: PublicEmailDomains | undefined,
): void {
  if (!isPublicEmailDomain(domain, extra)) return;
  fail('PUBLIC_EMAIL_DOMAIN', `${domain} is a public mailbox domain; no tenant can own it`, {
    hint: `Users of ${domain} are not one organisation. Remove ${domain} from the tenant's email domains; its users sign in with their tenant's login URL or with a password.`,
    received: domain,
    tenantId,
  });
}

/** A fresh random claim token: 128 bits, base64url. */
export function newClaimToken(): string {
  return randomBytes(16).toString('base64url');
}
