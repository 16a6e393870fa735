/**
 * Property tests: verifyResponse under random mutation of two real signed Responses, and under garbage input.
 *
 * The one property: for any input from the network, verifyResponse either rejects with a SamlError whose code is in
 * the closed set, or returns exactly the profile of the genuine, unmutated Response. Any other outcome (a TypeError,
 * a RangeError, a profile with a different NameID, email, issuer or attribute) is a bug.
 *
 * Reproduce a failure with FC_SEED=<seed printed by fast-check>; FC_RUNS overrides the number of runs per property.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import type { Document, Element, Node, Text } from '@xmldom/xmldom';
import fc from 'fast-check';
import { defineTenant, SamlError, skipReplayCheck, verifyResponse } from '../../src/index.js';
import type { ResponseForm, SamlErrorCode, SamlProfile, Tenant, VerifyChecks } from '../../src/index.js';
import { ENTRA } from '../helpers/entra-fixture.js';

// ---------------------------------------------------------------------------------------------------------------
// Set-up: the two fixtures, their tenants and their genuine profiles
// ---------------------------------------------------------------------------------------------------------------

const REAL = new URL('../../fixtures/real/', import.meta.url);

const seedText = process.env.FC_SEED;
const runsText = process.env.FC_RUNS;
const NUM_RUNS = runsText === undefined ? 300 : Number(runsText);
/** fast-check parameters shared by every property; FC_SEED replays a reported failure. */
const FC_PARAMS: fc.Parameters<unknown> = {
  numRuns: NUM_RUNS,
  ...(seedText !== undefined && seedText !== '' && { seed: Number(seedText) }),
};

/** Every code of the closed set. A `Record` over the union makes the compiler check that none is missing. */
const CODES: Readonly<Record<SamlErrorCode, true>> = {
  INVALID_ENCODING: true,
  MALFORMED_XML: true,
  DTD_FORBIDDEN: true,
  SIZE_LIMIT: true,
  STATUS_NOT_SUCCESS: true,
  SIGNATURE_MISSING: true,
  SIGNATURE_INVALID: true,
  SIGNATURE_STRUCTURE: true,
  KEY_UNTRUSTED: true,
  ALGORITHM_FORBIDDEN: true,
  MULTIPLE_ASSERTIONS: true,
  ASSERTION_MISSING: true,
  DUPLICATE_ID: true,
  ISSUER_MISMATCH: true,
  DESTINATION_MISMATCH: true,
  RECIPIENT_MISMATCH: true,
  AUDIENCE_MISMATCH: true,
  SUBJECT_CONFIRMATION_INVALID: true,
  CONDITIONS_INVALID: true,
  AUTHN_STATEMENT_MISSING: true,
  NOT_YET_VALID: true,
  EXPIRED: true,
  IN_RESPONSE_TO_MISMATCH: true,
  UNSOLICITED_RESPONSE: true,
  REPLAY: true,
  NAMEID_MISSING: true,
  NAMEID_NOT_EMAIL: true,
  EMAIL_DOMAIN_NOT_ALLOWED: true,
  ENCRYPTED_ASSERTION_UNSUPPORTED: true,
  DECRYPTION_FAILED: true,
  ENCRYPTION_REQUIRED: true,
  STORE_UNAVAILABLE: true,
  METADATA_INVALID: true,
  METADATA_FETCH_FAILED: true,
  TENANT_NOT_FOUND: true,
  TENANT_AMBIGUOUS: true,
  SAML_DISABLED: true,
  DOMAIN_ALREADY_CLAIMED: true,
  RELAY_STATE_MISMATCH: true,
  EMAIL_INVALID: true,
  TENANT_CONFIG_INVALID: true,
  BROWSER_MISMATCH: true,
  ASSERTION_LIFETIME_TOO_LONG: true,
  LOGOUT_NOT_CONFIGURED: true,
  LOGOUT_SESSION_NOT_FOUND: true,
  DOMAIN_VERIFICATION_FAILED: true,
  DOMAIN_LOOKUP_FAILED: true,
  DOMAIN_NOT_CLAIMED: true,
  PUBLIC_EMAIL_DOMAIN: true,
  SCIM_REQUEST_INVALID: true,
  SCIM_UNAUTHORIZED: true,
  SCIM_NOT_FOUND: true,
  DIRECTORY_CONFLICT: true,
  USER_DEACTIVATED: true,
  AUTHN_CONTEXT_NOT_MET: true,
  AUTHN_TOO_OLD: true,
  PROVISIONING_REFUSED: true,
  SETUP_STEP_REFUSED: true,
  SETUP_TEST_INVALID: true,
  SETUP_LOCKOUT_GUARD: true,
  SETUP_LINK_INVALID: true,
  SETUP_LINK_EXPIRED: true,
  SETUP_LINK_USED: true,
};

interface ManifestEntry {
  readonly file: string;
  readonly cert: string;
  readonly issuer: string;
  readonly audience: string;
  readonly in_response_to: string;
  readonly name_id: string;
  readonly not_before: string;
  readonly not_on_or_after: string;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly subject_confirmation_data: { readonly Recipient: string };
}

function manifestEntry(file: string): ManifestEntry {
  const manifest: unknown = JSON.parse(readFileSync(new URL('MANIFEST.json', REAL), 'utf8'));
  assert.ok(Array.isArray(manifest), 'MANIFEST.json is an array');
  const entry = (manifest as ManifestEntry[]).find((candidate) => candidate.file === file);
  assert.ok(entry !== undefined, `MANIFEST.json lists ${file}`);
  return entry;
}

/** One real signed Response, the tenant and checks that accept it, and what it must keep asserting. */
interface Case {
  readonly name: string;
  readonly xml: Buffer;
  readonly tenant: Tenant;
  readonly checks: VerifyChecks;
  readonly nameId: string;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** Entra ID, assertion signed (RSA-SHA256), the Response envelope unsigned. */
const AZURE: Case = (() => {
  const entry = manifestEntry('azure/waisaml2-2023-signed-assertion.xml');
  return {
    name: 'Entra ID assertion-signed (azure/waisaml2-2023-signed-assertion.xml)',
    xml: ENTRA.xml,
    tenant: defineTenant(ENTRA.tenant),
    checks: ENTRA.checks,
    nameId: entry.name_id,
    attributes: entry.attributes,
  };
})();

/** Google Workspace, Response signed, the assertion unsigned; tenant built from the manifest entry. */
const GOOGLE: Case = (() => {
  const entry = manifestEntry('google/waisaml2-2022-signed-response.xml');
  const notBefore = Date.parse(entry.not_before);
  const notOnOrAfter = Date.parse(entry.not_on_or_after);
  return {
    name: 'Google Response-signed (google/waisaml2-2022-signed-response.xml)',
    xml: readFileSync(new URL(entry.file, REAL)),
    tenant: defineTenant({
      id: 'google',
      sp: { entityId: entry.audience, acsUrl: entry.subject_confirmation_data.Recipient },
      idp: { entityId: entry.issuer, certificates: [readFileSync(new URL(entry.cert, REAL), 'utf8')] },
    }),
    // The middle of the validity window.
    checks: {
      inResponseTo: entry.in_response_to,
      now: () => new Date(notBefore + Math.floor((notOnOrAfter - notBefore) / 2)),
      replayCache: skipReplayCheck,
    },
    nameId: entry.name_id,
    attributes: entry.attributes,
  };
})();

const CASES: readonly Case[] = [AZURE, GOOGLE];

function formOf(bytes: Uint8Array | string): ResponseForm {
  return { SAMLResponse: Buffer.from(bytes).toString('base64') };
}

/** The genuine profile of each case, computed once (the first test asserts it is what the manifest says). */
const baselines = new Map<Case, SamlProfile>();
for (const c of CASES) baselines.set(c, await verifyResponse(c.tenant, formOf(c.xml), c.checks));

function baseline(c: Case): SamlProfile {
  const profile = baselines.get(c);
  assert.ok(profile !== undefined);
  return profile;
}

// ---------------------------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------------------------

function describeOutcome(value: unknown): string {
  if (value instanceof SamlError) return `SamlError ${value.code}: ${value.message}`;
  if (value instanceof Error) return `${value.constructor.name}: ${value.message}\n${value.stack ?? ''}`;
  return `non-Error thrown: ${inspect(value)}`;
}

/** A rejection is acceptable only as a SamlError with a code of the closed set and a hint. */
function assertSamlError(error: unknown): asserts error is SamlError {
  if (!(error instanceof SamlError)) assert.fail(`expected a SamlError, got ${describeOutcome(error)}`);
  assert.equal(typeof error.code, 'string', 'SamlError.code is a string');
  assert.ok(Object.hasOwn(CODES, error.code), `SamlError.code ${error.code} is not in the closed set`);
  assert.equal(typeof error.hint, 'string');
  assert.notEqual(error.hint, '', `SamlError ${error.code} has an empty hint`);
}

/** The identity a mutation must never change (the whole profile is compared too, after these). */
function identity(profile: SamlProfile): Record<string, unknown> {
  return {
    nameId: profile.nameId,
    email: profile.email,
    issuer: profile.issuer,
    attributes: profile.attributes,
  };
}

/** verifyResponse either rejects with a SamlError or returns the genuine profile of `c`. */
async function rejectsOrKeepsProfile(c: Case, form: ResponseForm): Promise<void> {
  let profile: SamlProfile;
  try {
    profile = await verifyResponse(c.tenant, form, c.checks);
  } catch (error) {
    assertSamlError(error);
    return;
  }
  assert.deepEqual(identity(profile), identity(baseline(c)), 'an altered Response changed what it asserts');
  // Every other field is read from signed content too, so none may change either.
  assert.deepEqual(profile, baseline(c), 'an altered Response changed a profile field');
}

/** verifyResponse rejects with a SamlError (for input that must never verify). */
async function rejectsWithSamlError(c: Case, form: unknown): Promise<SamlError> {
  try {
    const profile = await verifyResponse(c.tenant, form as ResponseForm, c.checks);
    assert.fail(`the input was accepted: ${inspect(profile)}`);
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assertSamlError(error);
    return error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Byte mutations, biased toward the NameID, attribute values, the signature and the ID attributes
// ---------------------------------------------------------------------------------------------------------------

interface Region {
  readonly start: number;
  /** Exclusive; always > start. */
  readonly end: number;
}

/** The byte ranges of capture group 1 of `pattern` (needs the `d` and `g` flags) in the latin1 view of `xml`. */
function regions(xml: Buffer, pattern: RegExp): Region[] {
  const text = xml.toString('latin1');
  const out: Region[] = [];
  for (const match of text.matchAll(pattern)) {
    const span = match.indices?.[1];
    if (span === undefined) continue;
    const [start, end] = span;
    out.push({ start, end: Math.max(end, start + 1) });
  }
  return out;
}

interface Hotspots {
  readonly whole: readonly Region[];
  readonly nameId: readonly Region[];
  readonly attributeValues: readonly Region[];
  readonly signature: readonly Region[];
  readonly ids: readonly Region[];
}

function hotspots(xml: Buffer): Hotspots {
  return {
    whole: [{ start: 0, end: xml.length }],
    nameId: regions(xml, /<(?:[\w-]+:)?NameID\b[^>]*>([^<]*)</dg),
    attributeValues: [
      ...regions(xml, /<(?:[\w-]+:)?AttributeValue\b[^>]*>([^<]*)</dg),
      ...regions(xml, /<(?:[\w-]+:)?Attribute\b[^>]*?\sName="([^"]*)"/dg),
    ],
    signature: [
      ...regions(xml, /<(?:[\w-]+:)?SignatureValue>([^<]*)</dg),
      ...regions(xml, /<(?:[\w-]+:)?DigestValue>([^<]*)</dg),
      ...regions(xml, /(<(?:[\w-]+:)?SignedInfo>[\s\S]*?<\/(?:[\w-]+:)?SignedInfo>)/dg),
      ...regions(xml, /(<(?:[\w-]+:)?Signature\b)/dg),
    ],
    ids: [...regions(xml, /\s(?:ID|Id|id)="([^"]*)"/dg), ...regions(xml, /\sURI="([^"]*)"/dg)],
  };
}

function positionIn(spans: readonly Region[]): fc.Arbitrary<number> {
  return fc.tuple(fc.nat({ max: spans.length - 1 }), fc.nat()).map(([which, offset]) => {
    const span = spans[which]!;
    return span.start + (offset % (span.end - span.start));
  });
}

function biasedPosition(xml: Buffer): fc.Arbitrary<number> {
  const spots = hotspots(xml);
  const weighted: { arbitrary: fc.Arbitrary<number>; weight: number }[] = [
    { arbitrary: positionIn(spots.whole), weight: 4 },
  ];
  for (const spans of [spots.nameId, spots.attributeValues, spots.signature, spots.ids]) {
    if (spans.length > 0) weighted.push({ arbitrary: positionIn(spans), weight: 2 });
  }
  return fc.oneof(...weighted);
}

/** Bytes that matter to XML, plus any byte at all. */
const interestingByte = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...Buffer.from('<>&"\'=/!?-[]:; \t\r\n#xX0aAz_.@+')) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
/** Flipping the top bit of an ASCII byte always gives invalid UTF-8 (INVALID_ENCODING): keep it rarer. */
const bitToFlip = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) },
  { weight: 1, arbitrary: fc.constant(7) },
);

type ByteOp =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'insert'; readonly at: number; readonly byte: number }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'replace'; readonly at: number; readonly byte: number }
  /** Writes the byte as a character reference (`&#65;`): a no-op inside text and attribute values. */
  | { readonly kind: 'charRef'; readonly at: number; readonly hex: boolean };

function byteOps(xml: Buffer): fc.Arbitrary<ByteOp[]> {
  const at = biasedPosition(xml);
  const op: fc.Arbitrary<ByteOp> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, bit: bitToFlip }),
    fc.record({ kind: fc.constant('insert' as const), at, byte: interestingByte }),
    fc.record({ kind: fc.constant('delete' as const), at }),
    fc.record({ kind: fc.constant('replace' as const), at, byte: interestingByte }),
    fc.record({ kind: fc.constant('charRef' as const), at, hex: fc.boolean() }),
  );
  return fc.array(op, { minLength: 1, maxLength: 8 });
}

/** Applies the operations in order; positions past the end (after deletions) wrap around. */
function applyByteOps(xml: Buffer, ops: readonly ByteOp[]): Buffer {
  const bytes = [...xml];
  for (const op of ops) {
    switch (op.kind) {
      case 'flip': {
        const at = op.at % bytes.length;
        bytes[at] = bytes[at]! ^ (1 << op.bit);
        break;
      }
      case 'insert':
        bytes.splice(op.at % (bytes.length + 1), 0, op.byte);
        break;
      case 'delete':
        if (bytes.length > 1) bytes.splice(op.at % bytes.length, 1);
        break;
      case 'replace':
        bytes[op.at % bytes.length] = op.byte;
        break;
      case 'charRef': {
        const at = op.at % bytes.length;
        const code = bytes[at]!;
        bytes.splice(at, 1, ...Buffer.from(op.hex ? `&#x${code.toString(16)};` : `&#${code};`));
        break;
      }
    }
  }
  return Buffer.from(bytes);
}

// ---------------------------------------------------------------------------------------------------------------
// Node mutations on the xmldom tree
// ---------------------------------------------------------------------------------------------------------------

const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
} as const;

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

type NodeOp =
  | { readonly kind: 'duplicate'; readonly element: number }
  | { readonly kind: 'move'; readonly element: number; readonly to: number; readonly index: number }
  | { readonly kind: 'delete'; readonly element: number }
  | {
      readonly kind: 'renameAttribute';
      readonly element: number;
      readonly attribute: number;
      readonly name: string;
    }
  | {
      readonly kind: 'setAttribute';
      readonly element: number;
      readonly attribute: number;
      readonly value: string;
    }
  | {
      readonly kind: 'wrap';
      readonly element: number;
      readonly wrapper: 'assertion' | 'extensions';
      readonly id: 'none' | 'fresh' | 'same';
    }
  | {
      readonly kind: 'splitText';
      readonly text: number;
      readonly offset: number;
      readonly insert: 'comment' | 'cdata' | 'emptyCdata';
    }
  | { readonly kind: 'setText'; readonly text: number; readonly value: string }
  | { readonly kind: 'changeNamespace'; readonly element: number; readonly namespace: string }
  | { readonly kind: 'changeDeclaration'; readonly element: number; readonly namespace: string }
  | { readonly kind: 'inclusiveNamespaces'; readonly element: number; readonly prefixes: string };

const ATTRIBUTE_NAMES = [
  'ID',
  'Id',
  'id',
  'xml:id',
  'foo:ID',
  'Format',
  'Recipient',
  'Destination',
  'InResponseTo',
  'NotBefore',
  'NotOnOrAfter',
  'Name',
  'URI',
  'Algorithm',
  'Method',
  'Version',
  'x',
];

const NAMESPACES = [
  NS.protocol,
  NS.assertion,
  NS.dsig,
  'urn:evil',
  'urn:oasis:names:tc:SAML:2.0:assertion ',
  '',
];

function attributeValues(c: Case): fc.Arbitrary<string> {
  const config = c.tenant;
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      'attacker@evil.example',
      config.sp.acsUrl,
      config.sp.entityId,
      config.idp.entityId,
      c.checks.inResponseTo ?? '',
      '2.0',
      '1.1',
      '1999-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      'not a date',
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      'urn:oasis:names:tc:SAML:2.0:cm:bearer',
      'urn:oasis:names:tc:SAML:2.0:status:Success',
      'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
      'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
      'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
      'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
      '#xpointer(/)',
      '#',
      'a b',
    ),
    fc.string({ maxLength: 12 }),
  );
}

function nodeOps(c: Case): fc.Arbitrary<NodeOp[]> {
  const index = fc.nat({ max: 10_000 });
  const op: fc.Arbitrary<NodeOp> = fc.oneof(
    fc.record({ kind: fc.constant('duplicate' as const), element: index }),
    fc.record({ kind: fc.constant('move' as const), element: index, to: index, index }),
    fc.record({ kind: fc.constant('delete' as const), element: index }),
    fc.record({
      kind: fc.constant('renameAttribute' as const),
      element: index,
      attribute: index,
      name: fc.constantFrom(...ATTRIBUTE_NAMES),
    }),
    fc.record({
      kind: fc.constant('setAttribute' as const),
      element: index,
      attribute: index,
      value: attributeValues(c),
    }),
    fc.record({
      kind: fc.constant('wrap' as const),
      element: index,
      wrapper: fc.constantFrom('assertion' as const, 'extensions' as const),
      id: fc.constantFrom('none' as const, 'fresh' as const, 'same' as const),
    }),
    fc.record({
      kind: fc.constant('splitText' as const),
      text: index,
      offset: index,
      insert: fc.constantFrom('comment' as const, 'cdata' as const, 'emptyCdata' as const),
    }),
    fc.record({ kind: fc.constant('setText' as const), text: index, value: attributeValues(c) }),
    fc.record({
      kind: fc.constant('changeNamespace' as const),
      element: index,
      namespace: fc.constantFrom(...NAMESPACES),
    }),
    fc.record({
      kind: fc.constant('changeDeclaration' as const),
      element: index,
      namespace: fc.constantFrom(...NAMESPACES),
    }),
    fc.record({
      kind: fc.constant('inclusiveNamespaces' as const),
      element: index,
      prefixes: fc.constantFrom(
        '',
        'xs',
        'saml samlp saml2 saml2p ds',
        '#default',
        'xmlns',
        'xml',
        'xsi xs',
        'nope',
      ),
    }),
  );
  return fc.array(op, { minLength: 1, maxLength: 3 });
}

function allNodes(root: Node): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    out.push(node);
    const children: Node[] = [];
    for (let child = node.firstChild; child !== null; child = child.nextSibling) children.push(child);
    stack.push(...children.reverse());
  }
  return out;
}

function isAncestorOrSelf(candidate: Node, node: Node): boolean {
  for (let current: Node | null = node; current !== null; current = current.parentNode) {
    if (current === candidate) return true;
  }
  return false;
}

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** Applies one operation; an operation that does not apply to the chosen node is a no-op. */
function applyNodeOp(document: Document, op: NodeOp): void {
  const root = document.documentElement;
  if (root === null) return;
  const nodes = allNodes(root);
  const elements = nodes.filter((node): node is Element => node.nodeType === ELEMENT_NODE);
  const texts = nodes.filter(
    (node): node is Text => node.nodeType === TEXT_NODE && (node as Text).data !== '',
  );
  switch (op.kind) {
    case 'duplicate': {
      const element = pick(elements, op.element);
      if (element === undefined || element === root) return;
      element.parentNode?.insertBefore(element.cloneNode(true), element.nextSibling);
      return;
    }
    case 'move': {
      const element = pick(elements, op.element);
      const target = pick(elements, op.to);
      if (element === undefined || target === undefined || element === root) return;
      if (isAncestorOrSelf(element, target)) return;
      const children: Node[] = [];
      for (let child = target.firstChild; child !== null; child = child.nextSibling) children.push(child);
      const before = pick([...children, null], op.index) ?? null;
      // xmldom loops forever inserting a node before itself.
      if (before === element) return;
      target.insertBefore(element, before);
      return;
    }
    case 'delete': {
      const element = pick(elements, op.element);
      if (element === undefined || element === root) return;
      element.parentNode?.removeChild(element);
      return;
    }
    case 'renameAttribute': {
      const element = pick(elements, op.element);
      const attribute =
        element &&
        pick(
          Array.from({ length: element.attributes.length }, (_, i) => i),
          op.attribute,
        );
      const node = attribute === undefined ? null : element!.attributes.item(attribute);
      if (element === undefined || node === null || node.name.startsWith('xmlns')) return;
      element.removeAttributeNode(node);
      if (op.name === 'xml:id') element.setAttributeNS(NS.xml, 'xml:id', node.value);
      else if (op.name === 'foo:ID') element.setAttributeNS('urn:foo', 'foo:ID', node.value);
      else element.setAttribute(op.name, node.value);
      return;
    }
    case 'setAttribute': {
      const element = pick(elements, op.element);
      if (element === undefined) return;
      const attribute = pick(
        Array.from({ length: element.attributes.length }, (_, i) => element.attributes.item(i)),
        op.attribute,
      );
      if (attribute === undefined || attribute === null) {
        element.setAttribute('ID', op.value);
        return;
      }
      if (attribute.name.startsWith('xmlns')) return;
      attribute.value = op.value;
      return;
    }
    case 'wrap': {
      const element = pick(elements, op.element);
      if (element === undefined) return;
      const wrapper =
        op.wrapper === 'assertion'
          ? document.createElementNS(NS.assertion, 'saml:Assertion')
          : document.createElementNS(NS.protocol, 'samlp:Extensions');
      const id = element.getAttribute('ID');
      if (op.id === 'fresh') wrapper.setAttribute('ID', '_wrapper');
      if (op.id === 'same' && id !== null) wrapper.setAttribute('ID', id);
      const parent = element.parentNode;
      if (parent === null) return;
      parent.replaceChild(wrapper, element);
      wrapper.appendChild(element);
      return;
    }
    case 'splitText': {
      const text = pick(texts, op.text);
      const parent = text?.parentNode;
      if (text === undefined || parent === null || parent === undefined) return;
      const second = text.splitText(op.offset % (text.data.length + 1));
      if (op.insert === 'comment') parent.insertBefore(document.createComment(''), second);
      else if (op.insert === 'emptyCdata') parent.insertBefore(document.createCDATASection(''), second);
      else parent.replaceChild(document.createCDATASection(second.data), second);
      return;
    }
    case 'setText': {
      const text = pick(texts, op.text);
      if (text !== undefined) text.data = op.value;
      return;
    }
    case 'changeNamespace': {
      const element = pick(elements, op.element);
      const parent = element?.parentNode;
      if (element === undefined || parent === null || parent === undefined) return;
      const local = element.localName ?? element.tagName;
      const replacement =
        op.namespace === ''
          ? document.createElementNS(null, local)
          : document.createElementNS(
              op.namespace,
              element.prefix === null ? local : `${element.prefix}:${local}`,
            );
      for (let i = 0; i < element.attributes.length; i++) {
        const attribute = element.attributes.item(i);
        if (attribute !== null && !attribute.name.startsWith('xmlns')) {
          replacement.setAttributeNS(attribute.namespaceURI, attribute.name, attribute.value);
        }
      }
      while (element.firstChild !== null) replacement.appendChild(element.firstChild);
      parent.replaceChild(replacement, element);
      return;
    }
    case 'inclusiveNamespaces': {
      // An InclusiveNamespaces PrefixList on a CanonicalizationMethod or Transform (exc-c14n §3).
      const methods = elements.filter(
        (element) =>
          element.namespaceURI === NS.dsig &&
          (element.localName === 'CanonicalizationMethod' || element.localName === 'Transform'),
      );
      const method = pick(methods, op.element);
      if (method === undefined) return;
      const inclusive = document.createElementNS(EXC_C14N, 'ec:InclusiveNamespaces');
      inclusive.setAttribute('PrefixList', op.prefixes);
      method.appendChild(inclusive);
      return;
    }
    case 'changeDeclaration': {
      const declarations = elements.flatMap((element) =>
        Array.from({ length: element.attributes.length }, (_, i) => element.attributes.item(i)).filter(
          (attribute) => attribute !== null && attribute.namespaceURI === NS.xmlns,
        ),
      );
      const declaration = pick(declarations, op.element);
      if (declaration !== undefined && declaration !== null) declaration.value = op.namespace;
      return;
    }
  }
}

function parseLeniently(xml: string): Document {
  return new DOMParser({ onError: () => undefined }).parseFromString(xml, 'application/xml');
}

function applyNodeOps(xml: Buffer, ops: readonly NodeOp[]): string {
  const document = parseLeniently(xml.toString('utf8'));
  for (const op of ops) applyNodeOp(document, op);
  return new XMLSerializer().serializeToString(document);
}

// ---------------------------------------------------------------------------------------------------------------
// Garbage
// ---------------------------------------------------------------------------------------------------------------

const XML_FRAGMENTS = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="UTF-16"?>',
  '<!DOCTYPE r [<!ENTITY x "y">]>',
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Version="2.0" ID="_r">',
  '</samlp:Response>',
  '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Version="2.0" ID="_a">',
  '</saml:Assertion>',
  '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>',
  '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">',
  '</ds:Signature>',
  '<a>',
  '</a>',
  '<a/>',
  '<',
  '>',
  '/>',
  '</',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  '\r\n',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '&amp;',
  '&lt;',
  '&#0;',
  '&#x1;',
  '&#xFFFE;',
  '&#x10FFFF;',
  '&#xD800;',
  '&undefined;',
  '<?pi x?>',
  'xmlns=""',
  'xmlns:p="urn:x"',
  'p:',
  'ID="_r"',
  'Id="_r"',
  '\uFEFF',
  '\u0000',
  '\uD800',
  '😀',
];

const xmlishString = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...XML_FRAGMENTS) }, fc.string({ maxLength: 6 })), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''));

/** A structured document in the SAML vocabulary, rooted at a samlp:Response, to reach past the parser. */
const samlishDocument: fc.Arbitrary<string> = (() => {
  const names = [
    'samlp:Status',
    'samlp:StatusCode',
    'samlp:Extensions',
    'saml:Assertion',
    'saml:EncryptedAssertion',
    'saml:Issuer',
    'saml:Subject',
    'saml:NameID',
    'saml:SubjectConfirmation',
    'saml:SubjectConfirmationData',
    'saml:Conditions',
    'saml:AudienceRestriction',
    'saml:Audience',
    'saml:AuthnStatement',
    'saml:AttributeStatement',
    'saml:Attribute',
    'saml:AttributeValue',
    'ds:Signature',
    'ds:SignedInfo',
    'ds:CanonicalizationMethod',
    'ds:SignatureMethod',
    'ds:Reference',
    'ds:Transforms',
    'ds:Transform',
    'ds:DigestMethod',
    'ds:DigestValue',
    'ds:SignatureValue',
    'ds:KeyInfo',
    'other:Thing',
  ];
  const attributeName = fc.constantFrom(
    'ID',
    'Version',
    'Value',
    'Method',
    'Recipient',
    'NotOnOrAfter',
    'NotBefore',
    'InResponseTo',
    'Destination',
    'Format',
    'Name',
    'URI',
    'Algorithm',
    'PrefixList',
  );
  const attributeValue = fc.oneof(
    fc.constantFrom(
      '2.0',
      '_a',
      '_r',
      '#_a',
      '#_r',
      'urn:oasis:names:tc:SAML:2.0:status:Success',
      'urn:oasis:names:tc:SAML:2.0:cm:bearer',
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      'http://www.w3.org/2001/04/xmlenc#sha256',
      'https://loopback.ja-sore.de:3443/auth/page/saml2/login',
      'id23dffd06a31f7ad10975c9c893bf8668',
      '2023-05-09T16:00:00Z',
      '2023-05-09T17:00:00Z',
      'xmlns saml samlp ds',
    ),
    fc.string({ maxLength: 8 }),
  );
  const escape = (text: string): string =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const tree = fc.letrec<{ node: string; element: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(
        fc.constantFrom(
          'user@example.com',
          'https://loopback.ja-sore.de:3443/',
          'https://sts.windows.net/b0a63ade-3ec7-4d8b-991f-87eb4336274a/',
          'AAAA',
        ),
        fc.string({ maxLength: 10 }).map(escape),
      ),
      tie('element'),
    ),
    element: fc
      .tuple(
        fc.constantFrom(...names),
        fc.uniqueArray(fc.tuple(attributeName, attributeValue), { maxLength: 3, selector: ([name]) => name }),
        fc.array(tie('node'), { maxLength: 4 }),
      )
      .map(
        ([name, attributes, children]) =>
          `<${name}${attributes.map(([key, value]) => ` ${key}="${escape(value)}"`).join('')}>${children.join('')}</${name}>`,
      ),
  }));
  return fc
    .tuple(
      fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
      fc.array(tree.element, { maxLength: 5 }),
    )
    .map(([withStatus, children]) => {
      // Mostly unique IDs (the first is _a, which '#_a' references), so that documents get past the ID check.
      let ids = 0;
      const body = children.join('').replace(/ ID="[^"]*"/g, () => ` ID="${ids++ === 0 ? '_a' : `_${ids}`}"`);
      return (
        `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" xmlns:ds="${NS.dsig}" xmlns:other="urn:other" Version="2.0" ID="_r">` +
        `${withStatus ? XML_FRAGMENTS[7]! : ''}${body}</samlp:Response>`
      );
    });
})();

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

describe('verifyResponse property: mutated real Responses are rejected or assert exactly what was signed', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it('verifies unmutated, with the NameID and attributes of the manifest', async () => {
        const profile = await verifyResponse(c.tenant, formOf(c.xml), c.checks);
        assert.equal(profile.nameId, c.nameId);
        assert.equal(profile.email, c.nameId);
        assert.equal(profile.issuer, c.tenant.idp.entityId);
        assert.deepEqual(profile.attributes, c.attributes);
        assert.deepEqual(profile, baseline(c));
      });

      it('the byte-mutation hotspots are found (NameID, signature, IDs, and attribute values where there are any)', () => {
        const spots = hotspots(c.xml);
        const text = c.xml.toString('latin1');
        assert.deepEqual(
          spots.nameId.map((span) => text.slice(span.start, span.end)),
          [c.nameId],
        );
        assert.ok(spots.signature.length >= 4);
        assert.ok(spots.ids.length >= 3);
        assert.equal(spots.attributeValues.length > 0, Object.keys(c.attributes).length > 0);
      });

      it('still verifies after an xmldom parse/serialise round trip (so node mutations start from a valid input)', async () => {
        const profile = await verifyResponse(c.tenant, formOf(applyNodeOps(c.xml, [])), c.checks);
        assert.deepEqual(identity(profile), identity(baseline(c)));
      });

      it('byte mutations (flip/insert/delete/replace 1-8 bytes): SamlError or the unmutated profile', async () => {
        await fc.assert(
          fc.asyncProperty(byteOps(c.xml), async (ops) => {
            await rejectsOrKeepsProfile(c, formOf(applyByteOps(c.xml, ops)));
          }),
          FC_PARAMS,
        );
      });

      it('node mutations (duplicate/move/delete/wrap elements, attributes, text splits, namespaces): SamlError or the unmutated profile', async () => {
        await fc.assert(
          fc.asyncProperty(nodeOps(c), async (ops) => {
            await rejectsOrKeepsProfile(c, formOf(applyNodeOps(c.xml, ops)));
          }),
          FC_PARAMS,
        );
      });

      it('a tenant pinning another IdP key rejects it unmutated (KEY_UNTRUSTED) and under any mutation', async () => {
        const other = CASES.find((candidate) => candidate !== c)!;
        const untrusted: Case = {
          ...c,
          tenant: defineTenant({
            ...c.tenant,
            idp: { ...c.tenant.idp, certificates: other.tenant.idp.certificates },
          }),
        };
        const unmutated = await rejectsWithSamlError(untrusted, formOf(c.xml));
        assert.equal(unmutated.code, 'KEY_UNTRUSTED');
        const mutated = fc.oneof(
          byteOps(c.xml).map((ops) => applyByteOps(c.xml, ops)),
          nodeOps(c).map((ops) => applyNodeOps(c.xml, ops)),
        );
        await fc.assert(
          fc.asyncProperty(mutated, async (xml) => {
            await rejectsWithSamlError(untrusted, formOf(xml));
          }),
          FC_PARAMS,
        );
      });
    });
  }
});

describe('verifyResponse property: garbage network input only ever gives a SamlError', () => {
  const c = AZURE;

  it('SAMLResponse = fc.anything()', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          stringUnit: 'binary',
        }),
        async (value) => {
          const error = await rejectsWithSamlError(c, { SAMLResponse: value });
          if (typeof value !== 'string' || value === '') assert.equal(error.code, 'INVALID_ENCODING');
        },
      ),
      FC_PARAMS,
    );
  });

  it('SAMLResponse = arbitrary strings (any code unit, and base64-alphabet soup)', async () => {
    const base64Soup = fc.string({
      unit: fc.constantFrom(...'ABCDEFabcdef0123456789+/=-_ \t\r\n%.'.split('')),
      maxLength: 400,
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), base64Soup), async (value) => {
        await rejectsWithSamlError(c, { SAMLResponse: value });
      }),
      FC_PARAMS,
    );
  });

  it('SAMLResponse = base64 of arbitrary bytes, with small and default size caps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.option(fc.integer({ min: 1, max: 2048 }), { nil: undefined }),
        async (bytes, maxResponseBytes) => {
          const checks = { ...c.checks, ...(maxResponseBytes !== undefined && { maxResponseBytes }) };
          try {
            const profile = await verifyResponse(c.tenant, formOf(bytes), checks);
            assert.fail(`the input was accepted: ${inspect(profile)}`);
          } catch (error) {
            if (error instanceof assert.AssertionError) throw error;
            assertSamlError(error);
          }
        },
      ),
      FC_PARAMS,
    );
  });

  it('SAMLResponse = base64 of XML-ish strings', async () => {
    await fc.assert(
      fc.asyncProperty(xmlishString, async (xml) => {
        await rejectsWithSamlError(c, formOf(xml));
      }),
      FC_PARAMS,
    );
  });

  it('SAMLResponse = base64 of random documents in the SAML vocabulary', async () => {
    await fc.assert(
      fc.asyncProperty(samlishDocument, async (xml) => {
        await rejectsWithSamlError(c, formOf(xml));
      }),
      FC_PARAMS,
    );
  });

  it('the whole form = anything: a SamlError, INVALID_ENCODING unless it carries a non-empty string', async () => {
    const form = fc.oneof(
      fc.anything({ withBoxedValues: true, withMap: true, withNullPrototype: true, withObjectString: true }),
      fc.record({ SAMLResponse: fc.anything(), RelayState: fc.anything() }, { requiredKeys: [] }),
      fc.func(fc.anything()),
    );
    await fc.assert(
      fc.asyncProperty(form, async (value) => {
        const error = await rejectsWithSamlError(c, value);
        const field: unknown =
          typeof value === 'object' && value !== null
            ? (value as { SAMLResponse?: unknown }).SAMLResponse
            : undefined;
        if (typeof field !== 'string' || field === '') assert.equal(error.code, 'INVALID_ENCODING');
      }),
      FC_PARAMS,
    );
  });

  for (const form of [undefined, null, 0, 1, true, 'PHNhbWxwOlJlc3BvbnNlLz4=', 10n, Symbol('form')]) {
    it(`a non-object form (${typeof form} ${String(form)}) is INVALID_ENCODING, never a TypeError`, async () => {
      const error = await rejectsWithSamlError(c, form);
      assert.equal(error.code, 'INVALID_ENCODING');
    });
  }
});
