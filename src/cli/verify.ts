/**
 * `samlkit verify`: runs every check of `verifyResponse` on a response for a tenant
 * (`explainResponse`) and prints the checklist, or the report as JSON.
 *
 * @module
 * @internal
 */
import { explainResponse, type CheckResult, type ResponseForm, type ResponseReport } from '../index.js';
import { findMessage } from './decode-input.js';
import { fields, isoSeconds } from './format.js';
import { EXIT, inputError, parseCommand, readInput, timeOption, type CliIo, type ExitCode } from './io.js';
import { loadTenant, tenantPath } from './tenant-file.js';

/** The help text of `samlkit verify`. */
export const HELP = `Usage: samlkit verify --tenant tenant.json [options] [file|-]

Runs every check samlkit's verifyResponse makes on a SAML response, for the tenant in tenant.json
(a TenantConfig as JSON), and prints each check as passed (✔), failed (✘) or not run (–), with
what was expected and received and, for the failure, a hint for the IdP admin. Exit code 0 only
when the response is accepted. No replay cache is used.

The input (a file, or standard input for - or none) may be the XML, the base64 SAMLResponse
value, or a whole form body (SAMLResponse=…&RelayState=…).

Options:
  --tenant FILE            the tenant configuration (JSON)                    (required)
  --in-response-to ID      the ID of the AuthnRequest this response answers; without it the
                           response is treated as IdP-initiated
  --now TIME               check as at this ISO 8601 time, e.g. 2023-05-09T16:00:00Z
  --json                   print the report as JSON
  --show-personal-data     show NameIDs, emails and attribute values (redacted by default)
  -h, --help               show this help

Exit codes: 0 accepted, 1 not accepted, 2 bad arguments, tenant or input.
`;

const MARK: Readonly<Record<CheckResult['status'], string>> = { pass: '✔', fail: '✘', skipped: '–' };

/**
 * Runs `samlkit verify`.
 *
 * @param argv - The arguments after `verify`.
 * @returns 0 when the response is accepted, 1 when not.
 * @example
 * ```ts
 * const code = await run(['--tenant', 'acme.json', '--in-response-to', id, 'response.b64'], nodeIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const parsed = parseCommand(
    argv,
    {
      tenant: { type: 'string' },
      'in-response-to': { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean' },
      'show-personal-data': { type: 'boolean' },
    },
    1,
    HELP,
    io,
  );
  if (parsed === undefined) return EXIT.ok;
  const { values, positionals } = parsed;
  const path = tenantPath(values.tenant);
  const given = timeOption(values.now, '--now');
  const now = given ?? io.now();
  const inResponseTo = values['in-response-to'];
  const input = positionals[0] ?? '-';
  const tenant = await loadTenant(io, path, now);
  const form = responseForm(await readInput(io, input));

  const report = await explainResponse(
    tenant,
    form,
    { now: () => now, ...(inResponseTo !== undefined && { inResponseTo }) },
    { showPersonalData: values['show-personal-data'] === true },
  );
  if (values.json === true) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const context: Context = { tenantId: tenant.id, input, now, nowGiven: given !== undefined };
    io.stdout(`${checklist(report, context, inResponseTo).join('\n')}\n`);
  }
  return report.accepted ? EXIT.ok : EXIT.failed;
}

/**
 * The HTTP-POST form the response came in. The base64 value is passed on exactly as given, so
 * that the library's own decoding is what is checked; raw XML is base64-encoded first.
 */
function responseForm(text: string): ResponseForm {
  const found = findMessage(text);
  if (found.kind === 'xml') return { SAMLResponse: Buffer.from(found.xml, 'utf8').toString('base64') };
  if (found.field === 'SAMLRequest') {
    throw inputError(
      'the input is a SAMLRequest (what the SP sends to the IdP); verify checks a SAMLResponse. Use "samlkit inspect" to read it.',
    );
  }
  return {
    SAMLResponse: found.value,
    ...(found.relayState !== undefined && { RelayState: found.relayState }),
  };
}

interface Context {
  readonly tenantId: string;
  readonly input: string;
  readonly now: Date;
  readonly nowGiven: boolean;
}

function checklist(report: ResponseReport, context: Context, inResponseTo: string | undefined): string[] {
  const lines = [
    `Response ${context.input === '-' ? 'from standard input' : context.input} for tenant ${context.tenantId}`,
    ...fields(
      [
        ['Time', `${isoSeconds(context.now)}${context.nowGiven ? ' (--now)' : ' (system clock)'}`],
        [
          'Request',
          inResponseTo === undefined
            ? 'IdP-initiated: no --in-response-to given, so the response must not answer a request and the tenant must allow IdP-initiated logins'
            : `answers AuthnRequest ${inResponseTo}`,
        ],
      ],
      '  ',
    ),
    '',
    '✔ passed   ✘ failed   – not applicable or not run',
    '',
  ];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.title}`);
    const rows: [string, string][] = [];
    if (check.status === 'fail') {
      if (check.expected !== undefined) {
        rows.push([
          'expected',
          typeof check.expected === 'string' ? check.expected : check.expected.join(' or '),
        ]);
      }
      if (check.received !== undefined) rows.push(['received', check.received]);
      if (report.error !== undefined) rows.push(['error', `${report.error.code}: ${report.error.message}`]);
      if (check.hint !== undefined) rows.push(['hint', check.hint]);
    } else if (check.note !== undefined) {
      rows.push(['note', check.note]);
    }
    lines.push(...fields(rows, '    '));
  }
  lines.push('');
  if (report.accepted) {
    lines.push('Accepted.');
    const profile = report.profile;
    if (profile !== undefined) {
      const rows: [string, string][] = [['NameID', `${profile.nameId} (${profile.nameIdFormat})`]];
      if (profile.email !== undefined) rows.push(['email', profile.email]);
      if (profile.firstName !== undefined) rows.push(['firstName', profile.firstName]);
      if (profile.lastName !== undefined) rows.push(['lastName', profile.lastName]);
      if (profile.groups.length > 0) rows.push(['groups', profile.groups.join(', ')]);
      rows.push(['assertion', profile.assertionId]);
      if (profile.sessionIndex !== undefined) rows.push(['sessionIndex', profile.sessionIndex]);
      lines.push(...fields(rows, '  '));
      const attributes = Object.entries(profile.attributes);
      if (attributes.length > 0) lines.push(`  attributes (${attributes.length})`);
      for (const [name, values] of attributes) lines.push(`    ${name}: ${values.join(', ')}`);
    }
  } else {
    const failed = report.checks.find((check) => check.status === 'fail');
    lines.push(
      `Not accepted: ${report.error?.code ?? 'failed'}${failed === undefined ? '' : ` at "${failed.title}"`}.`,
    );
  }
  return lines;
}
