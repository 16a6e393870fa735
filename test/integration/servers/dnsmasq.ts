/**
 * A throwaway DNS server: `dnsmasq` from the machine's package (Debian `dnsmasq-base`: the binary
 * without a service), in the foreground on 127.0.0.1 and a free port, answering only from the
 * records given (`--no-resolv --no-hosts`, no /etc/dnsmasq.conf, a conf dir of its own in a temp
 * folder), never as a service and never on port 53. Every server is killed when the process exits.
 *
 * Skip rule: without `dnsmasq` the suites skip with one line saying how to install it, except under
 * CI=true, where a missing server fails them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The command line that installs the server, for skip and failure messages. */
export const DNSMASQ_INSTALL = 'bash .ci/install-system-deps.sh (as root)';

const BINARY = ['/usr/sbin/dnsmasq', 'dnsmasq'].find(
  (path) => spawnSync(path, ['--version'], { encoding: 'utf8' }).status === 0,
);

/** The `skip` option of a suite that needs dnsmasq (see the module's skip rule). */
export function dnsmasqSkip(): false | string {
  return BINARY !== undefined || process.env.CI === 'true'
    ? false
    : `dnsmasq not installed: ${DNSMASQ_INSTALL}`;
}

/** What the server answers. */
export interface DnsZone {
  /** Zones answered from these records only: any other name in them is NXDOMAIN (`--local`). */
  readonly local: readonly string[];
  /** TXT records: name → its strings (several records per name allowed). */
  readonly txt?: readonly { readonly name: string; readonly value: string }[];
  /** A records: name → IPv4 address. */
  readonly a?: readonly { readonly name: string; readonly address: string }[];
}

/** A running (or stopped) DNS server. */
export interface DnsServer {
  /** `127.0.0.1:<port>`, for `resolver.setServers` and `createTxtLookup({ servers })`. */
  readonly address: string;
  readonly port: number;
  /** Restarts it on the same port with other records. */
  serve(zone: DnsZone): Promise<void>;
  /** Stops it (queries then time out or are refused). Harmless when stopped. */
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

const running = new Set<ChildProcess>();
const directories = new Set<string>();
function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAll);

/** Starts dnsmasq with the zone on a free loopback port and waits until it answers. */
export async function startDnsmasq(zone: DnsZone): Promise<DnsServer> {
  if (BINARY === undefined) throw new Error(`dnsmasq is required when CI=true: ${DNSMASQ_INSTALL}`);
  const binary = BINARY;
  const port = await freeUdpPort();
  const dir = mkdtempSync(join(tmpdir(), 'samlkit-dnsmasq-'));
  directories.add(dir);
  let child: ChildProcess | undefined;
  let output = '';

  const stop = async (): Promise<void> => {
    const stopping = child;
    if (stopping === undefined) return;
    if (stopping.exitCode === null && stopping.signalCode === null) {
      const exited = once(stopping, 'exit');
      stopping.kill('SIGTERM');
      await exited;
    }
    child = undefined;
  };

  const serve = async (records: DnsZone): Promise<void> => {
    await stop();
    const args = [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      `--conf-dir=${dir}`,
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--bind-interfaces',
      '--listen-address=127.0.0.1',
      `--port=${port}`,
      '--pid-file=',
      '--user=',
      '--log-facility=-',
      ...records.local.map((name) => `--local=/${name}/`),
      ...(records.txt ?? []).map(({ name, value }) => `--txt-record=${name},${value}`),
      ...(records.a ?? []).map(({ name, address }) => `--host-record=${name},${address}`),
    ];
    output = '';
    const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
    const probe = new Resolver({ timeout: 200, tries: 1 });
    probe.setServers([`127.0.0.1:${port}`]);
    const deadline = Date.now() + 5_000;
    for (;;) {
      if (child !== started) throw new Error(`dnsmasq exited on start:\n${output}`);
      // Any answer (NXDOMAIN included) means it is up; a timeout or refusal means not yet.
      const up = await probe.resolveTxt(`probe.${records.local[0] ?? 'test'}`).then(
        () => true,
        (error: unknown) => ['ENOTFOUND', 'ENODATA'].includes((error as { code?: string }).code ?? ''),
      );
      if (up) return;
      if (Date.now() > deadline) throw new Error(`dnsmasq did not answer within 5 s:\n${output}`);
      await sleep(20);
    }
  };

  await serve(zone);
  return {
    address: `127.0.0.1:${port}`,
    port,
    serve,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      directories.delete(dir);
    },
  };
}

/** A UDP port the OS says is free now (dnsmasq listens on it for UDP and TCP). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  socket.close();
  return port;
}
