/**
 * The discovery endpoints (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`,
 * built from the same schema tables the server checks input against (RFC 7643 §5–§7).
 *
 * @module
 */
import { MAX_OPERATIONS } from './patch.js';
import {
  ENTERPRISE_ATTRIBUTES,
  ENTERPRISE_SCHEMA,
  GROUP_ATTRIBUTES,
  GROUP_SCHEMA,
  LIST_SCHEMA,
  USER_ATTRIBUTES,
  USER_SCHEMA,
  COMMON_ATTRIBUTES,
  type Attribute,
  type Json,
  type JsonObject,
} from './schema.js';

const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/**
 * The discovery document for a path, `null` for an unknown schema or resource type, or
 * `undefined` when the path is not a discovery endpoint.
 */
export function discovery(
  collection: string | undefined,
  id: string | undefined,
  base: string | undefined,
): Json | null | undefined {
  const name = collection?.toLowerCase();
  if (name === 'serviceproviderconfig') return id === undefined ? serviceProviderConfig(base) : null;
  if (name === 'resourcetypes') return pick(resourceTypes(base), id);
  if (name === 'schemas') return pick(schemas(base), id);
  return undefined;
}

function pick(all: JsonObject[], id: string | undefined): Json | null {
  if (id === undefined)
    return {
      schemas: [LIST_SCHEMA],
      totalResults: all.length,
      startIndex: 1,
      itemsPerPage: all.length,
      Resources: all,
    };
  return all.find((item) => item.id === id) ?? null;
}

function meta(resourceType: string, base: string | undefined, path: string): JsonObject {
  return { resourceType, ...(base !== undefined && { location: `${base}/${path}` }) };
}

function serviceProviderConfig(base: string | undefined): JsonObject {
  return {
    schemas: [SPC_SCHEMA],
    documentationUri: 'https://github.com/samlkit/samlkit/blob/main/docs/directory-sync.md',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 200 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: `A per-tenant bearer token (RFC 6750). PATCH takes at most ${MAX_OPERATIONS} operations.`,
        primary: true,
      },
    ],
    meta: meta('ServiceProviderConfig', base, 'ServiceProviderConfig'),
  };
}

function resourceTypes(base: string | undefined): JsonObject[] {
  return [
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }],
      meta: meta('ResourceType', base, 'ResourceTypes/User'),
    },
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      schema: GROUP_SCHEMA,
      meta: meta('ResourceType', base, 'ResourceTypes/Group'),
    },
  ];
}

function describe(attribute: Attribute): JsonObject {
  const identifier = attribute.name === 'userName';
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued === true,
    required: attribute.required === true,
    caseExact: attribute.caseExact === true,
    mutability: attribute.mutability ?? 'readWrite',
    returned: 'default',
    uniqueness: identifier ? 'server' : 'none',
    ...(attribute.subAttributes !== undefined && { subAttributes: attribute.subAttributes.map(describe) }),
  };
}

function schemas(base: string | undefined): JsonObject[] {
  const schema = (id: string, name: string, attributes: readonly Attribute[]): JsonObject => ({
    schemas: [SCHEMA_SCHEMA],
    id,
    name,
    attributes: attributes.map(describe),
    meta: meta('Schema', base, `Schemas/${id}`),
  });
  return [
    schema(USER_SCHEMA, 'User', [...COMMON_ATTRIBUTES.slice(1), ...USER_ATTRIBUTES]),
    schema(GROUP_SCHEMA, 'Group', [...COMMON_ATTRIBUTES.slice(1), ...GROUP_ATTRIBUTES]),
    schema(ENTERPRISE_SCHEMA, 'EnterpriseUser', ENTERPRISE_ATTRIBUTES),
  ];
}
