/**
 * The real I/O of the `samlkit` command: process streams, the file system, the system clock.
 *
 * @module
 * @internal
 */
import { open, writeFile } from 'node:fs/promises';
import { inputError, type CliIo } from './io.js';

/** Largest file or standard input read, in bytes (commands cap their input further). */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw inputError(`${what} is not UTF-8 text`);
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Reading from standard input (end with Ctrl-D)…\n');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    total += buffer.length;
    if (total > MAX_READ_BYTES) throw inputError(`standard input is larger than ${MAX_READ_BYTES} bytes`);
    chunks.push(buffer);
  }
  return text(Buffer.concat(chunks), 'standard input');
}

async function readFile(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_READ_BYTES) throw inputError(`${path} is larger than ${MAX_READ_BYTES} bytes`);
    return text(await handle.readFile(), path);
  } finally {
    await handle.close();
  }
}

/**
 * The I/O of the real process. Files are created with `wx` (never overwritten) and the given mode.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), nodeIo());
 * ```
 */
export function nodeIo(): CliIo {
  return {
    stdin: readStdin,
    stdout: (data) => process.stdout.write(data),
    stderr: (data) => process.stderr.write(data),
    readFile,
    writeFile: (path, data, options) => writeFile(path, data, { flag: 'wx', mode: options?.mode ?? 0o644 }),
    now: () => new Date(),
  };
}
