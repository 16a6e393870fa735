/**
 * What every CLI command shares: the I/O it is given (so tests run commands in-process), the exit
 * codes, the errors that end a command, and the reading of its arguments and input files.
 *
 * @module
 * @internal
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { fetchIdpMetadata } from '../fetch.js';

/**
 * Everything a command does outside of computing: standard streams, files, the clock and the
 * network. `nodeIo()` gives the real ones; tests pass their own.
 */
export interface CliIo {
  /** The whole of standard input, as UTF-8 text. */
  readonly stdin: () => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** A whole file as UTF-8 text; rejects for a missing, unreadable, binary or oversized file. */
  readonly readFile: (path: string) => Promise<string>;
  /** Creates a new file (never overwrites one: rejects when it exists). */
  readonly writeFile: (path: string, data: string, options?: { readonly mode?: number }) => Promise<void>;
  /** The current time. */
  readonly now: () => Date;
  /** Downloads IdP metadata; default: `fetchIdpMetadata` from `samlkit/fetch`. */
  readonly fetchIdpMetadata?: typeof fetchIdpMetadata;
}

/** A command's exit code: 0 success, 1 the thing checked failed, 2 a usage, argument or input error. */
export type ExitCode = 0 | 1 | 2;

/** The exit codes by meaning. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const satisfies Record<string, ExitCode>;

/** Ends a command with a message on stderr and an exit code. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitCode: ExitCode;
  /** Add "Run samlkit … --help" to the message. */
  readonly showUsage: boolean;

  constructor(message: string, exitCode: ExitCode = EXIT.usage, showUsage = false) {
    super(message);
    this.exitCode = exitCode;
    this.showUsage = showUsage;
  }
}

/** A mistake in the command line itself: exit 2, with a pointer to the command's help. */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage, true);
}

/** Input that cannot be read or decoded: exit 2. */
export function inputError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/**
 * Runs `node:util` `parseArgs` and turns its argument errors (unknown option, missing value…)
 * into usage errors in our own words: Node's messages quote the option unevenly and suggest
 * `-- "--tenat"`, which is never what a mistyped option needs.
 */
function parseOrUsage<T>(parse: () => T, known: readonly string[]): T {
  try {
    return parse();
  } catch (error) {
    if (
      error instanceof TypeError &&
      'code' in error &&
      typeof error.code === 'string' &&
      error.code.startsWith('ERR_PARSE_ARGS')
    ) {
      throw usageError(argumentMessage(error.code, error.message, known));
    }
    throw error;
  }
}

/** Our message for a `parseArgs` error; `known` are the command's long option names. */
function argumentMessage(code: string, message: string, known: readonly string[]): string {
  const option = /^Option '(-[^\s']*)/.exec(message)?.[1] ?? /^Unknown option '([^']*)'/.exec(message)?.[1];
  if (option === undefined) return message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const closest = closestOption(option.replace(/^-+/, '').split('=')[0] ?? '', known);
    return `unknown option ${option}${closest === undefined ? '' : ` (did you mean --${closest}?)`}`;
  }
  if (message.endsWith('argument missing')) return `${option} needs a value`;
  if (message.includes('does not take an argument')) return `${option} takes no value`;
  return message;
}

/** The known option at most two edits away (a typo), or one that starts with what was typed. */
function closestOption(typed: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.startsWith(typed) && typed.length >= 2 ? 1 : editDistance(typed, name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;
type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; allowPositionals: true; strict: true }>
>;

/**
 * The prologue of every command: parses `argv` strictly with `options` and `--help`, prints `help`
 * and returns `undefined` when asked for it, refuses more than `maxPositionals` positionals.
 */
export function parseCommand<const O extends Options>(
  argv: readonly string[],
  options: O,
  maxPositionals: number,
  help: string,
  io: CliIo,
): Parsed<O> | undefined {
  const parsed = parseOrUsage(
    () =>
      parseArgs({
        args: [...argv],
        options: { ...options, ...HELP_OPTION },
        allowPositionals: true,
        strict: true,
      }),
    [...Object.keys(options), 'help'],
  );
  if ((parsed.values as { readonly help?: boolean }).help === true) {
    io.stdout(help);
    return undefined;
  }
  checkPositionals(parsed.positionals, maxPositionals);
  return parsed;
}

/** At most `max` positional arguments. */
function checkPositionals(positionals: readonly string[], max: number): void {
  if (positionals.length > max) {
    const extra = positionals.slice(max).join(' ');
    throw usageError(`unexpected argument${positionals.length - max > 1 ? 's' : ''}: ${extra}`);
  }
}

/** A whole number given for `flag`, from `min` to `max`. */
export function wholeNumber(value: string, flag: string, min: number, max: number): number {
  const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw usageError(`${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return number;
}

/** An ISO 8601 time given for `flag` (`2023-05-09T16:00:00Z`); undefined when not given. */
export function timeOption(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(value)
    ? new Date(value)
    : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) {
    throw usageError(
      `${flag} must be an ISO 8601 time such as 2023-05-09T16:00:00Z, not ${JSON.stringify(value)}`,
    );
  }
  return time;
}

/** The text of `path`, or of standard input for `-`. Read errors become input errors. */
export async function readInput(io: CliIo, path: string): Promise<string> {
  if (path === '-') return io.stdin();
  try {
    return await io.readFile(path);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw inputError(`cannot read ${path}: ${messageOf(error)}`);
  }
}

/** A JSON file (`what` names it in errors), parsed but not checked: `unknown` until validated. */
export async function readJsonFile(io: CliIo, path: string, what: string): Promise<unknown> {
  const text = await readInput(io, path);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw inputError(`${what} ${path} is not valid JSON: ${messageOf(error)}`);
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
