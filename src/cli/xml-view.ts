/**
 * Reading XML for display (not for verification): a guarded parse with `@xmldom/xmldom` (errors
 * fatal, DOCTYPE refused, size and depth capped), a few DOM helpers, and a pretty printer.
 *
 * @module
 * @internal
 */
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { inputError } from './io.js';

/** The namespaces the CLI shows (SAML core §1.2, XML-DSig, XML-Enc). */
export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

/** Most elements, comments and other markup a document shown by the CLI may have. */
export const MAX_MARKUP = 200_000;
/** Deepest nesting of elements a document shown by the CLI may have. */
export const MAX_DEPTH = 256;

const NODE = { element: 1, text: 3, cdata: 4, pi: 7, comment: 8, doctype: 10 } as const;

/** A parsed document and the parser's warnings. */
export interface ParsedForDisplay {
  readonly document: Document;
  readonly root: Element;
  readonly warnings: readonly string[];
}

/**
 * Parses `xml` for display: no DOCTYPE (no entity expansion, no XXE), parser errors fatal, at most
 * {@link MAX_MARKUP} tags and {@link MAX_DEPTH} levels. Throws an input error otherwise.
 */
export function parseForDisplay(xml: string): ParsedForDisplay {
  if (/<!DOCTYPE/i.test(xml)) {
    throw inputError(
      'the document contains a DOCTYPE declaration; samlkit refuses DOCTYPEs (entity expansion, XXE), even for inspection',
    );
  }
  let markup = 0;
  for (let at = xml.indexOf('<'); at !== -1; at = xml.indexOf('<', at + 1)) {
    if (++markup > MAX_MARKUP) throw inputError(`the document has more than ${MAX_MARKUP} tags`);
  }
  const warnings: string[] = [];
  let document: Document;
  try {
    document = new DOMParser({
      onError: (level, message) => {
        if (level === 'warning') warnings.push(firstLine(message));
        else throw new Error(firstLine(message));
      },
    }).parseFromString(xml, 'application/xml');
  } catch (error) {
    throw inputError(
      `the document is not well-formed XML: ${firstLine(error instanceof Error ? error.message : String(error))}`,
    );
  }
  let root: Element | undefined;
  for (let child = document.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === NODE.doctype) throw inputError('the document contains a DOCTYPE declaration');
    if (isElement(child)) root = child;
  }
  if (root === undefined) throw inputError('the document has no root element');
  checkDepth(root);
  return { document, root, warnings };
}

function firstLine(message: string): string {
  return (message.split('\n', 1)[0] ?? message).replace(/^\[xmldom [^\]]*\]\t?/, '');
}

function checkDepth(root: Element): void {
  const stack: [Element, number][] = [[root, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [element, depth] = entry;
    if (depth > MAX_DEPTH) throw inputError(`the document is nested deeper than ${MAX_DEPTH} levels`);
    for (const child of elementChildren(element)) stack.push([child, depth + 1]);
  }
}

/** True for element nodes. */
export function isElement(node: Node): node is Element {
  return node.nodeType === NODE.element;
}

/** The element ancestors of `node`, nearest first. */
export function ancestors(node: Node): Element[] {
  const found: Element[] = [];
  for (let at = node.parentNode; at !== null && isElement(at); at = at.parentNode) found.push(at);
  return found;
}

/** The parent of `node` when it is an element. */
export function parentElement(node: Node): Element | undefined {
  const parent = node.parentNode;
  return parent !== null && isElement(parent) ? parent : undefined;
}

/** The element children of `element`. */
export function elementChildren(element: Element): Element[] {
  return Array.from(element.childNodes).filter(isElement);
}

/** The element children of `element` with that namespace and local name. */
export function childrenNamed(element: Element, ns: string, local: string): Element[] {
  return elementChildren(element).filter((child) => child.namespaceURI === ns && child.localName === local);
}

/** The first element child of `element` with that namespace and local name. */
export function childNamed(element: Element, ns: string, local: string): Element | undefined {
  return childrenNamed(element, ns, local)[0];
}

/** Every descendant of `root` with that namespace and local name, in document order. */
export function descendantsNamed(root: Document | Element, ns: string, local: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, local));
}

/** The value of an unqualified attribute; undefined when absent. */
export function attributeOf(element: Element, name: string): string | undefined {
  return element.hasAttribute(name) ? (element.getAttribute(name) ?? '') : undefined;
}

/** All the text in `element`, trimmed. */
export function textOf(element: Element): string {
  return (element.textContent ?? '').trim();
}

const escapeText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (text: string): string =>
  escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');

/**
 * The document re-indented, two spaces a level: for reading, not for verifying (white space
 * between elements changes, so signatures over the printed text would no longer verify).
 */
export function prettyXml(document: Document): string {
  const lines: string[] = [];
  for (let child = document.firstChild; child !== null; child = child.nextSibling) print(child, '', lines);
  return `${lines.join('\n')}\n`;
}

function print(node: Node, indent: string, lines: string[]): void {
  switch (node.nodeType) {
    case NODE.element: {
      const element = node as Element;
      const attributes = Array.from(element.attributes)
        .map((attribute) => ` ${attribute.name}="${escapeAttribute(attribute.value)}"`)
        .join('');
      const open = `${indent}<${element.tagName}${attributes}`;
      const children = Array.from(element.childNodes).filter(
        (child) => !(child.nodeType === NODE.text && (child.nodeValue ?? '').trim() === ''),
      );
      const only = children[0];
      if (only === undefined) {
        lines.push(`${open}/>`);
      } else if (children.length === 1 && only.nodeType === NODE.text) {
        lines.push(`${open}>${escapeText(only.nodeValue ?? '')}</${element.tagName}>`);
      } else {
        lines.push(`${open}>`);
        for (const child of children) print(child, `${indent}  `, lines);
        lines.push(`${indent}</${element.tagName}>`);
      }
      return;
    }
    case NODE.text:
      lines.push(`${indent}${escapeText((node.nodeValue ?? '').trim())}`);
      return;
    case NODE.cdata:
      lines.push(`${indent}<![CDATA[${node.nodeValue ?? ''}]]>`);
      return;
    case NODE.comment:
      lines.push(`${indent}<!--${node.nodeValue ?? ''}-->`);
      return;
    case NODE.pi:
      lines.push(`${indent}<?${node.nodeName} ${node.nodeValue ?? ''}?>`);
      return;
    default:
      return;
  }
}
