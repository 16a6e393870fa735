/**
 * The PostgreSQL store: tenants, pending requests and the replay cache in the app's own database,
 * through the app's own `pg` Pool. No import of `pg` here: any client with `pg`'s `query` fits.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';
import { currentTime } from '../internal/time.js';
import { defineTenant, type Tenant } from '../tenant/define.js';
import type { TenantConfig } from '../types.js';
import {
  DEFAULT_POSTGRES_SCHEMA,
  field,
  quotedSchema,
  requireQueryable,
  sqlState,
  unavailable,
  type PostgresQueryable,
  type PostgresQueryResult,
} from './postgres-migrations.js';
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
  setupFromJson,
  type SetupChange,
  type TenantSetup,
  SetupChanges,
} from './setup-record.js';
import { newClaimToken, type DomainClaim, type DomainVerification } from '../tenant/domains.js';
import {
  alreadyVerified,
  asciiLowerCase,
  checkRequest as checkRequestShape,
  checkSession,
  checkVerification,
  claimOf,
  compare,
  requireString,
  sessionOf,
  timeOf,
} from './arguments.js';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * The app's pool. The store never ends it (`close` does not either). Give it
   * `connectionTimeoutMillis` and `query_timeout` (a few seconds each), so that calls during an
   * outage or a network partition fail fast instead of waiting for TCP, and `statement_timeout` a
   * little shorter than `query_timeout`, so that the server also gives up a statement the app no
   * longer waits for (one stuck on a lock then changes nothing). Listen to its `error` event, which
   * `pg` emits for idle connections the server dropped: without a listener, Node.js exits.
   */
  readonly pool: PostgresQueryable;
  /** The schema {@link migrate} created the tables in: a plain lower-case identifier. Default `samlkit`. */
  readonly schema?: string;
}

/** Options of {@link PostgresStore.sweepExpired}. */
export interface SweepOptions {
  /** Rows deleted per statement, so that no statement holds many locks for long. Default 1000. */
  readonly batchSize?: number;
}

/** What {@link PostgresStore.sweepExpired} deleted. */
export interface SweepResult {
  /** Expired pending requests (logins started and never finished). */
  readonly requests: number;
  /** Expired replay-cache entries. */
  readonly replays: number;
  /** Expired Single Logout sessions. */
  readonly sessions: number;
}

/** A {@link TenantStore} and a {@link StateStore} in PostgreSQL; see {@link createPostgresStore}. */
export interface PostgresStore extends TenantStore, StateStore, SessionStore, SetupStore {
  get(id: string): Promise<Tenant | undefined>;
  list(): Promise<Tenant[]>;
  findByEmailDomain(domain: string): Promise<Tenant | undefined>;
  findByIssuer(issuer: string): Promise<Tenant[]>;
  /**
   * Deletes expired pending requests and replay entries, in batches of `batchSize` rows, and says
   * how many. Expired rows are invisible already; this only reclaims their space. Nothing runs in
   * the background: call it on a schedule, e.g. every five minutes from one instance (several at
   * once are harmless: they skip each other's rows).
   *
   * @throws SamlError `STORE_UNAVAILABLE` when the database cannot be reached.
   */
  sweepExpired(options?: SweepOptions): Promise<SweepResult>;
  /** Later calls reject with `STORE_UNAVAILABLE`; the pool stays open (it is the app's). */
  close(): Promise<void>;
}

const DEFAULT_BATCH_SIZE = 1000;
const MAX_BATCH_SIZE = 100_000;
/** The latest time `timestamptz` input takes in ISO form; later deadlines are stored as `infinity`. */
const MAX_ISO_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Attempts of a `put` that lost a race it can win on retry (a deadlock, a holder that vanished). */
const PUT_ATTEMPTS = 3;

/**
 * The shared store for several instances: tenants, pending logins and the replay cache in
 * PostgreSQL, through the app's own `pg` Pool. Create the tables first with {@link migrate}.
 * Tested with PostgreSQL 15 (Debian 12's); it uses nothing newer than PostgreSQL 13. The database
 * must use the UTF8 encoding (the default); text PostgreSQL cannot hold (NUL, lone surrogates) is
 * refused on writes with a `TypeError` and found nowhere on reads.
 *
 * Every operation is one atomic statement. `consumeRequest` is `DELETE … RETURNING`: of concurrent
 * callers exactly one gets the request. `remember` is `INSERT … ON CONFLICT`: of concurrent
 * callers exactly one gets `true`, and an expired entry gives way to a new one (SAML profiles
 * §4.1.4.5: a bearer assertion is accepted once). `put` writes the tenant and its email-domain
 * claims in one statement. `setDomainVerification` is one `UPDATE`; a partial unique index lets one
 * tenant at most hold a domain verified, so of concurrent verifications exactly one succeeds.
 *
 * Expiry is judged by the database's clock (`now()`), except that a deadline already past by this
 * process's clock stores nothing without asking the database. Keep the app's and the database's
 * clocks in sync (NTP): the deadlines are the app's, `verifyResponse` judges assertions by the
 * app's clock, and a database clock running ahead drops entries early.
 *
 * Expired rows are invisible at once but stay until {@link PostgresStore.sweepExpired} deletes
 * them; nothing runs in the background. Every failure of the database or the network rejects with
 * `SamlError` `STORE_UNAVAILABLE` (the driver's error as `cause`), so logins fail closed; with a
 * `pg.Pool`, the store works again by itself once the database is back.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createServiceProvider } from 'samlkit';
 * import { createPostgresStore, migrate } from 'samlkit/postgres';
 *
 * const pool = new pg.Pool({
 *   connectionString: process.env.DATABASE_URL,
 *   connectionTimeoutMillis: 5000, // fail fast when the database is down…
 *   query_timeout: 5000, // …or stops answering,
 *   statement_timeout: 4000, // and let the server give up too
 * });
 * pool.on('error', (error) => log.warn({ error }, 'idle PostgreSQL connection lost'));
 * await migrate(pool);
 * const store = createPostgresStore({ pool });
 * const sp = createServiceProvider({ tenants: store, state: store });
 * setInterval(() => void store.sweepExpired().catch(log.warn), 5 * 60_000).unref();
 * ```
 * @throws TypeError when `pool` has no `query` method or `schema` is not a plain lower-case identifier.
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('options must be an object with a pool');
  requireQueryable(options.pool);
  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  quotedSchema(schema, 'options.schema');
  return new PgStore(options.pool, schema);
}

type Statement =
  | 'saveRequest'
  | 'dropRequest'
  | 'findRequest'
  | 'consumeRequest'
  | 'remember'
  | 'get'
  | 'list'
  | 'findByIssuer'
  | 'findByEmailDomain'
  | 'delete'
  | 'put'
  | 'holder'
  | 'domainClaims'
  | 'setVerification'
  | 'sweepRequests'
  | 'sweepReplays'
  | 'saveSession'
  | 'dropSession'
  | 'findSessions'
  | 'deleteSession'
  | 'sweepSessions'
  | 'setupRead'
  | 'setupWrite';

/** The statements of one schema. */
function statements(schema: string): Readonly<Record<Statement, string>> {
  const s = quotedSchema(schema);
  return {
    saveRequest: `INSERT INTO ${s}.pending_requests (request_key, tenant_id, request_id, payload, expires_at)
      VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz)
      ON CONFLICT (request_key) DO UPDATE SET tenant_id = EXCLUDED.tenant_id,
        request_id = EXCLUDED.request_id, payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
    dropRequest: `DELETE FROM ${s}.pending_requests WHERE request_key = $1`,
    findRequest: `SELECT tenant_id, request_id, payload::text AS payload FROM ${s}.pending_requests
      WHERE request_key = $1 AND expires_at > now()`,
    consumeRequest: `DELETE FROM ${s}.pending_requests
      WHERE request_key = $1 AND tenant_id = $2 AND expires_at > now()
      RETURNING tenant_id, request_id, payload::text AS payload`,
    // Inserts when absent; takes the place of an expired entry; leaves a live one alone. A deadline
    // already past by the database's clock inserts nothing.
    remember: `INSERT INTO ${s}.replay AS entry (replay_key, expires_at)
      SELECT $1, $2::timestamptz WHERE $2::timestamptz > now()
      ON CONFLICT (replay_key) DO UPDATE SET expires_at = EXCLUDED.expires_at
        WHERE entry.expires_at <= now()
      RETURNING 1`,
    get: `SELECT config::text AS config FROM ${s}.tenants WHERE tenant_key = $1`,
    list: `SELECT config::text AS config FROM ${s}.tenants`,
    findByIssuer: `SELECT config::text AS config FROM ${s}.tenants WHERE issuer = $1`,
    findByEmailDomain: `SELECT tenant.config::text AS config
      FROM ${s}.tenant_domains AS claim JOIN ${s}.tenants AS tenant USING (tenant_key)
      WHERE claim.domain = $1 AND claim.verified_at IS NOT NULL`,
    delete: `DELETE FROM ${s}.tenants WHERE tenant_key = $1`,
    // One statement, so one transaction: the tenant row, the claims of domains it gave up, pending
    // claims (with fresh tokens) for the ones it newly lists; claims it keeps keep their state.
    put: `WITH tenant AS (
        INSERT INTO ${s}.tenants (tenant_key, id, issuer, config) VALUES ($1, $2, $3, $4::jsonb)
        ON CONFLICT (tenant_key) DO UPDATE SET id = EXCLUDED.id, issuer = EXCLUDED.issuer, config = EXCLUDED.config
      ), freed AS (
        DELETE FROM ${s}.tenant_domains WHERE tenant_key = $1 AND domain <> ALL ($5::text[])
      )
      INSERT INTO ${s}.tenant_domains (tenant_key, domain, token)
      SELECT $1, claimed.domain, claimed.token FROM unnest($5::text[], $6::text[]) AS claimed (domain, token)
      ORDER BY claimed.domain COLLATE "C"
      ON CONFLICT (tenant_key, domain) DO NOTHING`,
    holder: `SELECT tenant.id FROM ${s}.tenant_domains AS claim
      JOIN ${s}.tenants AS tenant USING (tenant_key)
      WHERE claim.domain = $1 AND claim.verified_at IS NOT NULL AND claim.tenant_key <> $2`,
    domainClaims: `SELECT domain, token,
        to_char(verified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS verified_at,
        method, verified_by
      FROM ${s}.tenant_domains WHERE tenant_key = $1 ORDER BY domain COLLATE "C"`,
    // A second tenant's verification of a domain violates tenant_domains_verified (23505).
    setVerification: `UPDATE ${s}.tenant_domains
      SET verified_at = $3::timestamptz, method = $4, verified_by = $5
      WHERE tenant_key = $1 AND domain = $2
      RETURNING domain, token,
        to_char(verified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS verified_at,
        method, verified_by`,
    sweepRequests: `DELETE FROM ${s}.pending_requests WHERE request_key IN (
        SELECT request_key FROM ${s}.pending_requests WHERE expires_at <= now()
        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
      ) AND expires_at <= now()`,
    saveSession: `INSERT INTO ${s}.sessions (session_key, name_key, session_index, payload, expires_at)
      VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz)
      ON CONFLICT (session_key) DO UPDATE SET name_key = EXCLUDED.name_key,
        session_index = EXCLUDED.session_index, payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
    dropSession: `DELETE FROM ${s}.sessions WHERE session_key = $1`,
    findSessions: `SELECT payload::text AS payload FROM ${s}.sessions
      WHERE name_key = $1 AND expires_at > now() AND ($2::text IS NULL OR session_index = $2::text)`,
    deleteSession: `DELETE FROM ${s}.sessions WHERE session_key = $1
      RETURNING payload::text AS payload, expires_at > now() AS live`,
    sweepSessions: `DELETE FROM ${s}.sessions WHERE session_key IN (
        SELECT session_key FROM ${s}.sessions WHERE expires_at <= now()
        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
      ) AND expires_at <= now()`,
    setupRead: `SELECT tenant.config::text AS config, coalesce(setup.version, 0)::text AS version,
        setup.record::text AS record
      FROM ${s}.tenants AS tenant LEFT JOIN ${s}.tenant_setup AS setup USING (tenant_key)
      WHERE tenant.tenant_key = $1`,
    // One statement: the tenant row is locked and must still hold what was read; the setup row is
    // written only at the version read (compare and set); the tenant's configuration changes only
    // when the setup row was written. Nothing at all is written otherwise, and the caller reads again.
    setupWrite: `WITH locked AS (
        SELECT tenant_key FROM ${s}.tenants WHERE tenant_key = $1 AND config = $2::jsonb FOR UPDATE
      ), setup AS (
        INSERT INTO ${s}.tenant_setup (tenant_key, version, record)
        SELECT tenant_key, $3::bigint + 1, $4::jsonb FROM locked
        ON CONFLICT (tenant_key) DO UPDATE SET version = EXCLUDED.version, record = EXCLUDED.record
          WHERE ${s}.tenant_setup.version = $3::bigint
        RETURNING tenant_key
      ), live AS (
        UPDATE ${s}.tenants SET config = $5::jsonb, issuer = $6
        WHERE tenant_key = $1 AND $5::jsonb IS NOT NULL AND EXISTS (SELECT FROM setup)
        RETURNING tenant_key
      )
      SELECT (SELECT count(*) FROM setup)::int AS written`,
    sweepReplays: `DELETE FROM ${s}.replay WHERE replay_key IN (
        SELECT replay_key FROM ${s}.replay WHERE expires_at <= now()
        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
      ) AND expires_at <= now()`,
  };
}

/** The store itself; only {@link createPostgresStore} makes one. */
class PgStore extends SetupChanges implements PostgresStore {
  readonly #pool: PostgresQueryable;
  readonly #schema: string;
  readonly #sql: Readonly<Record<Statement, string>>;
  #closed = false;

  constructor(pool: PostgresQueryable, schema: string) {
    super();
    this.#pool = pool;
    this.#schema = schema;
    this.#sql = statements(schema);
  }

  async saveRequest(request: PendingRequest, expiresAt: Date): Promise<void> {
    this.#open();
    checkRequest(request);
    const deadline = timeOf(expiresAt, 'expiresAt');
    const key = digest(request.requestId);
    if (deadline <= now()) {
      // Saving an ID again replaces the request, even with nothing.
      await this.#query('saveRequest', this.#sql.dropRequest, [key]);
      return;
    }
    const { tenantId, requestId, relayState, browserBinding, returnTo, maxAuthnAgeSeconds } = request;
    const payload = JSON.stringify({
      relayState,
      browserBinding,
      ...(returnTo !== undefined && { returnTo }),
      ...(maxAuthnAgeSeconds !== undefined && { maxAuthnAgeSeconds }),
    });
    await this.#query('saveRequest', this.#sql.saveRequest, [
      key,
      tenantId,
      requestId,
      payload,
      timestamp(deadline),
    ]);
  }

  async findRequest(requestId: string): Promise<PendingRequest | undefined> {
    this.#open();
    requireString(requestId, 'requestId');
    const { rows } = await this.#query('findRequest', this.#sql.findRequest, [digest(requestId)]);
    return rows.length === 0 ? undefined : this.#pending(rows[0]);
  }

  async consumeRequest(tenantId: string, requestId: string): Promise<PendingRequest | undefined> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(requestId, 'requestId');
    // No stored tenant ID holds NUL or a lone surrogate (saveRequest refuses them).
    if (!storable(tenantId)) return undefined;
    const key = digest(requestId);
    const { rows } = await this.#query('consumeRequest', this.#sql.consumeRequest, [key, tenantId]);
    return rows.length === 0 ? undefined : this.#pending(rows[0]);
  }

  /**
   * Remembers that the tenant accepted this assertion until `expiresAt`: `true` when this call
   * stored it, `false` when a live entry is there (a replay), or when `expiresAt` is already past
   * (by this process's clock, without a query, or by the database's): nothing could be kept then,
   * so it fails closed. SAML profiles §4.1.4.5.
   */
  async remember(tenantId: string, assertionId: string, expiresAt: Date): Promise<boolean> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(assertionId, 'assertionId');
    const deadline = timeOf(expiresAt, 'expiresAt');
    if (deadline <= now()) return false;
    const key = digest(tenantId, assertionId);
    const { rows } = await this.#query('remember', this.#sql.remember, [key, timestamp(deadline)]);
    return rows.length === 1;
  }

  async saveSession(session: SamlSession, expiresAt: Date): Promise<void> {
    this.#open();
    checkSession(session);
    const deadline = timeOf(expiresAt, 'expiresAt');
    for (const [key, value] of Object.entries(session)) {
      if (typeof value === 'string' && !storable(value))
        throw new TypeError(`session.${key} must not hold NUL or lone surrogates`);
    }
    const key = digest(session.tenantId, session.appSessionId);
    if (deadline <= now()) {
      await this.#query('saveSession', this.#sql.dropSession, [key]);
      return;
    }
    await this.#query('saveSession', this.#sql.saveSession, [
      key,
      digest(session.tenantId, session.nameId),
      session.sessionIndex ?? null,
      JSON.stringify(sessionOf(session)),
      timestamp(deadline),
    ]);
  }

  async findSessions(tenantId: string, nameId: string, sessionIndex?: string): Promise<SamlSession[]> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(nameId, 'nameId');
    if (sessionIndex !== undefined) requireString(sessionIndex, 'sessionIndex');
    if (sessionIndex !== undefined && !storable(sessionIndex)) return [];
    const { rows } = await this.#query('findSessions', this.#sql.findSessions, [
      digest(tenantId, nameId),
      sessionIndex ?? null,
    ]);
    return rows
      .map((row) => this.#session(row))
      .filter((session) => session.tenantId === tenantId && session.nameId === nameId)
      .sort((a, b) => compare(a.appSessionId, b.appSessionId));
  }

  async deleteSession(tenantId: string, appSessionId: string): Promise<SamlSession | undefined> {
    this.#open();
    requireString(tenantId, 'tenantId');
    requireString(appSessionId, 'appSessionId');
    const { rows } = await this.#query('deleteSession', this.#sql.deleteSession, [
      digest(tenantId, appSessionId),
    ]);
    const [row] = rows;
    return row === undefined || field(row, 'live') !== true ? undefined : this.#session(row);
  }

  async get(id: string): Promise<Tenant | undefined> {
    this.#open();
    requireString(id, 'id');
    const { rows } = await this.#query('get', this.#sql.get, [digest(id)]);
    const [tenant] = this.#tenants(rows);
    return tenant?.id === id ? tenant : undefined;
  }

  async put(config: TenantConfig): Promise<void> {
    this.#open();
    const tenant = defineTenant(config);
    const json = JSON.stringify(tenant);
    if (!storableJson(tenant))
      throw new TypeError('Invalid tenant configuration: PostgreSQL text cannot hold NUL or lone surrogates');
    const key = digest(tenant.id);
    const domains = [...new Set((tenant.emailDomains ?? []).map(asciiLowerCase))].sort(compare);
    const tokens = domains.map(() => newClaimToken());
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#pool.query(this.#sql.put, [key, tenant.id, tenant.idp.entityId, json, domains, tokens]);
        return;
      } catch (error) {
        const retry = attempt < PUT_ATTEMPTS;
        // A deadlock, a serialization failure, or this tenant's own concurrent put inserting the
        // same claim: the other transaction went first, try again.
        const state = sqlState(error);
        if ((state === '40P01' || state === '40001' || state === '23505') && retry) continue;
        throw this.#unavailable('put', error);
      }
    }
  }

  async getSetup(tenantId: string): Promise<TenantSetup | undefined> {
    return (await this.#readSetup(tenantId))?.record;
  }

  /** The tenant's stored configuration (as stored: sealed secrets stay sealed), setup record and version. */
  async #readSetup(
    tenantId: string,
  ): Promise<
    { readonly config: string; readonly version: string; readonly record: TenantSetup } | undefined
  > {
    this.#open();
    requireString(tenantId, 'tenantId');
    const { rows } = await this.#query('getSetup', this.#sql.setupRead, [digest(tenantId)]);
    const [row] = rows;
    if (row === undefined) return undefined;
    const config = field(row, 'config');
    const version = field(row, 'version');
    const text = field(row, 'record');
    if (typeof config !== 'string' || typeof version !== 'string') throw this.#corrupt('tenant_setup');
    const record = text === null || text === undefined ? {} : setupFromJson(parseJson(text));
    if (record === undefined) throw this.#corrupt('tenant_setup');
    return { config, version, record };
  }

  /** One setup change: read, apply, compare-and-set write; read again when the tenant changed meanwhile. */
  protected override async applySetupChange(tenantId: string, change: SetupChange): Promise<boolean> {
    checkSetupChange(tenantId, change);
    for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
      const read = await this.#readSetup(tenantId);
      if (read === undefined) return false;
      const [live] = this.#tenants([{ config: read.config }]);
      if (live?.id !== tenantId) return false;
      const outcome = applySetupChange(read.record, change, live);
      if (outcome === undefined) return false;
      const record = JSON.stringify(outcome.record);
      const next = outcome.live === undefined ? null : JSON.stringify(outcome.live);
      if (!storableJson(outcome.record) || (outcome.live !== undefined && !storableJson(outcome.live)))
        throw new TypeError('The setup change holds text PostgreSQL cannot store (NUL or lone surrogates)');
      const { rows } = await this.#query('setup', this.#sql.setupWrite, [
        digest(tenantId),
        read.config,
        read.version,
        record,
        next,
        outcome.live?.idp.entityId ?? live.idp.entityId,
      ]);
      if (field(rows[0], 'written') === 1) return true;
    }
    fail('STORE_UNAVAILABLE', 'The setup record kept changing while it was written', {
      hint: `The tenant's configuration or setup changed ${PUT_ATTEMPTS} times while this change was applied: another admin is editing it. Try again.`,
      tenantId,
    });
  }

  async domainClaims(tenantId: string): Promise<DomainClaim[]> {
    this.#open();
    requireString(tenantId, 'tenantId');
    const { rows } = await this.#query('domainClaims', this.#sql.domainClaims, [digest(tenantId)]);
    return rows.map((row) => this.#claim(tenantId, row));
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
    if (!storable(domain) || (verification !== null && !storable(verification.by))) return undefined;
    const key = digest(tenantId);
    const lower = asciiLowerCase(domain);
    const values = [
      key,
      lower,
      verification?.verifiedAt.toISOString() ?? null,
      verification?.method ?? null,
      verification?.by ?? null,
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.#pool.query(this.#sql.setVerification, values);
        return rows.length === 0 ? undefined : this.#claim(tenantId, rows[0]);
      } catch (error) {
        if (sqlState(error) !== '23505') throw this.#unavailable('setDomainVerification', error);
        const { rows } = await this.#query('setDomainVerification', this.#sql.holder, [lower, key]);
        const holder = field(rows[0], 'id');
        if (typeof holder === 'string') alreadyVerified(lower, holder, tenantId);
        // The holder let go in the meantime: try again.
        if (attempt >= PUT_ATTEMPTS) throw this.#unavailable('setDomainVerification', error);
      }
    }
  }

  async delete(id: string): Promise<boolean> {
    this.#open();
    requireString(id, 'id');
    const { rowCount } = await this.#query('delete', this.#sql.delete, [digest(id)]);
    return (rowCount ?? 0) > 0;
  }

  async list(): Promise<Tenant[]> {
    this.#open();
    const { rows } = await this.#query('list', this.#sql.list, []);
    return this.#tenants(rows);
  }

  /**
   * The tenant that holds this domain verified. Matching ignores ASCII case only (domains are
   * stored and looked up in ASCII lower case; SQL `lower()` would follow Unicode), so a look-alike
   * such as `\u212A` (KELVIN SIGN) never matches `k`.
   */
  async findByEmailDomain(domain: string): Promise<Tenant | undefined> {
    this.#open();
    requireString(domain, 'domain');
    if (!storable(domain)) return undefined;
    const { rows } = await this.#query('findByEmailDomain', this.#sql.findByEmailDomain, [
      asciiLowerCase(domain),
    ]);
    return this.#tenants(rows)[0];
  }

  async findByIssuer(issuer: string): Promise<Tenant[]> {
    this.#open();
    requireString(issuer, 'issuer');
    if (!storable(issuer)) return [];
    const { rows } = await this.#query('findByIssuer', this.#sql.findByIssuer, [issuer]);
    return this.#tenants(rows);
  }

  async sweepExpired(options: SweepOptions = {}): Promise<SweepResult> {
    this.#open();
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE)
      throw new TypeError(`options.batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE}`);
    const sweep = async (sql: string): Promise<number> => {
      let total = 0;
      for (;;) {
        const { rowCount } = await this.#query('sweepExpired', sql, [batchSize]);
        total += rowCount ?? 0;
        if ((rowCount ?? 0) < batchSize) return total;
      }
    };
    const requests = await sweep(this.#sql.sweepRequests);
    const replays = await sweep(this.#sql.sweepReplays);
    const sessions = await sweep(this.#sql.sweepSessions);
    return { requests, replays, sessions };
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #open(): void {
    if (!this.#closed) return;
    fail('STORE_UNAVAILABLE', 'The PostgreSQL store is closed', {
      hint: 'The application used its PostgreSQL store after closing it (during shutdown?).',
    });
  }

  async #query(operation: string, text: string, values: unknown[]): Promise<PostgresQueryResult> {
    try {
      return await this.#pool.query(text, values);
    } catch (error) {
      throw this.#unavailable(operation, error);
    }
  }

  #unavailable(operation: string, cause: unknown): SamlError {
    return unavailable(this.#schema, operation, cause);
  }

  /** A domain claim from its row. */
  #claim(tenantId: string, row: unknown): DomainClaim {
    const domain = field(row, 'domain');
    const token = field(row, 'token');
    const verifiedAt = field(row, 'verified_at');
    const method = field(row, 'method');
    const by = field(row, 'verified_by');
    if (typeof domain !== 'string' || typeof token !== 'string') throw this.#corrupt('tenant_domains');
    return typeof verifiedAt === 'string' &&
      (method === 'dns' || method === 'operator') &&
      typeof by === 'string'
      ? claimOf(tenantId, domain, { token, verifiedAt, method, by })
      : claimOf(tenantId, domain, { token });
  }

  /** A pending request from its row. */
  #pending(row: unknown): PendingRequest {
    const tenantId = field(row, 'tenant_id');
    const requestId = field(row, 'request_id');
    const payload = parseJson(field(row, 'payload'));
    const relayState = field(payload, 'relayState');
    const browserBinding = field(payload, 'browserBinding');
    const returnTo = field(payload, 'returnTo');
    const maxAuthnAgeSeconds = field(payload, 'maxAuthnAgeSeconds');
    if (
      typeof tenantId !== 'string' ||
      typeof requestId !== 'string' ||
      typeof relayState !== 'string' ||
      typeof browserBinding !== 'string' ||
      (returnTo !== undefined && typeof returnTo !== 'string') ||
      (maxAuthnAgeSeconds !== undefined && typeof maxAuthnAgeSeconds !== 'number')
    ) {
      throw this.#corrupt('pending_requests');
    }
    return Object.freeze({
      tenantId,
      requestId,
      relayState,
      browserBinding,
      ...(returnTo !== undefined && { returnTo }),
      ...(maxAuthnAgeSeconds !== undefined && { maxAuthnAgeSeconds }),
    });
  }

  /** A Single Logout session from its row. */
  #session(row: unknown): SamlSession {
    const payload = parseJson(field(row, 'payload'));
    try {
      checkSession(payload);
    } catch {
      throw this.#corrupt('sessions');
    }
    return sessionOf(payload);
  }

  /** The tenants of `config` rows, defined (validated and frozen), sorted by ID. */
  #tenants(rows: readonly unknown[]): Tenant[] {
    const tenants = rows.map((row) => {
      const config = parseJson(field(row, 'config'));
      try {
        return defineTenant(config as TenantConfig);
      } catch (cause) {
        const id = field(config, 'id');
        fail('STORE_UNAVAILABLE', 'A tenant configuration in PostgreSQL is no longer valid', {
          hint: `The configuration stored for tenant ${JSON.stringify(id)} in schema "${this.#schema}" fails validation (was it edited by hand?); the error's cause lists the problems. Store it again with put().`,
          ...(typeof id === 'string' && { tenantId: id }),
          cause,
        });
      }
    });
    return tenants.sort((a, b) => compare(a.id, b.id));
  }

  #corrupt(table: string): SamlError {
    return new SamlError('STORE_UNAVAILABLE', `A row of ${table} in PostgreSQL has an unexpected shape`, {
      hint: `The table "${this.#schema}".${table} holds a row samlkit did not write (edited by hand, or another program's table?).`,
    });
  }
}

/** JSON text from the database, parsed here so that an app's global type parsers cannot interfere. */
function parseJson(text: unknown): unknown {
  try {
    if (typeof text === 'string') return JSON.parse(text) as unknown;
  } catch {
    // reported below
  }
  throw new SamlError('STORE_UNAVAILABLE', 'PostgreSQL returned a column that is not JSON text', {
    hint: 'The pool must return text columns as strings (pg does, unless a custom type parser for text was set).',
  });
}

/**
 * SHA-256 of the parts, each prefixed by its length, over UTF-16 code units: so the key of
 * (`a:b`, `c`) differs from that of (`a`, `b:c`), and every JavaScript string (lone surrogates
 * too) has its own key.
 */
function digest(...parts: string[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf16le');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest();
}

/** A deadline as `timestamptz` input: ISO 8601 in UTC, or `infinity` past year 9999. */
function timestamp(time: number): string {
  return time > MAX_ISO_TIME ? 'infinity' : new Date(time).toISOString();
}

function now(): number {
  return currentTime(undefined, 'now').getTime();
}

/** PostgreSQL text holds neither NUL nor (in UTF-8) a lone surrogate. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function storable(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** True when every string (keys included) in plain JSON data is {@link storable}. */
function storableJson(value: unknown): boolean {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.every(storableJson);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).every(([key, item]) => storable(key) && storableJson(item));
  return true;
}

/** The checks every store makes, and text PostgreSQL can hold (no NUL, no lone surrogates). */
function checkRequest(request: unknown): asserts request is PendingRequest {
  checkRequestShape(request);
  for (const key of ['tenantId', 'requestId', 'relayState', 'browserBinding', 'returnTo'] as const) {
    const value = request[key];
    if (value !== undefined && !storable(value))
      throw new TypeError(`request.${key} must not hold NUL or lone surrogates`);
  }
}
