/**
 * Hostile input (issue #12, class 6): how long samlkit takes to refuse an unauthenticated document
 * built to be expensive to parse, posted to the ACS or handed over as IdP metadata.
 *
 *   node hostile.mjs <quick|full> [over|under]
 *
 * prints one JSON line, { cases: [{ label, kind, bytes, ms, minMs, cpuMs, code }] }. `over`: only the
 * documents the caps must refuse; `under`: only the worst ones they let through (to calibrate the
 * weights of src/xml/prescan.ts). SAMLKIT_DIST=<dir> measures another build (before/after).
 *
 * Each case is a document of a given size made of one shape repeated (empty elements, end tags,
 * comments, deep nesting, attributes, namespace declarations, character references, one long
 * comment…). Responses go through verifyResponse as the base64 form field an attacker would post
 * (encoded outside the timed call); metadata through parseIdpMetadata. Every call must be refused
 * (a SamlError; the code is reported). `ms` is the median wall-clock time of several calls (3 in
 * quick mode) after a few warm-up calls, `cpuMs` the median CPU time of the process over the same
 * calls: on a shared machine the second moves far less with the load of others.
 */
import { SAMLKIT } from './contenders.mjs';
import { ACS_URL, ENTRA_ISSUER, IDP_CERT, REQUEST_ID, SP_ENTITY_ID } from './responses.mjs';

const [mode = 'full'] = process.argv.slice(2);
const quick = mode === 'quick';
const samlkit = await import(SAMLKIT);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const KiB = 1024;
const MiB = 1024 * KiB;

const RESPONSE_OPEN =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">';
const RESPONSE_CLOSE = '</samlp:Response>';
const METADATA_OPEN =
  '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/">';
const METADATA_CLOSE = '</md:EntityDescriptor>';

/** `unit(i)` repeated inside open…close until the document has about `bytes` bytes. */
function fill(open, close, bytes, unit) {
  const parts = [open];
  let size = open.length + close.length;
  for (let i = 0; size < bytes; i++) {
    const piece = unit(i);
    if (size + piece.length > bytes) break;
    parts.push(piece);
    size += piece.length;
  }
  parts.push(close);
  return parts.join('');
}

/** One element of `count` attributes. */
const attributes = (count, value = 'v') =>
  Array.from({ length: count }, (_, i) => ` a${i.toString(36)}="${value}"`).join('');
/** `depth` nested elements with nothing else, then their end tags, repeated. */
const nested = (depth) => `${'<d>'.repeat(depth)}${'</d>'.repeat(depth)}`;

/**
 * The shapes, each a function of the size: the classic floods, and the worst ones found under the
 * pre-parse caps (src/xml/parse.ts): as many elements, attributes, references as the caps allow.
 */
const SHAPES = {
  'empty elements `<a/>`': (open, close, bytes) => fill(open, close, bytes, () => '<a/>'),
  'start and end tags `<a></a>`': (open, close, bytes) => fill(open, close, bytes, () => '<a></a>'),
  'empty comments `<!---->`': (open, close, bytes) => fill(open, close, bytes, () => '<!---->'),
  'nested 40 deep, repeated': (open, close, bytes) => fill(open, close, bytes, () => nested(40)),
  '40 attributes per element': (open, close, bytes) =>
    fill(open, close, bytes, () => `<e${attributes(40)}/>`),
  'namespace declarations': (open, close, bytes) =>
    fill(open, close, bytes, (i) => `<p${i}:e xmlns:p${i}="urn:${i}"/>`),
  'character references `&#65;`': (open, close, bytes) =>
    fill(`${open}<t>`, `</t>${close}`, bytes, () => '&#65;'),
  'one long comment': (open, close, bytes) =>
    `${open}<!--${'-x'.repeat(Math.floor((bytes - open.length - close.length - 7) / 2))}-->${close}`,
  'one long text': (open, close, bytes) =>
    `${open}<t>${'x'.repeat(bytes - open.length - close.length - 7)}</t>${close}`,
  'long end-tag names': (open, close, bytes) => {
    const name = `n${'x'.repeat(200)}`;
    return fill(open, close, bytes, () => `<${name}></${name}>`);
  },
};

/**
 * The worst documents under the pre-parse caps (src/xml/prescan.ts: 10 000 units of work, 48 levels,
 * 48 attributes per element, 64 KiB of comments): each spends nearly all of the budget on one kind of
 * token, at the weight prescan.ts gives it (`units` here), so that a weight set too low shows up as a
 * slow row. Each must get past the caps (a code other than SIZE_LIMIT).
 */
const BUDGET = 10_000;
/** As many `piece`s of `units` as fit in the budget, with room for the rest of the document. */
const fit = (units, piece) => Array.from({ length: Math.floor((BUDGET * 0.97) / units) }, (_, i) => piece(i));
const oktaValue = (i) =>
  `<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">group-${i}</saml2:AttributeValue>`;
const longName = `n${'x'.repeat(200)}`;
const UNDER_CAPS = {
  'elements with text `<a>x</a>`': [6, () => '<a>x</a>'],
  'start and end tags `<a></a>`': [5, () => '<a></a>'],
  'empty elements `<a/>`': [1.01, () => '<a/>'],
  'empty elements and text `<a/>x`': [2.01, () => '<a/>x'],
  'Okta-style group values': [
    26.5,
    oktaValue,
    '<saml2:Attribute xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" Name="groups">',
    '</saml2:Attribute>',
  ],
  'a new namespace prefix on every element': [9.1, (i) => `<e xmlns:p${i}="urn:${i}"/>`],
  '48 attributes per element': [103, () => `<e${attributes(48)}/>`],
  'nested 46 deep, repeated': [46 * 5, () => nested(46)],
  'character references `&#65;`': [1.01, () => '&#65;', '<t>', '</t>'],
  'empty comments `<!---->`': [2.02, () => '<!---->'],
  '200-character element names': [12, () => `<${longName}></${longName}>`],
};

function base64Form(xml) {
  return { SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') };
}

const tenant = samlkit.defineTenant({
  id: 'acme',
  sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL },
  idp: { entityId: ENTRA_ISSUER, certificates: [IDP_CERT] },
  emailDomains: ['acme-corp.com'],
});

/** Median ms of `calls` timed calls after one warm-up; every call must be refused. */
async function time(refuse, calls) {
  let code;
  const cpu = [];
  const run = async () => {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    try {
      await refuse();
    } catch (error) {
      code = error?.code ?? `not a SamlError: ${error?.name}`;
      const used = process.cpuUsage(startCpu);
      cpu.push((used.user + used.system) / 1000);
      return performance.now() - start;
    }
    throw new Error('a hostile document was accepted');
  };
  for (let i = 0; i < (calls > 1 ? 3 : 1); i++) await run();
  const times = [];
  for (let i = 0; i < calls; i++) times.push(await run());
  return { ms: median(times), minMs: Math.min(...times), cpuMs: median(cpu.slice(-calls)), code };
}

const cases = [];
async function measure(label, kind, xml, calls) {
  const bytes = Buffer.byteLength(xml, 'utf8');
  // The attacker's work (base64) is done outside the timed call; decoding it is samlkit's.
  const form = base64Form(xml);
  const maxResponseBytes = Math.max(256 * KiB, bytes);
  const result =
    kind === 'response'
      ? await time(
          () =>
            samlkit.verifyResponse(tenant, form, {
              inResponseTo: REQUEST_ID,
              maxResponseBytes,
              replayCache: samlkit.skipReplayCheck,
            }),
          calls,
        )
      : await time(() => samlkit.parseIdpMetadata(xml), calls);
  cases.push({ label, kind, bytes, ...result });
  process.stderr.write(
    `    ${kind} ${label}, ${bytes} bytes: ${result.ms.toFixed(1)} ms, fastest ${result.minMs.toFixed(1)}, CPU ${result.cpuMs.toFixed(1)} (${result.code})\n`,
  );
}

const calls = quick ? 3 : 9;
/** `over` or `under`: only that half (for calibrating the weights). */
const part = process.argv[3];
const shapes = quick ? ['empty elements `<a/>`'] : part === 'under' ? [] : Object.keys(SHAPES);
for (const shape of shapes) {
  await measure(shape, 'response', SHAPES[shape](RESPONSE_OPEN, RESPONSE_CLOSE, 256 * KiB), calls);
}
for (const shape of shapes) {
  await measure(shape, 'metadata', SHAPES[shape](METADATA_OPEN, METADATA_CLOSE, MiB - 64), calls);
}
const large =
  quick || part === 'under' ? shapes : ['empty elements `<a/>`', 'one long comment', 'one long text'];
for (const shape of large) {
  // At the 4 MiB maximum an unprotected parse takes seconds and about a gigabyte: fewer calls.
  await measure(shape, 'response', SHAPES[shape](RESPONSE_OPEN, RESPONSE_CLOSE, 4 * MiB), quick ? 1 : 3);
}
if (!quick && part !== 'over') {
  for (const [label, [units, piece, open = '', close = '']] of Object.entries(UNDER_CAPS)) {
    const pieces = fit(units, piece);
    const xml = `${RESPONSE_OPEN}${open}${pieces.join('')}${close}${RESPONSE_CLOSE}`;
    await measure(`${label} × ${pieces.length}`, 'response', xml, calls);
    if (cases.at(-1).code === 'SIZE_LIMIT')
      throw new Error(`${label}: refused by the caps, so not the worst under them`);
  }
  const comment = `${RESPONSE_OPEN}<!--${'x'.repeat(64 * KiB - 8)}-->${RESPONSE_CLOSE}`;
  await measure('one comment of 64 KiB', 'response', comment, calls);
}
process.stdout.write(`${JSON.stringify({ cases })}\n`);
