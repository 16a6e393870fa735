/**
 * parseXml: the strict parser every Response goes through once. DTDs, malformed or oversized trees and bad IDs are
 * refused with a SamlError code; benign variations (BOM, white space around the root, CRLF) are accepted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SamlError } from '../../src/index.js';
import type { SamlErrorCode } from '../../src/index.js';
import { parseXml, TREE_LIMITS } from '../../src/xml/parse.js';
import { RESPONSE_TOKEN_LIMITS } from '../../src/xml/prescan.js';
import { expectCodeSync } from '../helpers/expect.js';

/** Pre-parse caps lifted far enough for the walk after the parse to meet its own caps. */
const WALK_ONLY = { ...RESPONSE_TOKEN_LIMITS, maxWork: 1_000_000 };

const nested = (depth: number): string => '<a>'.repeat(depth) + '</a>'.repeat(depth);
const withChildren = (count: number): string => `<r>${'<c/>'.repeat(count)}</r>`;
const withAttributes = (count: number): string =>
  `<r ${Array.from({ length: count }, (_, i) => `a${i}="${i}"`).join(' ')}/>`;

const expectParseCode = (input: string, code: SamlErrorCode): SamlError =>
  expectCodeSync(() => parseXml(input), code);

describe('parseXml', () => {
  describe('DTDs are refused (DTD_FORBIDDEN)', () => {
    it('<!DOCTYPE …>', () => {
      expectParseCode('<!DOCTYPE r><r/>', 'DTD_FORBIDDEN');
    });
    it('with an internal subset and entities (billion laughs, XXE)', () => {
      expectParseCode(
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>',
        'DTD_FORBIDDEN',
      );
      expectParseCode('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', 'DTD_FORBIDDEN');
    });
    it('lower-case <!doctype and mixed case', () => {
      expectParseCode('<!doctype r><r/>', 'DTD_FORBIDDEN');
      expectParseCode('<!DocType r><r/>', 'DTD_FORBIDDEN');
    });
    it('after the XML declaration and a BOM', () => {
      expectParseCode('\uFEFF<?xml version="1.0"?>\n<!DOCTYPE r>\n<r/>', 'DTD_FORBIDDEN');
    });
  });

  describe('malformed documents are refused (MALFORMED_XML)', () => {
    const cases: [string, string][] = [
      ['two root elements', '<a/><b/>'],
      ['trailing garbage after the root', '<a/>garbage'],
      ['a trailing tag opener', '<a/><'],
      ['no root element', ''],
      ['text only', 'hello'],
      ['an unclosed element', '<a><b></b>'],
      ['mismatched tags', '<a></b>'],
      ['duplicate attributes', '<a x="1" x="2"/>'],
      ['an unbound element prefix', '<p:a/>'],
      ['an unbound attribute prefix', '<a p:x="1"/>'],
      ['a processing instruction inside the root', '<a><?pi data?></a>'],
      ['a processing instruction before the root', '<?pi data?><a/>'],
      ['an unknown entity', '<a>&foo;</a>'],
      ['NUL', '<a>\u0000</a>'],
      ['a C0 control character', '<a>\u0001</a>'],
      ['a vertical tab', '<a>x\u000By</a>'],
      ['U+FFFE', '<a>\uFFFE</a>'],
      ['a control character in an attribute', '<a x="\u0007"/>'],
      ['a control character as a character reference', '<a>&#1;</a>'],
      ['NUL as a character reference in an attribute', '<a x="&#0;"/>'],
      ['a lone surrogate', '<a>\uD800</a>'],
      ['a lone surrogate as a character reference', '<a>&#xDC00;</a>'],
      ['encoding="ISO-8859-1"', '<?xml version="1.0" encoding="ISO-8859-1"?><a/>'],
      ['encoding="UTF-16"', "<?xml version='1.0' encoding='UTF-16'?><a/>"],
      ['an attribute named like a namespace declaration (xmlnsfoo)', '<a xmlnsfoo="x"/>'],
    ];
    for (const [name, input] of cases) {
      it(name, () => {
        expectParseCode(input, 'MALFORMED_XML');
      });
    }
  });

  describe('benign variations are accepted', () => {
    it('a UTF-8 BOM before the XML declaration', () => {
      const { root } = parseXml('\uFEFF<?xml version="1.0" encoding="UTF-8"?><r x="1">t</r>');
      assert.equal(root.localName, 'r');
      assert.equal(root.textContent, 't');
    });
    it('a UTF-8 BOM without a declaration', () => {
      assert.equal(parseXml('\uFEFF<r/>').root.localName, 'r');
    });
    it('encoding="utf-8" in any case', () => {
      assert.equal(parseXml('<?xml version="1.0" encoding="utf-8"?><r/>').root.localName, 'r');
    });
    it('white space around the root element', () => {
      const { root } = parseXml('\n  \t<r>x</r>\r\n  \n');
      assert.equal(root.localName, 'r');
      assert.equal(root.textContent, 'x');
    });
    it('comments around the root element', () => {
      assert.equal(parseXml('<!-- before --><r/><!-- after -->').root.localName, 'r');
    });
    it('characters outside the BMP (a surrogate pair)', () => {
      assert.equal(parseXml('<r>😀&#x1F600;</r>').root.textContent, '😀😀');
    });
    it('an empty document element with namespaces', () => {
      const { root } = parseXml('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>');
      assert.equal(root.namespaceURI, 'urn:oasis:names:tc:SAML:2.0:protocol');
      assert.equal(root.localName, 'Response');
    });
  });

  describe('line endings', () => {
    it('CRLF and lone CR in text are normalised to LF', () => {
      assert.equal(parseXml('<r>a\r\nb\rc\nd</r>').root.textContent, 'a\nb\nc\nd');
    });
    it('CR written as a character reference is kept', () => {
      assert.equal(parseXml('<r>a&#13;b</r>').root.textContent, 'a\rb');
    });
    it('U+0085 and U+2028 in text are kept (XML 1.0 §2.11 normalises only CR and CRLF, unlike XML 1.1)', () => {
      assert.equal(parseXml('<r>a\u0085b\u2028c</r>').root.textContent, 'a\u0085b\u2028c');
      assert.equal(parseXml('<r x="a\u2028b"/>').root.getAttribute('x'), 'a\u2028b');
    });
  });

  describe('tree limits (SIZE_LIMIT)', () => {
    it('the limits are the documented ones', () => {
      assert.deepEqual(TREE_LIMITS, { maxDepth: 48, maxNodes: 30_000, maxAttributesPerElement: 48 });
    });
    it('depth 48 is accepted, depth 49 is refused', () => {
      assert.equal(parseXml(nested(48)).root.localName, 'a');
      expectParseCode(nested(49), 'SIZE_LIMIT');
    });
    it('a text node below 48 elements counts as level 49', () => {
      expectParseCode('<a>'.repeat(48) + 'x' + '</a>'.repeat(48), 'SIZE_LIMIT');
    });
    it('very deep nesting is refused quickly, without a stack overflow', () => {
      const started = performance.now();
      expectParseCode(nested(20_000), 'SIZE_LIMIT');
      assert.ok(performance.now() - started < 5_000, 'took more than 5 s');
    });
    it('30 000 nodes are accepted, 30 001 are refused', () => {
      // The root plus n children. The default pre-parse caps stop far fewer (test/attacks/sizes-before-parse.test.ts).
      assert.equal(parseXml(withChildren(29_999), WALK_ONLY).root.childNodes.length, 29_999);
      expectParseCode(withChildren(30_000), 'SIZE_LIMIT');
      assert.throws(() => parseXml(withChildren(30_000), WALK_ONLY), /more than 30000 nodes/);
    });
    it('text and comment nodes count toward the node limit', () => {
      expectParseCode(`<r>${'<c/>x'.repeat(15_000)}</r>`, 'SIZE_LIMIT');
      expectParseCode(`<r>${'<c/><!---->'.repeat(15_000)}</r>`, 'SIZE_LIMIT');
    });
    it('48 attributes are accepted, 49 are refused', () => {
      assert.equal(parseXml(withAttributes(48)).root.attributes.length, 48);
      expectParseCode(withAttributes(49), 'SIZE_LIMIT');
    });
    it('namespace declarations count as attributes', () => {
      expectParseCode(
        `<r xmlns:p="urn:p" ${Array.from({ length: 48 }, (_, i) => `a${i}="${i}"`).join(' ')}/>`,
        'SIZE_LIMIT',
      );
    });
  });

  describe('ID attributes (DUPLICATE_ID)', () => {
    it('maps each ID to its element', () => {
      const { root, ids } = parseXml('<r ID="_r"><a ID="_a"/><b Id="b1"/><c id="c-1.x"/></r>');
      assert.equal(ids.get('_r'), root);
      assert.equal(ids.get('_a')?.localName, 'a');
      assert.equal(ids.get('b1')?.localName, 'b');
      assert.equal(ids.get('c-1.x')?.localName, 'c');
      assert.equal(ids.size, 4);
    });
    it('the same ID on two elements', () => {
      expectParseCode('<r ID="x"><a ID="x"/></r>', 'DUPLICATE_ID');
    });
    it('the same value across ID, Id and id', () => {
      expectParseCode('<r ID="x"><a Id="x"/></r>', 'DUPLICATE_ID');
      expectParseCode('<r ID="x"><a id="x"/></r>', 'DUPLICATE_ID');
      expectParseCode('<r Id="x"><a id="x"/></r>', 'DUPLICATE_ID');
    });
    it('the same value in ID attributes of different namespaces', () => {
      expectParseCode('<r xmlns:p="urn:p" xmlns:q="urn:q" ID="x"><a p:ID="x"/></r>', 'DUPLICATE_ID');
      expectParseCode('<r xmlns:p="urn:p" xmlns:q="urn:q" p:Id="x"><a q:id="x"/></r>', 'DUPLICATE_ID');
      expectParseCode('<r ID="x"><a xml:id="x"/></r>', 'DUPLICATE_ID');
    });
    it('two ID attributes with the same value on one element', () => {
      expectParseCode('<r ID="x" Id="x"/>', 'DUPLICATE_ID');
    });
    for (const bad of ['a b', '#x', '', ' x', 'x ', 'a#b', "x')or('1", '-x', '.x', 'é']) {
      it(`an ID that is not an identifier: ${JSON.stringify(bad)}`, () => {
        expectParseCode(`<r ID="${bad}"/>`, 'DUPLICATE_ID');
      });
    }
    it('UUID-style IDs starting with a digit are accepted', () => {
      assert.equal(parseXml('<r ID="28338c8c-aa1e-4d25-9c3d-3e3e1a2b8e5f"/>').ids.size, 1);
    });
  });
});
