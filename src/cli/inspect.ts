/**
 * `samlkit inspect`: shows what a SAML message or metadata document says (type, issuer, IDs,
 * times relative to now, status, subject, attributes, signatures, certificates). For looking,
 * not verifying: nothing it prints is trusted.
 *
 * @module
 * @internal
 */
import type { Element } from '@xmldom/xmldom';
import { decodeInput, MAX_INPUT_CHARS, type DecodedMessage } from './decode-input.js';
import { fields, timeAndRelative, type Row } from './format.js';
import { metadataLines } from './inspect-metadata.js';
import { certificateLines, signatureLines, signedParts, weak } from './inspect-signatures.js';
import { EXIT, parseCommand, readInput, type CliIo, type ExitCode } from './io.js';
import {
  ancestors,
  attributeOf,
  childNamed,
  childrenNamed,
  descendantsNamed,
  elementChildren,
  NS,
  parentElement,
  parseForDisplay,
  type ParsedForDisplay,
  prettyXml,
  textOf,
} from './xml-view.js';

/** The help text of `samlkit inspect`. */
export const HELP = `Usage: samlkit inspect [options] [file|-]

Shows what a SAML message or metadata document says: its type, issuer, IDs, times (relative to
now), status, subject and attributes, which elements are signed and with which algorithms, and the
certificates it carries. Nothing is verified: use "samlkit verify" for that.

The input (a file, or standard input for - or none) may be raw XML, base64, URL-encoded base64,
an HTTP-Redirect value (raw DEFLATE + base64), a whole form body (SAMLResponse=…&RelayState=…) or
a whole URL with ?SAMLRequest=… . DOCTYPEs are refused; the input is capped at ${MAX_INPUT_CHARS} characters.

NameIDs and attribute values are redacted (a***@example.com), as by "samlkit verify"; attributes
named like groups or roles stay readable.

Options:
  --xml                  print the decoded document, re-indented, instead of the summary
                         (as sent: with the personal data it carries)
  --show-personal-data   show NameIDs and attribute values in clear
  -h, --help             show this help

Exit codes: 0 shown, 2 bad arguments or input that cannot be read or decoded.
`;

const NAMESPACE_LABELS: Readonly<Record<string, string>> = {
  [NS.protocol]: 'SAML 2.0 protocol',
  [NS.assertion]: 'SAML 2.0 assertion',
  [NS.metadata]: 'SAML 2.0 metadata',
};

/**
 * Runs `samlkit inspect`.
 *
 * @param argv - The arguments after `inspect`.
 * @returns The exit code: 0 when shown.
 * @example
 * ```ts
 * const code = await run(['response.xml'], nodeIo());
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const command = parseCommand(
    argv,
    { xml: { type: 'boolean' }, 'show-personal-data': { type: 'boolean' } },
    1,
    HELP,
    io,
  );
  if (command === undefined) return EXIT.ok;
  const { values, positionals } = command;
  const message = decodeInput(await readInput(io, positionals[0] ?? '-'));
  const parsed = parseForDisplay(message.xml);
  if (values.xml === true) {
    io.stdout(prettyXml(parsed.document));
    return EXIT.ok;
  }
  const personal = values['show-personal-data'] === true ? (value: string) => value : redact;
  io.stdout(summarize(parsed, message, io.now(), personal).join('\n') + '\n');
  return EXIT.ok;
}

/** The summary of a parsed document, as lines. */
export function summarize(
  { document, root, ids }: ParsedForDisplay,
  message: DecodedMessage,
  now: Date,
  personal: (value: string) => string = redact,
): string[] {
  const label = NAMESPACE_LABELS[root.namespaceURI ?? ''] ?? `namespace ${root.namespaceURI ?? '(none)'}`;
  const lines = [`${root.localName ?? root.tagName} (${label})`];
  const head: Row[] = [['Encoding', message.encoding]];
  if (message.relayState !== undefined) head.push(['RelayState', message.relayState]);
  if (message.sigAlg !== undefined) head.push(['SigAlg', `${message.sigAlg}${weak(message.sigAlg)}`]);
  if (message.signature !== undefined) head.push(['Signature', 'in the query string (not verified)']);
  // HTTP-Redirect (SAML bindings §3.4.4.1): the query signature covers the whole message.
  head.push([
    'Signed',
    message.signature !== undefined ? 'the whole message, by the query signature' : signedParts(document),
  ]);
  const logout = logoutRow(root);
  if (logout !== undefined) head.push(logout);

  if (root.namespaceURI === NS.metadata) {
    lines.push(...fields(head, '  '), ...metadataLines(root, now));
  } else if (root.namespaceURI === NS.assertion && root.localName === 'Assertion') {
    lines.push(
      ...fields([...head, ...assertionRows(root, now, personal)], '  '),
      ...attributeLines(root, personal),
    );
  } else {
    lines.push(...fields([...head, ...messageRows(root, now, personal)], '  '));
    for (const assertion of descendantsNamed(document, NS.assertion, 'Assertion')) {
      lines.push(
        '',
        `Assertion ${attributeOf(assertion, 'ID') ?? '(no ID)'}, ${where(assertion, root)}`,
        ...fields(assertionRows(assertion, now, personal), '  '),
        ...attributeLines(assertion, personal),
      );
    }
    for (const encrypted of descendantsNamed(document, NS.assertion, 'EncryptedAssertion')) {
      lines.push('', ...encryptedLines(encrypted, root));
    }
  }
  lines.push(...signatureLines(document, root, ids));
  lines.push(...certificateLines(document, now));
  lines.push(
    '',
    logout === undefined
      ? 'Nothing above is verified. Use "samlkit verify --tenant tenant.json" to check a response.'
      : 'Nothing above is verified. The SLO URL verifies logout messages (sp.handleLogout); see docs/logout.md.',
  );
  return lines;
}

/** What a Single Logout message asks for (SAML core §3.7), in words. */
function logoutRow(root: Element): Row | undefined {
  if (root.namespaceURI !== NS.protocol) return undefined;
  if (root.localName === 'LogoutRequest') {
    const indexes = childrenNamed(root, NS.protocol, 'SessionIndex').length;
    return [
      'Logout',
      `request: end ${indexes === 0 ? 'every session' : `${indexes} session${indexes === 1 ? '' : 's'} (SessionIndex)`} of the NameID below`,
    ];
  }
  if (root.localName === 'LogoutResponse') {
    const partial = descendantsNamed(root, NS.protocol, 'StatusCode').some(
      (code) => attributeOf(code, 'Value') === 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout',
    );
    return [
      'Logout',
      `response to ${attributeOf(root, 'InResponseTo') ?? '(no InResponseTo)'}${partial ? ', partial: some sessions may remain' : ''}`,
    ];
  }
  return undefined;
}

/** Attribute names whose values are group or role names. */
const GROUP_LIKE = /group|role|memberof/i;

/** `alice@example.com` → `a***@example.com`, anything else → its first character and `***`. */
export function redact(value: string): string {
  const at = value.lastIndexOf('@');
  return at > 0 ? `${value.slice(0, 1)}***${value.slice(at)}` : `${value.slice(0, 1)}***`;
}

/** The rows of a protocol message (Response, AuthnRequest, LogoutRequest, …). */
function messageRows(root: Element, now: Date, personal: (value: string) => string): Row[] {
  const rows: Row[] = [];
  const add = (label: string, value: string | undefined): void => {
    if (value !== undefined) rows.push([label, value]);
  };
  const time = (label: string, value: string | undefined): void => {
    add(label, value === undefined ? undefined : timeAndRelative(value, now));
  };
  add('ID', attributeOf(root, 'ID'));
  add('Version', attributeOf(root, 'Version'));
  time('IssueInstant', attributeOf(root, 'IssueInstant'));
  add('Destination', attributeOf(root, 'Destination'));
  add('InResponseTo', attributeOf(root, 'InResponseTo'));
  add('Consent', attributeOf(root, 'Consent'));
  for (const name of [
    'AssertionConsumerServiceURL',
    'AssertionConsumerServiceIndex',
    'ProtocolBinding',
    'ForceAuthn',
    'IsPassive',
    'ProviderName',
    'Reason',
  ]) {
    add(name, attributeOf(root, name));
  }
  time('NotOnOrAfter', attributeOf(root, 'NotOnOrAfter'));
  const issuer = childNamed(root, NS.assertion, 'Issuer');
  add('Issuer', issuer === undefined ? '(none)' : textOf(issuer));
  const policy = childNamed(root, NS.protocol, 'NameIDPolicy');
  if (policy !== undefined) {
    add(
      'NameIDPolicy',
      `Format ${attributeOf(policy, 'Format') ?? '(any)'}, AllowCreate ${attributeOf(policy, 'AllowCreate') ?? '(unset)'}`,
    );
  }
  const requested = childNamed(root, NS.protocol, 'RequestedAuthnContext');
  if (requested !== undefined) {
    const classes = childrenNamed(requested, NS.assertion, 'AuthnContextClassRef').map(textOf);
    add('RequestedAuthnContext', `${attributeOf(requested, 'Comparison') ?? 'exact'}: ${classes.join(', ')}`);
  }
  const nameId = childNamed(root, NS.assertion, 'NameID');
  if (nameId !== undefined) rows.push(...nameIdRows(nameId, personal));
  for (const index of childrenNamed(root, NS.protocol, 'SessionIndex')) add('SessionIndex', textOf(index));
  const status = childNamed(root, NS.protocol, 'Status');
  if (status !== undefined) {
    const codes: string[] = [];
    for (let code = childNamed(status, NS.protocol, 'StatusCode'); code !== undefined;) {
      codes.push(attributeOf(code, 'Value') ?? '(no Value)');
      code = childNamed(code, NS.protocol, 'StatusCode');
    }
    add('Status', codes.join(' / '));
    const statusMessage = childNamed(status, NS.protocol, 'StatusMessage');
    if (statusMessage !== undefined) add('StatusMessage', textOf(statusMessage));
  }
  return rows;
}

function nameIdRows(nameId: Element, personal: (value: string) => string): Row[] {
  const rows: Row[] = [['NameID', personal(textOf(nameId))]];
  rows.push(['  Format', attributeOf(nameId, 'Format') ?? '(none: unspecified)']);
  for (const name of ['NameQualifier', 'SPNameQualifier', 'SPProvidedID']) {
    const value = attributeOf(nameId, name);
    if (value !== undefined) rows.push([`  ${name}`, name === 'SPProvidedID' ? personal(value) : value]);
  }
  return rows;
}

/** Where an element sits, e.g. `directly in the Response` or `inside Response > Advice`. */
function where(element: Element, root: Element): string {
  if (parentElement(element) === root) return `directly in the ${root.localName ?? 'root'}`;
  const path = ancestors(element).map((at) => at.localName ?? at.tagName);
  return `inside ${path.reverse().join(' > ')}`;
}

function assertionRows(assertion: Element, now: Date, personal: (value: string) => string): Row[] {
  const rows: Row[] = [];
  const add = (label: string, value: string | undefined): void => {
    if (value !== undefined) rows.push([label, value]);
  };
  const time = (label: string, value: string | undefined): void => {
    add(label, value === undefined ? undefined : timeAndRelative(value, now));
  };
  time('IssueInstant', attributeOf(assertion, 'IssueInstant'));
  const issuer = childNamed(assertion, NS.assertion, 'Issuer');
  add('Issuer', issuer === undefined ? '(none)' : textOf(issuer));
  const subject = childNamed(assertion, NS.assertion, 'Subject');
  const nameId = subject === undefined ? undefined : childNamed(subject, NS.assertion, 'NameID');
  if (nameId !== undefined) rows.push(...nameIdRows(nameId, personal));
  else if (subject !== undefined && childNamed(subject, NS.assertion, 'EncryptedID') !== undefined) {
    add('NameID', '(encrypted: EncryptedID)');
  }
  for (const confirmation of subject === undefined
    ? []
    : childrenNamed(subject, NS.assertion, 'SubjectConfirmation')) {
    add('SubjectConfirmation', attributeOf(confirmation, 'Method') ?? '(no Method)');
    const data = childNamed(confirmation, NS.assertion, 'SubjectConfirmationData');
    if (data === undefined) continue;
    add('  Recipient', attributeOf(data, 'Recipient'));
    time('  NotBefore', attributeOf(data, 'NotBefore'));
    time('  NotOnOrAfter', attributeOf(data, 'NotOnOrAfter'));
    add('  InResponseTo', attributeOf(data, 'InResponseTo'));
    add('  Address', attributeOf(data, 'Address'));
  }
  const conditions = childNamed(assertion, NS.assertion, 'Conditions');
  if (conditions !== undefined) {
    time('NotBefore', attributeOf(conditions, 'NotBefore'));
    time('NotOnOrAfter', attributeOf(conditions, 'NotOnOrAfter'));
    for (const restriction of childrenNamed(conditions, NS.assertion, 'AudienceRestriction')) {
      add('Audience', childrenNamed(restriction, NS.assertion, 'Audience').map(textOf).join(', '));
    }
    for (const other of elementChildren(conditions)) {
      if (other.localName !== 'AudienceRestriction') add('Condition', other.localName ?? other.tagName);
    }
  }
  for (const statement of childrenNamed(assertion, NS.assertion, 'AuthnStatement')) {
    time('AuthnInstant', attributeOf(statement, 'AuthnInstant'));
    add('SessionIndex', attributeOf(statement, 'SessionIndex'));
    time('SessionNotOnOrAfter', attributeOf(statement, 'SessionNotOnOrAfter'));
    const classRef = descendantsNamed(statement, NS.assertion, 'AuthnContextClassRef')[0];
    if (classRef !== undefined) add('AuthnContext', textOf(classRef));
  }
  return rows;
}

function attributeLines(assertion: Element, personal: (value: string) => string): string[] {
  const lines: string[] = [];
  const attributes = childrenNamed(assertion, NS.assertion, 'AttributeStatement').flatMap((statement) =>
    childrenNamed(statement, NS.assertion, 'Attribute'),
  );
  if (attributes.length > 0) {
    lines.push(`  Attributes (${attributes.length})`);
    for (const attribute of attributes) {
      const friendly = attributeOf(attribute, 'FriendlyName');
      const name = `${attributeOf(attribute, 'Name') ?? '(no Name)'}${friendly === undefined ? '' : ` (${friendly})`}`;
      // Groups and roles are what an admin checks, and name no one: shown, as `verify` shows groups.
      const shown = GROUP_LIKE.test(name) ? (value: string) => value : personal;
      const values = childrenNamed(attribute, NS.assertion, 'AttributeValue').map((value) =>
        shown(textOf(value)),
      );
      lines.push(`    ${name}: ${values.join(', ')}`);
    }
  }
  return lines;
}

function encryptedLines(encrypted: Element, root: Element): string[] {
  const methods = descendantsNamed(encrypted, NS.xenc, 'EncryptionMethod').map(
    (method) => attributeOf(method, 'Algorithm') ?? '(no Algorithm)',
  );
  return [
    `EncryptedAssertion, ${where(encrypted, root)}`,
    "  Its contents are encrypted for the SP and not shown here. With the tenant's sp.decryption key,",
    '  "samlkit verify --tenant tenant.json" decrypts and checks it.',
    ...fields(
      methods.map((method): Row => ['EncryptionMethod', method]),
      '  ',
    ),
  ];
}
