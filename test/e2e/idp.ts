/**
 * SimpleSAMLphp 1.19 (Debian's `simplesamlphp` package, PHP and xmlseclibs: no code in common with
 * samlkit) as a real SAML 2.0 IdP for the end-to-end tests: PHP's built-in server on 127.0.0.1 and
 * a free port, its configuration from `test/e2e/simplesamlphp/`, its state (a key pair made for the
 * run, sessions, logs, the SPs it trusts) in a temporary directory. Every server is killed, workers
 * included, when the process exits, whatever happened.
 *
 * Skip rule: without php or SimpleSAMLphp the suites skip with one line saying how to install them,
 * except under CI=true, where a missing IdP fails them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSpKeyPair } from '../../src/crypto/keygen.js';

/** The command line that installs the IdP, for skip and failure messages. */
export const SIMPLESAMLPHP_INSTALL = 'bash .ci/install-system-deps.sh (as root)';

const SSP_DIR = '/usr/share/simplesamlphp';
const CONFIG_DIR = fileURLToPath(new URL('simplesamlphp/', import.meta.url));

/** The users of `simplesamlphp/authsources.php`; every password is `password`. */
export const SIMPLESAMLPHP_USERS = {
  alice: {
    username: 'alice@example.com',
    password: 'password',
    firstName: 'Alice',
    lastName: 'Liddell',
    groups: ['admins', 'engineering'],
  },
  bob: {
    username: 'bob@example.com',
    password: 'password',
    firstName: 'Bob',
    lastName: 'Builder',
    groups: ['engineering'],
  },
} as const;

/** True when `php` is on the PATH (with the DOM extension) and SimpleSAMLphp is installed. */
export function simpleSamlPhpAvailable(): boolean {
  if (!existsSync(join(SSP_DIR, 'www/_include.php'))) return false;
  // Without php8.2-xml every SAML page fails ("Class DOMDocument not found"): require it here.
  const php = spawnSync('php', ['-r', 'exit(class_exists("DOMDocument") ? 0 : 1);'], { encoding: 'utf8' });
  return php.error === undefined && php.status === 0;
}

/**
 * The `skip` option of a suite that needs the IdP: `false` to run it, or the one line that says why
 * not. Under CI=true it is always `false`, and {@link startSimpleSamlPhp} fails when it is missing.
 */
export function simpleSamlPhpSkip(): false | string {
  return simpleSamlPhpAvailable() || process.env.CI === 'true'
    ? false
    : `SimpleSAMLphp not installed: ${SIMPLESAMLPHP_INSTALL}`;
}

/** An SP the IdP trusts, configured by hand (`saml20-sp-remote.php`). */
export interface RemoteSp {
  readonly entityId: string;
  /** Its HTTP-POST Assertion Consumer Service URL, where the IdP posts responses. */
  readonly acsUrl: string;
  /** The certificate (PEM) the SP signs its AuthnRequests with. */
  readonly certificate?: string;
  /** The IdP signs the `<samlp:Response>`. Default `true`. */
  readonly signResponse?: boolean;
  /** The IdP signs the `<saml:Assertion>`. Default `true`. */
  readonly signAssertion?: boolean;
  /** The IdP refuses AuthnRequests not signed with `certificate` (`validate.authnrequest`). Default `false`. */
  readonly requireSignedAuthnRequests?: boolean;
  /** The IdP encrypts the assertion to `certificate` (`assertion.encryption`). Default `false`. */
  readonly encryptAssertion?: boolean;
  /**
   * The SP's Single Logout URL: the IdP then signs its logout messages to the SP and requires the
   * SP's to be signed with `certificate`.
   */
  readonly sloUrl?: string;
  /** The one binding the IdP uses to send to `sloUrl`. Default `'redirect'`. */
  readonly sloBinding?: 'redirect' | 'post';
  /**
   * The AuthnContextClassRef the IdP asserts (the `saml:AuthnContextClassRef` authproc filter);
   * `''` sends an AuthnContext without one. Default: SimpleSAMLphp's own (`Password` over http).
   */
  readonly authnContextClassRef?: string;
  /** Attributes the IdP adds to every login of this SP (the `core:AttributeAdd` authproc filter). */
  readonly addAttributes?: Readonly<Record<string, readonly string[]>>;
}

/** Options of {@link startSimpleSamlPhp}. */
export interface StartSimpleSamlPhpOptions {
  /** SPs to trust from the start; more can be added with {@link SimpleSamlPhp.registerSps}. */
  readonly sps?: readonly RemoteSp[];
  /** `PHP_CLI_SERVER_WORKERS`: requests served at once. Default 2 (a browser loads pages in parallel). */
  readonly workers?: number;
  /** SimpleSAMLphp's log level; `'DEBUG'` also logs every SAML message. Default `'NOTICE'`. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERR';
}

/** A running SimpleSAMLphp IdP. */
export interface SimpleSamlPhp {
  /** `http://127.0.0.1:<port>/` */
  readonly baseUrl: string;
  readonly entityId: string;
  /** Its SAML 2.0 metadata (an EntityDescriptor with an IDPSSODescriptor). */
  readonly metadataUrl: string;
  /** SingleSignOnService (HTTP-Redirect, and it takes HTTP-POST too); `?spentityid=` starts an IdP-initiated login. */
  readonly ssoUrl: string;
  /** SingleLogoutService (both bindings); `?ReturnTo=` starts an IdP-initiated logout of every SP. */
  readonly sloUrl: string;
  /** The IdP's signing certificate (PEM), made for this run. */
  readonly certificate: string;
  /** The same certificate as a file, for xmlsec1. */
  readonly certificatePath: string;
  /** Adds (or replaces, by entity ID) hand-configured SPs; read by the IdP on its next request. */
  registerSps(sps: readonly RemoteSp[]): void;
  /** Trusts the SPs an SP metadata document describes (a metadata source of type `xml`); `name` names the file. */
  registerSpMetadata(name: string, xml: string): void;
  /** The end of php -S's output (one line per request) and of SimpleSAMLphp's log, for failure messages. */
  logs(): string;
  /** Kills the server and its workers, then removes its directory. Harmless when already stopped. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
const directories = new Set<string>();
function killAll(): void {
  for (const child of running) killGroup(child, 'SIGKILL');
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

/**
 * Starts SimpleSAMLphp on a free loopback port and waits until its metadata serves an
 * IDPSSODescriptor (0.2 to 0.6 s, the key pair included).
 */
export async function startSimpleSamlPhp(options: StartSimpleSamlPhpOptions = {}): Promise<SimpleSamlPhp> {
  if (!simpleSamlPhpAvailable()) {
    throw new Error(
      `SimpleSAMLphp (with php and php-xml) is required when CI=true: ${SIMPLESAMLPHP_INSTALL}`,
    );
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}/`;
  const dir = mkdtempSync(join(tmpdir(), 'samlkit-simplesamlphp-'));
  directories.add(dir);
  for (const sub of ['log', 'data', 'tmp', 'sessions', 'sp-metadata']) mkdirSync(join(dir, sub));

  const { privateKey, certificate } = await generateSpKeyPair({ commonName: 'simplesamlphp.samlkit.test' });
  writeFileSync(join(dir, 'idp.key'), privateKey, { mode: 0o600 });
  const certificatePath = join(dir, 'idp.crt');
  writeFileSync(certificatePath, certificate);

  const sps = new Map<string, RemoteSp>();
  const registerSps = (added: readonly RemoteSp[]): void => {
    for (const sp of added) sps.set(sp.entityId, sp);
    // Written whole, then renamed into place: a request never reads half a file.
    writeFileSync(join(dir, 'sps.json.tmp'), JSON.stringify([...sps.values()]));
    renameSync(join(dir, 'sps.json.tmp'), join(dir, 'sps.json'));
  };
  registerSps(options.sps ?? []);

  const child = spawn(
    'php',
    [
      '-d',
      `session.save_path=${join(dir, 'sessions')}`,
      '-d',
      'display_errors=stderr',
      '-d',
      'variables_order=EGPCS',
      '-S',
      `127.0.0.1:${port}`,
      '-t',
      join(SSP_DIR, 'www'),
    ],
    {
      env: {
        ...process.env,
        SIMPLESAMLPHP_CONFIG_DIR: CONFIG_DIR,
        IDP_BASE_URL: baseUrl,
        IDP_STATE_DIR: dir,
        IDP_LOG_LEVEL: options.logLevel ?? 'NOTICE',
        PHP_CLI_SERVER_WORKERS: String(options.workers ?? 2),
      },
      // Its own process group: php -S workers outlive a SIGTERM to their parent, a group kill does not.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit');
  child.once('exit', () => running.delete(child));

  const logs = (): string => {
    const sspLog = join(dir, 'log/simplesamlphp.log');
    const tail = (text: string): string => text.split('\n').slice(-40).join('\n');
    return [
      `php -S output:\n${tail(output)}`,
      existsSync(sspLog) ? `simplesamlphp.log:\n${tail(readFileSync(sspLog, 'utf8'))}` : '',
    ].join('\n');
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, 'SIGTERM');
      await exited;
    }
    // The workers are in the same group; wait until the last of them is gone.
    for (let i = 0; i < 100 && groupAlive(child); i++) await sleep(20);
    killGroup(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    directories.delete(dir);
  };

  const metadataUrl = `${baseUrl}saml2/idp/metadata.php`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const why = logs();
      await stop();
      throw new Error(`php -S exited on start:\n${why}`);
    }
    const body = await fetch(metadataUrl).then(
      (response) => (response.ok ? response.text() : ''),
      () => '',
    );
    if (body.includes('IDPSSODescriptor')) break;
    if (Date.now() > deadline) {
      const why = logs();
      await stop();
      throw new Error(`SimpleSAMLphp did not serve its metadata within 10 s:\n${why}`);
    }
    await sleep(30);
  }

  return {
    baseUrl,
    entityId: metadataUrl,
    metadataUrl,
    ssoUrl: `${baseUrl}saml2/idp/SSOService.php`,
    sloUrl: `${baseUrl}saml2/idp/SingleLogoutService.php`,
    certificate,
    certificatePath,
    registerSps,
    registerSpMetadata(name, xml) {
      if (!/^[\w.-]+$/.test(name)) throw new TypeError(`registerSpMetadata: bad name ${name}`);
      const file = join(dir, 'sp-metadata', `${name}.xml`);
      writeFileSync(`${file}.tmp`, xml);
      renameSync(`${file}.tmp`, file);
    },
    logs,
    stop,
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * True while a process of the child's group still runs. Zombies do not count: once the parent has
 * exited, its workers are reparented to PID 1, which may take a second to reap them.
 */
function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (pgrp === String(child.pid) && state !== 'Z') return true;
  }
  return false;
}

/** A port the OS says is free now: listen on port 0, read it, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}
