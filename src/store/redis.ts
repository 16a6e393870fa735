/**
 * The Redis store: tenants, pending requests and the replay cache in a Redis server that every
 * instance of the application shares.
 *
 * @module
 */
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import { defineTenant, type Tenant } from '../tenant/define.js';
import type { TenantConfig } from '../types.js';
import type {
  PendingRequest,
  SamlSession,
  SessionStore,
  SetupStore,
  StateStore,
  TenantStore,
} from './types.js';
import {
  type Script,
  SAVE_REQUEST,
  FIND_REQUEST,
  CONSUME_REQUEST,
  REMEMBER,
  PUT_TENANT,
  DELETE_TENANT,
  TENANTS_IN_SET,
  TENANT_OF_DOMAIN,
  SAVE_SESSION,
  FIND_SESSIONS,
  DELETE_SESSION,
  SET_VERIFICATION,
  SETUP_READ,
  SETUP_WRITE,
} from './redis-scripts.js';
import {
  applySetupChange,
  checkSetupChange,
  setupFromJson,
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
import { isWellFormed } from '../internal/text.js';

/** The key prefix of {@link createRedisStore} when none is given. */
export const DEFAULT_REDIS_KEY_PREFIX = 'samlkit:';

/** How long {@link createRedisStore} waits for one Redis reply by default, in milliseconds. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 5_000;

/**
 * The one method the Redis store calls: send a command as its words, resolve with the reply
 * (strings, integers, arrays, `null`). A node-redis client (`redis` 4 or later, from
 * `createClient`) has it as it is. The store sends nothing else, so its replies do not depend on
 * the client's command typings, and another client needs a one-line shim. With ioredis:
 *
 * ```ts
 * import { Redis } from 'ioredis';
 *
 * const redis = new Redis(process.env.REDIS_URL, { enableOfflineQueue: false });
 * const store = createRedisStore({
 *   client: { sendCommand: ([command, ...args]) => redis.call(command, ...args) },
 * });
 * ```
 *
 * The client must return bulk strings as strings (the default of both: no `Buffer` type mapping)
 * and must not add a key prefix of its own (ioredis `keyPrefix` would prefix some keys and not
 * others): use the store's `keyPrefix`. node-redis's `sendCommand` never adds one.
 */
export interface RedisCommandClient {
  /** Sends one command with its arguments (`['GET', key]`) and resolves to Redis's reply. */
  sendCommand(args: readonly [command: string, ...args: string[]]): Promise<unknown>;
}

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * The application's own Redis client, already connected. The store never connects, quits or
   * reconfigures it. Create it with `disableOfflineQueue: true` (node-redis) or
   * `enableOfflineQueue: false` (ioredis), so that a command issued while the connection is down
   * fails at once instead of waiting for the server to come back.
   */
  readonly client: RedisCommandClient;
  /**
   * Put before every key the store writes: give each application and environment sharing a server
   * its own. Not empty, no whitespace. Default {@link DEFAULT_REDIS_KEY_PREFIX} (`samlkit:`).
   */
  readonly keyPrefix?: string;
  /**
   * How long to wait for each reply before the operation fails with `STORE_UNAVAILABLE`, in
   * milliseconds: a server that accepts connections but stops answering cannot hang a login.
   * The command itself may still run later; the login has failed closed by then. Default
   * {@link DEFAULT_REDIS_COMMAND_TIMEOUT_MS} (5 s).
   */
  readonly commandTimeoutMs?: number;
}

/** A {@link TenantStore} and a {@link StateStore} in Redis; made by {@link createRedisStore}. */
export interface RedisStore extends TenantStore, StateStore, SessionStore, SetupStore {
  /** The tenant with this ID, as `defineTenant` makes it of the stored JSON (frozen). */
  get(id: string): Promise<Tenant | undefined>;
  /** Every tenant, sorted by ID (code-unit order, as MemoryStore sorts). */
  list(): Promise<Tenant[]>;
  /** The tenant that holds this domain verified; matching ignores ASCII case only. */
  findByEmailDomain(domain: string): Promise<Tenant | undefined>;
  /** Every tenant whose IdP entity ID is exactly `issuer`, sorted by ID. */
  findByIssuer(issuer: string): Promise<Tenant[]>;
  /**
   * Marks the store closed: later calls reject with `STORE_UNAVAILABLE`. The client stays
   * connected (it is the application's); closing twice is harmless.
   */
  close(): Promise<void>;
}

/**
 * The store for several instances of an application: tenants, pending logins and the replay cache
 * in Redis, through the application's own client. Needs Redis 6.2 or newer (`GETDEL`, `PXAT`) on a
 * single node or a primary with replicas (not Redis Cluster: a tenant write touches keys in
 * several slots).
 *
 * Every operation is one command, so each is atomic on the server. Where it touches several keys
 * that command is a Lua script (`EVALSHA`), not `MULTI`/`EXEC`, which on a connection the whole
 * application shares would take in other callers' commands. `consumeRequest` is a `GETDEL`
 * of a key scoped by tenant and request ID (of concurrent callers exactly one gets the request;
 * another tenant's ID names another key, so it neither gets nor deletes it), `remember` is a
 * `SET … NX PXAT` (SAML profiles §4.1.4.5: a bearer assertion is used once), `put` rewrites the
 * tenant with its claims and issuer index in one Lua script, and `setDomainVerification` checks
 * and sets a domain's verified holder in one, so of concurrent verifications of a domain by
 * several tenants exactly one succeeds. Deadlines are absolute
 * (`PXAT`): Redis expires entries by its own clock, and a deadline already past by this process's
 * clock or by the server's stores nothing.
 *
 * Every failure of the client or the server (down, timed out, refused) rejects with
 * `STORE_UNAVAILABLE` and the driver's error as `cause`, so logins fail closed. The store keeps no
 * connection state: once the client has reconnected, it works again (node-redis retries by itself,
 * by default after 50 ms doubling up to 2 s; `socket.reconnectStrategy` sets it). The replay cache is as
 * durable as the server: without persistence (`appendonly yes`), a restart forgets which
 * assertions were used while they are still valid.
 *
 * Keys, under `keyPrefix`: `tenant:<id>` (the configuration as JSON), `tenants` (a set of IDs),
 * `claims:<id>` (a hash: the tenant's domain claims as JSON), `verified:<lower-case domain>` (the
 * tenant that holds it verified) and `issuer:<IdP entity ID>` (indexes), `req:<n>:<tenant>:<request>`
 * and `reqid:<request>` (a pending login and its tenant), `seen:<n>:<tenant>:<assertion>` (a
 * replay entry), `sess:<n>:<tenant>:<app session>` (a Single Logout session, as JSON) and
 * `sessidx:<n>:<tenant>:<NameID>` (the set of its app session IDs), `setup:<id>` (a hash: the setup flow's record of the tenant and its version, deleted with the tenant), where `<n>` is the tenant ID's length in UTF-8 bytes, so no two pairs of IDs
 * share a key. IDs are used as they are, in any characters; an ID that is not well-formed Unicode
 * (a lone surrogate) has no UTF-8 form: writing one throws a `TypeError`, and looking one up finds
 * nothing.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createServiceProvider } from 'samlkit';
 * import { createRedisStore } from 'samlkit/redis';
 *
 * // disableOfflineQueue: while Redis is down, commands fail at once (logins fail closed) instead
 * // of waiting in a queue; node-redis reconnects by itself.
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
 * client.on('error', (error) => log.warn({ error }, 'redis'));
 * await client.connect();
 * const store = createRedisStore({ client, keyPrefix: 'myapp:saml:' });
 * const sp = createServiceProvider({ tenants: store, state: store });
 * ```
 * @throws TypeError when `client` has no `sendCommand`, `keyPrefix` is empty or holds whitespace,
 *   or `commandTimeoutMs` is not a positive whole number.
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const given: unknown = options;
  const fields = typeof given === 'object' && given !== null ? (given as Record<string, unknown>) : {};
  const client = fields.client;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof (client as Partial<RedisCommandClient>).sendCommand !== 'function'
  ) {
    throw new TypeError(
      'options.client must be a connected Redis client with sendCommand (node-redis), or an ioredis shim',
    );
  }
  const keyPrefix = fields.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /\s/u.test(keyPrefix) || !isWellFormed(keyPrefix))
    throw new TypeError('options.keyPrefix must be a non-empty string without whitespace');
  const timeout = fields.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 1 || timeout > 2 ** 31 - 1)
    throw new TypeError('options.commandTimeoutMs must be a positive whole number of milliseconds');
  return new RedisStoreImpl(client as RedisCommandClient, keyPrefix, timeout);
}

class RedisStoreImpl extends SetupChanges implements RedisStore {
  readonly #client: RedisCommandClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(client: RedisCommandClient, prefix: string, timeoutMs: number) {
    super();
    this.#client = client;
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
  }

  async saveRequest(request: PendingRequest, expiresAt: Date): Promise<void> {
    this.#open();
    checkRequest(request);
    const deadline = timeOf(expiresAt, 'expiresAt');
    const { tenantId, requestId, relayState, browserBinding, returnTo, maxAuthnAgeSeconds } = request;
    requireWellFormed(tenantId, 'request.tenantId');
    requireWellFormed(requestId, 'request.requestId');
    const json = JSON.stringify({
      tenantId,
      requestId,
      relayState,
      browserBinding,
      returnTo,
      maxAuthnAgeSeconds,
    });
    await this.#eval(
      SAVE_REQUEST,
      [this.#requestKey(tenantId, requestId), this.#key('reqid:', requestId)],
      [this.#prefix, tenantId, requestId, json, String(deadline)],
    );
  }

  async findRequest(requestId: string): Promise<PendingRequest | undefined> {
    this.#open();
    requireString(requestId, 'requestId');
    if (!isWellFormed(requestId)) return undefined;
    const reply = await this.#eval(FIND_REQUEST, [this.#key('reqid:', requestId)], [this.#prefix, requestId]);
    return requestFrom(reply);
  }

  async consumeRequest(tenantId: string, requestId: string): Promise<PendingRequest | undefined> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(requestId, 'requestId');
    if (!isWellFormed(tenantId) || !isWellFormed(requestId)) return undefined;
    const reply = await this.#eval(
      CONSUME_REQUEST,
      [this.#requestKey(tenantId, requestId), this.#key('reqid:', requestId)],
      [tenantId],
    );
    return requestFrom(reply);
  }

  async remember(tenantId: string, assertionId: string, expiresAt: Date): Promise<boolean> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(assertionId, 'assertionId');
    const deadline = timeOf(expiresAt, 'expiresAt');
    // Nothing can be kept, so nothing is promised (fails closed), as in MemoryStore.
    if (deadline <= currentTime(undefined, 'now').getTime()) return false;
    if (!isWellFormed(tenantId) || !isWellFormed(assertionId)) return false;
    const key = this.#key('seen:', scoped(tenantId, assertionId));
    const reply = await this.#eval(REMEMBER, [key], [String(deadline)]);
    return integerFrom(reply) === 1;
  }

  async saveSession(session: SamlSession, expiresAt: Date): Promise<void> {
    this.#open();
    checkSession(session);
    const deadline = timeOf(expiresAt, 'expiresAt');
    const { tenantId, appSessionId, nameId } = session;
    requireWellFormed(tenantId, 'session.tenantId');
    requireWellFormed(appSessionId, 'session.appSessionId');
    requireWellFormed(nameId, 'session.nameId');
    await this.#eval(
      SAVE_SESSION,
      [this.#key('sess:', scoped(tenantId, appSessionId)), this.#key('sessidx:', scoped(tenantId, nameId))],
      [this.#prefix, tenantId, appSessionId, JSON.stringify(sessionOf(session)), String(deadline)],
    );
  }

  async findSessions(tenantId: string, nameId: string, sessionIndex?: string): Promise<SamlSession[]> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(nameId, 'nameId');
    if (sessionIndex !== undefined) requireString(sessionIndex, 'sessionIndex');
    if (!isWellFormed(tenantId) || !isWellFormed(nameId)) return [];
    const reply = await this.#eval(
      FIND_SESSIONS,
      [this.#key('sessidx:', scoped(tenantId, nameId))],
      [this.#prefix, tenantId],
    );
    if (!isArray(reply)) unexpectedReply(reply);
    return reply
      .map(sessionFrom)
      .filter(
        (session): session is SamlSession =>
          session?.tenantId === tenantId &&
          session.nameId === nameId &&
          (sessionIndex === undefined || session.sessionIndex === sessionIndex),
      )
      .sort((a, b) => compare(a.appSessionId, b.appSessionId));
  }

  async deleteSession(tenantId: string, appSessionId: string): Promise<SamlSession | undefined> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(appSessionId, 'appSessionId');
    if (!isWellFormed(tenantId) || !isWellFormed(appSessionId)) return undefined;
    const reply = await this.#eval(
      DELETE_SESSION,
      [this.#key('sess:', scoped(tenantId, appSessionId))],
      [this.#prefix, tenantId, appSessionId],
    );
    return sessionFrom(reply);
  }

  async get(id: string): Promise<Tenant | undefined> {
    this.#open();
    requireString(id, 'id');
    if (!isWellFormed(id)) return undefined;
    const reply = await this.#command(['GET', this.#key('tenant:', id)]);
    return reply === null || reply === undefined ? undefined : tenantFrom(reply);
  }

  async put(config: TenantConfig): Promise<void> {
    this.#open();
    const tenant = defineTenant(config);
    const issuer = tenant.idp.entityId;
    requireWellFormed(tenant.id, 'config.id');
    requireWellFormed(issuer, 'config.idp.entityId');
    const domains = [...new Set((tenant.emailDomains ?? []).map(asciiLowerCase))];
    const reply = await this.#eval(
      PUT_TENANT,
      [
        this.#key('tenant:', tenant.id),
        this.#key('tenants', ''),
        this.#key('issuer:', issuer),
        this.#key('claims:', tenant.id),
      ],
      [this.#prefix, tenant.id, JSON.stringify(tenant), ...domains.flatMap((d) => [d, newClaimToken()])],
    );
    if (integerFrom(reply) !== 1) unexpectedReply(reply);
  }

  async domainClaims(tenantId: string): Promise<DomainClaim[]> {
    this.#open();
    requireString(tenantId, 'tenantId');
    if (!isWellFormed(tenantId)) return [];
    const reply = await this.#command(['HGETALL', this.#key('claims:', tenantId)]);
    // RESP2 replies a flat array, RESP3 a map (an object, or a Map with type mapping).
    const entries: [unknown, unknown][] = isArray(reply)
      ? Array.from({ length: reply.length / 2 }, (_, i) => [reply[2 * i], reply[2 * i + 1]])
      : reply instanceof Map
        ? [...(reply as Map<unknown, unknown>).entries()]
        : typeof reply === 'object' && reply !== null
          ? Object.entries(reply)
          : unexpectedReply(reply);
    return entries
      .map(([domain, json]) => {
        if (typeof domain !== 'string') unexpectedReply(reply);
        return claimOf(tenantId, domain, claimFrom(json));
      })
      .sort((a, b) => compare(a.domain, b.domain));
  }

  async setDomainVerification(
    tenantId: string,
    domain: string,
    verification: DomainVerification | null,
  ): Promise<DomainClaim | undefined> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(domain, 'domain');
    checkVerification(verification);
    if (!isWellFormed(tenantId) || !isWellFormed(domain)) return undefined;
    const lower = asciiLowerCase(domain);
    const stored = verification === null ? '' : JSON.stringify(storedClaim('', verification));
    const reply = await this.#eval(
      SET_VERIFICATION,
      [this.#key('claims:', tenantId), this.#key('verified:', lower)],
      [tenantId, lower, stored],
    );
    if (reply === null || reply === undefined) return undefined;
    if (!isArray(reply) || typeof reply[1] !== 'string') unexpectedReply(reply);
    if (reply[0] === 'held') alreadyVerified(lower, reply[1], tenantId);
    return claimOf(tenantId, lower, claimFrom(reply[1]));
  }

  async delete(id: string): Promise<boolean> {
    this.#open();
    requireString(id, 'id');
    if (!isWellFormed(id)) return false;
    const reply = await this.#eval(
      DELETE_TENANT,
      [this.#key('tenant:', id), this.#key('tenants', ''), this.#key('claims:', id)],
      [this.#prefix, id],
    );
    return integerFrom(reply) === 1;
  }

  async list(): Promise<Tenant[]> {
    this.#open();
    return tenantsFrom(await this.#eval(TENANTS_IN_SET, [this.#key('tenants', '')], [this.#prefix]));
  }

  async findByEmailDomain(domain: string): Promise<Tenant | undefined> {
    this.#open();
    requireString(domain, 'domain');
    if (!isWellFormed(domain)) return undefined;
    const key = this.#key('verified:', asciiLowerCase(domain));
    const reply = await this.#eval(TENANT_OF_DOMAIN, [key], [this.#prefix]);
    return reply === null || reply === undefined ? undefined : tenantFrom(reply);
  }

  async findByIssuer(issuer: string): Promise<Tenant[]> {
    this.#open();
    requireString(issuer, 'issuer');
    if (!isWellFormed(issuer)) return [];
    const reply = await this.#eval(TENANTS_IN_SET, [this.#key('issuer:', issuer)], [this.#prefix]);
    return tenantsFrom(reply);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  async getSetup(tenantId: string): Promise<TenantSetup | undefined> {
    return (await this.#readSetup(tenantId))?.record;
  }

  /** The tenant's stored JSON, its setup record and the record's version (for compare and set). */
  async #readSetup(
    tenantId: string,
  ): Promise<{ readonly json: string; readonly version: string; readonly record: TenantSetup } | undefined> {
    this.#open();
    requireString(tenantId, 'tenantId');
    if (!isWellFormed(tenantId)) return undefined;
    const reply = await this.#eval(
      SETUP_READ,
      [this.#key('tenant:', tenantId), this.#key('setup:', tenantId)],
      [],
    );
    if (reply === null || reply === undefined) return undefined;
    if (
      !isArray(reply) ||
      typeof reply[0] !== 'string' ||
      typeof reply[1] !== 'string' ||
      typeof reply[2] !== 'string'
    )
      unexpectedReply(reply);
    let record: TenantSetup | undefined = {};
    try {
      if (reply[2] !== '') record = setupFromJson(JSON.parse(reply[2]));
    } catch (cause) {
      corrupt('setup record', cause);
    }
    if (record === undefined) corrupt('setup record', undefined);
    return { json: reply[0], version: reply[1], record };
  }

  /**
   * One setup change: read, apply, then write only if neither the tenant nor its setup record
   * changed meanwhile (a Lua compare and set), else read again. The tenant's JSON is changed as
   * stored (sealed secrets stay sealed), its issuer index with it.
   */
  protected override async applySetupChange(tenantId: string, change: SetupChange): Promise<boolean> {
    checkSetupChange(tenantId, change);
    for (let attempt = 0; attempt < SETUP_ATTEMPTS; attempt++) {
      const read = await this.#readSetup(tenantId);
      if (read === undefined) return false;
      const live = tenantFrom(read.json);
      const outcome = applySetupChange(read.record, change, live);
      if (outcome === undefined) return false;
      const next = outcome.live === undefined ? '' : JSON.stringify(outcome.live);
      const issuer = outcome.live?.idp.entityId ?? live.idp.entityId;
      requireWellFormed(issuer, 'idp.entityId');
      const reply = await this.#eval(
        SETUP_WRITE,
        [
          this.#key('tenant:', tenantId),
          this.#key('setup:', tenantId),
          this.#key('issuer:', live.idp.entityId),
          this.#key('issuer:', issuer),
        ],
        [read.json, read.version, JSON.stringify(outcome.record), next, tenantId],
      );
      if (integerFrom(reply) === 1) return true;
    }
    fail('STORE_UNAVAILABLE', 'The setup record kept changing while it was written', {
      hint: `The tenant's configuration or setup changed ${SETUP_ATTEMPTS} times while this change was applied: another admin is editing it. Try again.`,
      tenantId,
    });
  }

  #open(): void {
    if (!this.#closed) return;
    fail('STORE_UNAVAILABLE', 'The Redis store is closed', {
      hint: 'The application used its Redis store after closing it (during shutdown?).',
    });
  }

  #key(kind: string, rest: string): string {
    return `${this.#prefix}${kind}${rest}`;
  }

  #requestKey(tenantId: string, requestId: string): string {
    return this.#key('req:', scoped(tenantId, requestId));
  }

  /** Runs a script by SHA, loading it with `EVAL` when the server does not have it cached. */
  async #eval(lua: Script, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await this.#send(['EVALSHA', lua.sha, ...rest]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw unavailable(error);
    }
    return this.#command(['EVAL', lua.source, ...rest]);
  }

  async #command(args: readonly [string, ...string[]]): Promise<unknown> {
    try {
      return await this.#send(args);
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** One command, bounded by the timeout; the raw reply or the driver's raw error. */
  async #send(args: readonly [string, ...string[]]): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new SamlError('STORE_UNAVAILABLE', 'Redis did not answer in time', {
            hint: `Redis did not reply within ${this.#timeoutMs} ms (commandTimeoutMs): check that the server is up and not overloaded, and the network between it and the application.`,
          }),
        );
      }, this.#timeoutMs);
    });
    try {
      // Called inside the race so that a client throwing synchronously rejects like one that rejects.
      return await Promise.race([Promise.resolve().then(() => this.#client.sendCommand(args)), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** How often a setup change is tried when the tenant changed between its read and its write. */
const SETUP_ATTEMPTS = 5;

/** The driver's error as `STORE_UNAVAILABLE`, keeping it as `cause`; our own errors pass through. */
function unavailable(cause: unknown): SamlError {
  if (cause instanceof SamlError) return cause;
  return new SamlError('STORE_UNAVAILABLE', 'The Redis store could not complete the command', {
    hint: 'Check that Redis is up and that the client given to createRedisStore can reach it (URL, TLS, credentials, ACL); `cause` holds the client’s error. samlkit needs Redis 6.2 or newer (GETDEL, PXAT).',
    cause,
  });
}

function unexpectedReply(reply: unknown): never {
  fail('STORE_UNAVAILABLE', 'Redis sent a reply the store does not understand', {
    hint: 'The Redis client must return strings and numbers as they are: no Buffer type mapping, no client-level key prefix. A node-redis client from createClient() or the ioredis shim in the docs does.',
    received: typeof reply,
  });
}

function corrupt(what: string, cause: unknown): never {
  fail('STORE_UNAVAILABLE', `The stored ${what} is not valid`, {
    hint: `A ${what} under the store's keyPrefix was written by another program or an incompatible version, or no longer passes validation. Check validateTenantConfig, put the tenant again, or use a keyPrefix of its own for this store.`,
    cause,
  });
}

function tenantFrom(reply: unknown): Tenant {
  if (typeof reply !== 'string') unexpectedReply(reply);
  try {
    return defineTenant(JSON.parse(reply) as TenantConfig);
  } catch (cause) {
    corrupt('tenant configuration', cause);
  }
}

/** A claim's JSON from the claims hash. */
function claimFrom(json: unknown): StoredClaim {
  if (typeof json !== 'string') unexpectedReply(json);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    corrupt('domain claim', cause);
  }
  const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const { token, verifiedAt, method, by } = fields;
  if (typeof token !== 'string') corrupt('domain claim', undefined);
  if (typeof verifiedAt === 'string' && (method === 'dns' || method === 'operator') && typeof by === 'string')
    return { token, verifiedAt, method, by };
  return { token };
}

function tenantsFrom(reply: unknown): Tenant[] {
  if (!isArray(reply)) unexpectedReply(reply);
  return reply.map(tenantFrom).sort((a, b) => compare(a.id, b.id));
}

function requestFrom(reply: unknown): PendingRequest | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (typeof reply !== 'string') unexpectedReply(reply);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply);
    checkRequest(parsed);
  } catch (cause) {
    corrupt('pending request', cause);
  }
  const { tenantId, requestId, relayState, browserBinding, returnTo, maxAuthnAgeSeconds } = parsed;
  return Object.freeze({
    tenantId,
    requestId,
    relayState,
    browserBinding,
    ...(returnTo !== undefined && { returnTo }),
    ...(maxAuthnAgeSeconds !== undefined && { maxAuthnAgeSeconds }),
  });
}

function sessionFrom(reply: unknown): SamlSession | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (typeof reply !== 'string') unexpectedReply(reply);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply);
    checkSession(parsed);
  } catch (cause) {
    corrupt('Single Logout session', cause);
  }
  return sessionOf(parsed);
}

function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function integerFrom(reply: unknown): number {
  if (typeof reply !== 'number') unexpectedReply(reply);
  return reply;
}

/**
 * A tenant-scoped key part. The length prefix (UTF-8 bytes, as Lua's `#` counts) makes it
 * unambiguous: tenant `a:b` with ID `c` and tenant `a` with ID `b:c` are two keys.
 */
function scoped(tenantId: string, id: string): string {
  return `${Buffer.byteLength(tenantId)}:${tenantId}:${id}`;
}

function requireWellFormed(value: string, parameter: string): void {
  if (!isWellFormed(value))
    throw new TypeError(`${parameter} must be well-formed Unicode (no lone surrogates) to be a Redis key`);
}
