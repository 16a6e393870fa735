/**
 * The PostgreSQL directory store against the directory conformance suite, and the Entra ID and
 * Okta provisioning sequences replayed on it, on a real server started for this file (a schema per
 * case). Skipped when PostgreSQL is missing, except under CI=true.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrate, POSTGRES_SCHEMA_VERSION } from '../../src/postgres.js';
import {
  createPostgresDirectoryStore,
  DIRECTORY_SCHEMA_VERSION,
  migrateDirectory,
  type DirectoryStore,
} from '../../src/scim.js';
import { directoryStoreConformance } from '../../src/testing/index.js';
import { replay, replayTenant, SCIM_FIXTURES } from '../helpers/scim-replay.js';
import { postgresSkip, startPostgres, type PostgresServer } from '../integration/servers/postgres.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');

describe('PostgreSQL directory store', { skip: postgresSkip(), timeout: 120_000 }, () => {
  let server: PostgresServer | undefined;
  let pool: pg.Pool | undefined;
  const schemas = new WeakMap<DirectoryStore, string>();
  const factory = {
    async create(): Promise<DirectoryStore> {
      assert.ok(pool !== undefined, 'the server did not start');
      const schema = `d_${randomBytes(6).toString('hex')}`;
      await migrateDirectory(pool, { schema });
      const store = createPostgresDirectoryStore(pool, { schema });
      schemas.set(store, schema);
      return store;
    },
    async destroy(store: DirectoryStore): Promise<void> {
      await store.close?.();
      await pool?.query(`DROP SCHEMA "${schemas.get(store) ?? 'none'}" CASCADE`);
    },
  };

  before(async () => {
    server = await startPostgres();
    pool = new pg.Pool({
      connectionString: server.connectionString,
      max: 20,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
    });
    pool.on('error', () => undefined);
  });

  after(async () => {
    await pool?.end();
    await server?.destroy();
  });

  describe('conformance', () => {
    for (const c of directoryStoreConformance(factory)) it(c.name, () => c.run());
  });

  describe('provisioning sequences', () => {
    for (const name of SCIM_FIXTURES) {
      it(`replays ${name}`, async () => {
        const store = await factory.create();
        try {
          await replay(name, store, replayTenant(certificate));
        } finally {
          await factory.destroy(store);
        }
      });
    }
  });

  it('lives beside the main store in one schema, each with its own version record', async () => {
    assert.ok(pool !== undefined);
    const schema = `both_${randomBytes(4).toString('hex')}`;
    await migrate(pool, { schema });
    await migrateDirectory(pool, { schema });
    await migrateDirectory(pool, { schema }); // idempotent
    const main = await pool.query<{ version: number }>(`SELECT version FROM "${schema}".schema_version`);
    const directory = await pool.query<{ version: number }>(
      `SELECT version FROM "${schema}".directory_schema_version`,
    );
    assert.equal(main.rows[0]?.version, POSTGRES_SCHEMA_VERSION);
    assert.equal(directory.rows[0]?.version, DIRECTORY_SCHEMA_VERSION);
    await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
  });
});
