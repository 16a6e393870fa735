/**
 * The embedded store: tenants, pending requests and the replay cache in this process's memory.
 *
 * @module
 */
import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import { defineTenant, type Tenant } from '../tenant/define.js';
import type { TenantConfig, Clock } from '../types.js';
import { ExpiryHeap } from './expiry-heap.js';
import type {
  PendingRequest,
  SamlSession,
  SessionStore,
  SetupStore,
  StateStore,
  TenantStore,
} from './types.js';
import {
  applySetupChange,
  checkSetupChange,
  type SetupChange,
  type TenantSetup,
  SetupChanges,
} from './setup-record.js';
import { newClaimToken, type DomainClaim, type DomainVerification } from '../tenant/domains.js';
import {
  alreadyVerified,
  asciiLowerCase,
  checkRequest,
  checkSession,
  checkVerification,
  claimOf,
  compare,
  requireString,
  sessionOf,
  storedClaim,
  timeOf,
  type StoredClaim,
} from './arguments.js';

/** How many Single Logout sessions a {@link MemoryStore} holds by default. */
export const DEFAULT_MAX_SESSIONS = 100_000;

/** How many pending requests (logins started, not yet finished) a {@link MemoryStore} holds by default. */
export const DEFAULT_MAX_PENDING_REQUESTS = 100_000;

/** How many replay entries (assertions accepted and still valid) a {@link MemoryStore} holds by default. */
export const DEFAULT_MAX_REPLAY_ENTRIES = 100_000;

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most pending requests held at once. Anyone can start a login, so a flood of `startLogin`
   * calls can fill this budget: the store then refuses new logins with `STORE_UNAVAILABLE` until
   * some expire, and never drops a pending request to make room, so the logins already in progress
   * still finish. Default {@link DEFAULT_MAX_PENDING_REQUESTS}.
   */
  readonly maxPendingRequests?: number;
  /**
   * The most replay entries held at once. Only an assertion the IdP signed adds one, and pending
   * requests never take their places, so finishing a login does not fail because logins were
   * started. When full of live entries the store refuses with `STORE_UNAVAILABLE` rather than
   * forget one. Default {@link DEFAULT_MAX_REPLAY_ENTRIES}.
   */
  readonly maxReplayEntries?: number;
  /**
   * The clock that decides expiry. Give it the same clock as `verifyResponse` (`checks.now`) when
   * you fix the time in tests. Default: the system clock.
   */
  readonly now?: Clock;
  /**
   * The most Single Logout sessions (`saveSession`) held at once, a budget of their own so that
   * sessions never crowd out logins in progress. A full store refuses new ones
   * (`STORE_UNAVAILABLE`). Default {@link DEFAULT_MAX_SESSIONS}.
   */
  readonly maxSessions?: number;
}

/** A Single Logout session in memory; `heapIndex` is its place in the session expiry heap. */
interface SessionEntry {
  readonly key: string;
  readonly session: SamlSession;
  readonly expiresAt: number;
  heapIndex: number;
}

/** A pending request or a replay entry; `heapIndex` is its place in the expiry heap. */
type Entry = (
  { readonly kind: 'request'; readonly request: PendingRequest } | { readonly kind: 'replay' }
) & { readonly key: string; readonly expiresAt: number; heapIndex: number };

/**
 * A {@link TenantStore}, {@link StateStore} and {@link SessionStore} in this process's memory; see
 * {@link createMemoryStore}.
 */
export interface MemoryStore extends TenantStore, StateStore, SessionStore, SetupStore {
  /** Drops everything; later calls reject with `STORE_UNAVAILABLE`. Closing twice is harmless. */
  close(): Promise<void>;
}

/**
 * The store for one process: a {@link TenantStore} and a {@link StateStore} in memory, with no
 * dependencies. Good for a single instance and for tests; with several instances, logins started
 * on one cannot finish on another and each has its own replay cache: use the Redis or PostgreSQL
 * store there.
 *
 * Every operation runs to completion synchronously before its promise settles, so each is atomic:
 * of concurrent `consumeRequest` calls exactly one gets the request, of concurrent `remember` calls
 * exactly one gets `true` (SAML profiles §4.1.4.5: a bearer assertion is accepted once), and of
 * concurrent verifications of one email domain by several tenants exactly one succeeds. Memory is bounded by two
 * separate budgets, `maxPendingRequests` and `maxReplayEntries`, so that unauthenticated
 * `startLogin` calls cannot take the places of replay entries; expired entries are dropped as new
 * ones arrive (each in O(log n), no timers), and a budget full of live entries refuses new ones
 * (`STORE_UNAVAILABLE`) instead of forgetting one: a forgotten replay entry would let that assertion
 * be used again, a forgotten pending request would fail a login in progress.
 *
 * @param options `maxPendingRequests`, `maxReplayEntries` and `maxSessions` (default 100 000 each) and
 *   `now` (default: the system clock).
 * @throws TypeError when a budget is not a positive whole number or `now` not a function.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * await store.put({
 *   id: 'acme',
 *   sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
 *   idp: { entityId: 'https://idp.acme.com/', certificates: [pem] },
 *   emailDomains: ['acme.com'],
 * });
 * const tenant = await store.findByEmailDomain('acme.com');
 * const profile = await verifyResponse(tenant, req.body, { inResponseTo, replayCache: store });
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new InMemoryStore(options);
}

class InMemoryStore extends SetupChanges implements MemoryStore {
  readonly #maxPendingRequests: number;
  readonly #maxReplayEntries: number;
  readonly #maxSessions: number;
  /** Single Logout sessions by {@link replayKey}(tenant, app session ID), and their expiries. */
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #sessionExpiries = new ExpiryHeap<SessionEntry>();
  /** {@link replayKey}(tenant, NameID) → the keys of its sessions: logout finds them without a scan. */
  readonly #sessionsByName = new Map<string, Set<string>>();
  readonly #clock: (() => Date) | undefined;
  #closed = false;
  /** Pending requests by request ID (unique across tenants). */
  readonly #requests = new Map<string, Entry>();
  /** Replay entries by {@link replayKey}. */
  readonly #replays = new Map<string, Entry>();
  /** Every entry of both maps, earliest expiry first. */
  readonly #expiries = new ExpiryHeap<Entry>();
  readonly #tenants = new Map<string, Tenant>();
  /** Lower-case email domain → the ID of the tenant that holds it verified. */
  readonly #domains = new Map<string, string>();
  /** Tenant ID → its claims by lower-case domain. */
  readonly #claims = new Map<string, Map<string, StoredClaim>>();
  /** IdP entity ID → the IDs of the tenants that trust that IdP. */
  readonly #issuers = new Map<string, Set<string>>();
  /** Tenant ID → its staged IdP configuration (setup flow). */
  readonly #setups = new Map<string, TenantSetup>();

  constructor(options: MemoryStoreOptions = {}) {
    super();
    const budget = (name: 'maxPendingRequests' | 'maxReplayEntries', fallback: number): number => {
      const value = options[name] ?? fallback;
      if (!Number.isSafeInteger(value) || value < 1)
        throw new TypeError(`options.${name} must be a positive whole number`);
      return value;
    };
    this.#maxPendingRequests = budget('maxPendingRequests', DEFAULT_MAX_PENDING_REQUESTS);
    this.#maxReplayEntries = budget('maxReplayEntries', DEFAULT_MAX_REPLAY_ENTRIES);
    if (options.now !== undefined && typeof options.now !== 'function')
      throw new TypeError('options.now must be a function that returns the current Date');
    const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (!Number.isSafeInteger(maxSessions) || maxSessions < 1)
      throw new TypeError('options.maxSessions must be a positive whole number');
    this.#maxSessions = maxSessions;
    this.#clock = options.now;
  }

  /**
   * Saves a Single Logout session until `expiresAt`, under its tenant and app session ID,
   * replacing the one saved there; a deadline already past stores nothing.
   *
   * @throws SamlError `STORE_UNAVAILABLE` when the store is closed, or holds `maxSessions` live sessions.
   */
  saveSession(session: SamlSession, expiresAt: Date): Promise<void> {
    return this.#run(() => {
      checkSession(session);
      const deadline = timeOf(expiresAt, 'expiresAt');
      const now = this.#sweepSessions();
      const key = replayKey(session.tenantId, session.appSessionId);
      const previous = this.#sessions.get(key);
      if (previous !== undefined) this.#dropSession(previous);
      if (deadline <= now) return;
      if (this.#sessionExpiries.size >= this.#maxSessions) {
        fail('STORE_UNAVAILABLE', 'The memory store holds too many sessions', {
          hint: `The MemoryStore holds ${this.#maxSessions} unexpired Single Logout sessions (maxSessions). Raise maxSessions, shorten the session lifetime, or use the Redis or PostgreSQL store.`,
        });
      }
      const entry: SessionEntry = { key, session: sessionOf(session), expiresAt: deadline, heapIndex: -1 };
      this.#sessions.set(key, entry);
      this.#sessionExpiries.push(entry);
      const byName = replayKey(session.tenantId, session.nameId);
      const keys = this.#sessionsByName.get(byName) ?? new Set<string>();
      keys.add(key);
      this.#sessionsByName.set(byName, keys);
    });
  }

  /** The live sessions of the tenant with this NameID (and SessionIndex), by app session ID. */
  findSessions(tenantId: string, nameId: string, sessionIndex?: string): Promise<SamlSession[]> {
    return this.#run(() => {
      requireString(tenantId, 'tenantId');
      requireString(nameId, 'nameId');
      if (sessionIndex !== undefined) requireString(sessionIndex, 'sessionIndex');
      this.#sweepSessions();
      const keys = this.#sessionsByName.get(replayKey(tenantId, nameId)) ?? [];
      return [...keys]
        .flatMap((key) => this.#sessions.get(key)?.session ?? [])
        .filter((session) => sessionIndex === undefined || session.sessionIndex === sessionIndex)
        .sort((a, b) => compare(a.appSessionId, b.appSessionId));
    });
  }

  /** Fetches and deletes the session in one step; `undefined` when there is none or it expired. */
  deleteSession(tenantId: string, appSessionId: string): Promise<SamlSession | undefined> {
    return this.#run(() => {
      requireString(tenantId, 'tenantId');
      requireString(appSessionId, 'appSessionId');
      const now = this.#sweepSessions();
      const entry = this.#sessions.get(replayKey(tenantId, appSessionId));
      if (entry === undefined) return undefined;
      this.#dropSession(entry);
      return entry.expiresAt > now ? entry.session : undefined;
    });
  }

  #sweepSessions(): number {
    const now = this.#now();
    for (let next = this.#sessionExpiries.peek(); next !== undefined && next.expiresAt <= now;) {
      this.#dropSession(next);
      next = this.#sessionExpiries.peek();
    }
    return now;
  }

  #dropSession(entry: SessionEntry): void {
    this.#sessions.delete(entry.key);
    this.#sessionExpiries.remove(entry);
    const byName = replayKey(entry.session.tenantId, entry.session.nameId);
    const keys = this.#sessionsByName.get(byName);
    keys?.delete(entry.key);
    if (keys?.size === 0) this.#sessionsByName.delete(byName);
  }

  /**
   * Saves a login in progress until `expiresAt`, under its request ID. Saving the same request ID
   * again replaces the entry; a deadline already past stores nothing.
   *
   * @throws SamlError `STORE_UNAVAILABLE` when the store is closed, or holds `maxPendingRequests`
   *   live pending requests.
   */
  saveRequest(request: PendingRequest, expiresAt: Date): Promise<void> {
    return this.#run(() => {
      checkRequest(request);
      const deadline = timeOf(expiresAt, 'expiresAt');
      const now = this.#sweep();
      const previous = this.#requests.get(request.requestId);
      if (previous !== undefined) this.#remove(previous);
      if (deadline <= now) return;
      this.#reserve('request');
      this.#insert({
        kind: 'request',
        key: request.requestId,
        expiresAt: deadline,
        request: Object.freeze({ ...request }),
        heapIndex: -1,
      });
    });
  }

  /**
   * The pending request with this ID, whatever its tenant, without consuming it; `undefined` when
   * there is none or it expired. The result is unverified until `consumeRequest` returns it.
   */
  findRequest(requestId: string): Promise<PendingRequest | undefined> {
    return this.#run(() => {
      requireString(requestId, 'requestId');
      const entry = this.#requests.get(requestId);
      return entry?.kind === 'request' && entry.expiresAt > this.#now() ? entry.request : undefined;
    });
  }

  /**
   * Fetches and deletes the pending request in one step. `undefined` when there is none, it
   * expired, or it belongs to another tenant (and then it stays where it is).
   */
  consumeRequest(tenantId: string, requestId: string): Promise<PendingRequest | undefined> {
    return this.#run(() => {
      requireString(tenantId, 'tenantId');
      requireString(requestId, 'requestId');
      const entry = this.#requests.get(requestId);
      if (entry?.kind !== 'request') return undefined;
      if (entry.expiresAt <= this.#now()) {
        this.#remove(entry);
        return undefined;
      }
      if (entry.request.tenantId !== tenantId) return undefined;
      this.#remove(entry);
      return entry.request;
    });
  }

  /**
   * Remembers that the tenant accepted this assertion until `expiresAt`. Returns `true` when this
   * call stored it, `false` when it was already there and unexpired: a replay.
   *
   * A deadline already past stores nothing and returns `false`: the store cannot promise to turn
   * away a second use of an entry it cannot keep, so it fails closed. `verifyResponse` never asks
   * for one when the verifier's clock and the store's agree (it remembers an assertion until it
   * stops being acceptable); when they do not, refusing is the safe answer. See SAML profiles
   * §4.1.4.5 (a bearer assertion is used once, remembered while it is valid).
   *
   * @throws SamlError `STORE_UNAVAILABLE` when the store is closed, or holds `maxReplayEntries` live
   *   replay entries.
   */
  remember(tenantId: string, assertionId: string, expiresAt: Date): Promise<boolean> {
    return this.#run(() => {
      requireString(tenantId, 'tenantId');
      requireString(assertionId, 'assertionId');
      const deadline = timeOf(expiresAt, 'expiresAt');
      const now = this.#sweep();
      const key = replayKey(tenantId, assertionId);
      if (this.#replays.has(key) || deadline <= now) return false;
      this.#reserve('replay');
      this.#insert({ kind: 'replay', key, expiresAt: deadline, heapIndex: -1 });
      return true;
    });
  }

  /** The tenant with this ID: the frozen {@link Tenant} that `put` defined. */
  get(id: string): Promise<Tenant | undefined> {
    return this.#run(() => {
      requireString(id, 'id');
      return this.#tenants.get(id);
    });
  }

  /**
   * Validates the configuration with `defineTenant` and stores the frozen result, replacing the
   * tenant with the same ID. New domains get pending claims; claims of domains still listed keep
   * their state; claims of dropped domains go (a verified one frees the domain).
   *
   * @throws TypeError listing every problem when the configuration is invalid.
   */
  put(config: TenantConfig): Promise<void> {
    return this.#run(() => {
      this.#put(config);
    });
  }

  /** The tenant's setup record (`{}` when none yet); `undefined` for an unknown tenant. */
  getSetup(tenantId: string): Promise<TenantSetup | undefined> {
    return this.#run(() => {
      requireString(tenantId, 'tenantId');
      // A copy, as Redis and PostgreSQL hand back: what the caller changes is not the stored record.
      return this.#tenants.has(tenantId) ? structuredClone(this.#setups.get(tenantId) ?? {}) : undefined;
    });
  }

  /** One setup change, with the tenant's configuration when it changes the IdP side: one step. */
  protected override applySetupChange(tenantId: string, change: SetupChange): Promise<boolean> {
    return this.#run(() => {
      checkSetupChange(tenantId, change);
      const live = this.#tenants.get(tenantId);
      if (live === undefined) return false;
      const outcome = applySetupChange(this.#setups.get(tenantId) ?? {}, change, live);
      if (outcome === undefined) return false;
      if (outcome.live !== undefined) this.#put(outcome.live);
      // A copy: a caller keeping the draft it saved cannot change it later without a new revision.
      this.#setups.set(tenantId, structuredClone(outcome.record));
      return true;
    });
  }

  #put(config: TenantConfig): void {
    const tenant = defineTenant(config);
    const domains = domainsOf(tenant);
    const previous = this.#claims.get(tenant.id) ?? new Map<string, StoredClaim>();
    const claims = new Map<string, StoredClaim>();
    for (const domain of domains) claims.set(domain, previous.get(domain) ?? { token: newClaimToken() });
    for (const domain of previous.keys()) {
      if (!claims.has(domain) && this.#domains.get(domain) === tenant.id) this.#domains.delete(domain);
    }
    this.#unindex(tenant.id);
    this.#tenants.set(tenant.id, tenant);
    this.#claims.set(tenant.id, claims);
    // #unindex freed the domains this tenant held verified; the claims kept keep them.
    for (const [domain, claim] of claims) {
      if (claim.verifiedAt !== undefined) this.#domains.set(domain, tenant.id);
    }
    const sharing = this.#issuers.get(tenant.idp.entityId) ?? new Set<string>();
    sharing.add(tenant.id);
    this.#issuers.set(tenant.idp.entityId, sharing);
  }

  /** Deletes the tenant and frees its email domains; `false` when there was no such tenant. */
  delete(id: string): Promise<boolean> {
    return this.#run(() => {
      requireString(id, 'id');
      this.#setups.delete(id);
      return this.#unindex(id);
    });
  }

  /** Every tenant, sorted by ID. */
  list(): Promise<Tenant[]> {
    return this.#run(() => [...this.#tenants.values()].sort((a, b) => compare(a.id, b.id)));
  }

  /**
   * The tenant that holds this domain verified (pending claims never route). Matching ignores
   * ASCII case only (stored domains are ASCII), so a look-alike such as `\u212A` (KELVIN SIGN)
   * never matches `k`.
   */
  findByEmailDomain(domain: string): Promise<Tenant | undefined> {
    return this.#run(() => {
      requireString(domain, 'domain');
      const id = this.#domains.get(asciiLowerCase(domain));
      return id === undefined ? undefined : this.#tenants.get(id);
    });
  }

  /** Every tenant whose IdP entity ID is exactly `issuer`, sorted by ID. */
  findByIssuer(issuer: string): Promise<Tenant[]> {
    return this.#run(() => {
      requireString(issuer, 'issuer');
      const ids = [...(this.#issuers.get(issuer) ?? [])].sort(compare);
      return ids.flatMap((id) => this.#tenants.get(id) ?? []);
    });
  }

  /** The tenant's claims, sorted by domain; `[]` for an unknown tenant. */
  domainClaims(tenantId: string): Promise<DomainClaim[]> {
    return this.#run(() => {
      requireString(tenantId, 'tenantId');
      const claims = this.#claims.get(tenantId) ?? new Map<string, StoredClaim>();
      return [...claims.keys()].sort(compare).map((domain) => {
        const stored = claims.get(domain);
        return claimOf(tenantId, domain, stored ?? { token: '' });
      });
    });
  }

  /**
   * Makes the tenant's claim verified or pending again, atomically; `undefined` when the tenant
   * does not claim the domain.
   *
   * @throws SamlError `DOMAIN_ALREADY_CLAIMED` when another tenant holds the domain verified.
   */
  setDomainVerification(
    tenantId: string,
    domain: string,
    verification: DomainVerification | null,
  ): Promise<DomainClaim | undefined> {
    return this.#run(() => {
      requireString(tenantId, 'tenantId');
      requireString(domain, 'domain');
      checkVerification(verification);
      const lower = asciiLowerCase(domain);
      const claims = this.#claims.get(tenantId);
      const stored = claims?.get(lower);
      if (claims === undefined || stored === undefined) return undefined;
      const holder = this.#domains.get(lower);
      if (verification !== null && holder !== undefined && holder !== tenantId)
        alreadyVerified(lower, holder, tenantId);
      const updated = storedClaim(stored.token, verification);
      claims.set(lower, updated);
      if (verification !== null) this.#domains.set(lower, tenantId);
      else if (holder === tenantId) this.#domains.delete(lower);
      return claimOf(tenantId, lower, updated);
    });
  }

  /** Drops everything; later calls reject with `STORE_UNAVAILABLE`. Closing twice is harmless. */
  close(): Promise<void> {
    this.#closed = true;
    this.#requests.clear();
    this.#replays.clear();
    this.#expiries.clear();
    this.#sessions.clear();
    this.#sessionExpiries.clear();
    this.#sessionsByName.clear();
    this.#tenants.clear();
    this.#domains.clear();
    this.#claims.clear();
    this.#issuers.clear();
    this.#setups.clear();
    return Promise.resolve();
  }

  /**
   * Runs one operation synchronously, as a promise: nothing can interleave between its reads and
   * its writes, and every failure (closed store, bad argument) becomes a rejection.
   */
  #run<T>(operation: () => T): Promise<T> {
    // The executor runs at once, and whatever it throws rejects the promise.
    return new Promise<T>((resolve) => {
      if (this.#closed) {
        fail('STORE_UNAVAILABLE', 'The memory store is closed', {
          hint: 'The application used its MemoryStore after closing it (during shutdown?).',
        });
      }
      resolve(operation());
    });
  }

  /** The store's clock, in milliseconds. */
  #now(): number {
    return currentTime(this.#clock, 'options.now').getTime();
  }

  /** Drops every entry whose deadline has come; returns the time it judged by. */
  #sweep(): number {
    const now = this.#now();
    for (let next = this.#expiries.peek(); next !== undefined && next.expiresAt <= now;) {
      this.#remove(next);
      next = this.#expiries.peek();
    }
    return now;
  }

  /** Refuses a new entry when its budget is taken by live ones (`#sweep` ran first). */
  #reserve(kind: Entry['kind']): void {
    if (kind === 'request') {
      if (this.#requests.size < this.#maxPendingRequests) return;
      fail('STORE_UNAVAILABLE', 'The memory store holds as many pending logins as it may', {
        hint: `The MemoryStore holds ${this.#maxPendingRequests} unexpired pending logins (maxPendingRequests) and refuses new ones rather than drop a login in progress; a flood of started logins can cause this. Limit the rate of login starts per client, raise maxPendingRequests, shorten the login lifetime, or use the Redis or PostgreSQL store.`,
      });
    }
    if (this.#replays.size < this.#maxReplayEntries) return;
    fail('STORE_UNAVAILABLE', 'The memory store holds as many replay entries as it may', {
      hint: `The MemoryStore holds ${this.#maxReplayEntries} unexpired replay entries (maxReplayEntries) and refuses new ones rather than forget a used assertion. Raise maxReplayEntries, or use the Redis or PostgreSQL store.`,
    });
  }

  #insert(entry: Entry): void {
    (entry.kind === 'request' ? this.#requests : this.#replays).set(entry.key, entry);
    this.#expiries.push(entry);
  }

  #remove(entry: Entry): void {
    (entry.kind === 'request' ? this.#requests : this.#replays).delete(entry.key);
    this.#expiries.remove(entry);
  }

  /** Removes a tenant and its index entries; `false` when there was none. */
  #unindex(id: string): boolean {
    const tenant = this.#tenants.get(id);
    if (tenant === undefined) return false;
    this.#tenants.delete(id);
    this.#claims.delete(id);
    for (const domain of domainsOf(tenant)) {
      if (this.#domains.get(domain) === id) this.#domains.delete(domain);
    }
    const sharing = this.#issuers.get(tenant.idp.entityId);
    sharing?.delete(id);
    if (sharing?.size === 0) this.#issuers.delete(tenant.idp.entityId);
    return true;
  }
}

/**
 * The replay cache key of an assertion in a tenant. The length prefix makes it unambiguous:
 * tenant `a:b` with assertion `c` and tenant `a` with assertion `b:c` are two entries.
 */
function replayKey(tenantId: string, assertionId: string): string {
  return `${tenantId.length}:${tenantId}:${assertionId}`;
}

function domainsOf(tenant: TenantConfig): Set<string> {
  return new Set((tenant.emailDomains ?? []).map(asciiLowerCase));
}
