/**
 * The PostgreSQL store's tables and connection: the client contract, the SQL that creates the
 * tables (exported so that an app can run it with its own migration tool), `migrate`, and how
 * driver failures become `STORE_UNAVAILABLE`.
 *
 * @module
 */
import { SamlError } from '../errors.js';
import { fail } from '../internal/fail.js';

/** What the store needs of a query result; `pg`'s `QueryResult` has it. */
export interface PostgresQueryResult {
  /** The rows returned. */
  readonly rows: readonly unknown[];
  /** The rows the statement affected (`null` for statements without a count). */
  readonly rowCount: number | null;
}

/**
 * What the store needs of a database client: `pg`'s `query(text, values)`. A `pg.Pool` (the usual
 * choice: it reconnects by itself after an outage), a `pg.Client` or a `PoolClient` all fit. Each
 * store operation is one statement, so no transaction ever spans two calls.
 */
export interface PostgresQueryable {
  /** Runs one parameterised statement (`$1`, `$2`, … bound to `values`). */
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The schema to create the tables in: a plain lower-case identifier. Default `samlkit`. */
  readonly schema?: string;
}

/** The schema the PostgreSQL store uses unless told otherwise. */
export const DEFAULT_POSTGRES_SCHEMA = 'samlkit';

/**
 * The version of the tables {@link postgresSchemaSql} creates, kept in `<schema>.schema_version`.
 * A later samlkit that changes the tables raises it and migrates from each earlier version.
 */
export const POSTGRES_SCHEMA_VERSION = 4;

/** Lower-case letters, digits and `_`, starting with a letter or `_`, at most 63 bytes; not `pg_…`. */
const PLAIN_IDENTIFIER = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/;

/** Serialises concurrent migrations (two instances deploying at once): an advisory lock key. */
const MIGRATION_LOCK = '23434223315274068'; // 'SAMLKIT' in ASCII, as a bigint

/**
 * Checks a schema name and returns it quoted. Only plain lower-case identifiers are accepted, so the
 * quoted and the unquoted name are the same schema (`SET search_path = samlkit` finds it).
 *
 * @throws TypeError when the name is not a plain identifier.
 */
export function quotedSchema(schema: unknown, parameter = 'schema'): string {
  if (typeof schema !== 'string' || !PLAIN_IDENTIFIER.test(schema)) {
    throw new TypeError(
      `${parameter} must be a plain lower-case identifier (a-z, 0-9, _; at most 63 characters; not pg_…), such as "samlkit"`,
    );
  }
  return `"${schema}"`;
}

/** Options of {@link postgresSchemaSql}. */
export interface PostgresSchemaOptions {
  /** The schema to create the tables in: a plain lower-case identifier. Default `samlkit`. */
  readonly schema?: string;
}

/**
 * The start of every samlkit schema script: the migration lock `lock` (one per script), the schema (created only when
 * missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists),
 * and its one-row version table `versionTable` at `version` when new.
 */
export function versionedSchemaSql(
  name: string,
  lock: string,
  versionTable: string,
  version: number,
): string {
  const s = quotedSchema(name, 'options.schema');
  return `SELECT pg_advisory_xact_lock(${lock});
DO $samlkit$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = '${name}') THEN
    CREATE SCHEMA ${s};
  END IF;
END $samlkit$;
CREATE TABLE IF NOT EXISTS ${s}.${versionTable} (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version integer NOT NULL
);
INSERT INTO ${s}.${versionTable} (version) VALUES (${version})
  ON CONFLICT (singleton) DO NOTHING;`;
}

/**
 * The SQL that creates (or checks) the PostgreSQL store's schema, version
 * {@link POSTGRES_SCHEMA_VERSION}: idempotent, so running it again changes nothing. `migrate` runs
 * exactly this; call it yourself to hand the text to your own migration tool (Flyway, Sqitch,
 * node-pg-migrate, …). Run it as the role that owns the schema; the app's role needs only `USAGE`
 * on the schema and `SELECT, INSERT, UPDATE, DELETE` on its tables.
 *
 * The tables:
 * - `pending_requests`: logins in progress, keyed by `request_key` = SHA-256 of the request ID
 *   (IDs may be kilobytes long, longer than a B-tree entry may be; the full ID stays in
 *   `request_id`). `payload` holds the rest of the request (`relayState`, `returnTo`).
 * - `replay`: assertions already accepted, keyed by `replay_key` = SHA-256 of the length-prefixed
 *   tenant ID and assertion ID (so `a:b` + `c` and `a` + `b:c` are two keys); nothing else is kept.
 * - `tenants`: one row per tenant, keyed by `tenant_key` = SHA-256 of the ID, with the IdP entity ID
 *   in `issuer` (hash-indexed: entity IDs have no length limit) and the configuration as `jsonb`.
 * - `tenant_domains`: the email-domain claims of each tenant (lower-case ASCII), one row per tenant
 *   and domain, with the claim's random `token` and, once proven, `verified_at`, `method` and
 *   `verified_by`. A partial unique index on `domain` where `verified_at` is set lets one tenant at
 *   most hold a domain verified. Deleting a tenant deletes its rows. Version 1 (one tenant per
 *   domain, routing at once) is migrated in place: every claim becomes pending with a fresh token.
 * - `sessions` (version 3): the SAML sessions behind the app's sessions, for Single Logout, keyed by
 *   `session_key` = SHA-256 of the length-prefixed tenant ID and app session ID, found by
 *   `name_key` = the same of the tenant ID and NameID; the session itself in `payload`.
 * - `tenant_setup` (version 4): the setup flow's staged IdP configuration of a tenant (its draft,
 *   the draft's test result, the settings a promotion replaced) as `jsonb`, with a `version` that
 *   makes each change a compare and set; deleted with the tenant.
 * - `schema_version`: one row, the version of these tables.
 *
 * The expiring tables have an index on `expires_at` for `sweepExpired`. Needs PostgreSQL 13 or
 * newer (`gen_random_uuid()` makes the tokens of migrated claims).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { postgresSchemaSql } from 'samlkit/postgres';
 *
 * writeFileSync('migrations/20250101_samlkit.sql', postgresSchemaSql({ schema: 'samlkit' }));
 * ```
 * @throws TypeError when `schema` is not a plain lower-case identifier.
 */
export function postgresSchemaSql(options: PostgresSchemaOptions = {}): string {
  const name = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const s = quotedSchema(name, 'options.schema');
  return `-- samlkit PostgreSQL store, schema version ${POSTGRES_SCHEMA_VERSION}. Idempotent.
${versionedSchemaSql(name, MIGRATION_LOCK, 'schema_version', POSTGRES_SCHEMA_VERSION)}

CREATE TABLE IF NOT EXISTS ${s}.pending_requests (
  request_key bytea PRIMARY KEY,
  tenant_id text COLLATE "C" NOT NULL,
  request_id text COLLATE "C" NOT NULL,
  payload jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_requests_expires_at ON ${s}.pending_requests (expires_at);

CREATE TABLE IF NOT EXISTS ${s}.replay (
  replay_key bytea PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS replay_expires_at ON ${s}.replay (expires_at);

CREATE TABLE IF NOT EXISTS ${s}.tenants (
  tenant_key bytea PRIMARY KEY,
  id text COLLATE "C" NOT NULL,
  issuer text COLLATE "C" NOT NULL,
  config jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS tenants_issuer ON ${s}.tenants USING hash (issuer);

CREATE TABLE IF NOT EXISTS ${s}.tenant_domains (
  tenant_key bytea NOT NULL REFERENCES ${s}.tenants (tenant_key) ON DELETE CASCADE,
  domain text COLLATE "C" NOT NULL,
  token text NOT NULL,
  verified_at timestamptz,
  method text CHECK (method IN ('dns', 'operator')),
  verified_by text,
  PRIMARY KEY (tenant_key, domain),
  CONSTRAINT tenant_domains_verification CHECK (
    (verified_at IS NULL) = (method IS NULL) AND (method IS NULL) = (verified_by IS NULL)
  )
);
CREATE INDEX IF NOT EXISTS tenant_domains_tenant_key ON ${s}.tenant_domains (tenant_key);

-- From version 1: a domain was one tenant's claim and routed at once. Now any tenant may claim it
-- (pending, with a token for its DNS record) and only a verified claim routes: every existing
-- claim becomes pending; the operator marks the ones they know to be right as verified.
DO $samlkit$ BEGIN
  IF NOT EXISTS (
    SELECT FROM information_schema.columns
    WHERE table_schema = '${name}' AND table_name = 'tenant_domains' AND column_name = 'token'
  ) THEN
    ALTER TABLE ${s}.tenant_domains DROP CONSTRAINT tenant_domains_pkey;
    ALTER TABLE ${s}.tenant_domains
      ADD COLUMN token text,
      ADD COLUMN verified_at timestamptz,
      ADD COLUMN method text CHECK (method IN ('dns', 'operator')),
      ADD COLUMN verified_by text,
      ADD CONSTRAINT tenant_domains_verification CHECK (
        (verified_at IS NULL) = (method IS NULL) AND (method IS NULL) = (verified_by IS NULL)
      );
    UPDATE ${s}.tenant_domains SET token = replace(gen_random_uuid()::text, '-', '');
    ALTER TABLE ${s}.tenant_domains ALTER COLUMN token SET NOT NULL, ADD PRIMARY KEY (tenant_key, domain);
  END IF;
END $samlkit$;
CREATE UNIQUE INDEX IF NOT EXISTS tenant_domains_verified ON ${s}.tenant_domains (domain)
  WHERE verified_at IS NOT NULL;
${sessionsSql(s)}${setupSql(s)}`;
}

/**
 * The setup flow's staged IdP configuration (version 4): one row per tenant that has one, deleted
 * with the tenant. `version` makes every change a compare and set.
 */
function setupSql(s: string): string {
  return `
-- Version 4: the admin's setup flow (draft, test result, previous IdP settings).
CREATE TABLE IF NOT EXISTS ${s}.tenant_setup (
  tenant_key bytea PRIMARY KEY REFERENCES ${s}.tenants (tenant_key) ON DELETE CASCADE,
  version bigint NOT NULL,
  record jsonb NOT NULL
);
UPDATE ${s}.schema_version SET version = 4 WHERE version < 4;
`;
}

/**
 * The Single Logout sessions (version 3, after the domain claims). Self-contained (creates only what is missing, then raises
 * the version), so it upgrades a version-1 schema as it creates a new one.
 */
function sessionsSql(s: string): string {
  return `
-- Version 3: Single Logout sessions.
CREATE TABLE IF NOT EXISTS ${s}.sessions (
  session_key bytea PRIMARY KEY,
  name_key bytea NOT NULL,
  session_index text COLLATE "C",
  payload jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_name_key ON ${s}.sessions (name_key);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON ${s}.sessions (expires_at);
UPDATE ${s}.schema_version SET version = 3 WHERE version < 3;
`;
}

/**
 * Creates the store's tables in the schema, or checks that they are there: idempotent, safe to run
 * at every start and from several instances at once (an advisory lock serialises them). When the
 * schema is already at {@link POSTGRES_SCHEMA_VERSION} it only reads `schema_version`, so the app's
 * least-privilege role may run it too; creating or upgrading the tables needs the schema's owner
 * (or, for a new schema, a role with `CREATE` on the database). To use your own migration tool
 * instead, take the SQL from {@link postgresSchemaSql}.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { migrate } from 'samlkit/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool); // schema "samlkit"
 * ```
 * @throws TypeError when `schema` is not a plain lower-case identifier.
 * @throws SamlError `STORE_UNAVAILABLE` when the database cannot be reached or refuses the SQL, or
 *   holds tables of a later samlkit.
 */
export async function migrate(pool: PostgresQueryable, options: MigrateOptions = {}): Promise<void> {
  requireQueryable(pool);
  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const sql = postgresSchemaSql({ schema });
  const s = quotedSchema(schema, 'options.schema');
  const current = async (): Promise<number> => {
    const { rows } = await pool.query(`SELECT version::text AS version FROM ${s}.schema_version`);
    return Number(field(rows[0], 'version'));
  };
  // Absent, unreadable or older: (re)create. Any failure there is reported by the second try.
  let version = await current().catch(() => Number.NaN);
  if (!(version >= POSTGRES_SCHEMA_VERSION)) {
    version = await run(schema, 'migrate', async () => {
      await pool.query(sql);
      return current();
    });
  }
  if (!Number.isInteger(version) || version > POSTGRES_SCHEMA_VERSION) {
    fail('STORE_UNAVAILABLE', `The PostgreSQL schema "${schema}" holds tables of a later samlkit`, {
      hint: `Schema "${schema}" is at version ${String(version)}; this samlkit knows version ${POSTGRES_SCHEMA_VERSION}. Upgrade samlkit, or use another schema.`,
    });
  }
}

/** Maps a driver or network failure to `STORE_UNAVAILABLE`, with a hint that fits its SQLSTATE. */
export function unavailable(schema: string, operation: string, cause: unknown): SamlError {
  if (cause instanceof SamlError) return cause;
  const code = sqlState(cause);
  const hint =
    code === '42P01' || code === '3F000'
      ? `The samlkit tables are missing from schema "${schema}": run migrate(pool, { schema: '${schema}' }) at deployment, or apply postgresSchemaSql() with your migration tool.`
      : code === '42501' && operation === 'migrate'
        ? `The database role may not create the tables in schema "${schema}": run migrate as the schema's owner (for a new schema, a role with CREATE on the database), then grant the app's role USAGE on the schema and SELECT, INSERT, UPDATE, DELETE on its tables.`
        : code === '42501'
          ? `The database role may not use schema "${schema}": grant it USAGE on the schema and SELECT, INSERT, UPDATE, DELETE on its tables.`
          : code?.startsWith('28') === true
            ? 'PostgreSQL refused the credentials of the application’s pool (user, password, pg_hba.conf).'
            : code === '25006'
              ? 'The pool points at a read-only server (a standby?): point it at the primary.'
              : 'The application cannot use its PostgreSQL database (down, unreachable, overloaded, or timed out). Logins fail closed until it is back; the store reconnects by itself. Check the pool’s host, port and credentials, and set connectionTimeoutMillis and query_timeout so calls fail fast.';
  return new SamlError(
    'STORE_UNAVAILABLE',
    `The PostgreSQL store failed (${operation}${code === undefined ? '' : `, SQLSTATE ${code}`})`,
    { hint, cause },
  );
}

/** Runs database calls of `migrate`, mapping failures like the store does. */
async function run<T>(schema: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailable(schema, operation, error);
  }
}

/**
 * The SQLSTATE of an error the server reported (`pg` puts it in `code`, beside `severity`);
 * undefined for a network error such as `ECONNREFUSED` or `EPIPE`.
 */
export function sqlState(error: unknown): string | undefined {
  const code = field(error, 'code');
  return typeof code === 'string' &&
    /^[0-9A-Z]{5}$/.test(code) &&
    typeof field(error, 'severity') === 'string'
    ? code
    : undefined;
}

/** A property of an object of unknown shape (a row, a driver error); undefined for anything else. */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** Checks the `pool` argument: anything with a `query` method fits. */
export function requireQueryable(pool: unknown): asserts pool is PostgresQueryable {
  if (typeof field(pool, 'query') !== 'function')
    throw new TypeError('pool must be a pg.Pool (or another client with query(text, values))');
}
