import type { Element, Node } from '@xmldom/xmldom';

const ELEMENT_NODE = 1;

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
    (node as Element).namespaceURI === ns &&
    (node as Element).localName === localName
  );
}

/** The direct children of `parent` with this namespace URI and local name. */
export function childrenNamed(parent: Element, ns: string, localName: string): Element[] {
  return elementChildren(parent).filter((child) => isElement(child, ns, localName));
}

/** Every descendant element (not `root` itself) with this namespace URI and local name. */
export function descendantsNamed(root: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  const stack = elementChildren(root).reverse();
  for (let element = stack.pop(); element !== undefined; element = stack.pop()) {
    if (isElement(element, ns, localName)) out.push(element);
    stack.push(...elementChildren(element).reverse());
  }
  return out;
}

/**
 * The full text of an element: every text and CDATA descendant, concatenated (SECURITY rule 12).
 * Reading only the first text node would turn `admin@victim.com<!---->.evil.com` into
 * `admin@victim.com`.
 */
export function textOf(element: Element): string {
  return element.textContent ?? '';
}

/** An attribute without namespace, or `undefined` when absent (an empty value is returned as ''). */
export function attributeOf(element: Element, name: string): string | undefined {
  const node = element.getAttributeNode(name);
  return node?.namespaceURI === null ? node.value : undefined;
}
