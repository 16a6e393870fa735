/**
 * SCIM PATCH (RFC 7644 §3.5.2) over the schema tables: add, replace and remove, with `op` in any
 * case (Entra ID sends "Replace", "Add", "Remove"), operations without `path` (Entra ID), value
 * filters in paths (`members[value eq "…"]`, `emails[type eq "work"].value`), parsed by
 * `scim2-parse-filter` behind the guards of {@link parseFilter}.
 *
 * Why not the `scim-patch` package: it writes any key the request names into the resource, so a
 * request with the key `__proto__.polluted` sets `Object.prototype.polluted` for the whole process
 * (checked with scim-patch 0.8.3), it refuses "REPLACE", and it ships `@types/node` as a runtime
 * dependency. Here only attribute names from the schema tables become keys.
 *
 * @module
 */
import type { Filter } from 'scim2-parse-filter';
import { invalid } from './fault.js';
import { attributeNames, matches, parseFilter } from './filter.js';
import {
  attributeNamed,
  coreAttributes,
  ENTERPRISE_ATTRIBUTES,
  ENTERPRISE_SCHEMA,
  PATCH_SCHEMA,
  valueOf,
  type Attribute,
  type Json,
  type JsonObject,
  type ResourceKind,
} from './schema.js';

/** Most operations one PATCH request may carry. */
export const MAX_OPERATIONS = 1000;
const MAX_PATH_LENGTH = 1024;

type Op = 'add' | 'replace' | 'remove';

/** A parsed PATCH path: the attribute, an optional value filter and an optional sub-attribute. */
interface Target {
  /** The container: the resource, or its enterprise extension object. */
  readonly extension: boolean;
  readonly attribute: Attribute;
  readonly filter: Filter | undefined;
  readonly sub: Attribute | undefined;
}

/** Applies a PATCH body to a copy of the resource and returns the copy (RFC 7644 §3.5.2). */
export function applyPatch(kind: ResourceKind, resource: JsonObject, body: unknown): JsonObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    invalid('invalidSyntax', 'The PATCH body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const schemas = fields.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_SCHEMA))
    invalid('invalidSyntax', `The PATCH body must list the schema ${PATCH_SCHEMA}`);
  const operations = Object.entries(fields).find(([key]) => key.toLowerCase() === 'operations')?.[1];
  if (!Array.isArray(operations) || operations.length === 0)
    invalid('invalidSyntax', 'The PATCH body must carry a non-empty Operations array');
  if (operations.length > MAX_OPERATIONS)
    invalid('invalidSyntax', `A PATCH request carries at most ${MAX_OPERATIONS} operations`);
  const copy = structuredClone(resource);
  for (const [index, operation] of (operations as unknown[]).entries())
    applyOperation(kind, copy, operation, index);
  return copy;
}

function applyOperation(kind: ResourceKind, resource: JsonObject, operation: unknown, index: number): void {
  if (typeof operation !== 'object' || operation === null || Array.isArray(operation))
    invalid('invalidSyntax', `Operations[${index}] must be an object`);
  const fields = operation as Record<string, unknown>;
  const get = (name: string): unknown =>
    Object.entries(fields).find(([key]) => key.toLowerCase() === name)?.[1];
  const rawOp = get('op');
  const op = typeof rawOp === 'string' ? rawOp.toLowerCase() : undefined;
  if (op !== 'add' && op !== 'replace' && op !== 'remove')
    invalid('invalidSyntax', `Operations[${index}].op must be add, replace or remove`);
  const path = get('path');
  const value = get('value');
  if (path === undefined || path === null || path === '') {
    if (op === 'remove') invalid('noTarget', `Operations[${index}]: remove needs a path`);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      invalid('invalidValue', `Operations[${index}]: without a path, value must be an object of attributes`);
    for (const [name, item] of Object.entries(value)) {
      if (name.toLowerCase() === ENTERPRISE_SCHEMA.toLowerCase()) {
        if (typeof item !== 'object' || item === null || Array.isArray(item))
          invalid('invalidValue', `${ENTERPRISE_SCHEMA} must be an object`);
        for (const [sub, subValue] of Object.entries(item as Record<string, unknown>))
          applyPath(kind, resource, op, `${ENTERPRISE_SCHEMA}:${sub}`, subValue);
      } else if (!serverSet(name)) {
        // Okta sends the group's own `id` in a rename; read-only values in a value object are ignored.
        applyPath(kind, resource, op, name, item);
      }
    }
    return;
  }
  if (typeof path !== 'string') invalid('invalidPath', `Operations[${index}].path must be a string`);
  if ((op === 'add' || op === 'replace') && value === undefined)
    invalid('invalidValue', `Operations[${index}]: ${op} needs a value`);
  applyPath(kind, resource, op, path, value);
}

function serverSet(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'id' || lower === 'meta' || lower === 'schemas';
}

/** Parses a path; `undefined` for an attribute this server does not keep (ignored, as in POST). */
function targetOf(kind: ResourceKind, path: string): Target | undefined {
  if (path.length > MAX_PATH_LENGTH)
    invalid('invalidPath', `A path is at most ${MAX_PATH_LENGTH} characters`);
  const bracket = path.indexOf('[');
  let head = path;
  let filter: Filter | undefined;
  let subName: string | undefined;
  if (bracket !== -1) {
    const close = path.lastIndexOf(']');
    if (close < bracket) invalid('invalidPath', 'The path has an unclosed value filter');
    head = path.slice(0, bracket);
    filter = parseFilter(path.slice(bracket + 1, close), 'invalidPath');
    const after = path.slice(close + 1);
    if (after !== '') {
      if (!/^\.[A-Za-z$][\w-]*$/u.test(after))
        invalid('invalidPath', 'Only a sub-attribute may follow a value filter');
      subName = after.slice(1);
    }
  }
  const names = attributeNames(head);
  if (names === undefined) {
    if (/^urn:/iu.test(head)) return undefined; // another extension's attribute: not kept
    invalid('invalidPath', 'The path is not a SCIM attribute path (RFC 7644 §3.5.2)');
  }
  const [first, second] = names.path;
  if (first === undefined) invalid('invalidPath', 'The path names no attribute');
  if (second !== undefined) {
    if (subName !== undefined) invalid('invalidPath', 'The path names two sub-attributes');
    subName = second;
  }
  const extension = names.schema === ENTERPRISE_SCHEMA;
  if (extension && kind !== 'User') return undefined;
  const attribute = attributeNamed(extension ? ENTERPRISE_ATTRIBUTES : coreAttributes(kind), first);
  if (attribute === undefined) {
    if (first.toLowerCase() === 'meta' || first.toLowerCase() === 'schemas')
      invalid('mutability', `${first} is set by the server`);
    return undefined;
  }
  if (attribute.mutability === 'readOnly') invalid('mutability', `${attribute.name} is set by the server`);
  if (filter !== undefined && attribute.multiValued !== true)
    invalid('invalidPath', `${attribute.name} is single-valued: it takes no value filter`);
  let sub: Attribute | undefined;
  if (subName !== undefined) {
    if (attribute.type !== 'complex') invalid('invalidPath', `${attribute.name} has no sub-attributes`);
    sub = attributeNamed(attribute.subAttributes ?? [], subName);
    if (sub === undefined) return undefined;
  }
  return { extension, attribute, filter, sub };
}

function applyPath(kind: ResourceKind, resource: JsonObject, op: Op, path: string, value: unknown): void {
  const target = targetOf(kind, path);
  if (target === undefined) return;
  const { attribute, filter, sub } = target;
  const container = containerOf(resource, target.extension, op !== 'remove');
  if (container === undefined) return;
  const name = attribute.name;
  const label = sub === undefined ? name : `${name}.${sub.name}`;

  if (attribute.multiValued === true) {
    const items = (Array.isArray(container[name]) ? container[name] : []).filter(isObject);
    if (filter === undefined && sub === undefined) {
      if (op === 'remove') {
        // Entra ID's older form names the members to remove in `value`: [{ "value": "<id>" }].
        if (value === undefined || value === null) unset(container, name);
        else {
          const given = valueOf(attribute, value, name);
          const values = new Set(
            (Array.isArray(given) ? given : []).flatMap((other) =>
              isObject(other) && typeof other.value === 'string' ? [other.value] : [],
            ),
          );
          setItems(
            container,
            name,
            items.filter(
              (item) => !(typeof item.value === 'string' && values.has(item.value)) && !inList(item, given),
            ),
          );
        }
      } else {
        const given = valueOf(attribute, value, name);
        const added = Array.isArray(given) ? given.filter(isObject) : [];
        setItems(container, name, op === 'replace' ? dedupe(added) : dedupe([...items, ...added]));
      }
      checkCount(attribute, container);
      return;
    }
    const selected = filter === undefined ? items : items.filter((item) => matches(filter, item));
    if (op === 'remove') {
      if (sub === undefined)
        setItems(
          container,
          name,
          items.filter((item) => !selected.includes(item)),
        );
      else for (const item of selected) unset(item, sub.name);
      return;
    }
    if (selected.length === 0) {
      // `emails[type eq "work"].value` with no work email yet: add the item the filter describes.
      const seed = filter === undefined ? undefined : seedOf(filter, attribute);
      if (seed === undefined) invalid('noTarget', `No value of ${name} matches the path's filter`);
      const item = { ...seed };
      assignInto(item, attribute, sub, value, label);
      setItems(container, name, [...items, item]);
      checkCount(attribute, container);
      return;
    }
    for (const item of selected) assignInto(item, attribute, sub, value, label);
    return;
  }

  if (op === 'remove') {
    if (sub === undefined) unset(container, name);
    else {
      const complex = container[name];
      if (isObject(complex)) {
        unset(complex, sub.name);
        if (Object.keys(complex).length === 0) unset(container, name);
      }
    }
    return;
  }
  if (sub !== undefined) {
    const complex = isObject(container[name]) ? container[name] : {};
    const checked = valueOf(sub, value, label);
    if (checked === undefined) unset(complex, sub.name);
    else complex[sub.name] = checked;
    if (Object.keys(complex).length === 0) unset(container, name);
    else container[name] = complex;
    return;
  }
  const checked = valueOf(attribute, value, name);
  if (checked === undefined) unset(container, name);
  else if (attribute.type === 'complex' && isObject(checked) && isObject(container[name]))
    container[name] = { ...container[name], ...checked }; // RFC 7644 §3.5.2.1/3: sub-attributes merge
  else container[name] = checked;
}

function containerOf(resource: JsonObject, extension: boolean, create: boolean): JsonObject | undefined {
  if (!extension) return resource;
  const existing = resource[ENTERPRISE_SCHEMA];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const made: JsonObject = {};
  resource[ENTERPRISE_SCHEMA] = made;
  return made;
}

function assignInto(
  item: JsonObject,
  attribute: Attribute,
  sub: Attribute | undefined,
  value: unknown,
  label: string,
): void {
  if (sub !== undefined) {
    const checked = valueOf(sub, value, label);
    if (checked === undefined) unset(item, sub.name);
    else item[sub.name] = checked;
    return;
  }
  const checked = valueOf(attribute, value, label, true);
  if (isObject(checked)) Object.assign(item, checked);
}

/** The item an `attr eq "value"` filter describes, for an add or replace that matched nothing. */
function seedOf(filter: Filter, attribute: Attribute): JsonObject | undefined {
  if (filter.op !== 'eq' || !('compValue' in filter)) return undefined;
  const sub = attributeNamed(attribute.subAttributes ?? [], filter.attrPath);
  if (sub === undefined) return undefined;
  const checked = valueOf(sub, filter.compValue, `${attribute.name}.${sub.name}`);
  return checked === undefined ? undefined : { [sub.name]: checked };
}

function setItems(container: JsonObject, name: string, items: JsonObject[]): void {
  if (items.length === 0) unset(container, name);
  else container[name] = items;
}

function checkCount(attribute: Attribute, container: JsonObject): void {
  const items = container[attribute.name];
  const max = attribute.maxItems ?? 100;
  if (Array.isArray(items) && items.length > max)
    invalid('invalidValue', `${attribute.name} would hold more than ${max} values`);
}

/** Whether an item is among the values given: by `value` when both have one, else whole. */
function inList(item: JsonObject, given: Json | undefined): boolean {
  const list = Array.isArray(given) ? given : [];
  return list.some((other) =>
    isObject(other) && typeof other.value === 'string' ? other.value === item.value : same(other, item),
  );
}

/** Drops repeated values (by `value` when present, else whole), keeping the place of the first and the content of the last. */
function dedupe(items: JsonObject[]): JsonObject[] {
  const byKey = new Map<string, number>();
  const out: JsonObject[] = [];
  for (const item of items) {
    const key = typeof item.value === 'string' ? `v:${item.value}` : `j:${JSON.stringify(item)}`;
    const index = byKey.get(key);
    if (index === undefined) {
      byKey.set(key, out.length);
      out.push(item);
    } else {
      out[index] = item;
    }
  }
  return out;
}

function same(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Removes a schema-named attribute (only names from the schema tables reach here). */
function unset(object: JsonObject, name: string): void {
  Reflect.deleteProperty(object, name);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
