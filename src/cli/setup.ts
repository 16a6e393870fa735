/**
 * `samlkit setup`: what the tenant's admin enters in their IdP's console (`setupInstructions`).
 *
 * @module
 * @internal
 */
import { IDP_PRESETS, setupInstructions, type IdpPresetName, type SetupInstructions } from '../index.js';
import { EXIT, inputError, parseCommand, usageError, type CliIo, type ExitCode } from './io.js';
import { loadDraft, tenantPath } from './tenant-file.js';

const PRESETS = Object.keys(IDP_PRESETS);

/** The help text of `samlkit setup`. */
export const HELP = `Usage: samlkit setup --tenant tenant.json [--idp NAME] [--login-url URL] [--json]

Prints what the tenant's admin enters in their IdP's console, field by field under that
console's names, and what to send back. tenant.json may be a draft without "idp".

Options:
  --tenant FILE       the tenant configuration (JSON)                            (required)
  --idp NAME          the IdP console: ${PRESETS.join(', ')}
                      (entra and entra-id mean azure; default: the tenant's preset)
  --login-url URL     your app's page that starts a login for this tenant
  --json              print the instructions as JSON
  -h, --help          show this help

Exit codes: 0 printed, 2 bad arguments or tenant.
`;

/** Names an admin may use for a console: Entra ID is the `azure` preset. */
const ALIASES: Readonly<Record<string, IdpPresetName>> = {
  entra: 'azure',
  'entra-id': 'azure',
  'azure-ad': 'azure',
  'google-workspace': 'google',
};

const isPreset = (name: string): name is IdpPresetName => PRESETS.includes(name);

/** The preset an `--idp` value names (a preset name or an alias), or `undefined`. */
export function presetNamed(name: string): IdpPresetName | undefined {
  const lower = name.toLowerCase();
  return isPreset(lower) ? lower : ALIASES[lower];
}

/**
 * Runs `samlkit setup`.
 *
 * @param argv - The arguments after `setup`.
 * @returns The exit code: 0 when printed.
 * @example
 * ```ts
 * const code = await run(['--tenant', 'acme.json', '--idp', 'okta'], nodeIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCommand(
    argv,
    {
      tenant: { type: 'string' },
      idp: { type: 'string' },
      'login-url': { type: 'string' },
      json: { type: 'boolean' },
    },
    0,
    HELP,
    io,
  );
  if (parsed === undefined) return EXIT.ok;
  const { values } = parsed;
  const path = tenantPath(values.tenant);
  const preset = values.idp === undefined ? undefined : presetNamed(values.idp);
  if (values.idp !== undefined && preset === undefined) {
    throw usageError(
      `--idp must be one of ${PRESETS.join(', ')} or entra, not ${JSON.stringify(values.idp)}`,
    );
  }
  const loginUrl = values['login-url'];
  const draft = await loadDraft(io, path);
  let instructions: SetupInstructions;
  try {
    instructions = setupInstructions(draft, preset, loginUrl === undefined ? {} : { loginUrl });
  } catch (error) {
    if (error instanceof TypeError) {
      throw error.message.startsWith('Invalid tenant')
        ? inputError(`${path}: ${error.message}`)
        : usageError(error.message);
    }
    throw error;
  }
  io.stdout(
    values.json === true ? `${JSON.stringify(instructions, null, 2)}\n` : ensureNewline(instructions.text),
  );
  return EXIT.ok;
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
