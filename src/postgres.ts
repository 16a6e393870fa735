/**
 * `samlkit/postgres`: the PostgreSQL store, for apps that run several instances. Kept out of the
 * main entry so that importing `samlkit` never loads a database driver. Bring your own `pg` Pool
 * (`pg` is an optional peer dependency).
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createPostgresStore, migrate } from 'samlkit/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000, query_timeout: 5000 });
 * await migrate(pool);
 * const store = createPostgresStore({ pool });
 * ```
 *
 * @module
 */
export {
  createPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
  type SweepOptions,
  type SweepResult,
} from './store/postgres.js';
export {
  DEFAULT_POSTGRES_SCHEMA,
  migrate,
  POSTGRES_SCHEMA_VERSION,
  postgresSchemaSql,
  type MigrateOptions,
  type PostgresQueryable,
  type PostgresQueryResult,
  type PostgresSchemaOptions,
} from './store/postgres-migrations.js';
