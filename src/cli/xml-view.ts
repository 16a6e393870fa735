/**
 * Reading XML for display (not for verification): a guarded parse with `@xmldom/xmldom` (errors
 * fatal, DOCTYPE refused, size and depth capped), a few DOM helpers, and a pretty printer.
 *
 * @module
 * @internal
 */
import type { Document, Element, Node } from '@xmldom/xmldom';
import { XENC } from '../crypto/xmlenc.js';
import { SamlError } from '../index.js';
import { NS as SAML_NS } from '../xml/namespaces.js';
import { parseXml } from '../xml/parse.js';
import { METADATA_TOKEN_LIMITS } from '../xml/prescan.js';
import { inputError } from './io.js';

export { attributeOf, childrenNamed, elementChildren, firstChildNamed as childNamed } from '../xml/dom.js';

/** The namespaces the CLI shows: the verifier's table (SAML core §1.2, XML-DSig) and XML-Enc. */
export const NS = { ...SAML_NS, xenc: XENC } as const;

const NODE = { element: 1, text: 3, cdata: 4, pi: 7, comment: 8 } as const;

/** A parsed document. */
export interface ParsedForDisplay {
  readonly document: Document;
  readonly root: Element;
  /** Every ID → the one element carrying it (the parser refuses duplicates). */
  readonly ids: ReadonlyMap<string, Element>;
}

/**
 * Parses `xml` with the verifier's parser and its limits for metadata (the largest documents the
 * CLI reads): what the CLI shows is what `verifyResponse` and `parseIdpMetadata` would read. Its
 * refusal (a DOCTYPE, a duplicate ID, a size cap) becomes an input error with the same code.
 */
export function parseForDisplay(xml: string): ParsedForDisplay {
  try {
    const { root, ids } = parseXml(xml, METADATA_TOKEN_LIMITS);
    const document = root.ownerDocument;
    if (document === null) throw inputError('the document has no root element');
    return { document, root, ids };
  } catch (error) {
    if (error instanceof SamlError) throw inputError(`${error.code}: ${error.message}`);
    throw error;
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

/** Every descendant of `root` with that namespace and local name, in document order. */
export function descendantsNamed(root: Document | Element, ns: string, local: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, local));
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
