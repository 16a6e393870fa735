import type { ReplayCache, TenantConfig } from '../types.js';

/** A login in progress: what `startLogin` saved and `finishLogin` consumes. */
export interface PendingRequest {
  readonly tenantId: string;
  /** The AuthnRequest ID; the response must answer it (InResponseTo). */
  readonly requestId: string;
  /** The opaque RelayState handle sent with the request; the response must carry it back. */
  readonly relayState: string;
  /** Where to send the user after login: a same-origin relative path, validated by `startLogin`. */
  readonly returnTo?: string;
}

/**
 * Where tenant configurations live. Lookups by email domain and by issuer let the service route
 * users and unsolicited responses. `put` refuses a configuration that claims an email domain
 * another tenant already claims (`DOMAIN_ALREADY_CLAIMED`), atomically.
 */
export interface TenantStore {
  get(id: string): Promise<TenantConfig | undefined>;
  put(config: TenantConfig): Promise<void>;
  /** Returns `false` when there was no such tenant. */
  delete(id: string): Promise<boolean>;
  list(): Promise<TenantConfig[]>;
  /** The tenant that claims this (lower-case) domain in `emailDomains`. */
  findByEmailDomain(domain: string): Promise<TenantConfig | undefined>;
  /** Every tenant whose IdP has this entity ID (several tenants may share an IdP). */
  findByIssuer(issuer: string): Promise<TenantConfig[]>;
  close?(): Promise<void>;
}

/**
 * Short-lived login state and the replay cache. Every operation is atomic and takes an absolute
 * expiry: an entry past it is gone, whatever the store's clock granularity.
 */
export interface StateStore extends ReplayCache {
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
  /** Inserts if absent; `false` when the assertion ID was already there (a replay). */
  remember(tenantId: string, assertionId: string, expiresAt: Date): Promise<boolean>;
  close?(): Promise<void>;
}
