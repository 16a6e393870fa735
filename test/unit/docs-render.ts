/**
 * Renders the parts of the documentation that come from the code: the tables of each IdP guide
 * (`docs/idp/*.md`, from `setupInstructions` for a sample tenant) and the list of checks in
 * `docs/concepts.md` (from the checks `explainResponse` reports). `test/unit/docs.test.ts` fails
 * when a document and this rendering disagree; to update the documents after changing the code, run
 *
 *     node --import tsx test/unit/docs-render.ts --write
 *
 * It also reads the `SamlErrorCode` union out of `src/errors.ts` and the code column of
 * `docs/errors.md`, for the test that keeps the two in step. Not part of the package.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setupInstructions, type SetupField, type SetupInstructions } from '../../src/index.js';
import type { TenantConfig, TenantDraft } from '../../src/index.js';
import { CHECKS } from '../../src/response/trace.js';
import { IDP_PRESETS } from '../../src/idp/products.js';
import { IDP_PRODUCTS } from '../../src/idp/products.js';
import type { IdpPresetName, SigningPolicy } from '../../src/types.js';
import { KEYS } from '../helpers/constants.js';

export const ROOT = new URL('../../', import.meta.url);
export const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');

/** The guide of each preset that has one (`generic` is covered by `setupInstructions` alone). */
export const GUIDE_FILES: Readonly<Partial<Record<IdpPresetName, string>>> = {
  azure: 'docs/idp/entra-id.md',
  okta: 'docs/idp/okta.md',
  google: 'docs/idp/google-workspace.md',
  onelogin: 'docs/idp/onelogin.md',
  ping: 'docs/idp/ping.md',
  adfs: 'docs/idp/adfs.md',
  keycloak: 'docs/idp/keycloak.md',
};

/** The sample tenant of the guides, as an admin starts it: no IdP values yet. */
export const SAMPLE = {
  entityId: 'https://app.example.com/saml/acme',
  acsUrl: 'https://app.example.com/saml/acs',
  loginUrl: 'https://app.example.com/login/sso?tenant=acme',
} as const;

const CERTIFICATE_PLACEHOLDER = 'our signing certificate (`sp.signing.certificate`)';

export function sampleTenant(preset: IdpPresetName, changes: Partial<TenantConfig> = {}): TenantDraft {
  return {
    id: 'acme',
    preset,
    sp: { entityId: SAMPLE.entityId, acsUrl: SAMPLE.acsUrl },
    emailDomains: ['acme.com'],
    ...changes,
  };
}

const SIGNED_SP = {
  sp: {
    entityId: SAMPLE.entityId,
    acsUrl: SAMPLE.acsUrl,
    signing: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
  },
} as const;

/** The situations a guide covers: each changes what some console fields should say. */
export function variants(
  preset: IdpPresetName,
): readonly { readonly when: string; readonly unless: string; readonly setup: SetupInstructions }[] {
  return [
    { when: '', unless: '', setup: setupInstructions(sampleTenant(preset), preset) },
    {
      when: 'Only when our requests are signed (`sp.signing`).',
      unless: 'Only when our requests are unsigned (no `sp.signing`).',
      setup: setupInstructions(sampleTenant(preset, SIGNED_SP), preset),
    },
    {
      when: 'Only when you pass `{ loginUrl }` to `setupInstructions`.',
      unless: 'Only without a `loginUrl`.',
      setup: setupInstructions(sampleTenant(preset), preset, { loginUrl: SAMPLE.loginUrl }),
    },
    {
      when: 'Only when the tenant allows IdP-initiated logins (`allowIdpInitiated: true`).',
      unless: 'Only when the tenant refuses IdP-initiated logins (the default).',
      setup: setupInstructions(sampleTenant(preset, { allowIdpInitiated: true }), preset),
    },
  ];
}

/** Every field name `setupInstructions` can ask an admin to fill in for this preset. */
export function allToIdpFields(preset: IdpPresetName): Set<string> {
  return new Set(variants(preset).flatMap((variant) => variant.setup.toIdp.map((row) => row.field)));
}

// ---------------------------------------------------------------------------------------------
// Markdown helpers

/** Text for a table cell or a list item: `<` would start an HTML tag, `|` a new cell. */
function text(value: string): string {
  return value
    .split(/(https?:\/\/(?:<[^>]*>|[^\s<])*(?:<[^>]*>|[^\s.,;)<]))/)
    .map((part, index) =>
      index % 2 === 1
        ? `\`${part}\``
        : part.replace(/</g, '&lt;').replace(/\*/g, '\\*').replace(/\|/g, '\\|'),
    )
    .join('')
    .replace(/\n/g, ' ');
}

/** A literal value (URL, URN, expression) in code, anything else as text. */
function literal(value: string): string {
  if (/^[^\s`|]+$/.test(value) && /[:/.]/.test(value)) return `\`${value}\``;
  return text(value);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

const key = (row: SetupField): string => `${row.field}\u0000${row.value}`;

// ---------------------------------------------------------------------------------------------
// One IdP guide

/** The generated part of a preset's guide. */
export function renderSetup(preset: IdpPresetName): string {
  const all = variants(preset);
  const [base] = all;
  if (base === undefined) throw new Error('no base variant');
  const label = base.setup.idpLabel;
  const signatureFields = new Set(IDP_PRODUCTS[preset].guide.signatures.map((spec) => spec.field));
  const lines: string[] = [];

  lines.push(
    `Generated from \`setupInstructions(tenant, '${preset}')\` for a tenant with \`sp.entityId\` \`${SAMPLE.entityId}\` and \`sp.acsUrl\` \`${SAMPLE.acsUrl}\`. Call it for your tenant to get its own values, and \`.text\` of the result for an email to the admin.`,
    '',
    '### Steps',
    '',
    ...base.setup.steps.map((step, index) => `${index + 1}. ${text(step)}`),
    '',
  );

  // Our values → their console: the union of every variant, in order, each row with its condition.
  const rows: { row: SetupField; present: Set<number> }[] = [];
  all.forEach((variant, index) => {
    for (const row of variant.setup.toIdp) {
      const existing = rows.find((entry) => key(entry.row) === key(row));
      if (existing !== undefined) {
        existing.present.add(index);
        continue;
      }
      // A new value for a known field goes right after that field's other rows.
      let at = rows.length;
      for (let i = rows.length - 1; i >= 0; i--) {
        if (rows[i]?.row.field === row.field) {
          at = i + 1;
          break;
        }
      }
      rows.splice(at, 0, { row, present: new Set([index]) });
    }
  });
  const condition = (present: Set<number>): string => {
    if (present.size === all.length) return '';
    const missing = all.map((_, index) => index).filter((index) => !present.has(index));
    if (present.size === 1) return all[[...present][0] ?? 0]?.when ?? '';
    if (missing.length === 1) return all[missing[0] ?? 0]?.unless ?? '';
    throw new Error(`no wording for a row present in variants ${[...present].join(', ')}`);
  };
  lines.push(
    `### Enter in ${label}`,
    '',
    ...table(
      [`Field in ${label}`, 'Value', 'Where, and notes'],
      rows
        .filter(({ row }) => !signatureFields.has(row.field))
        .map(({ row, present }) => {
          const value = row.value.includes('BEGIN CERTIFICATE')
            ? CERTIFICATE_PLACEHOLDER
            : literal(row.value);
          const note = [condition(present), row.note ?? ''].filter(Boolean).join(' ');
          return [text(row.field), value, text(note)];
        }),
    ),
    '',
  );

  // What each signing policy needs from the console.
  const policies: readonly SigningPolicy[] = ['covered', 'assertion', 'response', 'both'];
  const bySigning = policies.map((signing) => ({
    signing,
    setup: setupInstructions(sampleTenant(preset, { signing }), preset),
  }));
  const fields = [...signatureFields];
  const baseNotes = new Map(
    base.setup.toIdp.filter((row) => signatureFields.has(row.field)).map((row) => [row.field, row.note]),
  );
  const extraNotes: string[] = [];
  lines.push(
    `### Signing: what each tenant \`signing\` policy needs`,
    '',
    `The preset says ${label} signs ${describeSigns(IDP_PRESETS[preset].signs)} (\`IDP_PRESETS.${preset}.signs\` is \`'${IDP_PRESETS[preset].signs}'\`). What each tenant policy needs:`,
    '',
    ...table(
      ['Tenant `signing`', ...fields.map(text)],
      bySigning.map(({ signing, setup }) => [
        signing === 'covered' ? "`'covered'` (default)" : `\`'${signing}'\``,
        ...fields.map((field) => {
          const row = setup.toIdp.find((entry) => entry.field === field);
          if (row?.note !== undefined && row.note !== baseNotes.get(field)) {
            const extra = row.note.replace(baseNotes.get(field) ?? '', '').trim();
            extraNotes.push(`With \`signing: '${signing}'\`: ${text(extra)}`);
          }
          return row === undefined ? '' : literal(row.value);
        }),
      ]),
    ),
    '',
  );
  const signingNote = baseNotes.get(fields[0] ?? '');
  if (signingNote !== undefined) lines.push(`Where: ${text(signingNote)}`, '');
  for (const note of extraNotes) lines.push(note, '');

  // The claims.
  const attributeNames = new Set(Object.values(IDP_PRESETS[preset].claims));
  lines.push(
    '### Claims: the NameID and the attributes',
    '',
    ...table(
      ['Claim or setting', `What to choose in ${label}`],
      base.setup.claims.map(({ claim, value }) => [
        attributeNames.has(claim) ? `\`${claim}\`` : text(claim),
        literal(value),
      ]),
    ),
    '',
  );
  const byAttribute = setupInstructions(sampleTenant(preset, { email: { from: 'attribute' } }), preset);
  const nameIdRows = byAttribute.claims.filter(({ claim }) => !attributeNames.has(claim));
  lines.push(
    "With `email: { from: 'attribute' }` (the address comes from the email attribute, the NameID may be anything), the NameID rows are instead:",
    '',
    ...table(
      ['Setting', `What to choose in ${label}`],
      nameIdRows.map(({ claim, value }) => [text(claim), literal(value)]),
    ),
    '',
  );

  // Their values → our tenant.
  lines.push(
    `### Copy from ${label} into the tenant`,
    '',
    ...table(
      [`Field in ${label}`, '`TenantConfig` path', 'Notes'],
      base.setup.fromIdp.map((row) => [
        text(row.field),
        `\`${row.tenantPath}\``,
        row.tenantPath === 'idp'
          ? text(`The whole \`idp\` object, through parseIdpMetadata or fetchIdpMetadata. ${row.note ?? ''}`)
          : text(row.note ?? ''),
      ]),
    ),
  );
  return lines.join('\n');
}

function describeSigns(signs: 'assertion' | 'response' | 'both'): string {
  return signs === 'both'
    ? 'both the Response and the assertion'
    : `the ${signs === 'response' ? 'Response' : 'assertion'}`;
}

// ---------------------------------------------------------------------------------------------
// The presets at a glance

const NAMEID_SHORT: Readonly<Record<string, string>> = {
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress': 'emailAddress',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified': 'unspecified',
};

export function renderPresets(): string {
  return table(
    [
      '`preset`',
      'IdP',
      'Signs (`signs`)',
      'NameID format',
      'Email from (default `email`)',
      'Groups claim',
      'Guide',
    ],
    Object.values(IDP_PRESETS).map((preset) => {
      const file = GUIDE_FILES[preset.name];
      const email = preset.email ?? { from: 'nameId' };
      return [
        `\`'${preset.name}'\``,
        text(preset.label),
        preset.signs,
        NAMEID_SHORT[preset.nameIdFormat] ?? `\`${preset.nameIdFormat}\``,
        `\`${JSON.stringify(email)
          .replace(/"(\w+)":/g, '$1: ')
          .replace(/"/g, "'")
          .replace(/,/g, ', ')
          .replace(/^\{/, '{ ')
          .replace(/\}$/, ' }')}\``,
        preset.claims.groups === undefined ? 'well-known names' : `\`${preset.claims.groups}\``,
        file === undefined ? '' : `[${file.replace('docs/idp/', '')}](${file.replace('docs/idp/', '')})`,
      ];
    }),
  ).join('\n');
}

// ---------------------------------------------------------------------------------------------
// The checks of the verifier

export function renderChecks(): string {
  return table(
    ['#', 'Check (`CheckResult.name`)', 'What it makes sure of'],
    CHECKS.map(([name, title], index) => [String(index + 1), `\`${name}\``, text(title)]),
  ).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Generated regions

const begin = (name: string): string => `<!-- BEGIN GENERATED ${name}: test/unit/docs-render.ts -->`;
const end = (name: string): string => `<!-- END GENERATED ${name} -->`;

/** Every generated region: file, region name and its rendering. */
export function regions(): { file: string; name: string; render: () => string }[] {
  return [
    ...Object.entries(GUIDE_FILES).map(([preset, file]) => ({
      file,
      name: `setup ${preset}`,
      render: () => renderSetup(preset as IdpPresetName),
    })),
    { file: 'docs/idp/README.md', name: 'presets', render: renderPresets },
    { file: 'docs/concepts.md', name: 'checks', render: renderChecks },
  ];
}

/** The text between a region's markers, or `undefined` when the markers are missing. */
export function regionOf(document: string, name: string): string | undefined {
  const start = document.indexOf(begin(name));
  const stop = document.indexOf(end(name));
  if (start < 0 || stop < start) return undefined;
  return document.slice(start + begin(name).length, stop);
}

export function replaceRegion(document: string, name: string, content: string): string {
  const start = document.indexOf(begin(name));
  const stop = document.indexOf(end(name));
  if (start < 0 || stop < start) throw new Error(`markers for "${name}" missing`);
  return `${document.slice(0, start)}${begin(name)}\n\n${content}\n\n${document.slice(stop)}`;
}

/**
 * Markdown as the formatter leaves it, reduced to what a reader sees: trimmed lines, table cells
 * without padding, separator rows as `---`, no blank lines.
 */
export function normalise(markdown: string): string[] {
  return markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      if (!line.startsWith('|')) return line;
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim());
      return cells.every((cell) => /^:?-+:?$/.test(cell)) ? '---' : cells.join(' | ');
    });
}

// ---------------------------------------------------------------------------------------------
// Error codes

/** The members of the `SamlErrorCode` union, read from the source text, in order. */
export function errorCodesInSource(source: string): string[] {
  const start = source.indexOf('export type SamlErrorCode =');
  if (start < 0) throw new Error('SamlErrorCode union not found in src/errors.ts');
  // Comments may hold a `;`: drop them, then the union ends at the first one.
  const code = source
    .slice(start)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  const union = code.slice(0, code.indexOf(';'));
  return [...union.matchAll(/^\s*\|\s*'([A-Z0-9_]+)'/gm)].map((match) => match[1] ?? '');
}

/** The codes in the first column of the table in `docs/errors.md`, in order. */
export function errorCodesInDoc(markdown: string): string[] {
  return [...markdown.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|/gm)].map((match) => match[1] ?? '');
}

// ---------------------------------------------------------------------------------------------

async function write(): Promise<void> {
  const prettier = await import('prettier');
  const byFile = new Map<string, ReturnType<typeof regions>>();
  for (const region of regions()) byFile.set(region.file, [...(byFile.get(region.file) ?? []), region]);
  for (const [file, list] of byFile) {
    let document = read(file);
    for (const region of list) document = replaceRegion(document, region.name, region.render());
    const path = fileURLToPath(new URL(file, ROOT));
    const options = (await prettier.resolveConfig(path)) ?? {};
    writeFileSync(path, await prettier.format(document, { ...options, filepath: path }));
    console.log(`wrote ${file}`);
  }
}

if (
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === process.argv[1] &&
  process.argv.includes('--write')
) {
  await write();
}
