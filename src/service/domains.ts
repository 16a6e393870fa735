/**
 * Domain ownership for the app's admin pages and schedulers: list a tenant's claims with the DNS
 * record each needs, verify by DNS or by an operator, demote, and re-verify on a schedule. The
 * judgement is pure (`tenant/domains.ts`), the lookup injectable (`tenant/dns.ts`), the state in the
 * tenant store (one verified holder per domain, atomically).
 *
 * @module
 */
import type { Clock } from '../types.js';
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import type { TenantStore } from '../store/types.js';
import { emitter, type EventHandler } from './events.js';
import { createTxtLookup, type TxtLookup } from '../tenant/dns.js';
import {
  domainVerificationRecord,
  recordsProveClaim,
  refusePublicEmailDomain,
  requireRecordsProveClaim,
  type DomainClaim,
  type DomainVerification,
  type DomainVerificationRecord,
  type PublicEmailDomains,
} from '../tenant/domains.js';

/** Options of {@link createDomainOwnership}. */
export interface DomainOwnershipOptions {
  /** The tenant store that keeps the claims (the one the service provider routes with). */
  readonly tenants: TenantStore;
  /** Looks up TXT records. Default: {@link createTxtLookup} with the system's DNS servers. */
  readonly resolveTxt?: TxtLookup;
  /** The clock (`verifiedAt`). Default: the system clock. */
  readonly now?: Clock;
  /** Public mailbox domains the app adds to the built-in list: never verified. */
  readonly publicEmailDomains?: PublicEmailDomains;
  /** Receives `saml.domain.verified` when a claim is verified or re-verified; see {@link SamlEvent}. */
  readonly onEvent?: EventHandler;
}

/** A claim with the DNS record that proves it, for an admin page. */
export type DomainClaimView = DomainClaim & {
  /** The TXT record the domain's owner adds. */
  readonly record: DomainVerificationRecord;
};

/** What {@link DomainOwnership.reverify} did. */
export interface ReverificationReport {
  /** DNS-verified claims whose record is still there (their `verifiedAt` is now). */
  readonly confirmed: readonly DomainClaim[];
  /** DNS-verified claims whose record is gone or changed: pending again, routing nothing. */
  readonly demoted: readonly DomainClaim[];
  /** Claims whose lookup failed (timeout, SERVFAIL): left as they were, to be tried next time. */
  readonly failed: readonly {
    /** The claim, as it still is. */
    readonly claim: DomainClaim;
    /** Why it could not be checked (`DOMAIN_LOOKUP_FAILED`, `STORE_UNAVAILABLE`, …). */
    readonly error: SamlError;
  }[];
}

/** Proves and revokes tenants' email-domain claims; made by {@link createDomainOwnership}. */
export interface DomainOwnership {
  /** The tenant's claims with the TXT record each needs, sorted by domain. */
  claims(tenantId: string): Promise<DomainClaimView[]>;
  /**
   * Looks up `_samlkit-verification.<domain>` and, when a TXT record holds the claim's value,
   * makes the claim verified (`method: 'dns'`).
   *
   * @throws SamlError `DOMAIN_NOT_CLAIMED`, `PUBLIC_EMAIL_DOMAIN`, `DOMAIN_VERIFICATION_FAILED`
   *   (missing or wrong record; the hint shows the record to add), `DOMAIN_LOOKUP_FAILED`,
   *   `DOMAIN_ALREADY_CLAIMED` (another tenant holds it verified), `STORE_UNAVAILABLE`.
   */
  verifyByDns(tenantId: string, domain: string): Promise<DomainClaimView>;
  /**
   * The app's staff vouch for the claim (after checking by other means, or to migrate claims they
   * know to be right): verified with `method: 'operator'` and `by`. Only for the app's own staff,
   * never for a tenant's admin.
   *
   * @throws SamlError `DOMAIN_NOT_CLAIMED`, `PUBLIC_EMAIL_DOMAIN`, `DOMAIN_ALREADY_CLAIMED`,
   *   `STORE_UNAVAILABLE`; a `TypeError` when `by` is empty.
   */
  verifyByOperator(
    tenantId: string,
    domain: string,
    options: { readonly by: string },
  ): Promise<DomainClaimView>;
  /**
   * Makes the claim pending again (the domain changed hands, or was verified by mistake): it
   * routes nothing from now on.
   *
   * @throws SamlError `DOMAIN_NOT_CLAIMED`, `STORE_UNAVAILABLE`.
   */
  demote(tenantId: string, domain: string): Promise<DomainClaimView>;
  /**
   * Checks every DNS-verified claim of every tenant (or of `tenantIds`) again: a record still
   * there confirms the claim, a record gone or changed (a definitive answer) demotes it, and a
   * failed lookup changes nothing. Operator-verified claims are left alone. Call it on a schedule
   * (daily, say) from one instance; nothing runs in the background.
   */
  reverify(options?: { readonly tenantIds?: readonly string[] }): Promise<ReverificationReport>;
}

/**
 * Domain ownership the way enterprise SSO products do it: a tenant lists its domains
 * (`emailDomains`), each becomes a pending claim with a random token, and the domain's owner
 * proves it with a DNS TXT record `_samlkit-verification.<domain>` = `samlkit-domain-verification=<token>`
 * (or the app's staff vouch for it). Only verified domains route users, turn off password login
 * and make emails trusted. See docs/domains.md.
 *
 * @example
 * ```ts
 * const ownership = createDomainOwnership({ tenants: store });
 * const [claim] = await ownership.claims('acme');
 * // Show claim.record.name, claim.record.value and a Verify button; on click:
 * await ownership.verifyByDns('acme', 'acme.com');
 * // Daily, from one instance:
 * const { demoted } = await ownership.reverify();
 * ```
 * @throws TypeError when `tenants` is not a tenant store with domain claims.
 */
export function createDomainOwnership(options: DomainOwnershipOptions): DomainOwnership {
  const { tenants } = options;
  if (
    typeof tenants !== 'object' ||
    (tenants as unknown) === null ||
    typeof (tenants as Partial<TenantStore>).domainClaims !== 'function' ||
    typeof (tenants as Partial<TenantStore>).setDomainVerification !== 'function'
  )
    throw new TypeError('options.tenants must be a TenantStore with domainClaims and setDomainVerification');
  const resolveTxt = options.resolveTxt ?? createTxtLookup();
  if (typeof resolveTxt !== 'function') throw new TypeError('options.resolveTxt must be a function');
  const now = (): Date => currentTime(options.now, 'options.now');

  async function claimOf(tenantId: string, domain: string): Promise<DomainClaim> {
    if (typeof tenantId !== 'string') throw new TypeError('tenantId must be a string');
    if (typeof domain !== 'string') throw new TypeError('domain must be a string');
    const lower = domain.trim().toLowerCase();
    const claim = (await guard(() => tenants.domainClaims(tenantId))).find((c) => c.domain === lower);
    if (claim === undefined) notClaimed(tenantId, lower);
    return claim;
  }

  const emit = emitter(options.onEvent, 'options.onEvent');

  async function set(claim: DomainClaim, verification: DomainVerification | null): Promise<DomainClaimView> {
    const updated = await guard(() =>
      tenants.setDomainVerification(claim.tenantId, claim.domain, verification),
    );
    if (updated === undefined) notClaimed(claim.tenantId, claim.domain);
    if (verification !== null) {
      emit({
        name: 'saml.domain.verified',
        time: verification.verifiedAt,
        attributes: {
          'saml.tenant.id': claim.tenantId,
          'saml.domain': claim.domain,
          'saml.domain.verification_method': verification.method,
          'saml.domain.reverified': claim.verification !== undefined,
        },
      });
    }
    return view(updated);
  }

  async function lookup(claim: DomainClaim): Promise<readonly (readonly string[])[]> {
    const { name } = domainVerificationRecord(claim);
    try {
      return await resolveTxt(name);
    } catch (cause) {
      fail('DOMAIN_LOOKUP_FAILED', `The DNS lookup of ${name} failed; nothing was decided`, {
        hint: `The DNS servers did not answer for ${name} (timeout, SERVFAIL or refused). Check that ${claim.domain}'s name servers are up, then try again.`,
        received: claim.domain,
        tenantId: claim.tenantId,
        cause,
      });
    }
  }

  return {
    async claims(tenantId) {
      if (typeof tenantId !== 'string') throw new TypeError('tenantId must be a string');
      return (await guard(() => tenants.domainClaims(tenantId))).map(view);
    },

    async verifyByDns(tenantId, domain) {
      const claim = await claimOf(tenantId, domain);
      refusePublicEmailDomain(claim.domain, tenantId, options.publicEmailDomains);
      requireRecordsProveClaim(claim, await lookup(claim));
      return set(claim, { verifiedAt: now(), method: 'dns', by: 'dns' });
    },

    async verifyByOperator(tenantId, domain, operator) {
      const by: unknown = (operator as { by?: unknown } | undefined)?.by;
      if (typeof by !== 'string' || by.trim() === '')
        throw new TypeError('options.by must name the operator (a non-empty string)');
      const claim = await claimOf(tenantId, domain);
      refusePublicEmailDomain(claim.domain, tenantId, options.publicEmailDomains);
      return set(claim, { verifiedAt: now(), method: 'operator', by });
    },

    async demote(tenantId, domain) {
      return set(await claimOf(tenantId, domain), null);
    },

    async reverify(reverifyOptions = {}) {
      const ids = reverifyOptions.tenantIds ?? (await guard(() => tenants.list())).map((tenant) => tenant.id);
      const confirmed: DomainClaim[] = [];
      const demoted: DomainClaim[] = [];
      const failed: { claim: DomainClaim; error: SamlError }[] = [];
      for (const tenantId of ids) {
        for (const claim of await guard(() => tenants.domainClaims(tenantId))) {
          if (claim.verification?.method !== 'dns') continue;
          try {
            const records = await lookup(claim);
            if (recordsProveClaim(claim, records))
              confirmed.push(await set(claim, { verifiedAt: now(), method: 'dns', by: 'dns' }));
            else demoted.push(await set(claim, null));
          } catch (error) {
            if (!(error instanceof SamlError)) throw error;
            failed.push({ claim, error });
          }
        }
      }
      return { confirmed, demoted, failed };
    },
  };
}

function view(claim: DomainClaim): DomainClaimView {
  return Object.freeze({ ...claim, record: Object.freeze(domainVerificationRecord(claim)) });
}

function notClaimed(tenantId: string, domain: string): never {
  fail('DOMAIN_NOT_CLAIMED', `Tenant ${tenantId} does not claim ${domain}`, {
    hint: `Add ${domain} to the tenant's email domains (emailDomains) and save, then verify it.`,
    received: domain,
    tenantId,
  });
}

/** Store calls fail closed: anything but a SamlError (or a TypeError of ours) becomes STORE_UNAVAILABLE. */
async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof SamlError || cause instanceof TypeError) throw cause;
    fail('STORE_UNAVAILABLE', 'The tenant store failed', {
      hint: 'The tenant store is unreachable. Check the Redis/PostgreSQL connection of the application.',
      cause,
    });
  }
}
