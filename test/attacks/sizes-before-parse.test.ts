/**
 * Denial of service before the caps (issue #12, class 6): the tree caps are checked after xmldom has
 * built the tree, so a hostile response or metadata file of cheap, numerous tokens (empty elements,
 * end tags, comments, namespace declarations, attributes, references) cost 200 ms to seconds and up
 * to a gigabyte before it was refused. The pre-scan of `src/xml/prescan.ts` must refuse each of them
 * before xmldom sees a byte.
 *
 * Proof that the refusal comes before the parse, without timing anything: every hostile document
 * ends in a syntax error that xmldom reports only when it reaches the end (`<a></b>`). Parsed, the
 * document is `MALFORMED_XML`; refused before the parse, `SIZE_LIMIT` naming the pre-scan's cap.
 * The time to refuse is measured by `npm run bench` (docs/performance.md), not here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseIdpMetadata, SamlError } from '../../src/index.js';
import { checkTokens, METADATA_TOKEN_LIMITS, RESPONSE_TOKEN_LIMITS } from '../../src/xml/prescan.js';
import { expectSamlError, verify } from '../helpers/expect.js';
import { buildResponse, signed } from '../helpers/idp.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const TAIL = '<a></b>'; // a mismatched end tag: xmldom reports it when it gets there
const OPEN =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0" IssueInstant="2027-01-15T12:00:00Z">';
const CLOSE = '</samlp:Response>';
const METADATA_OPEN =
  '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/">';
const METADATA_CLOSE = '</md:EntityDescriptor>';

/** `unit(i)` repeated until the document (with the tail) is about `bytes` long. */
function flood(open: string, close: string, bytes: number, unit: (i: number) => string): string {
  const parts = [open];
  let size = open.length + TAIL.length + close.length;
  for (let i = 0; ; i++) {
    const piece = unit(i);
    if (size + piece.length > bytes) break;
    parts.push(piece);
    size += piece.length;
  }
  parts.push(TAIL, close);
  return parts.join('');
}

const attributes = (count: number): string =>
  Array.from({ length: count }, (_, i) => ` a${i.toString(36)}="v"`).join('');

/** Hostile shapes: each is cheap per byte and costly per token for xmldom. */
const SHAPES: Record<string, (i: number) => string> = {
  'empty elements': () => '<a/>',
  'start and end tags': () => '<a></a>',
  'elements with text': () => '<a>x</a>',
  'text runs between empty elements': () => '<a/> ',
  'empty comments': () => '<!---->',
  'empty CDATA sections': () => '<![CDATA[]]>',
  'nesting 40 deep, repeated': () => `${'<d>'.repeat(40)}${'</d>'.repeat(40)}`,
  '40 attributes on each element': () => `<e${attributes(40)}/>`,
  'a namespace declaration on each element': (i) => `<p${i}:e xmlns:p${i}="urn:${i}"/>`,
  'spaces around = in declarations': (i) => `<e xmlns:p${i} = "urn:${i}"/>`,
  'character references': () => '&#65;',
  'entity references': () => '&amp;',
  '> and /> inside quoted attribute values': () => `<e a="/>" b='>'/>`,
  'apostrophes inside quotes and quotes inside apostrophes': () => `<e a="'" b='"'/>`,
};

function expectRefusedBeforeParse(error: SamlError): void {
  assert.equal(error.code, 'SIZE_LIMIT', `${error.code}: ${error.message}`);
  // The pre-scan's own messages: the tree walk after parsing says "nodes", "levels" or "attributes".
  assert.match(
    error.message,
    /too costly to parse|levels of nesting|attributes on one element|characters in comments/,
  );
}

describe('hostile responses are refused before they are parsed (SIZE_LIMIT)', () => {
  for (const [name, unit] of Object.entries(SHAPES)) {
    it(`256 KiB of ${name}`, async () => {
      expectRefusedBeforeParse(await expectSamlError(verify(flood(OPEN, CLOSE, 256 * KiB, unit))));
    });
  }

  it('4 MiB of empty elements at the 4 MiB maximum (checks.maxResponseBytes)', async () => {
    const xml = flood(OPEN, CLOSE, 4 * MiB, () => '<a/>');
    const error = await expectSamlError(verify(xml, { checks: { maxResponseBytes: 4 * MiB } }));
    expectRefusedBeforeParse(error);
  });

  it('4 MiB in one comment at the 4 MiB maximum', async () => {
    const xml = `${OPEN}<!--${'x'.repeat(4 * MiB - 300)}-->${TAIL}${CLOSE}`;
    const error = await expectSamlError(verify(xml, { checks: { maxResponseBytes: 4 * MiB } }));
    expectRefusedBeforeParse(error);
  });

  it('a few elements nested 49 deep, with nothing else wrong', async () => {
    const xml = `${OPEN}${'<d>'.repeat(49)}${'</d>'.repeat(49)}${TAIL}${CLOSE}`;
    expectRefusedBeforeParse(await expectSamlError(verify(xml)));
  });

  it('one element with 49 attributes, however they are spaced and quoted', async () => {
    const spaced = Array.from({ length: 49 }, (_, i) => `\n\ta${i}\t=\r\n'${i}'`).join('');
    expectRefusedBeforeParse(await expectSamlError(verify(`${OPEN}<e${spaced}/>${TAIL}${CLOSE}`)));
  });

  it('the flood hidden after a quoted > that a naive scan would take as the end of the tag', async () => {
    // A scanner that ends the tag at the first `>` would miss nothing here either; one that skipped
    // the "value" to the next quote of the other kind would: the counts must hold both ways.
    const xml = flood(`${OPEN}<x a='">'/>`, CLOSE, 256 * KiB, () => '<a></a>');
    expectRefusedBeforeParse(await expectSamlError(verify(xml)));
  });
});

describe('hostile metadata is refused before it is parsed (SIZE_LIMIT)', () => {
  for (const [name, unit] of Object.entries(SHAPES)) {
    it(`1 MiB of ${name}`, () => {
      let caught: unknown;
      try {
        parseIdpMetadata(flood(METADATA_OPEN, METADATA_CLOSE, MiB - 64, unit));
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof SamlError, `expected a SamlError, got ${String(caught)}`);
      expectRefusedBeforeParse(caught);
      assert.match(caught.hint, /metadata of this one IdP/);
    });
  }
});

describe('the pre-scan never refuses a real document', () => {
  const fixtures: string[] = [];
  const walk = (directory: string): void => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.xml')) fixtures.push(path);
    }
  };
  walk(new URL('../../fixtures/real', import.meta.url).pathname);

  it('every real response and metadata file in fixtures/ uses under a fifth of the budget', () => {
    assert.ok(fixtures.length >= 40, `only ${fixtures.length} fixtures found`);
    for (const path of fixtures) {
      const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
      const limits = path.includes('/metadata/') ? METADATA_TOKEN_LIMITS : RESPONSE_TOKEN_LIMITS;
      const counts = checkTokens(text, limits);
      assert.ok(counts.work * 5 <= limits.maxWork, `${path}: ${JSON.stringify(counts)}`);
      assert.ok(counts.depth * 4 <= limits.maxDepth, `${path}: depth ${counts.depth}`);
    }
  });

  it('a signed response with 200 groups uses under a fifth of the budget, and verifies', async () => {
    const groups = Array.from(
      { length: 200 },
      (_, i) => `6f1c0b9a-2d7e-4f60-a1b2-${String(i).padStart(12, '0')}`,
    );
    const xml = signed(buildResponse({ attributes: { groups } }));
    assert.ok(checkTokens(xml, RESPONSE_TOKEN_LIMITS).work * 5 <= RESPONSE_TOKEN_LIMITS.maxWork);
    const profile = await verify(xml);
    assert.equal(profile.email, 'alice@example.com');
  });

  it('markup inside comments, CDATA and attribute values is not counted as elements', () => {
    const markup = '<a></a>'.repeat(2_000);
    const counts = checkTokens(
      `<r x="${markup.replaceAll('<', '&lt;')}"><!--${markup}--><![CDATA[${markup}]]></r>`,
      RESPONSE_TOKEN_LIMITS,
    );
    assert.equal(counts.elements, 1);
    assert.equal(counts.otherNodes, 2);
  });

  it('comments up to 64 KiB in all pass; one character more is refused, terminated or not', () => {
    const comment = (length: number): string => `<!--${'-x'.repeat(length / 2)}-->`;
    const full = `<r>${comment(32 * KiB - 4)}${comment(32 * KiB - 4)}</r>`;
    assert.equal(checkTokens(full, RESPONSE_TOKEN_LIMITS).commentLength, 64 * KiB);
    assert.throws(() => checkTokens(`<r>${comment(64 * KiB - 2)}</r>`, RESPONSE_TOKEN_LIMITS), /comments/);
    assert.throws(() => checkTokens(`<r><!--${'x'.repeat(MiB)}`, RESPONSE_TOKEN_LIMITS), /comments/);
    assert.equal(checkTokens(`<r><!--${'x'.repeat(100)}`, RESPONSE_TOKEN_LIMITS).commentLength, 104);
  });

  it('counts what xmldom builds: elements, end tags, attributes, declarations, text runs', () => {
    const counts = checkTokens(
      `<?xml version="1.0"?><r xmlns="urn:r" xmlns:p = 'urn:p' p:a="1>2"><c/> <c b='/'>t&amp;</c></r>`,
      RESPONSE_TOKEN_LIMITS,
    );
    assert.deepEqual(
      { ...counts, work: 0 },
      {
        elements: 3,
        endTags: 2,
        attributes: 4,
        namespaceDeclarations: 2,
        texts: 2,
        otherNodes: 1,
        commentLength: 0,
        references: 1,
        depth: 2,
        work: 0,
      },
    );
  });
});
