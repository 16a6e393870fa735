import type { Element, Node } from '@xmldom/xmldom';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

// These helpers run on every verification, several times per element: they walk the sibling and
// parent links directly instead of building and filtering child arrays.

/** The element children of `parent`, in document order. */
export function elementChildren(parent: Element): Element[] {
  const out: Element[] = [];
  for (let child: Node | null = parent.firstChild; child !== null; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE) out.push(child as Element);
  }
  return out;
}

/** True when `node` is an element with this namespace URI and local name (never by prefix). */
export function isElement(node: Node | null | undefined, ns: string, localName: string): node is Element {
  return (
    node?.nodeType === ELEMENT_NODE &&
    (node as Element).localName === localName &&
    (node as Element).namespaceURI === ns
  );
}

/** The direct children of `parent` with this namespace URI and local name. */
export function childrenNamed(parent: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let child: Node | null = parent.firstChild; child !== null; child = child.nextSibling) {
    if (isElement(child, ns, localName)) out.push(child);
  }
  return out;
}

/** The first direct child of `parent` with this namespace URI and local name. */
export function firstChildNamed(parent: Element, ns: string, localName: string): Element | undefined {
  for (let child: Node | null = parent.firstChild; child !== null; child = child.nextSibling) {
    if (isElement(child, ns, localName)) return child;
  }
  return undefined;
}

/** Every descendant element (not `root` itself) with this namespace URI and local name, in document order. */
export function descendantsNamed(root: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  // Pre-order walk over the sibling and parent links: no stack, no arrays.
  let node: Node | null = root.firstChild;
  while (node !== null) {
    if (node.nodeType === ELEMENT_NODE) {
      if (isElement(node, ns, localName)) out.push(node);
      if (node.firstChild !== null) {
        node = node.firstChild;
        continue;
      }
    }
    node = nextOutside(node, root);
  }
  return out;
}

/** The node after `node`'s subtree in document order, or `null` past the end of `root`. */
function nextOutside(node: Node, root: Node): Node | null {
  for (let current: Node | null = node; current !== null && current !== root; current = current.parentNode) {
    if (current.nextSibling !== null) return current.nextSibling;
  }
  return null;
}

/**
 * The full text of an element: every text and CDATA descendant, concatenated (docs/security.md rule 12).
 * Reading only the first text node would turn `admin@victim.com<!---->.evil.com` into
 * `admin@victim.com`. The result does not hold on to the document (see {@link detached}).
 */
export function textOf(element: Element): string {
  const first = element.firstChild;
  if (first === null) return '';
  // The common case, one text node: its value is the whole text content.
  if (first.nextSibling === null && (first.nodeType === TEXT_NODE || first.nodeType === CDATA_SECTION_NODE)) {
    return detached(first.nodeValue ?? '');
  }
  return detached(element.textContent ?? '');
}

/**
 * An attribute without namespace, or `undefined` when absent (an empty value is returned as '').
 * The result does not hold on to the document (see {@link detached}).
 */
export function attributeOf(element: Element, name: string): string | undefined {
  const node = element.getAttributeNode(name);
  return node?.namespaceURI === null ? detached(node.value) : undefined;
}

/**
 * A copy of `text` that shares no memory with the text it was cut from. V8 keeps a substring as a
 * view into its parent string, and xmldom cuts every value out of the whole message: an assertion
 * ID kept for replay detection, or a NameID kept in a session, would otherwise keep the whole
 * decoded response alive (5–20 KB each instead of a few dozen bytes). Concatenating flattens the
 * pair into a new string; slicing that one retains only it.
 */
function detached(text: string): string {
  return (' ' + text).slice(1);
}
