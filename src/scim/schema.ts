/**
 * The SCIM schemas this server keeps (RFC 7643 §4.1 User, §4.2 Group, §4.3 enterprise extension),
 * and the one function that turns client JSON into a stored resource: attribute names matched
 * ignoring case (RFC 7643 §2.1), unknown attributes dropped, values checked by type, sizes capped.
 * Only names from these tables ever become object keys, so no input can write `__proto__`.
 *
 * @module
 */
import { invalid } from './fault.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A JSON value as stored. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object as stored. */
export type JsonObject = Record<string, Json>;

/** One attribute of a schema (RFC 7643 §2.2, §7), reduced to what this server checks. */
export interface Attribute {
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'complex' | 'reference';
  readonly multiValued?: boolean;
  readonly caseExact?: boolean;
  /** `readOnly` attributes are set by the server; client values are ignored (RFC 7643 §2.2). */
  readonly mutability?: 'readOnly' | 'readWrite' | 'immutable';
  readonly required?: boolean;
  readonly subAttributes?: readonly Attribute[];
  /** Most values a multi-valued attribute may hold. */
  readonly maxItems?: number;
}

const MULTI_SUB: readonly Attribute[] = [
  { name: 'value', type: 'string' },
  { name: 'display', type: 'string' },
  { name: 'type', type: 'string' },
  { name: 'primary', type: 'boolean' },
];

export const USER_ATTRIBUTES: readonly Attribute[] = [
  { name: 'userName', type: 'string', required: true },
  {
    name: 'name',
    type: 'complex',
    subAttributes: [
      'formatted',
      'familyName',
      'givenName',
      'middleName',
      'honorificPrefix',
      'honorificSuffix',
    ].map((name) => ({ name, type: 'string' }) as const),
  },
  ...[
    'displayName',
    'nickName',
    'profileUrl',
    'title',
    'userType',
    'preferredLanguage',
    'locale',
    'timezone',
  ].map((name) => ({ name, type: 'string' }) as const),
  { name: 'active', type: 'boolean' },
  { name: 'emails', type: 'complex', multiValued: true, subAttributes: MULTI_SUB, maxItems: 20 },
  { name: 'phoneNumbers', type: 'complex', multiValued: true, subAttributes: MULTI_SUB, maxItems: 20 },
  { name: 'roles', type: 'complex', multiValued: true, subAttributes: MULTI_SUB, maxItems: 100 },
  {
    name: 'addresses',
    type: 'complex',
    multiValued: true,
    maxItems: 10,
    subAttributes: [
      ...['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'].map(
        (name) => ({ name, type: 'string' }) as const,
      ),
      { name: 'primary', type: 'boolean' },
    ],
  },
];

export const ENTERPRISE_ATTRIBUTES: readonly Attribute[] = [
  ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map(
    (name) => ({ name, type: 'string' }) as const,
  ),
  {
    name: 'manager',
    type: 'complex',
    subAttributes: [
      { name: 'value', type: 'string', caseExact: true },
      { name: '$ref', type: 'reference' },
      { name: 'displayName', type: 'string' },
    ],
  },
];

/** Most members one group may hold: beyond, a PATCH or PUT is refused with `tooMany`… of a kind. */
export const MAX_MEMBERS = 10_000;

export const GROUP_ATTRIBUTES: readonly Attribute[] = [
  { name: 'displayName', type: 'string', required: true },
  {
    name: 'members',
    type: 'complex',
    multiValued: true,
    maxItems: MAX_MEMBERS,
    subAttributes: [
      { name: 'value', type: 'string', caseExact: true, mutability: 'immutable' },
      { name: '$ref', type: 'reference' },
      { name: 'display', type: 'string' },
      { name: 'type', type: 'string' },
    ],
  },
];

/** Attributes every resource has (RFC 7643 §3.1). `id` and `meta` are the server's. */
export const COMMON_ATTRIBUTES: readonly Attribute[] = [
  { name: 'id', type: 'string', caseExact: true, mutability: 'readOnly' },
  { name: 'externalId', type: 'string', caseExact: true },
];

/** Longest string value kept, in UTF-16 code units. */
export const MAX_STRING = 2048;

/** The resource type a document belongs to. */
export type ResourceKind = 'User' | 'Group';

/** The core attributes of a kind, with the common ones. */
export function coreAttributes(kind: ResourceKind): readonly Attribute[] {
  return [...COMMON_ATTRIBUTES, ...(kind === 'User' ? USER_ATTRIBUTES : GROUP_ATTRIBUTES)];
}

/** Finds an attribute by name, ignoring case (RFC 7643 §2.1). */
export function attributeNamed(attributes: readonly Attribute[], name: string): Attribute | undefined {
  const lower = name.toLowerCase();
  return attributes.find((attribute) => attribute.name.toLowerCase() === lower);
}

/** `true`/`false`, or the strings Entra ID sends ("True", "False", any case). */
export function booleanOf(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  invalid('invalidValue', `${path} must be a boolean`);
}

/** A string value: well-formed Unicode (stores hold UTF-8), no NUL, at most {@link MAX_STRING}. */
export function stringOf(value: unknown, path: string): string {
  if (typeof value !== 'string') invalid('invalidValue', `${path} must be a string`);
  if (value.length > MAX_STRING) invalid('invalidValue', `${path} is longer than ${MAX_STRING} characters`);
  // Lone surrogates have no UTF-8 form and NUL no place in PostgreSQL text: refused everywhere alike.
  if (!isWellFormed(value)) invalid('invalidValue', `${path} is not well-formed Unicode`);
  if (value.includes('\0')) invalid('invalidValue', `${path} contains a NUL character`);
  return value;
}

/** False for a string with a lone surrogate (a `u`-flag regex sees pairs as one code point). */
export function isWellFormed(value: string): boolean {
  return !/\p{Surrogate}/u.test(value);
}

/** Checks one value of an attribute and returns it in stored form; `null` means unassigned. */
export function valueOf(
  attribute: Attribute,
  value: unknown,
  path: string,
  single = false,
): Json | undefined {
  if (value === null) return undefined;
  if (attribute.multiValued === true && !single) {
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    const max = attribute.maxItems ?? 100;
    if (items.length > max) invalid('invalidValue', `${path} holds more than ${max} values`);
    const out: Json[] = [];
    for (const [index, item] of items.entries()) {
      const checked = valueOf(attribute, item, `${path}[${index}]`, true);
      if (checked !== undefined) out.push(checked);
    }
    return out.length === 0 ? undefined : out;
  }
  switch (attribute.type) {
    case 'boolean':
      return booleanOf(value, path);
    case 'string':
    case 'reference':
      return stringOf(value, path);
    case 'complex': {
      const subs = attribute.subAttributes ?? [];
      // Entra ID sends the enterprise `manager` as the manager's id alone: the `value` sub-attribute.
      if (typeof value === 'string' && attributeNamed(subs, 'value') !== undefined)
        return value === '' ? undefined : { value: stringOf(value, `${path}.value`) };
      return complexOf(subs, value, path);
    }
  }
}

function complexOf(attributes: readonly Attribute[], value: unknown, path: string): JsonObject | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid('invalidValue', `${path} must be an object`);
  const out: JsonObject = {};
  for (const [name, item] of Object.entries(value)) {
    const sub = attributeNamed(attributes, name);
    if (sub === undefined) continue;
    const checked = valueOf(sub, item, `${path}.${sub.name}`);
    if (checked !== undefined) out[sub.name] = checked;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * A resource from a POST or PUT body (RFC 7644 §3.3, §3.5.1): known attributes only, checked and
 * in canonical case; `id` and `meta` are ignored (the server's). The enterprise extension is kept
 * under its URN for users.
 */
export function resourceFromBody(kind: ResourceKind, body: unknown): JsonObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    invalid('invalidSyntax', 'The request body must be a JSON object');
  const out: JsonObject = {};
  const attributes = coreAttributes(kind);
  for (const [name, value] of Object.entries(body)) {
    if (kind === 'User' && name.toLowerCase() === ENTERPRISE_SCHEMA.toLowerCase()) {
      const extension = complexOf(ENTERPRISE_ATTRIBUTES, value ?? {}, ENTERPRISE_SCHEMA);
      if (extension !== undefined) out[ENTERPRISE_SCHEMA] = extension;
      continue;
    }
    const attribute = attributeNamed(attributes, name);
    if (attribute === undefined || attribute.mutability === 'readOnly') continue;
    const checked = valueOf(attribute, value, attribute.name);
    if (checked !== undefined) out[attribute.name] = checked;
  }
  return checkRequired(kind, out);
}

/** The attributes a resource must have, and what they must look like, after any write. */
export function checkRequired(kind: ResourceKind, resource: JsonObject): JsonObject {
  const required = kind === 'User' ? 'userName' : 'displayName';
  const value = resource[required];
  if (typeof value !== 'string' || value.trim() === '')
    invalid('invalidValue', `${required} is required and must not be empty`);
  return resource;
}
