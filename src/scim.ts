/**
 * `samlkit/scim`: directory sync with SCIM 2.0 (RFC 7643, RFC 7644). The customer's IdP (Entra ID,
 * Okta, …) pushes users and groups; the app learns of joiners, movers and leavers without waiting
 * for a login, and a login of a user the directory deactivated is refused. Kept out of the main
 * entry: apps without SCIM load none of it. See docs/directory-sync.md.
 *
 * @example
 * ```ts
 * import { createScimHandler, createScimToken, createMemoryDirectoryStore } from 'samlkit/scim';
 *
 * const directory = createMemoryDirectoryStore();
 * const { token } = await createScimToken(directory, 'acme'); // show once to the admin
 * const scim = createScimHandler({ directory, tenants: store, onEvent: (event) => console.log(event.type) });
 * ```
 *
 * @module
 */
export {
  createScimHandler,
  DEFAULT_SCIM_PAGE_SIZE,
  MAX_SCIM_BODY_BYTES,
  MAX_SCIM_PAGE_SIZE,
  SCIM_CONTENT_TYPE,
  type ScimHandler,
  type ScimHandlerOptions,
  type ScimRequest,
  type ScimResponse,
} from './scim/handler.js';
export {
  createScimToken,
  MAX_TOKEN_GRACE_SECONDS,
  revokeScimTokens,
  type CreateScimTokenOptions,
  type IssuedScimToken,
} from './scim/tokens.js';
export {
  rolesFor,
  type DirectoryEvent,
  type DirectoryEventHandler,
  type DirectoryGroupRef,
  type DirectoryUser,
  type DirectoryUserRoles,
} from './scim/events.js';
export {
  createDirectoryLoginGate,
  type DirectoryLoginGate,
  type DirectoryLoginGateOptions,
} from './scim/login.js';
export { createMemoryDirectoryStore } from './scim/memory.js';
export {
  type DirectoryRecord,
  type DirectoryRecordType,
  type DirectoryStore,
  type DirectoryWriteResult,
} from './scim/store.js';
export type { Json, JsonObject } from './scim/schema.js';
export { MAX_FILTER_LENGTH, MAX_FILTER_NESTING } from './scim/filter.js';
export { MAX_OPERATIONS as MAX_PATCH_OPERATIONS } from './scim/patch.js';
export { createRedisDirectoryStore, type RedisDirectoryStoreOptions } from './scim/redis.js';
export {
  createPostgresDirectoryStore,
  DIRECTORY_SCHEMA_VERSION,
  directorySchemaSql,
  migrateDirectory,
  type PostgresDirectoryOptions,
} from './scim/postgres.js';
