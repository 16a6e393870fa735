/**
 * Email-domain ownership, gathered for the main entry point: the claim model and its DNS record
 * (`tenant/domains.ts`), the TXT lookup (`tenant/dns.ts`) and the ownership API
 * (`service/domains.ts`).
 *
 * @module
 */
export {
  createDomainOwnership,
  type DomainClaimView,
  type DomainOwnership,
  type DomainOwnershipOptions,
  type ReverificationReport,
} from './service/domains.js';
export { createTxtLookup, type TxtLookup, type TxtLookupOptions } from './tenant/dns.js';
export {
  DOMAIN_VERIFICATION_LABEL,
  DOMAIN_VERIFICATION_PREFIX,
  domainVerificationRecord,
  isPublicEmailDomain,
  type DomainClaim,
  type DomainVerification,
  type DomainVerificationRecord,
  type PublicEmailDomains,
} from './tenant/domains.js';
