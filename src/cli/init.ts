/**
 * `samlkit init`: writes a tenant.json to start from, with the PEMs read from files (an IdP
 * certificate is multi-line text that is easy to break by hand in JSON), validated by the library.
 *
 * @module
 * @internal
 */
import {
  IDP_PRESETS,
  parseIdpMetadata,
  validateTenantConfig,
  type IdentityProviderConfig,
  type TenantDraft,
} from '../index.js';
import {
  EXIT,
  inputError,
  messageOf,
  parseCommand,
  readInput,
  usageError,
  type CliIo,
  type ExitCode,
} from './io.js';
import { presetNamed } from './setup.js';

/** The help text of `samlkit init`. */
export const HELP = `Usage: samlkit init --id ID --base-url URL [options]

Writes a tenant configuration (JSON) to start from: our URLs for the tenant, its email domains,
and the IdP's values when you have them. Certificates and keys are read from PEM files. Without
IdP values it writes a draft: "samlkit setup" and "samlkit metadata sp" take it, to send the IdP's
admin what they need; run init again with --idp-metadata once they answer.

Options:
  --id ID               the tenant's ID, e.g. acme                                  (required)
  --base-url URL        your app's public URL, e.g. https://app.example.com: sp.entityId is
                        URL/saml/ID and sp.acsUrl URL/saml/acs
  --entity-id URL       sp.entityId, instead of the one --base-url gives
  --acs-url URL         sp.acsUrl, instead of the one --base-url gives
  --idp NAME            the IdP product (preset): ${Object.keys(IDP_PRESETS).join(', ')} (entra = azure)
  --domain DOMAIN       an email domain the customer has proven it owns (repeatable)
  --idp-metadata FILE   the IdP's SAML metadata (a file, or - for standard input)
  --idp-entity-id ID    the IdP's entity ID, when there is no metadata file
  --idp-sso-url URL     the IdP's single sign-on URL, when there is no metadata file
  --idp-cert FILE       a PEM file with an IdP signing certificate (repeatable)
  --sp-key FILE         a PEM file with our signing key (with --sp-cert): sp.signing
  --sp-cert FILE        the PEM file of its certificate (samlkit keygen --out writes both)
  --out FILE            where to write (default tenant.json); an existing file is never overwritten
  -h, --help            show this help

Exit codes: 0 written, 2 bad arguments, unreadable files, or a configuration that does not validate.
`;

/**
 * Runs `samlkit init`.
 *
 * @param argv - The arguments after `init`.
 * @returns The exit code: 0 when written.
 * @example
 * ```ts
 * const code = await run(['--id', 'acme', '--base-url', 'https://app.example.com', '--idp', 'entra'], nodeIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCommand(
    argv,
    {
      id: { type: 'string' },
      'base-url': { type: 'string' },
      'entity-id': { type: 'string' },
      'acs-url': { type: 'string' },
      idp: { type: 'string' },
      domain: { type: 'string', multiple: true },
      'idp-metadata': { type: 'string' },
      'idp-entity-id': { type: 'string' },
      'idp-sso-url': { type: 'string' },
      'idp-cert': { type: 'string', multiple: true },
      'sp-key': { type: 'string' },
      'sp-cert': { type: 'string' },
      out: { type: 'string' },
    },
    0,
    HELP,
    io,
  );
  if (parsed === undefined) return EXIT.ok;
  const { values } = parsed;
  if (values.id === undefined || values.id === '') throw usageError('--id ID is required');
  const base = values['base-url']?.replace(/\/+$/, '');
  const entityId = values['entity-id'] ?? (base === undefined ? undefined : `${base}/saml/${values.id}`);
  const acsUrl = values['acs-url'] ?? (base === undefined ? undefined : `${base}/saml/acs`);
  if (entityId === undefined || acsUrl === undefined)
    throw usageError('give --base-url, or both --entity-id and --acs-url');
  const preset = values.idp === undefined ? undefined : presetNamed(values.idp);
  if (values.idp !== undefined && preset === undefined) {
    throw usageError(
      `--idp must be one of ${Object.keys(IDP_PRESETS).join(', ')} or entra, not ${JSON.stringify(values.idp)}`,
    );
  }
  if ((values['sp-key'] === undefined) !== (values['sp-cert'] === undefined))
    throw usageError('--sp-key and --sp-cert go together');
  const signing =
    values['sp-key'] === undefined || values['sp-cert'] === undefined
      ? undefined
      : {
          privateKey: await pem(io, values['sp-key'], 'PRIVATE KEY'),
          certificate: await pem(io, values['sp-cert'], 'CERTIFICATE'),
        };
  const idp = await idpOf(io, values);

  const config: TenantDraft & { idp?: IdentityProviderConfig } = {
    id: values.id,
    ...(preset !== undefined && { preset }),
    sp: { entityId, acsUrl, ...(signing !== undefined && { signing }) },
    ...(values.domain !== undefined && { emailDomains: values.domain }),
    ...(idp !== undefined && { idp }),
  };
  // A draft lacks idp on purpose; every other problem ends the command before anything is written.
  const problems = validateTenantConfig(config, { now: io.now }).filter(
    (problem) => idp !== undefined || problem.path !== 'idp',
  );
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) {
    throw inputError(
      `the tenant would not validate:\n${errors.map((problem) => `  ${problem.path}: ${problem.message}`).join('\n')}`,
    );
  }
  for (const problem of problems) io.stderr(`warning: ${problem.path}: ${problem.message}\n`);

  const out = values.out ?? 'tenant.json';
  try {
    // It may hold our private key: readable by its owner only.
    await io.writeFile(out, `${JSON.stringify(config, null, 2)}\n`, {
      mode: signing === undefined ? 0o644 : 0o600,
    });
  } catch (error) {
    throw inputError(`cannot write ${out}: ${messageOf(error)}`);
  }
  io.stdout(
    [
      `Wrote ${out}${idp === undefined ? ' (a draft: no IdP values yet)' : ''}.`,
      idp === undefined
        ? `Next: samlkit setup --tenant ${out} (what the IdP's admin enters), samlkit metadata sp --tenant ${out}`
        : `Next: samlkit verify --tenant ${out} response.xml, with a response from the IdP`,
    ].join('\n') + '\n',
  );
  return EXIT.ok;
}

interface IdpValues {
  readonly 'idp-metadata'?: string | undefined;
  readonly 'idp-entity-id'?: string | undefined;
  readonly 'idp-sso-url'?: string | undefined;
  readonly 'idp-cert'?: string[] | undefined;
}

/** The IdP's values, from its metadata or from the separate options; undefined for a draft. */
async function idpOf(io: CliIo, values: IdpValues): Promise<IdentityProviderConfig | undefined> {
  const metadataFile = values['idp-metadata'];
  const separate = values['idp-entity-id'] ?? values['idp-sso-url'] ?? values['idp-cert'];
  if (metadataFile !== undefined) {
    if (separate !== undefined)
      throw usageError(
        '--idp-metadata gives every IdP value: leave out --idp-entity-id, --idp-sso-url, --idp-cert',
      );
    return parseIdpMetadata(await readInput(io, metadataFile), { now: io.now }).idp;
  }
  if (separate === undefined) return undefined;
  const entityId = values['idp-entity-id'];
  const certificates = values['idp-cert'];
  if (entityId === undefined || certificates === undefined)
    throw usageError('without --idp-metadata, give --idp-entity-id and at least one --idp-cert');
  const ssoUrl = values['idp-sso-url'];
  return {
    entityId,
    certificates: await Promise.all(certificates.map((file) => pem(io, file, 'CERTIFICATE'))),
    ...(ssoUrl !== undefined && { ssoUrl }),
  };
}

/** A PEM file's text; refuses a file without the expected block (a DER file, the wrong file). */
async function pem(io: CliIo, path: string, label: 'CERTIFICATE' | 'PRIVATE KEY'): Promise<string> {
  const text = await readInput(io, path);
  const pattern =
    label === 'CERTIFICATE' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/;
  if (!pattern.test(text))
    throw inputError(`${path} holds no PEM ${label.toLowerCase()} (-----BEGIN ${label}-----)`);
  return text.trim() + '\n';
}
