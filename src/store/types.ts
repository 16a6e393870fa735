import type { DomainClaim, DomainVerification } from '../tenant/domains.js';
import type { ReplayCache, TenantConfig } from '../types.js';
import type { AdminSsoLogin, DraftTest, SetupDraft, SsoToggles, TenantSetup } from './setup-record.js';

/** A login in progress: what `startLogin` saved and `finishLogin` consumes. */
export interface PendingRequest {
  /** The tenant the request was sent for; the response must be verified against it. */
  readonly tenantId: string;
  /** The AuthnRequest ID; the response must answer it (InResponseTo). */
  readonly requestId: string;
  /** The opaque RelayState handle sent with the request; the response must carry it back. */
  readonly relayState: string;
  /**
   * The SHA-256 (base64url) of the browser secret `startLogin` handed out: the response must be
   * posted by the browser holding that secret (login CSRF, docs/security.md rule 23).
   */
  readonly browserBinding: string;
  /** Where to send the user after login: a same-origin relative path, validated by `startLogin`. */
  readonly returnTo?: string;
  /** Step-up: the most seconds since the user authenticated at the IdP that the login accepts. */
  readonly maxAuthnAgeSeconds?: number;
}

/**
 * Where tenant configurations and their email-domain claims live. Lookups by email domain and by
 * issuer let the service route users and unsolicited responses.
 *
 * Each domain in a tenant's `emailDomains` is a claim, `pending` (with a random token for its DNS
 * record) until proven, then `verified`. Pending claims block nobody: several tenants may claim one
 * domain, and only a verified claim routes (`findByEmailDomain`). At most one tenant holds a domain
 * verified, atomically (`setDomainVerification`), which supersedes the others' pending claims:
 * they route nothing and cannot be verified while it stands. See docs/domains.md.
 */
export interface TenantStore {
  /** The tenant with this ID, or `undefined` when there is none. */
  get(id: string): Promise<TenantConfig | undefined>;
  /**
   * Validates with `defineTenant` (a `TypeError` listing the problems when invalid) and stores the
   * configuration, replacing the tenant with the same ID. Each newly listed domain gets a pending
   * claim with a fresh random token; claims of domains still listed keep their state and token;
   * claims of domains no longer listed are dropped (a verified one frees the domain). Never
   * refused because another tenant claims a domain.
   */
  put(config: TenantConfig): Promise<void>;
  /** Returns `false` when there was no such tenant. */
  delete(id: string): Promise<boolean>;
  /** Every tenant, sorted by ID. */
  list(): Promise<TenantConfig[]>;
  /**
   * The tenant that holds this domain **verified**; pending claims are never returned. Matching
   * ignores ASCII case only.
   */
  findByEmailDomain(domain: string): Promise<TenantConfig | undefined>;
  /** Every tenant whose IdP has this entity ID (several tenants may share an IdP). */
  findByIssuer(issuer: string): Promise<TenantConfig[]>;
  /** The tenant's claims, one per domain of its `emailDomains`, sorted by domain; `[]` for an unknown tenant. */
  domainClaims(tenantId: string): Promise<DomainClaim[]>;
  /**
   * Makes the tenant's claim on `domain` verified (`verification`) or pending again (`null`), in
   * one atomic step. Verifying is refused with `DOMAIN_ALREADY_CLAIMED` (hint naming the holder)
   * while another tenant holds the domain verified: of concurrent verifications of one domain by
   * several tenants, exactly one wins. Resolves the updated claim, or `undefined` when the tenant
   * does not claim the domain. Use the checks of `createDomainOwnership` rather than calling it.
   */
  setDomainVerification(
    tenantId: string,
    domain: string,
    verification: DomainVerification | null,
  ): Promise<DomainClaim | undefined>;
  /** Later calls reject with `STORE_UNAVAILABLE`; closing twice is harmless. */
  close?(): Promise<void>;
}

/**
 * Short-lived login state and the replay cache. Every operation is atomic and takes an absolute
 * expiry: an entry past it is gone, whatever the store's clock granularity.
 */
export interface StateStore extends ReplayCache {
  /**
   * Saves the request under its ID until `expiresAt`. Saving an ID again replaces the request; a
   * deadline already past stores nothing.
   */
  saveRequest(request: PendingRequest, expiresAt: Date): Promise<void>;
  /**
   * Reads a pending request without consuming it, by ID alone: how `finishLogin` finds the tenant
   * of a response posted to a shared ACS URL. The result is unverified input until
   * `consumeRequest` succeeds for that tenant.
   */
  findRequest(requestId: string): Promise<PendingRequest | undefined>;
  /**
   * Fetches and deletes in one step: of several concurrent callers, exactly one gets the request.
   * A request of another tenant is not returned and not deleted.
   */
  consumeRequest(tenantId: string, requestId: string): Promise<PendingRequest | undefined>;
  /**
   * Inserts if absent, keyed by tenant and assertion ID. `true` only when this call stored the
   * entry, kept until `expiresAt`; `false` when a live entry is there (a replay) or when
   * `expiresAt` is already past by the store's clock (nothing can be kept, so it fails closed).
   */
  remember(tenantId: string, assertionId: string, expiresAt: Date): Promise<boolean>;
  /** Later calls reject with `STORE_UNAVAILABLE`; closing twice is harmless. */
  close?(): Promise<void>;
}

/**
 * What a login leaves behind for Single Logout (SAML profiles §4.4): whom the IdP signed in, in
 * which of its sessions, and the app's own session that login opened.
 */
export interface SamlSession {
  /** The tenant the login was verified for. */
  readonly tenantId: string;
  /** The app's session ID (its cookie's session), to end when the IdP logs the user out. */
  readonly appSessionId: string;
  /** The NameID value of the login's assertion. */
  readonly nameId: string;
  /** The NameID Format of the login's assertion. */
  readonly nameIdFormat: string;
  /** The NameID's NameQualifier, when the assertion had one. */
  readonly nameQualifier?: string;
  /** The NameID's SPNameQualifier, when the assertion had one. */
  readonly spNameQualifier?: string;
  /** The AuthnStatement's SessionIndex, when the IdP sent one. */
  readonly sessionIndex?: string;
}

/**
 * The SAML sessions behind the app's sessions, for Single Logout. Keyed by tenant and app session
 * ID; found by tenant and NameID (and SessionIndex). Every operation is atomic and takes an
 * absolute expiry: an entry past it is gone.
 */
export interface SessionStore {
  /**
   * Saves the session under (tenant, app session ID) until `expiresAt`, replacing one saved under
   * the same key; a deadline already past stores nothing.
   */
  saveSession(session: SamlSession, expiresAt: Date): Promise<void>;
  /**
   * The live sessions of this tenant whose NameID value is `nameId`, and, when `sessionIndex` is
   * given, whose SessionIndex is that one; sorted by app session ID. The caller compares Format
   * and qualifiers.
   */
  findSessions(tenantId: string, nameId: string, sessionIndex?: string): Promise<SamlSession[]>;
  /**
   * Fetches and deletes in one step: of several concurrent callers, exactly one gets the session;
   * `undefined` when there is none (or it expired).
   */
  deleteSession(tenantId: string, appSessionId: string): Promise<SamlSession | undefined>;
}

/**
 * A tenant's staged IdP configuration (the admin's setup flow, docs/admin-setup.md): at most one
 * draft with its test result, the settings the last promotion replaced, and the admin's last SSO
 * login. Every method is one atomic step per tenant; each resolves `false` when the tenant does not
 * exist or the step does not apply (another draft revision, an untested draft, nothing to restore),
 * and then changes nothing.
 */
export interface SetupStore {
  /** The tenant's setup record (`{}` when it has none yet), or `undefined` for an unknown tenant. */
  getSetup(tenantId: string): Promise<TenantSetup | undefined>;
  /**
   * Saves the draft, replacing any other (and its test result); with `onlyIfNone`, only when there
   * is no draft (`false` otherwise), decided in the same step as the write.
   */
  saveDraft(
    tenantId: string,
    draft: SetupDraft,
    options?: { readonly onlyIfNone?: boolean },
  ): Promise<boolean>;
  /** Records the test connection of the draft revision `revision`; `false` when the draft changed since. */
  recordDraftTest(tenantId: string, revision: string, test: DraftTest): Promise<boolean>;
  /** Drops the draft. */
  discardDraft(tenantId: string): Promise<boolean>;
  /**
   * Makes the draft's IdP settings live, in one step with the tenant's configuration (its issuer
   * index too): only the revision `revision`, and only when its test passed. The settings it
   * replaces become `previous`; the draft is gone. The rest of the live configuration (SP keys,
   * domains, toggles) is kept as stored.
   */
  promoteDraft(tenantId: string, revision: string, at: Date): Promise<boolean>;
  /** Swaps the live IdP settings with `previous`, in one step (so restoring twice undoes the restore). */
  restorePrevious(tenantId: string, at: Date): Promise<boolean>;
  /** Records an admin's successful SSO login (the require-SSO guard asks for one). */
  recordAdminLogin(tenantId: string, login: AdminSsoLogin): Promise<boolean>;
  /**
   * Flips switches of the live configuration (SAML on, require SSO, break-glass addresses) in one
   * step with what is stored, so that they never write back IdP settings a promotion replaced
   * meanwhile. Turning `requireSso` on applies only while the recorded admin login went through the
   * live IdP settings (`false` otherwise, and for an unknown tenant).
   */
  setSsoToggles(tenantId: string, toggles: SsoToggles): Promise<boolean>;
}
