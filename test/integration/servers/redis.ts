/**
 * A throwaway `redis-server` from the machine's package (Debian `redis-server`), on 127.0.0.1 and
 * a free port, in a temporary directory, never as a service. Stop and start it again on the same
 * port to test outages; every server is killed when the process exits, whatever happened.
 *
 * Skip rule: without `redis-server` the suites skip with one line saying how to install it,
 * except under CI=true, where a missing server fails them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The command line that installs the server, for skip and failure messages. */
export const REDIS_INSTALL = 'bash .ci/install-system-deps.sh (as root)';

/** True when a `redis-server` binary is on the PATH. */
export function redisAvailable(): boolean {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return result.error === undefined && result.status === 0;
}

/**
 * The `skip` option of a suite that needs Redis: `false` to run it, or the one line that says why
 * not. Under CI=true it is always `false`, and {@link startRedis} fails when the server is missing.
 */
export function redisSkip(): false | string {
  return redisAvailable() || process.env.CI === 'true'
    ? false
    : `redis-server not installed: ${REDIS_INSTALL}`;
}

/** A running (or stopped) test server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The server's version, as `redis-server --version` prints it. */
  readonly version: string;
  /** SIGTERM, then waits for the process to exit. Harmless when already stopped. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (after {@link RedisServer.stop}); waits for PING. */
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing until {@link RedisServer.resume}. */
  pause(): void;
  /** SIGCONT after {@link RedisServer.pause}. */
  resume(): void;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /**
   * `'none'` (default): `--save '' --appendonly no`, everything is lost on stop. `'aof'`:
   * `--appendonly yes --appendfsync always`, so a stop and start keeps every acknowledged write.
   */
  readonly persistence?: 'none' | 'aof';
}

const running = new Set<ChildProcess>();
const directories = new Set<string>();
function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAll);
// A signal ends the process without 'exit': clean up, then die of the same signal.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/** Starts a server on a free loopback port and waits until it answers PING. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  if (!redisAvailable()) throw new Error(`redis-server is required when CI=true: ${REDIS_INSTALL}`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'samlkit-redis-'));
  directories.add(dir);
  const persistence =
    options.persistence === 'aof'
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--save', '', '--appendonly', 'no'];
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--dir',
    dir,
    ...persistence,
  ];
  let child: ChildProcess | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    if (child !== undefined) throw new Error('redis-server is already running');
    output = '';
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    running.add(started);
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    started.stdout.on('data', keep);
    started.stderr.on('data', keep);
    started.once('exit', () => {
      running.delete(started);
      if (child === started) child = undefined;
    });
    const deadline = Date.now() + 5_000;
    while (!(await answersPing(port))) {
      if (child !== started) throw new Error(`redis-server exited on start:\n${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING within 5 s:\n${output}`);
      await sleep(20);
    }
  };

  const stop = async (): Promise<void> => {
    const stopping = child;
    if (stopping === undefined) return;
    if (stopping.exitCode === null && stopping.signalCode === null) {
      const exited = once(stopping, 'exit');
      stopping.kill('SIGCONT'); // a paused server cannot handle SIGTERM
      stopping.kill('SIGTERM');
      await exited;
    }
    child = undefined;
  };

  await start();
  const version = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout)?.[1];
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    version: version ?? 'unknown',
    stop,
    start,
    pause: () => {
      child?.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      directories.delete(dir);
    },
  };
}

/** A port the OS says is free now: listen on port 0, read it, close. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** True when a server on the port answers `PING` with `+PONG` within 500 ms. */
async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => {
      done(false);
    });
    socket.on('error', () => {
      done(false);
    });
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
