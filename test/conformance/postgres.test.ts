/**
 * The PostgreSQL store against the store conformance suites (the same cases as the memory store),
 * on a real server started for this file: each case gets a schema of its own, dropped afterwards.
 * Skipped when PostgreSQL is not installed, except under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { SamlError } from '../../src/errors.js';
import { defineTenant } from '../../src/tenant/define.js';
import type { TenantConfig } from '../../src/types.js';
import {
  createPostgresStore,
  migrate,
  postgresSchemaSql,
  POSTGRES_SCHEMA_VERSION,
  type PostgresStore,
} from '../../src/postgres.js';
import {
  sessionStoreConformance,
  setupStoreConformance,
  stateStoreConformance,
  tenantStoreConformance,
} from '../../src/testing/index.js';
import { postgresSkip, startPostgres, type PostgresServer } from '../integration/servers/postgres.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
const operator = {
  verifiedAt: new Date('2026-03-04T05:06:07.089Z'),
  method: 'operator',
  by: 'test',
} as const;
const skip = postgresSkip();

let server: PostgresServer | undefined;
let pool: pg.Pool | undefined;

/** A store in a new schema; `destroy` closes it and drops the schema. */
const factory = {
  async create(): Promise<PostgresStore> {
    assert.ok(pool !== undefined, 'the server did not start');
    const schema = `t_${randomBytes(6).toString('hex')}`;
    await migrate(pool, { schema });
    return Object.assign(createPostgresStore({ pool, schema }), { schema });
  },
  async destroy(store: PostgresStore): Promise<void> {
    await store.close();
    const { schema } = store as PostgresStore & { schema: string };
    await pool?.query(`DROP SCHEMA "${schema}" CASCADE`);
  },
};

describe('PostgresStore conformance', { skip, timeout: 120_000 }, () => {
  before(async () => {
    server = await startPostgres();
    pool = new pg.Pool({
      connectionString: server.connectionString,
      max: 20,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
    });
    pool.on('error', () => {
      // An idle connection dropped: the pool replaces it.
    });
  });

  after(async () => {
    await pool?.end();
    await server?.destroy();
  });

  describe('StateStore', () => {
    for (const c of stateStoreConformance(factory)) it(c.name, () => c.run());
  });

  describe('SessionStore', () => {
    for (const c of sessionStoreConformance(factory)) it(c.name, () => c.run());
  });

  describe('TenantStore', () => {
    for (const c of tenantStoreConformance(factory, { certificate })) it(c.name, () => c.run());
  });

  describe('SetupStore', () => {
    for (const c of setupStoreConformance(factory, { certificate })) it(c.name, () => c.run());
  });

  describe('PostgreSQL specifics', () => {
    const config = (id: string, more: Partial<TenantConfig> = {}): TenantConfig => ({
      id,
      sp: {
        entityId: `https://app.example.com/saml/${id}`,
        acsUrl: `https://app.example.com/saml/${id}/acs`,
      },
      idp: { entityId: 'https://idp.example.com/', certificates: [certificate] },
      ...more,
    });
    const later = (): Date => new Date(Date.now() + 60_000);
    const withStore = async (body: (store: PostgresStore) => Promise<void>): Promise<void> => {
      const store = await factory.create();
      try {
        await body(store);
      } finally {
        await factory.destroy(store);
      }
    };

    it('email domains match in ASCII lower case only: a KELVIN SIGN is not a k', () =>
      withStore(async (store) => {
        await store.put(config('acme', { emailDomains: ['kelvin.example'] }));
        await store.setDomainVerification('acme', 'kelvin.example', operator);
        assert.equal((await store.findByEmailDomain('KELVIN.example'))?.id, 'acme');
        assert.equal(await store.findByEmailDomain('\u212Aelvin.example'), undefined);
        assert.equal(await store.findByEmailDomain('kelv\u0130n.example'), undefined);
      }));

    it('text PostgreSQL cannot hold (NUL, lone surrogates): lookups find nothing, writes are TypeErrors, replay keys stay apart', () =>
      withStore(async (store) => {
        await store.put(config('acme', { emailDomains: ['acme.com'] }));
        assert.equal(await store.get('acme\0'), undefined);
        assert.equal(await store.findByEmailDomain('acme.com\0'), undefined);
        assert.deepEqual(await store.findByIssuer('https://idp.example.com/\0'), []);
        assert.equal(await store.findRequest('\0'), undefined);
        await store.saveRequest(
          { tenantId: 'acme', requestId: 'r1', relayState: 'x', browserBinding: 'binding' },
          later(),
        );
        assert.equal(await store.consumeRequest('acme\0', 'r1'), undefined);
        assert.equal(await store.consumeRequest('acme\uD800', 'r1'), undefined);
        await assert.rejects(
          store.saveRequest(
            { tenantId: 'acme', requestId: 'r\0', relayState: 'x', browserBinding: 'binding' },
            later(),
          ),
          TypeError,
        );
        await assert.rejects(
          store.saveRequest(
            {
              tenantId: 'acme',
              requestId: 'r2',
              relayState: 'x',
              browserBinding: 'binding',
              returnTo: '/\uDC00',
            },
            later(),
          ),
          TypeError,
        );
        await assert.rejects(
          store.put(config('nul', { roles: { rules: [{ group: 'admins\0', role: 'admin' }] } })),
          TypeError,
        );
        assert.equal(await store.get('nul'), undefined);
        for (const id of ['\uD800', '\uDC00', '\uFFFD', '\0', '\uD800\uDC00', '\uD800\uD800'])
          assert.equal(await store.remember('acme', id, later()), true, JSON.stringify(id));
        assert.equal(await store.remember('acme', '\uD800', later()), false);
      }));

    it('an IdP entity ID longer than a B-tree entry may be (4 KB) is stored and found', () =>
      withStore(async (store) => {
        const entityId = `https://idp.example.com/${randomBytes(3000).toString('base64url')}`;
        await store.put(config('acme', { idp: { entityId, certificates: [certificate] } }));
        assert.deepEqual(
          (await store.findByIssuer(entityId)).map((tenant) => tenant.id),
          ['acme'],
        );
        assert.deepEqual(await store.findByIssuer(entityId.slice(0, -1)), []);
      }));

    it('10 concurrent puts of one tenant with the same domains all succeed (no claim against itself)', () =>
      withStore(async (store) => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            store.put(config('acme', { emailDomains: ['acme.com', 'acme.io'], clockSkewSeconds: i })),
          ),
        );
        assert.deepEqual(
          results.filter((result) => result.status === 'rejected'),
          [],
        );
        assert.deepEqual(
          (await store.list()).map((tenant) => tenant.id),
          ['acme'],
        );
        assert.equal(await store.findByEmailDomain('acme.io'), undefined, 'pending');
        assert.deepEqual(
          (await store.domainClaims('acme')).map((c) => [c.domain, c.status]),
          [
            ['acme.com', 'pending'],
            ['acme.io', 'pending'],
          ],
        );
        await store.setDomainVerification('acme', 'acme.io', operator);
        assert.equal((await store.findByEmailDomain('acme.io'))?.id, 'acme');
      }));

    it("the app's own type parsers (jsonb, timestamptz, …) do not change what the store reads", async () => {
      assert.ok(server !== undefined);
      const schema = `p_${randomBytes(6).toString('hex')}`;
      const TEXT = 25;
      const custom = new pg.Pool({
        connectionString: server.connectionString,
        max: 2,
        types: {
          getTypeParser: (oid: number) => (oid === TEXT ? (value: string) => value : () => ({ custom: oid })),
        },
      });
      custom.on('error', () => undefined);
      try {
        await migrate(custom, { schema });
        const store = createPostgresStore({ pool: custom, schema });
        await store.put(config('acme', { emailDomains: ['acme.com'] }));
        const claim = await store.setDomainVerification('acme', 'acme.com', operator);
        assert.equal(claim?.verification?.verifiedAt.toISOString(), operator.verifiedAt.toISOString());
        assert.deepEqual(await store.domainClaims('acme'), [claim]);
        assert.equal((await store.findByEmailDomain('acme.com'))?.id, 'acme');
        const request = {
          tenantId: 'acme',
          requestId: 'r1',
          relayState: 'x',
          browserBinding: 'binding',
          returnTo: '/a',
        };
        await store.saveRequest(request, later());
        assert.deepEqual(await store.consumeRequest('acme', 'r1'), request);
        assert.equal(await store.remember('acme', '_a1', later()), true);
        assert.equal(await store.remember('acme', '_a1', later()), false);
        await custom.query(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await custom.end();
      }
    });

    it('a least-privilege app role (USAGE on the schema, DML on its tables) runs every operation', async () => {
      assert.ok(server !== undefined && pool !== undefined);
      const schema = `l_${randomBytes(6).toString('hex')}`;
      await migrate(pool, { schema });
      await pool.query(`GRANT USAGE ON SCHEMA "${schema}" TO samlkit_app`);
      await pool.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO samlkit_app`,
      );
      const app = new pg.Pool({ connectionString: server.appConnectionString, max: 2 });
      app.on('error', () => undefined);
      try {
        await migrate(app, { schema }); // at version: only reads schema_version
        const refused = await migrate(app, { schema: `${schema}_new` }).catch((error: unknown) => error);
        assert.ok(refused instanceof SamlError && refused.code === 'STORE_UNAVAILABLE', String(refused));
        assert.match(refused.hint, /run migrate as the schema's owner/);
        const store = createPostgresStore({ pool: app, schema });
        await store.put(config('acme', { emailDomains: ['acme.com'] }));
        await store.put(config('acme', { emailDomains: ['acme.io'] }));
        await store.setDomainVerification('acme', 'acme.io', operator);
        assert.equal((await store.findByEmailDomain('acme.io'))?.id, 'acme');
        assert.equal((await store.findByIssuer('https://idp.example.com/'))[0]?.id, 'acme');
        await store.saveRequest(
          { tenantId: 'acme', requestId: 'r1', relayState: 'x', browserBinding: 'binding' },
          later(),
        );
        assert.equal((await store.findRequest('r1'))?.tenantId, 'acme');
        assert.equal((await store.consumeRequest('acme', 'r1'))?.requestId, 'r1');
        assert.equal(await store.remember('acme', '_a1', later()), true);
        assert.deepEqual(await store.sweepExpired(), { requests: 0, replays: 0, sessions: 0 });
        assert.equal(await store.delete('acme'), true);
        const denied = createPostgresStore({ pool: app, schema: 'samlkit' });
        await assert.rejects(denied.list(), (error: unknown) => {
          assert.ok(error instanceof SamlError && error.code === 'STORE_UNAVAILABLE');
          assert.match(error.hint, /migrate|grant/);
          return true;
        });
      } finally {
        await app.end();
        await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      }
    });
  });

  describe('migrate and clients', () => {
    it('is idempotent: a second run changes nothing, and keeps the data', async () => {
      assert.ok(pool !== undefined);
      const schema = `m_${randomBytes(6).toString('hex')}`;
      const objects = `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 ORDER BY c.relname`;
      await migrate(pool, { schema });
      const first = (await pool.query(objects, [schema])).rows;
      const store = createPostgresStore({ pool, schema });
      assert.equal(await store.remember('tenant-a', '_a1', new Date(Date.now() + 60_000)), true);
      await Promise.all([migrate(pool, { schema }), migrate(pool, { schema })]);
      assert.deepEqual((await pool.query(objects, [schema])).rows, first);
      // The SQL itself, as another migration tool runs it: again and again, also concurrently.
      const sql = postgresSchemaSql({ schema });
      await Promise.all([pool.query(sql), pool.query(sql), pool.query(sql)]);
      assert.deepEqual((await pool.query(objects, [schema])).rows, first);
      assert.deepEqual(
        first.map((row: { relname: string }) => row.relname).filter((name) => !name.includes('pkey')),
        [
          'pending_requests',
          'pending_requests_expires_at',
          'replay',
          'replay_expires_at',
          'schema_version',
          'sessions',
          'sessions_expires_at',
          'sessions_name_key',
          'tenant_domains',
          'tenant_domains_tenant_key',
          'tenant_domains_verified',
          'tenant_setup',
          'tenants',
          'tenants_issuer',
        ],
      );
      const versions = await pool.query(`SELECT version FROM "${schema}".schema_version`);
      assert.deepEqual(versions.rows, [{ version: POSTGRES_SCHEMA_VERSION }]);
      assert.equal(await store.remember('tenant-a', '_a1', new Date(Date.now() + 60_000)), false);
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it('migrates a version-1 schema to the current version (Single Logout sessions, setup), keeping its data', async () => {
      assert.ok(pool !== undefined);
      const schema = `v_${randomBytes(6).toString('hex')}`;
      await migrate(pool, { schema });
      // What samlkit 0.1 left: no sessions table, version 1.
      await pool.query(`DROP TABLE "${schema}".sessions`);
      await pool.query(`DROP TABLE "${schema}".tenant_setup`);
      await pool.query(`UPDATE "${schema}".schema_version SET version = 1`);
      const store = createPostgresStore({ pool, schema });
      assert.equal(await store.remember('tenant-a', '_kept', new Date(Date.now() + 60_000)), true);
      await migrate(pool, { schema });
      const versions = await pool.query(`SELECT version FROM "${schema}".schema_version`);
      assert.deepEqual(versions.rows, [{ version: POSTGRES_SCHEMA_VERSION }]);
      assert.equal(await store.remember('tenant-a', '_kept', new Date(Date.now() + 60_000)), false);
      const session = { tenantId: 'tenant-a', appSessionId: 's1', nameId: 'n', nameIdFormat: 'f' };
      await store.saveSession(session, new Date(Date.now() + 60_000));
      assert.deepEqual(await store.findSessions('tenant-a', 'n'), [session]);
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it('migrates a version-3 schema to version 4 (the setup flow), keeping tenants and sessions', async () => {
      assert.ok(pool !== undefined);
      const schema = `v_${randomBytes(6).toString('hex')}`;
      await migrate(pool, { schema });
      await pool.query(`DROP TABLE "${schema}".tenant_setup`);
      await pool.query(`UPDATE "${schema}".schema_version SET version = 3`);
      const store = createPostgresStore({ pool, schema });
      await store.put({
        id: 'acme',
        sp: {
          entityId: 'https://app.example.com/saml/acme',
          acsUrl: 'https://app.example.com/saml/acme/acs',
        },
        idp: { entityId: 'https://idp.example.com/', certificates: [certificate] },
      });
      await migrate(pool, { schema });
      const versions = await pool.query(`SELECT version FROM "${schema}".schema_version`);
      assert.deepEqual(versions.rows, [{ version: 4 }]);
      assert.equal((await store.get('acme'))?.id, 'acme');
      assert.deepEqual(await store.getSetup('acme'), {});
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it('migrates schema 1: existing claims become pending with tokens, the data stays, one verified holder per domain', async () => {
      assert.ok(pool !== undefined);
      const schema = `v_${randomBytes(6).toString('hex')}`;
      const s = `"${schema}"`;
      // Schema version 1 as samlkit 0.1 created it: a domain belonged to one tenant and routed at once.
      await pool.query(`CREATE SCHEMA ${s};
        CREATE TABLE ${s}.schema_version (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL);
        INSERT INTO ${s}.schema_version (version) VALUES (1);
        CREATE TABLE ${s}.pending_requests (request_key bytea PRIMARY KEY, tenant_id text COLLATE "C" NOT NULL,
          request_id text COLLATE "C" NOT NULL, payload jsonb NOT NULL, expires_at timestamptz NOT NULL);
        CREATE INDEX pending_requests_expires_at ON ${s}.pending_requests (expires_at);
        CREATE TABLE ${s}.replay (replay_key bytea PRIMARY KEY, expires_at timestamptz NOT NULL);
        CREATE INDEX replay_expires_at ON ${s}.replay (expires_at);
        CREATE TABLE ${s}.tenants (tenant_key bytea PRIMARY KEY, id text COLLATE "C" NOT NULL,
          issuer text COLLATE "C" NOT NULL, config jsonb NOT NULL);
        CREATE INDEX tenants_issuer ON ${s}.tenants USING hash (issuer);
        CREATE TABLE ${s}.tenant_domains (domain text COLLATE "C" PRIMARY KEY,
          tenant_key bytea NOT NULL REFERENCES ${s}.tenants (tenant_key) ON DELETE CASCADE);
        CREATE INDEX tenant_domains_tenant_key ON ${s}.tenant_domains (tenant_key);`);
      const tenantKey = createHash('sha256')
        .update(Buffer.from([0, 0, 0, 8]))
        .update(Buffer.from('acme', 'utf16le'))
        .digest();
      const config = (id: string, emailDomains: string[]): TenantConfig => ({
        id,
        sp: {
          entityId: `https://app.example.com/saml/${id}`,
          acsUrl: `https://app.example.com/saml/${id}/acs`,
        },
        idp: { entityId: 'https://idp.example.com/', certificates: [certificate] },
        emailDomains,
      });
      const stored = defineTenant(config('acme', ['acme.com']));
      await pool.query(
        `INSERT INTO ${s}.tenants VALUES ($1, 'acme', 'https://idp.example.com/', $2::jsonb)`,
        [tenantKey, JSON.stringify(stored)],
      );
      await pool.query(`INSERT INTO ${s}.tenant_domains VALUES ('acme.com', $1)`, [tenantKey]);
      await migrate(pool, { schema });
      const versions = await pool.query(`SELECT version FROM ${s}.schema_version`);
      assert.deepEqual(versions.rows, [{ version: POSTGRES_SCHEMA_VERSION }]);
      const store = createPostgresStore({ pool, schema });
      assert.equal((await store.get('acme'))?.id, 'acme');
      const [claim] = await store.domainClaims('acme');
      assert.ok(claim !== undefined);
      assert.equal(claim.status, 'pending');
      assert.match(claim.token, /^[0-9a-f]{32}$/);
      assert.equal(await store.findByEmailDomain('acme.com'), undefined, 'a migrated claim routes nothing');
      await store.put(config('globex', ['acme.com']));
      await store.setDomainVerification('acme', 'acme.com', operator);
      assert.equal((await store.findByEmailDomain('acme.com'))?.id, 'acme');
      await assert.rejects(store.setDomainVerification('globex', 'acme.com', operator), (error: unknown) => {
        assert.ok(error instanceof SamlError && error.code === 'DOMAIN_ALREADY_CLAIMED');
        return true;
      });
      await pool.query(`DROP SCHEMA ${s} CASCADE`);
    });

    it('works over a single pg.Client as well as a pool', async () => {
      assert.ok(server !== undefined);
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      const schema = `c_${randomBytes(6).toString('hex')}`;
      try {
        await migrate(client, { schema });
        const store = createPostgresStore({ pool: client, schema });
        await store.put({
          id: 'acme',
          sp: {
            entityId: 'https://app.example.com/saml/acme',
            acsUrl: 'https://app.example.com/saml/acme/acs',
          },
          idp: { entityId: 'https://idp.example.com/', certificates: [certificate] },
          emailDomains: ['acme.com'],
        });
        await store.setDomainVerification('acme', 'acme.com', operator);
        assert.equal((await store.findByEmailDomain('ACME.com'))?.id, 'acme');
        assert.equal(await store.remember('acme', '_a1', new Date(Date.now() + 60_000)), true);
        await store.close();
        assert.equal(
          await client.query('SELECT 1 AS one').then((result) => result.rows.length),
          1,
          'close ended the client',
        );
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    });

    it('exports the SQL it runs, for other migration tools; refuses schema names that need quoting', () => {
      const sql = postgresSchemaSql({ schema: 'auth_saml' });
      assert.match(sql, /CREATE TABLE IF NOT EXISTS "auth_saml"\.replay/);
      assert.equal(postgresSchemaSql(), postgresSchemaSql({ schema: 'samlkit' }));
      for (const schema of ['Samlkit', 'a-b', 'a"b', 'pg_catalog', '1a', '', 'x'.repeat(64), 'a; DROP']) {
        assert.throws(() => postgresSchemaSql({ schema }), TypeError, schema);
        assert.throws(() => createPostgresStore({ pool: pool!, schema }), TypeError, schema);
      }
    });
  });
});
