/**
 * The `samlkit` command line: dispatches to one module per command and turns what they throw into
 * a message on stderr and an exit code. Uses only samlkit's public API.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { SamlError } from '../index.js';
import * as inspect from './inspect.js';
import * as init from './init.js';
import { CliError, EXIT, messageOf, type CliIo, type ExitCode } from './io.js';
import * as keygen from './keygen.js';
import * as metadata from './metadata.js';
import * as setup from './setup.js';
import * as verify from './verify.js';

export type { CliIo, ExitCode } from './io.js';

interface Command {
  readonly summary: string;
  readonly HELP: string;
  run(argv: readonly string[], io: CliIo): Promise<ExitCode>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  inspect: { ...inspect, summary: 'show what a SAML message or metadata document says (not verified)' },
  verify: { ...verify, summary: 'check a response for a tenant, check by check (explainResponse)' },
  metadata: { ...metadata, summary: 'print our SP metadata, or read an IdP\'s metadata into "idp" JSON' },
  keygen: { ...keygen, summary: 'generate an SP signing key and certificate' },
  setup: { ...setup, summary: "print what to enter in the tenant's IdP console" },
  init: { ...init, summary: 'write a tenant.json to start from, with PEMs read from files' },
};

/** The help text of `samlkit`. */
export const HELP = `Usage: samlkit <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(10)}${command.summary}`)
  .join('\n')}

Run "samlkit <command> --help" for a command's options.

Options:
  -h, --help     show this help
  --version      print samlkit's version

Exit codes: 0 success, 1 the thing checked failed (e.g. the response is not accepted),
2 bad arguments or unreadable input.
`;

/**
 * Runs the `samlkit` command line with `argv` (without `node` and the script) and returns the exit
 * code. Everything outside of computing goes through `io`, so tests run it in-process.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), nodeIo());
 * ```
 */
export async function runCli(argv: readonly string[], given: CliIo): Promise<ExitCode> {
  const io = terminalSafe(given);
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(HELP);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    io.stdout(topic?.HELP ?? HELP);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`${version()}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.stderr(`samlkit: unknown command ${JSON.stringify(name)}\n\n${HELP}`);
    return EXIT.usage;
  }
  const prefix = `samlkit ${name === 'metadata' && rest[0] !== undefined && !rest[0].startsWith('-') ? `metadata ${rest[0]}` : name}`;
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(error, prefix, io);
  }
}

// What a message can carry to a terminal: C0 controls but tab and newline (ESC starts colour, OSC
// and cursor sequences; CR overwrites a line), DEL, C1 (CSI), and the bidirectional controls that
// reorder what a reader sees (docs/security.md rule 30).
const TERMINAL_UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Every byte the CLI prints, escaped as `\uXXXX`: the form JSON reads back as the same character, so
 * `--json` output stays valid, and a terminal shows it rather than obeying it.
 */
function terminalSafe(io: CliIo): CliIo {
  const escape = (text: string): string =>
    text.replace(TERMINAL_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return {
    ...io,
    stdout: (text) => {
      io.stdout(escape(text));
    },
    stderr: (text) => {
      io.stderr(escape(text));
    },
  };
}

function report(error: unknown, prefix: string, io: CliIo): ExitCode {
  if (error instanceof CliError) {
    io.stderr(`${prefix}: ${error.message}\n`);
    if (error.showUsage) io.stderr(`Run "${prefix} --help" for usage.\n`);
    return error.exitCode;
  }
  if (error instanceof SamlError) {
    io.stderr(`${prefix}: ${error.code}: ${error.message}\n`);
    if (error.hint !== '') io.stderr(`hint: ${error.hint}\n`);
    return EXIT.failed;
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    io.stderr(`${prefix}: ${error.message}\n`);
    return EXIT.usage;
  }
  io.stderr(`${prefix}: unexpected error: ${messageOf(error)}\n`);
  if (error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`);
  return EXIT.usage;
}

/** The `version` of the package.json next to `src/` or `dist/`; `unknown` when it cannot be read. */
function version(): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const value =
      typeof parsed === 'object' && parsed !== null && 'version' in parsed ? parsed.version : undefined;
    return typeof value === 'string' ? value : 'unknown';
  } catch {
    return 'unknown';
  }
}
