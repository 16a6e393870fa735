import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { fail } from '../internal/fail.js';
import { NS } from './namespaces.js';
import { checkTokens, RESPONSE_TOKEN_LIMITS, type TokenLimits } from './prescan.js';

/** Caps on the parsed tree (docs/security.md rule 2). A real Response is far below each of them. */
export const TREE_LIMITS = { maxDepth: 48, maxNodes: 30_000, maxAttributesPerElement: 48 } as const;

/** A parsed document whose ID attributes have been proven unique. */
export interface ParsedXml {
  readonly root: Element;
  /** Every `ID`/`Id`/`id` attribute value (any namespace) → the one element carrying it. */
  readonly ids: ReadonlyMap<string, Element>;
}

const NODE = { element: 1, text: 3, cdata: 4, pi: 7, comment: 8, document: 9, doctype: 10 } as const;

// XML 1.0 §2.2: these code points are not characters of a document; xmldom would keep them. A lone
// surrogate (from `&#xD800;`) would also be encoded as U+FFFD when hashed: same digest, other text.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/u;
const XML_DECLARATION = /^<\?xml\s[^?]*\?>/;
const DECLARED_ENCODING = /\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

const hint =
  'The message is not a well-formed SAML document. Check that the IdP posts a SAMLResponse to this ACS URL and that nothing between the IdP and the app rewrites it.';

/**
 * Parses XML text strictly, once (docs/security.md rule 1): every xmldom warning and error is fatal, a
 * DOCTYPE is refused before parsing, processing instructions are refused, the encoding must be
 * UTF-8, and the tree is capped in depth, node count and attributes. ID attributes must be unique
 * NCNames across the whole document (rule 4), because xml-crypto and other readers resolve
 * `ID`, `Id` and `id` alike. Before xmldom sees the text, `limits` caps what parsing it would cost
 * (rule 2; `prescan.ts`), so that an unauthenticated document is refused in a few milliseconds.
 */
export function parseXml(input: string, limits: TokenLimits = RESPONSE_TOKEN_LIMITS): ParsedXml {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  // A DOCTYPE enables entities; xmldom leaves unknown `&entity;` text in place and carries on.
  if (/<!DOCTYPE/i.test(text)) {
    fail('DTD_FORBIDDEN', 'The document contains a DOCTYPE declaration', {
      hint: 'SAML messages never need a DOCTYPE; samlkit refuses them to rule out entity expansion and XXE.',
    });
  }
  if (FORBIDDEN_CHARS.test(text))
    fail('MALFORMED_XML', 'The document contains a forbidden control character', { hint });
  const declaration = XML_DECLARATION.exec(text)?.[0];
  const encoding = declaration === undefined ? undefined : DECLARED_ENCODING.exec(declaration)?.[1];
  if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') {
    fail('MALFORMED_XML', `The document declares encoding ${encoding}; only UTF-8 is accepted`, { hint });
  }
  checkTokens(text, limits);

  let document: Document;
  try {
    document = new DOMParser({
      // XML 1.0 §2.11 normalises CR and CRLF only; xmldom's default also maps U+0085 and U+2028
      // (XML 1.1), which would change signed text.
      normalizeLineEndings: (source) => (source.includes('\r') ? source.replace(/\r\n?/g, '\n') : source),
      // No line and column bookkeeping on every node: the message of a failure carries none anyway.
      locator: false,
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(text, 'application/xml');
  } catch (cause) {
    fail('MALFORMED_XML', `The document is not well-formed XML: ${describe(cause)}`, { hint, cause });
  }
  // Without an `&`, no reference was decoded: every value is a piece of the text checked above.
  return inspectTree(document, text.includes('&'));
}

function describe(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.split('\n', 1)[0] ?? message;
}

/**
 * One iterative walk: shape of the document node, tree caps, node kinds, ID uniqueness.
 * `decoded`: the text had references, so node values must be checked again for forbidden characters.
 */
function inspectTree(document: Document, decoded: boolean): ParsedXml {
  let root: Element | undefined;
  for (let child = document.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === NODE.element) {
      if (root !== undefined) fail('MALFORMED_XML', 'The document has more than one root element', { hint });
      root = child as Element;
    } else if (child.nodeType === NODE.doctype) {
      fail('DTD_FORBIDDEN', 'The document contains a DOCTYPE declaration', { hint });
    } else if (child.nodeType === NODE.pi && child.nodeName === 'xml' && child === document.firstChild) {
      continue; // the XML declaration
    } else if (child.nodeType === NODE.text && (child.nodeValue ?? '').trim() === '') {
      continue; // white space around the root element
    } else if (child.nodeType !== NODE.comment) {
      fail('MALFORMED_XML', 'The document has content outside its root element', { hint });
    }
  }
  if (root === undefined) fail('MALFORMED_XML', 'The document has no root element', { hint });

  const ids = new Map<string, Element>();
  let nodes = 0;
  let depth = 1;
  // Pre-order, in document order, over the sibling and parent links (no stack to allocate).
  let node: Node | null = root;
  while (node !== null) {
    if (++nodes > TREE_LIMITS.maxNodes) {
      fail('SIZE_LIMIT', `The document has more than ${TREE_LIMITS.maxNodes} nodes`, { hint: sizeHint });
    }
    if (depth > TREE_LIMITS.maxDepth) {
      fail('SIZE_LIMIT', `The document is nested deeper than ${TREE_LIMITS.maxDepth} levels`, {
        hint: sizeHint,
      });
    }
    switch (node.nodeType) {
      case NODE.element:
        inspectAttributes(node as Element, ids, decoded);
        if (node.firstChild !== null) {
          node = node.firstChild;
          depth++;
          continue;
        }
        break;
      case NODE.text:
      case NODE.cdata:
      case NODE.comment:
        // Character references (`&#0;`) reach here decoded, past the scan of the raw text.
        if (decoded && FORBIDDEN_CHARS.test(node.nodeValue ?? '')) {
          fail('MALFORMED_XML', 'The document contains a forbidden character', { hint });
        }
        break;
      case NODE.pi:
        fail('MALFORMED_XML', 'The document contains a processing instruction', { hint });
      // falls through: fail() never returns
      default:
        fail('MALFORMED_XML', `The document contains an unexpected node of type ${node.nodeType}`, { hint });
    }
    // No child to enter: the next sibling, or that of the nearest ancestor that has one.
    while (node !== null && node !== root && node.nextSibling === null) {
      node = node.parentNode;
      depth--;
    }
    node = node === null || node === root ? null : node.nextSibling;
  }
  return { root, ids };
}

const sizeHint =
  'The response is larger than samlkit accepts. If the IdP sends very many group values, configure it to send group IDs only or to filter the groups sent to this application.';

// An NCName (XML namespaces §3) restricted to ASCII, plus a leading digit: SecureWorks and other
// UUID-minded IdPs emit IDs like "28338c8c-…". What matters is that an ID can never look like
// XPointer or other fragment syntax, so `#` + ID names exactly one element.

/** Namespaces in XML §3: `xml` is bound to its URI only, `xmlns` never, neither URI to another prefix. */
function isLegalBinding(declaration: string, uri: string): boolean {
  if (declaration === 'xmlns:xml') return uri === NS.xml;
  return declaration !== 'xmlns:xmlns' && uri !== NS.xml && uri !== NS.xmlns;
}

const ID_TOKEN = /^[A-Za-z0-9_][\w.-]*$/;

/** Below this many attributes, duplicates are found by comparing pairs rather than with a Set. */
const FEW_ATTRIBUTES = 8;

function inspectAttributes(element: Element, ids: Map<string, Element>, decoded: boolean): void {
  const attributes = element.attributes;
  const count = attributes.length;
  if (count > TREE_LIMITS.maxAttributesPerElement) {
    fail('SIZE_LIMIT', `An element has more than ${TREE_LIMITS.maxAttributesPerElement} attributes`, {
      hint: sizeHint,
    });
  }
  const expandedNames = count > FEW_ATTRIBUTES ? new Set<string>() : undefined;
  for (let i = 0; i < count; i++) {
    const attribute = attributes.item(i);
    if (attribute === null) continue;
    const name = attribute.name;
    const namespace = attribute.namespaceURI ?? '';
    const local = attribute.localName ?? name;
    // Namespaces in XML §6.3: no two attributes with the same expanded name (a:x and b:x, one URI).
    if (expandedNames === undefined) {
      for (let j = 0; j < i; j++) {
        const other = attributes.item(j);
        if (
          other !== null &&
          (other.localName ?? other.name) === local &&
          (other.namespaceURI ?? '') === namespace
        ) {
          fail('MALFORMED_XML', `The attribute ${name} is repeated`, { hint });
        }
      }
    } else {
      const expanded = `${namespace}\u0000${local}`;
      if (expandedNames.has(expanded)) fail('MALFORMED_XML', `The attribute ${name} is repeated`, { hint });
      expandedNames.add(expanded);
    }
    if (decoded && FORBIDDEN_CHARS.test(attribute.value)) {
      fail('MALFORMED_XML', 'The document contains a forbidden character', { hint });
    }
    if (attribute.namespaceURI === NS.xmlns && !isLegalBinding(name, attribute.value)) {
      fail('MALFORMED_XML', `The namespace declaration ${name} is illegal`, { hint });
    }
    // Canonicalisers skip every attribute whose name starts with "xmlns" as a namespace declaration;
    // anything else so named would be read but not signed.
    if (name.startsWith('xmlns') && name !== 'xmlns' && !name.startsWith('xmlns:')) {
      fail('MALFORMED_XML', `The attribute name ${name} is reserved`, { hint });
    }
    if (local === 'ID' || local === 'Id' || local === 'id') {
      const value = attribute.value;
      if (!ID_TOKEN.test(value)) {
        fail('DUPLICATE_ID', 'An ID attribute is not a valid identifier', {
          hint: 'ID values must be XML NCNames (SAML core §1.3.4); the message was altered or the IdP is misconfigured.',
          received: value,
        });
      }
      if (ids.has(value)) {
        fail('DUPLICATE_ID', 'Two elements carry the same ID', {
          hint: 'Each ID must be unique in the document; a duplicate ID is a sign of a signature-wrapping attack.',
          received: value,
        });
      }
      ids.set(value, element);
    }
  }
}
