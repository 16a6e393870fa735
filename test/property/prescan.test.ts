/**
 * Property tests of the pre-parse caps (`src/xml/prescan.ts`, issue #12 class 6): on any well-formed
 * document, the counts of the pre-scan are those of the tree xmldom builds (elements, attributes,
 * namespace declarations, depth), never fewer. Fewer would let a document past the caps that costs
 * more than they allow. The documents mix what a naive scanner gets wrong: `>`, `/>`, `=` and the
 * other quote inside attribute values, white space around `=`, markup inside comments and CDATA
 * sections, references, and text with `>`.
 *
 * Reproduce a failure with FC_SEED=<seed printed by fast-check>; FC_RUNS overrides the number of runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import fc from 'fast-check';
import { checkTokens, RESPONSE_TOKEN_LIMITS } from '../../src/xml/prescan.js';

const seedText = process.env.FC_SEED;
const runsText = process.env.FC_RUNS;
const FC_PARAMS: fc.Parameters<unknown> = {
  numRuns: runsText === undefined ? 500 : Number(runsText),
  ...(seedText !== undefined && seedText !== '' && { seed: Number(seedText) }),
};
const UNLIMITED = {
  ...RESPONSE_TOKEN_LIMITS,
  maxWork: Number.MAX_SAFE_INTEGER,
  maxDepth: Number.MAX_SAFE_INTEGER,
  maxAttributesPerElement: Number.MAX_SAFE_INTEGER,
  maxCommentLength: Number.MAX_SAFE_INTEGER,
};

const space = fc.constantFrom('', ' ', '\t', '\n ', '\r\n');
const name = fc.constantFrom('a', 'b', 'p:c', 'Assertion', 'saml:Attribute', 'x-y.z');
/** Attribute values as a scanner would least like them (all legal XML). */
const value = fc.constantFrom('', 'v', '>', '/>', '=', '"', "'", ' x = "y" ', '&amp;', '&lt;a/&gt;', '&#62;');
const text = fc.constantFrom('t', ' ', '>', '/>', '=', '"', "'", '&amp;', '&#65;', ']]&gt;', 'a > b');
const comment = fc.constantFrom('<!---->', '<!-- <a x="1"/> -->', '<!--<b>-->', '<!-- > " \' -->');
const cdata = fc.constantFrom('<![CDATA[]]>', '<![CDATA[<a/><b c="d">]]>', '<![CDATA[ \' " > ]]>');

interface Tree {
  readonly name: string;
  readonly attributes: readonly { readonly name: string; readonly value: string; readonly s: string }[];
  readonly children: readonly (Tree | string)[];
}

const attribute = fc.record({
  name: fc.constantFrom('x', 'y', 'ID', 'p:q', 'xmlns:n', 'xmlns'),
  value,
  s: space,
});

const { tree } = fc.letrec<{ tree: Tree; child: Tree | string }>((go) => ({
  tree: fc.record({
    name,
    attributes: fc.uniqueArray(attribute, { maxLength: 5, selector: (a) => a.name }),
    children: fc.array(go('child'), { maxLength: 4, depthIdentifier: 'tree' }),
  }),
  child: fc.oneof({ depthSize: 'small', withCrossShrink: true }, text, comment, cdata, go('tree')),
}));

function quote(value: string): string {
  // The value in the quote it does not contain (both kinds: escape the double quote).
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replaceAll('"', '&quot;')}"`;
}

function serialize(node: Tree, declared: boolean): string {
  // Bind every prefix used once, at the root, so that the document is namespace-well-formed.
  const bindings = declared ? '' : ' xmlns:p="urn:p" xmlns:saml="urn:saml"';
  const attributes = node.attributes
    .map((a) => ` ${a.name}${a.s}=${a.s}${a.name.startsWith('xmlns') ? '"urn:x"' : quote(a.value)}`)
    .join('');
  const open = `<${node.name}${bindings}${attributes}`;
  if (node.children.length === 0) return `${open}/>`;
  const inner = node.children.map((c) => (typeof c === 'string' ? c : serialize(c, true))).join('');
  return `${open}>${inner}</${node.name}>`;
}

function measure(element: Element, depth: number): { elements: number; attributes: number; depth: number } {
  let elements = 1;
  let attributes = element.attributes.length;
  let deepest = depth;
  for (let child = element.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType !== 1) continue;
    const inner = measure(child as Element, depth + 1);
    elements += inner.elements;
    attributes += inner.attributes;
    deepest = Math.max(deepest, inner.depth);
  }
  return { elements, attributes, depth: deepest };
}

describe('pre-scan counts (property)', () => {
  it('on any well-formed document, equal to what xmldom builds', () => {
    fc.assert(
      fc.property(tree, (root) => {
        const xml = serialize(root, false);
        const document = new DOMParser({
          onError: (level, message) => {
            throw new Error(`${level}: ${message}\n${xml}`);
          },
        }).parseFromString(xml, 'application/xml');
        const element = document.documentElement;
        assert.ok(element !== null);
        const built = measure(element, 1);
        const counted = checkTokens(xml, UNLIMITED);
        assert.equal(counted.elements, built.elements, xml);
        assert.equal(counted.attributes, built.attributes, xml);
        assert.equal(counted.depth, built.depth, xml);
      }),
      FC_PARAMS,
    );
  });
});
