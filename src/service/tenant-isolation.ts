/**
 * What keeps one tenant's configuration from capturing or breaking another's logins (docs/security.md
 * rule 17, 27, 28): which tenant an unsolicited response goes to when several share its issuer,
 * and whether a login's email domain is verified for its tenant.
 *
 * @module
 */
import type { UnverifiedResponseHints } from '../response/read.js';
import type { TenantStore } from '../store/types.js';
import type { TenantConfig } from '../types.js';

/** The tenants an unsolicited response may be for, and whether an email domain picked the one. */
export interface UnsolicitedCandidates {
  readonly candidates: readonly TenantConfig[];
  /**
   * The one candidate was picked because it holds verified the domain of an email in the response:
   * the verified profile's email must then be in a domain verified for it.
   */
  readonly pickedByEmailDomain: boolean;
}

/**
 * Narrows the tenants that accept unsolicited responses from one issuer. Any tenant's admin can
 * copy another tenant's IdP entity ID and its public certificate (issuer squatting); with nothing
 * else, every IdP-initiated login of the victim would be ambiguous. So, using unverified values
 * only to choose (the chosen tenant's verification decides):
 * 1. the tenants whose SP entity ID is an Audience of the assertion (SAML core §2.5.1.4): the
 *    victim's IdP names the victim's SP entity ID, which the app assigns per tenant;
 * 2. if several remain (the squatter copied that too), the one tenant that holds verified the
 *    domain of an email in the response. A squatter cannot verify the victim's domain; the
 *    profile's email must then be in a domain verified for the chosen tenant.
 * Otherwise every candidate stays, and the caller reports `TENANT_AMBIGUOUS`.
 */
export async function narrowUnsolicited(
  tenants: TenantStore,
  candidates: readonly TenantConfig[],
  routing: UnverifiedResponseHints,
): Promise<UnsolicitedCandidates> {
  if (candidates.length <= 1) return { candidates, pickedByEmailDomain: false };
  const { audiences } = routing;
  const byAudience = candidates.filter((config) => audiences.includes(config.sp.entityId));
  if (byAudience.length === 1) return { candidates: byAudience, pickedByEmailDomain: false };
  const remaining = byAudience.length === 0 ? candidates : byAudience;
  const owners: TenantConfig[] = [];
  for (const domain of routing.emailDomains) {
    const holder = await tenants.findByEmailDomain(domain);
    const candidate = remaining.find((config) => config.id === holder?.id);
    if (candidate !== undefined && !owners.includes(candidate)) owners.push(candidate);
  }
  return owners.length === 1
    ? { candidates: owners, pickedByEmailDomain: true }
    : { candidates: remaining, pickedByEmailDomain: false };
}
