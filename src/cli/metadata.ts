/**
 * `samlkit metadata sp` (our metadata for a tenant, `buildSpMetadata`) and `samlkit metadata idp`
 * (an IdP's metadata read into `TenantConfig.idp`, `parseIdpMetadata` / `fetchIdpMetadata`).
 *
 * @module
 * @internal
 */
import { fetchIdpMetadata as defaultFetch } from '../fetch.js';
import { buildSpMetadata, parseIdpMetadata, type IdpMetadata } from '../index.js';
import { expiryOf } from './format.js';
import {
  EXIT,
  inputError,
  parseCommand,
  readInput,
  timeOption,
  usageError,
  wholeNumber,
  type CliIo,
  type ExitCode,
} from './io.js';
import { loadTenantOrDraft, tenantPath } from './tenant-file.js';

/** The help text of `samlkit metadata`. */
export const HELP = `Usage: samlkit metadata sp --tenant tenant.json [--sign] [--valid-days N]
       samlkit metadata idp <file|url> [--entity-id ID] [--allow-http] [--allow-private-addresses]

metadata sp   prints our (the SP's) metadata for the tenant: the document the IdP admin uploads.
  --tenant FILE              the tenant configuration (JSON), or a draft without "idp" (required)
  --sign                     sign it with the tenant's sp.signing key
  --valid-days N             it expires N days from now (validUntil)

metadata idp  reads an IdP's metadata (a file, - for standard input, or an https URL) and prints
              the "idp" object of a TenantConfig as JSON; its signing certificates, with
              fingerprint and expiry, go to stderr. The signature of the metadata is not checked:
              take it from the IdP over HTTPS or from its admin.
  --entity-id ID             the IdP to read when the document describes several
  --now TIME                 judge validUntil and certificate expiry at this ISO 8601 time
  --allow-http               WEAKENS SECURITY: allow an http: URL
  --allow-private-addresses  WEAKENS SECURITY: allow a URL on a loopback or private address

  -h, --help                 show this help

Exit codes: 0 printed, 1 the metadata is unusable (or the download failed), 2 bad arguments or input.
`;

/** Certificates expiring within this many days are warned about. */
const WARN_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Runs `samlkit metadata sp|idp`.
 *
 * @param argv - The arguments after `metadata`.
 * @returns The exit code: 0 when printed.
 * @example
 * ```ts
 * const code = await run(['idp', 'FederationMetadata.xml'], nodeIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [which, ...rest] = argv;
  if (which === '--help' || which === '-h' || which === 'help') {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (which === 'sp') return sp(rest, io);
  if (which === 'idp') return idp(rest, io);
  throw usageError(
    which === undefined
      ? 'say which metadata: sp or idp'
      : `unknown metadata kind ${JSON.stringify(which)}: sp or idp`,
  );
}

async function sp(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCommand(
    argv,
    {
      tenant: { type: 'string' },
      sign: { type: 'boolean' },
      'valid-days': { type: 'string' },
    },
    0,
    HELP,
    io,
  );
  if (parsed === undefined) return EXIT.ok;
  const { values } = parsed;
  const path = tenantPath(values.tenant);
  const validDays =
    values['valid-days'] === undefined
      ? undefined
      : wholeNumber(values['valid-days'], '--valid-days', 1, 36_500);
  const now = io.now();
  // A draft will do: the IdP's admin needs our metadata before they can send theirs.
  const tenant = await loadTenantOrDraft(io, path, now);
  let xml: string;
  try {
    xml = buildSpMetadata(tenant, {
      now: () => now,
      ...(values.sign === true && { sign: true }),
      ...(validDays !== undefined && { validDays }),
    });
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith('Invalid tenant'))
      throw inputError(`${path}: ${error.message}`);
    throw error;
  }
  io.stdout(xml.endsWith('\n') ? xml : `${xml}\n`);
  return EXIT.ok;
}

async function idp(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCommand(
    argv,
    {
      'entity-id': { type: 'string' },
      now: { type: 'string' },
      'allow-http': { type: 'boolean' },
      'allow-private-addresses': { type: 'boolean' },
    },
    1,
    HELP,
    io,
  );
  if (parsed === undefined) return EXIT.ok;
  const { values, positionals } = parsed;
  const source = positionals[0];
  if (source === undefined) throw usageError('give the metadata as a file, - for standard input, or a URL');
  const now = timeOption(values.now, '--now') ?? io.now();
  const entityId = values['entity-id'];
  const options = { now: () => now, ...(entityId !== undefined && { entityId }) };

  let metadata: IdpMetadata;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    const fetch = io.fetchIdpMetadata ?? defaultFetch;
    const result = await fetch(source, {
      ...options,
      ...(values['allow-http'] === true && { allowHttp: true }),
      ...(values['allow-private-addresses'] === true && { allowPrivateAddresses: true }),
    });
    // Without `previous` validators the server cannot answer 304; treat it as a failed download.
    if (result.status !== 'updated')
      throw usageError(`${source} answered 304 Not Modified to an unconditional request`);
    metadata = result.metadata;
  } else {
    if (values['allow-http'] === true || values['allow-private-addresses'] === true) {
      throw usageError('--allow-http and --allow-private-addresses apply to URLs only');
    }
    metadata = parseIdpMetadata(await readInput(io, source), options);
  }

  io.stdout(`${JSON.stringify(metadata.idp, null, 2)}\n`);
  io.stderr(report(metadata, now).join('\n') + '\n');
  return EXIT.ok;
}

/** What an admin checks before saving: the entity, the endpoints and the signing certificates. */
function report(metadata: IdpMetadata, now: Date): string[] {
  const lines = [`IdP ${metadata.entityId}`];
  if (metadata.ssoUrls.redirect !== undefined)
    lines.push(`  SSO (HTTP-Redirect)  ${metadata.ssoUrls.redirect}`);
  if (metadata.ssoUrls.post !== undefined) lines.push(`  SSO (HTTP-POST)      ${metadata.ssoUrls.post}`);
  if (metadata.validUntil !== undefined)
    lines.push(`  validUntil           ${metadata.validUntil.toISOString()}`);
  lines.push(
    `  Metadata signature   ${metadata.signatureVerified ? 'verified' : 'not checked (make sure the document came from the IdP)'}`,
  );
  lines.push(`Signing certificates (${metadata.signingCertificates.length}):`);
  const warnings: string[] = [];
  for (const certificate of metadata.signingCertificates) {
    lines.push(`  SHA-256 ${certificate.fingerprint}  ${expiryOf(certificate.notAfter, now)}`);
    const left = certificate.notAfter.getTime() - now.getTime();
    if (left <= 0) {
      warnings.push(
        `warning: certificate ${certificate.fingerprint} has expired; ask the IdP admin for the current one`,
      );
    } else if (left <= WARN_DAYS * DAY_MS) {
      warnings.push(
        `warning: certificate ${certificate.fingerprint} expires within ${WARN_DAYS} days; plan the rollover (trust the next certificate too)`,
      );
    }
  }
  return [...lines, ...warnings];
}
