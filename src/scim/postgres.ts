/**
 * The directory store in PostgreSQL, in the same schema as the main store but with tables and a
 * version record of its own (`directory_schema_version`), so the two migrate independently.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { fail } from '../internal/fail.js';
import { compare } from '../store/arguments.js';
import {
  DEFAULT_POSTGRES_SCHEMA,
  field,
  quotedSchema,
  requireQueryable,
  sqlState,
  unavailable,
  versionedSchemaSql,
  type PostgresQueryable,
} from '../store/postgres-migrations.js';
import {
  checkRecord,
  checkScope,
  recordFrom,
  type DirectoryRecord,
  type DirectoryStore,
  type DirectoryWriteResult,
} from './store.js';

/** The version of the directory tables {@link directorySchemaSql} creates. */
export const DIRECTORY_SCHEMA_VERSION = 1;
const MIGRATION_LOCK = '23434223315274069'; // one more than the main store's lock

/** Options of {@link createPostgresDirectoryStore}, {@link migrateDirectory} and {@link directorySchemaSql}. */
export interface PostgresDirectoryOptions {
  /** The schema: a plain lower-case identifier. Default `samlkit`. */
  readonly schema?: string;
}

/**
 * The SQL that creates the directory tables (idempotent): `directory_records` (one row per record,
 * keyed by the SHA-256 of tenant, type and ID; the record as JSON text, so lone surrogates and key
 * order survive), `directory_keys` (unique keys, keyed by their SHA-256, so a userName held by one
 * record of a tenant cannot be inserted for another; deleted with their record), and
 * `directory_schema_version`.
 *
 * @example
 * ```ts
 * writeFileSync('migrations/20250102_samlkit_directory.sql', directorySchemaSql());
 * ```
 * @throws TypeError when `schema` is not a plain lower-case identifier.
 */
export function directorySchemaSql(options: PostgresDirectoryOptions = {}): string {
  const name = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const s = quotedSchema(name, 'options.schema');
  return `-- samlkit directory (SCIM) tables, version ${DIRECTORY_SCHEMA_VERSION}. Idempotent.
${versionedSchemaSql(name, MIGRATION_LOCK, 'directory_schema_version', DIRECTORY_SCHEMA_VERSION)}
CREATE TABLE IF NOT EXISTS ${s}.directory_records (
  record_key bytea PRIMARY KEY,
  scope_key bytea NOT NULL,
  version integer NOT NULL,
  record text NOT NULL
);
CREATE INDEX IF NOT EXISTS directory_records_scope ON ${s}.directory_records (scope_key);
CREATE TABLE IF NOT EXISTS ${s}.directory_keys (
  unique_key bytea PRIMARY KEY,
  record_key bytea NOT NULL REFERENCES ${s}.directory_records (record_key) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS directory_keys_record ON ${s}.directory_keys (record_key);
`;
}

/**
 * Creates the directory tables, or checks that they are there (idempotent, safe from several
 * instances at once).
 *
 * @example
 * ```ts
 * await migrateDirectory(pool);
 * ```
 * @throws SamlError `STORE_UNAVAILABLE` when the database refuses, or holds a later version.
 */
export async function migrateDirectory(
  pool: PostgresQueryable,
  options: PostgresDirectoryOptions = {},
): Promise<void> {
  requireQueryable(pool);
  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const s = quotedSchema(schema, 'options.schema');
  const current = async (): Promise<number> => {
    const { rows } = await pool.query(`SELECT version::text AS version FROM ${s}.directory_schema_version`);
    return Number(field(rows[0], 'version'));
  };
  let version = await current().catch(() => Number.NaN);
  if (!(version >= DIRECTORY_SCHEMA_VERSION)) {
    try {
      await pool.query(directorySchemaSql({ schema }));
      version = await current();
    } catch (error) {
      throw unavailable(schema, 'migrate', error);
    }
  }
  if (version > DIRECTORY_SCHEMA_VERSION) {
    fail('STORE_UNAVAILABLE', `The directory tables in "${schema}" are of a later samlkit`, {
      hint: `directory_schema_version is ${String(version)}; this samlkit knows ${DIRECTORY_SCHEMA_VERSION}. Upgrade samlkit.`,
    });
  }
}

function hash(...parts: string[]): Buffer {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest();
}

/**
 * A {@link DirectoryStore} in PostgreSQL through the app's `pg` Pool; run {@link migrateDirectory}
 * first. Every operation is one statement: `insert` writes the record and its keys together (a key
 * another record holds violates the primary key of `directory_keys` and the statement writes
 * nothing), `update` is a compare-and-set on `version` that moves the keys in the same statement.
 *
 * @example
 * ```ts
 * await migrateDirectory(pool);
 * const directory = createPostgresDirectoryStore(pool);
 * ```
 * @throws TypeError when `pool` has no `query` or `schema` is not a plain identifier.
 */
export function createPostgresDirectoryStore(
  pool: PostgresQueryable,
  options: PostgresDirectoryOptions = {},
): DirectoryStore {
  requireQueryable(pool);
  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const s = quotedSchema(schema, 'options.schema');
  let closed = false;

  async function query(text: string, values: unknown[]): Promise<readonly unknown[]> {
    if (closed) {
      fail('STORE_UNAVAILABLE', 'The PostgreSQL directory store is closed', {
        hint: 'The application used its directory store after closing it (during shutdown?).',
      });
    }
    try {
      return (await pool.query(text, values)).rows;
    } catch (error) {
      if (sqlState(error) === '23505') throw error; // a unique key taken: the caller says which
      throw unavailable(schema, 'directory', error);
    }
  }

  const parse = (row: unknown): DirectoryRecord => {
    let value: unknown;
    try {
      value = JSON.parse(String(field(row, 'record')));
    } catch {
      value = undefined;
    }
    return recordFrom(value, 'record');
  };

  async function takenKey(record: DirectoryRecord): Promise<DirectoryWriteResult> {
    const hashes = record.keys.map((key) => hash(record.tenantId, record.type, key));
    const rows = await query(
      `SELECT encode(unique_key, 'hex') AS unique_key FROM ${s}.directory_keys
       WHERE unique_key = ANY($1::bytea[]) AND record_key <> $2`,
      [hashes, hash(record.tenantId, record.type, record.id)],
    );
    const held = new Set(rows.map((row) => String(field(row, 'unique_key'))));
    const index = hashes.findIndex((key) => held.has(key.toString('hex')));
    const conflictingKey = record.keys[index];
    return { ok: false, reason: 'key', ...(conflictingKey !== undefined && { conflictingKey }) };
  }

  return {
    async get(tenantId, type, id) {
      checkScope(tenantId, type, id);
      const rows = await query(`SELECT record FROM ${s}.directory_records WHERE record_key = $1`, [
        hash(tenantId, type, id),
      ]);
      return rows[0] === undefined ? undefined : parse(rows[0]);
    },
    async findByKey(tenantId, type, key) {
      checkScope(tenantId, type, key, 'key');
      const rows = await query(
        `SELECT r.record FROM ${s}.directory_keys k JOIN ${s}.directory_records r USING (record_key) WHERE k.unique_key = $1`,
        [hash(tenantId, type, key)],
      );
      return rows[0] === undefined ? undefined : parse(rows[0]);
    },
    async list(tenantId, type) {
      checkScope(tenantId, type, '-');
      const rows = await query(`SELECT record FROM ${s}.directory_records WHERE scope_key = $1`, [
        hash(tenantId, type),
      ]);
      return rows.map(parse).sort((a, b) => compare(a.id, b.id));
    },
    async insert(record) {
      checkRecord(record);
      if (record.version !== 1) throw new TypeError('record.version must be 1 for insert');
      const recordKey = hash(record.tenantId, record.type, record.id);
      const keys = record.keys.map((key) => hash(record.tenantId, record.type, key));
      try {
        const rows = await query(
          `WITH rec AS (
             INSERT INTO ${s}.directory_records (record_key, scope_key, version, record) VALUES ($1, $2, 1, $3)
             ON CONFLICT (record_key) DO NOTHING RETURNING record_key
           ), k AS (
             INSERT INTO ${s}.directory_keys (unique_key, record_key) SELECT u, rec.record_key FROM rec, unnest($4::bytea[]) AS u
             RETURNING 1
           )
           SELECT (SELECT count(*) FROM rec)::int AS inserted`,
          [recordKey, hash(record.tenantId, record.type), JSON.stringify(record), keys],
        );
        if (field(rows[0], 'inserted') !== 1) return { ok: false, reason: 'exists' };
      } catch (error) {
        if (sqlState(error) === '23505') return takenKey(record);
        throw error;
      }
      return { ok: true, record: recordFrom(record, 'record') };
    },
    async update(record) {
      checkRecord(record);
      const keys = record.keys.map((key) => hash(record.tenantId, record.type, key));
      try {
        const rows = await query(
          `WITH upd AS (
             UPDATE ${s}.directory_records SET version = $2, record = $3 WHERE record_key = $1 AND version = $2 - 1
             RETURNING record_key
           ), del AS (
             DELETE FROM ${s}.directory_keys WHERE record_key IN (SELECT record_key FROM upd) AND NOT (unique_key = ANY($4::bytea[]))
             RETURNING 1
           ), ins AS (
             INSERT INTO ${s}.directory_keys (unique_key, record_key)
             SELECT u, upd.record_key FROM upd, unnest($4::bytea[]) AS u
             WHERE NOT EXISTS (SELECT 1 FROM ${s}.directory_keys d WHERE d.unique_key = u AND d.record_key = upd.record_key)
             RETURNING 1
           )
           SELECT (SELECT count(*) FROM upd)::int AS updated`,
          [hash(record.tenantId, record.type, record.id), record.version, JSON.stringify(record), keys],
        );
        if (field(rows[0], 'updated') !== 1) return { ok: false, reason: 'version' };
      } catch (error) {
        if (sqlState(error) === '23505') return takenKey(record);
        throw error;
      }
      return { ok: true, record: recordFrom(record, 'record') };
    },
    async delete(tenantId, type, id) {
      checkScope(tenantId, type, id);
      const rows = await query(
        `DELETE FROM ${s}.directory_records WHERE record_key = $1 RETURNING 1 AS gone`,
        [hash(tenantId, type, id)],
      );
      return rows.length === 1;
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
