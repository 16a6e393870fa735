/**
 * A throwaway PostgreSQL server for the integration and conformance tests: the machine's Debian
 * package (`/usr/lib/postgresql/<version>/bin`), a fresh cluster in a temp dir, listening on
 * 127.0.0.1 on a port the OS picked and on a unix socket inside the temp dir. Never the cluster or
 * service the package may have set up.
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then `initdb` and `postgres` run as the
 * `postgres` system user the package creates, in a temp dir that user owns. Durability is off
 * (`fsync`, `synchronous_commit`, `full_page_writes`) for speed; a fast shutdown still writes
 * everything, so `stop()` then `start()` keeps the data.
 *
 * Suites skip with one line when PostgreSQL is not installed, except under CI=true, where that
 * fails them (see {@link postgresSkip}).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** How to install PostgreSQL, for skip and failure messages. */
export const POSTGRES_INSTALL = 'bash .ci/install-system-deps.sh (as root)';

/** The role and database the tests use: a plain role that owns its database, not a superuser. */
const TEST_ROLE = 'samlkit_test';
/** A role with no privileges of its own, for least-privilege tests: grant it what it needs. */
const APP_ROLE = 'samlkit_app';
const ADMIN_ROLE = 'samlkit_admin';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

/** A running test server. */
export interface PostgresServer {
  /** `postgresql://samlkit_test@127.0.0.1:<port>/samlkit_test` (trust auth on loopback). */
  readonly connectionString: string;
  /**
   * The same database as `samlkit_app`, a role with no privileges: the test role (which owns the
   * database) grants it what a least-privilege app role gets.
   */
  readonly appConnectionString: string;
  readonly port: number;
  /** The PostgreSQL version, e.g. `15.18`. */
  readonly version: string;
  /** Fast shutdown (clients are disconnected), and waits until the server has exited. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

/** The newest `/usr/lib/postgresql/<version>/bin` with `initdb` and `postgres`, if any. */
function binaries(): Binaries | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const initdb = join(root, version, 'bin', 'initdb');
    const postgres = join(root, version, 'bin', 'postgres');
    if (existsSync(initdb) && existsSync(postgres)) return { initdb, postgres };
  }
  return undefined;
}

/** The user to run the server as: the `postgres` system user when we are root, else ourselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    return result.status === 0 ? Number(result.stdout.trim()) : Number.NaN;
  };
  const uid = id('-u');
  const gid = id('-g');
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/** True when PostgreSQL's server binaries are installed (and, as root, the `postgres` user exists). */
export function postgresAvailable(): boolean {
  return binaries() !== undefined && (process.getuid?.() !== 0 || serverUser() !== undefined);
}

/**
 * The `skip` option for a suite: a one-line reason when PostgreSQL is missing locally, `false` when
 * it is installed or under CI=true (where {@link startPostgres} then fails the suite).
 */
export function postgresSkip(): string | false {
  return postgresAvailable() || process.env.CI === 'true'
    ? false
    : `PostgreSQL not installed: ${POSTGRES_INSTALL}`;
}

/** A free TCP port on 127.0.0.1, picked by the OS. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Every server this process started, killed at exit even when a test fails or hangs up. */
const running = new Set<ChildProcess>();
const directories = new Set<string>();
function killAll(): void {
  // Immediate shutdown: the postmaster stops its backends and exits without a checkpoint.
  for (const child of running) child.kill('SIGQUIT');
  for (const dir of directories) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
process.on('exit', killAll);
// A signal ends the process without 'exit': clean up, then die of the same signal.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/**
 * Creates a cluster in a temp dir and starts it. Rejects (with the server's log) when PostgreSQL is
 * missing or does not come up within 20 s.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = binaries();
  if (bin === undefined) throw new Error(`PostgreSQL is required when CI=true: ${POSTGRES_INSTALL}`);
  const user = serverUser();
  if (process.getuid?.() === 0 && user === undefined)
    throw new Error(`Running as root needs the postgres system user: ${POSTGRES_INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'samlkit-pg-'));
  directories.add(dir);
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const asServer = user === undefined ? {} : { uid: user.uid, gid: user.gid };

  const init = spawnSync(
    bin.initdb,
    ['-D', data, '-U', ADMIN_ROLE, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    { ...asServer, encoding: 'utf8', cwd: dir, env: { ...process.env, LC_ALL: 'C' } },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    directories.delete(dir);
    throw new Error(`initdb failed: ${init.error?.message ?? ''}${init.stdout}${init.stderr}`);
  }
  // Loopback and the socket only, no password (a test server that lives for one test file).
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');

  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';

  async function start(): Promise<void> {
    if (child !== undefined) return;
    log = '';
    const server = spawn(
      bin!.postgres,
      [
        ...['-D', data, '-p', String(port), '-k', dir],
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
        ...['-c', 'full_page_writes=off', '-c', 'max_connections=60', '-c', 'shared_buffers=32MB'],
      ],
      { ...asServer, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    );
    child = server;
    running.add(server);
    server.once('exit', () => {
      running.delete(server);
      if (child === server) child = undefined;
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms:\n${log}`));
      }, START_TIMEOUT_MS);
      const onOutput = (chunk: Buffer): void => {
        log += chunk.toString('utf8');
        if (log.includes('database system is ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout.on('data', onOutput);
      server.stderr.on('data', onOutput);
      server.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL exited (${code ?? signal ?? '?'}) while starting:\n${log}`));
      });
    });
    try {
      await ready;
    } catch (error) {
      server.kill('SIGQUIT');
      throw error;
    }
  }

  async function stop(): Promise<void> {
    const server = child;
    if (server === undefined) return;
    const exited = new Promise<void>((resolve) => {
      server.once('exit', () => {
        resolve();
      });
    });
    server.kill('SIGINT'); // fast shutdown: disconnect clients, checkpoint, exit
    const timer = setTimeout(() => server.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  let destroyed = false;
  async function destroy(): Promise<void> {
    if (destroyed) return;
    destroyed = true;
    await stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    directories.delete(dir);
  }

  try {
    await start();
    const admin = new pg.Client({ host: dir, port, user: ADMIN_ROLE, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${TEST_ROLE} LOGIN`);
      await admin.query(`CREATE DATABASE ${TEST_ROLE} OWNER ${TEST_ROLE}`);
      await admin.query(`CREATE ROLE ${APP_ROLE} LOGIN`);
      await admin.query(`REVOKE ALL ON DATABASE ${TEST_ROLE} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT ON DATABASE ${TEST_ROLE} TO ${APP_ROLE}`);
      const { rows } = await admin.query<{ version: string }>(
        `SELECT current_setting('server_version') AS version`,
      );
      return {
        connectionString: `postgresql://${TEST_ROLE}@127.0.0.1:${port}/${TEST_ROLE}`,
        appConnectionString: `postgresql://${APP_ROLE}@127.0.0.1:${port}/${TEST_ROLE}`,
        port,
        version: rows[0]?.version ?? '?',
        stop,
        start,
        destroy,
      };
    } finally {
      await admin.end();
    }
  } catch (error) {
    await destroy();
    throw error;
  }
}
