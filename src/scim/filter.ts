/**
 * SCIM filters (RFC 7644 §3.4.2.2), parsed by `scim2-parse-filter` behind guards, and evaluated
 * here against stored resources. The guards come first because the library's tokenizer backtracks
 * exponentially on a quoted string full of line breaks and recurses once per parenthesis: a filter
 * is at most {@link MAX_FILTER_LENGTH} characters, without control characters, nested at most
 * {@link MAX_FILTER_NESTING} deep. Evaluation is ours, so that it follows the schema's case rules
 * (`userName` ignores case, `id` and `externalId` do not; RFC 7643 §2.2, §3.1, §4.1.1).
 *
 * @module
 */
import { parse, type Filter } from 'scim2-parse-filter';
import { invalid } from './fault.js';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, type Json, type JsonObject } from './schema.js';

/** Longest filter accepted, in characters. IdPs send `userName eq "…"`: far shorter. */
export const MAX_FILTER_LENGTH = 2048;
/** Deepest nesting of `(` and `[` accepted. */
export const MAX_FILTER_NESTING = 16;

export type { Filter };

/** Parses a filter, or refuses it with `invalidFilter` (never another error). */
export function parseFilter(
  text: string,
  scimType: 'invalidFilter' | 'invalidPath' = 'invalidFilter',
): Filter {
  if (text.length > MAX_FILTER_LENGTH)
    invalid(scimType, `The filter is longer than ${MAX_FILTER_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/u.test(text)) invalid(scimType, 'The filter contains a control character');
  let depth = 0;
  for (const char of text) {
    if (char === '(' || char === '[') depth++;
    if (depth > MAX_FILTER_NESTING) invalid(scimType, `The filter nests deeper than ${MAX_FILTER_NESTING}`);
  }
  try {
    return parse(text);
  } catch {
    invalid(scimType, 'The filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2)');
  }
}

/** The unique key an `attr eq "value"` filter names, when it is one the store indexes. */
export function indexedKey(filter: Filter, kind: 'User' | 'Group'): string | undefined {
  if (filter.op !== 'eq' || !('compValue' in filter) || typeof filter.compValue !== 'string')
    return undefined;
  const names = attributeNames(filter.attrPath);
  if (names === undefined || names.schema === ENTERPRISE_SCHEMA || names.path.length !== 1) return undefined;
  const name = names.path[0]?.toLowerCase();
  if (name === 'externalid') return externalIdKey(filter.compValue);
  if (kind === 'User' && name === 'username') return userNameKey(filter.compValue);
  if (name === 'id') return `id:${filter.compValue}`;
  return undefined;
}

/** The unique key of a userName: ASCII case ignored (RFC 7643 §4.1.1 caseExact false), so a
 * Unicode look-alike (U+212A KELVIN SIGN) stays another name. */
export function userNameKey(userName: string): string {
  return `userName:${userName.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())}`;
}

/** The unique key of an externalId (caseExact, RFC 7643 §3.1). */
export function externalIdKey(externalId: string): string {
  return `externalId:${externalId}`;
}

/** A path split into its schema (core or extension) and attribute names. */
interface AttributeNames {
  readonly schema: string | undefined;
  readonly path: readonly string[];
}

/** `urn:…:enterprise:2.0:User:manager.value` → the extension and `['manager', 'value']`. */
export function attributeNames(attrPath: string): AttributeNames | undefined {
  let rest = attrPath;
  let schema: string | undefined;
  for (const urn of [ENTERPRISE_SCHEMA, USER_SCHEMA, GROUP_SCHEMA]) {
    if (rest.toLowerCase().startsWith(`${urn.toLowerCase()}:`)) {
      rest = rest.slice(urn.length + 1);
      schema = urn === ENTERPRISE_SCHEMA ? urn : undefined;
      break;
    }
  }
  const path = rest.split('.');
  if (path.length > 2 || path.some((name) => !/^\$?[A-Za-z][\w-]*$/u.test(name))) return undefined;
  return { schema, path };
}

/** Every value at the path in the resource, flattening multi-valued attributes. */
export function valuesAt(resource: JsonObject, attrPath: string): Json[] {
  const names = attributeNames(attrPath);
  if (names === undefined) return [];
  let current: Json[] = [names.schema === undefined ? resource : (resource[names.schema] ?? null)];
  for (const name of names.path) {
    const next: Json[] = [];
    for (const item of current) {
      const value = member(item, name);
      if (Array.isArray(value)) next.push(...value);
      else if (value !== undefined && value !== null) next.push(value);
    }
    current = next;
  }
  return current;
}

/** A property of a JSON object by name, ignoring case (RFC 7643 §2.1). */
export function member(value: Json | undefined, name: string): Json | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const lower = name.toLowerCase();
  for (const [key, item] of Object.entries(value)) if (key.toLowerCase() === lower) return item;
  return undefined;
}

/** Whether string comparisons on this path respect case: identifiers do, names do not. */
function caseExact(attrPath: string): boolean {
  const names = attributeNames(attrPath)?.path.map((name) => name.toLowerCase()) ?? [];
  const [first, second] = names;
  if (second === undefined) return first === 'id' || first === 'externalid';
  return second === 'value' && (first === 'members' || first === 'manager');
}

/** Whether the resource matches the filter. */
export function matches(filter: Filter, resource: JsonObject): boolean {
  switch (filter.op) {
    case 'and':
      return 'filters' in filter && filter.filters.every((part) => matches(part, resource));
    case 'or':
      return 'filters' in filter && filter.filters.some((part) => matches(part, resource));
    case 'not':
      return 'filter' in filter && !matches(filter.filter, resource);
    case '[]': {
      if (!('valFilter' in filter)) return false;
      const { valFilter } = filter;
      return valuesAt(resource, filter.attrPath).some(
        (item) =>
          typeof item === 'object' && item !== null && !Array.isArray(item) && matches(valFilter, item),
      );
    }
    case 'pr':
      return valuesAt(resource, filter.attrPath).some((value) => value !== '' && value !== null);
    default: {
      if (!('compValue' in filter)) return false;
      const { op, compValue } = filter;
      const exact = caseExact(filter.attrPath);
      const values = valuesAt(resource, filter.attrPath);
      if (op === 'ne') return !values.some((value) => compareOne('eq', value, compValue, exact));
      return values.some((value) => compareOne(op, value, compValue, exact));
    }
  }
}

function compareOne(op: string, value: Json, against: unknown, exact: boolean): boolean {
  if (typeof value === 'string' && typeof against === 'string') {
    const a = exact ? value : value.toLowerCase();
    const b = exact ? against : against.toLowerCase();
    switch (op) {
      case 'eq':
        return a === b;
      case 'co':
        return a.includes(b);
      case 'sw':
        return a.startsWith(b);
      case 'ew':
        return a.endsWith(b);
      case 'gt':
        return a > b;
      case 'ge':
        return a >= b;
      case 'lt':
        return a < b;
      case 'le':
        return a <= b;
      default:
        return false;
    }
  }
  if (op === 'eq') return value === against;
  if (typeof value === 'number' && typeof against === 'number') {
    if (op === 'gt') return value > against;
    if (op === 'ge') return value >= against;
    if (op === 'lt') return value < against;
    if (op === 'le') return value <= against;
  }
  return false;
}
