/**
 * `samlkit keygen`: an SP key pair (`generateSpKeyPair`) for `sp.signing`.
 *
 * @module
 * @internal
 */
import { generateSpKeyPair, type SpKeyPair } from '../index.js';
import { expiryOf, summarizeCertificate } from './format.js';
import {
  CliError,
  EXIT,
  inputError,
  messageOf,
  parseCommand,
  usageError,
  wholeNumber,
  type CliIo,
  type ExitCode,
} from './io.js';

/** The help text of `samlkit keygen`. */
export const HELP = `Usage: samlkit keygen --cn NAME [--days N] [--key-size BITS] [--out PREFIX]

Generates an RSA key pair with a self-signed certificate for the SP, to use as sp.signing (signed
AuthnRequests and metadata). Prints {"privateKey": …, "certificate": …} as JSON, or with --out
writes PREFIX.key (mode 0600) and PREFIX.crt; existing files are never overwritten.

Options:
  --cn NAME          the certificate's common name, e.g. the app's host name   (required)
  --days N           validity in days (default 3650)
  --key-size BITS    RSA key size, 2048 to 8192 (default 2048)
  --out PREFIX       write PREFIX.key and PREFIX.crt instead of printing JSON
  -h, --help         show this help

Keep the private key secret: store it encrypted at rest (see sealTenantSecrets).

Exit codes: 0 generated, 2 bad arguments or the files cannot be written.
`;

/**
 * Runs `samlkit keygen`.
 *
 * @param argv - The arguments after `keygen`.
 * @returns The exit code: 0 when generated.
 * @example
 * ```ts
 * const code = await run(['--cn', 'app.example.com', '--out', 'sp'], nodeIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCommand(
    argv,
    {
      cn: { type: 'string' },
      days: { type: 'string' },
      'key-size': { type: 'string' },
      out: { type: 'string' },
    },
    0,
    HELP,
    io,
  );
  if (parsed === undefined) return EXIT.ok;
  const { values } = parsed;
  if (values.cn === undefined) throw usageError('--cn NAME is required');
  if (values.out === '') throw usageError('--out needs a file name prefix');
  const validDays = values.days === undefined ? undefined : wholeNumber(values.days, '--days', 1, 36_500);
  const keySize =
    values['key-size'] === undefined ? undefined : wholeNumber(values['key-size'], '--key-size', 2048, 8192);
  const now = io.now();
  let pair: SpKeyPair;
  try {
    pair = await generateSpKeyPair({
      commonName: values.cn,
      now: () => now,
      ...(validDays !== undefined && { validDays }),
      ...(keySize !== undefined && { keySize }),
    });
  } catch (error) {
    if (error instanceof TypeError) throw usageError(error.message);
    throw error;
  }

  if (values.out === undefined) {
    io.stdout(`${JSON.stringify({ privateKey: pair.privateKey, certificate: pair.certificate }, null, 2)}\n`);
    return EXIT.ok;
  }
  const keyFile = `${values.out}.key`;
  const certificateFile = `${values.out}.crt`;
  await write(io, keyFile, pair.privateKey, 0o600);
  try {
    await write(io, certificateFile, pair.certificate, 0o644);
  } catch (error) {
    throw new CliError(`${messageOf(error)} (${keyFile} was written)`, EXIT.usage);
  }
  const summary = summarizeCertificate(pair.certificate);
  io.stdout(
    [
      `Wrote ${keyFile} (private key, mode 0600: keep it secret)`,
      `  and ${certificateFile} (certificate${summary === undefined ? '' : `, SHA-256 ${summary.fingerprint}, ${expiryOf(summary.notAfter, now)}`})`,
      'Use them as the tenant\'s "sp": { …, "signing": { "privateKey": <PEM of the .key>, "certificate": <PEM of the .crt> } }',
    ].join('\n') + '\n',
  );
  return EXIT.ok;
}

async function write(io: CliIo, path: string, data: string, mode: number): Promise<void> {
  try {
    await io.writeFile(path, data, { mode });
  } catch (error) {
    throw inputError(`cannot write ${path}: ${messageOf(error)}`);
  }
}
