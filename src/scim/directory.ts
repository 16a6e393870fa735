/**
 * The directory operations behind the SCIM endpoints (RFC 7644 §3.3–§3.6): create, read, list,
 * replace, patch and delete users and groups of one tenant, with uniqueness, compare-and-set
 * writes, membership upkeep and events. HTTP is the handler's business, not this file's.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { TenantConfig } from '../types.js';
import { fail } from '../internal/fail.js';
import { invalid, notFound, notUnique, preconditionFailed } from './fault.js';
import { externalIdKey, userNameKey } from './filter.js';
import { applyPatch } from './patch.js';
import {
  checkRequired,
  ENTERPRISE_SCHEMA,
  GROUP_SCHEMA,
  USER_SCHEMA,
  type Json,
  type JsonObject,
  type ResourceKind,
} from './schema.js';
import type { DirectoryRecord, DirectoryStore } from './store.js';
import {
  rolesFor,
  type DirectoryEvent,
  type DirectoryEventHandler,
  type DirectoryGroupRef,
  type DirectoryUser,
  type DirectoryUserRoles,
} from './events.js';

/** What a stored record's `data` holds. */
interface Stored {
  readonly resource: JsonObject;
  readonly created: string;
  readonly lastModified: string;
}

/** A resource read from the store, with what the handler needs to render it. */
export interface Loaded {
  readonly record: DirectoryRecord;
  readonly stored: Stored;
}

/** Attempts of a PATCH or membership change that lost a compare-and-set race to another writer. */
const WRITE_ATTEMPTS = 8;

/** Everything the operations of one request share. */
export interface Context {
  readonly tenantId: string;
  readonly tenant: TenantConfig | undefined;
  readonly store: DirectoryStore;
  readonly now: Date;
  readonly onEvent: DirectoryEventHandler | undefined;
}

export function storedOf(record: DirectoryRecord): Stored {
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.data);
  } catch {
    parsed = undefined;
  }
  const stored = parsed as Record<string, unknown> | null | undefined;
  const resource = stored?.resource;
  if (
    typeof resource !== 'object' ||
    resource === null ||
    Array.isArray(resource) ||
    typeof stored?.created !== 'string'
  ) {
    fail('STORE_UNAVAILABLE', 'A stored directory resource is not valid', {
      hint: 'The directory store holds a record samlkit did not write: give the directory store a key prefix or schema of its own.',
      tenantId: record.tenantId,
    });
  }
  return stored as unknown as Stored;
}

/** The unique keys of a resource: userName (ASCII case ignored) for users, externalId for both. */
export function keysOf(kind: ResourceKind, resource: JsonObject): string[] {
  const keys: string[] = [];
  if (kind === 'User' && typeof resource.userName === 'string') keys.push(userNameKey(resource.userName));
  if (typeof resource.externalId === 'string') keys.push(externalIdKey(resource.externalId));
  return keys;
}

/** The resource as SCIM returns it (RFC 7643 §3.1 `meta`, §8.7.1 the schemas it uses). */
export function representation(kind: ResourceKind, loaded: Loaded, location: string | undefined): JsonObject {
  const { record, stored } = loaded;
  const schemas: Json[] = [kind === 'User' ? USER_SCHEMA : GROUP_SCHEMA];
  if (stored.resource[ENTERPRISE_SCHEMA] !== undefined) schemas.push(ENTERPRISE_SCHEMA);
  return {
    schemas,
    id: record.id,
    ...stored.resource,
    meta: {
      resourceType: kind,
      created: stored.created,
      lastModified: stored.lastModified,
      version: etagOf(record),
      ...(location !== undefined && { location }),
    },
  };
}

/** The weak ETag of a record (RFC 7644 §3.14): its version. */
export function etagOf(record: DirectoryRecord): string {
  return `W/"${record.version}"`;
}

export async function load(context: Context, kind: ResourceKind, id: string): Promise<Loaded> {
  const record = await context.store.get(context.tenantId, kind, id);
  if (record === undefined) notFound(kind);
  return { record, stored: storedOf(record) };
}

export async function loadByKey(
  context: Context,
  kind: ResourceKind,
  key: string,
): Promise<Loaded | undefined> {
  const record = await context.store.findByKey(context.tenantId, kind, key);
  return record === undefined ? undefined : { record, stored: storedOf(record) };
}

export async function loadAll(context: Context, kind: ResourceKind): Promise<Loaded[]> {
  const records = await context.store.list(context.tenantId, kind);
  return records.map((record) => ({ record, stored: storedOf(record) }));
}

/**
 * `POST /Users` or `/Groups`. A retry of a create that already succeeded (same unique keys, same
 * attributes) answers with the stored resource, so an IdP that timed out and retries gets what
 * it created; a different resource holding the key is a 409 `uniqueness` (RFC 7644 §3.3).
 */
export async function create(context: Context, kind: ResourceKind, resource: JsonObject): Promise<Loaded> {
  if (kind === 'User' && resource.active === undefined) resource.active = true;
  if (kind === 'Group') setMembers(resource, await checkedMembers(context, [], resource.members));
  const time = context.now.toISOString();
  const stored: Stored = { resource, created: time, lastModified: time };
  const keys = keysOf(kind, resource);
  const record: DirectoryRecord = {
    tenantId: context.tenantId,
    type: kind,
    id: randomUUID(),
    version: 1,
    keys,
    data: JSON.stringify(stored),
  };
  const written = await context.store.insert(record);
  if (!written.ok) {
    const holder =
      written.conflictingKey === undefined
        ? undefined
        : await loadByKey(context, kind, written.conflictingKey);
    if (holder !== undefined && sameJson(holder.stored.resource, resource)) return holder;
    notUnique(written.conflictingKey?.startsWith('externalId:') === true ? 'externalId' : 'userName');
  }
  const loaded = { record: written.record, stored };
  if (kind === 'User') await emitUser(context, 'user.created', loaded);
  else await emitMembership(context, loaded, undefined);
  return loaded;
}

/**
 * Writes a new version of a resource computed from the current one (PUT and PATCH): read,
 * compute, compare-and-set, and again when another writer won in between, so that no change is
 * lost (RFC 7644 §3.5.2: the PATCH applies atomically). With `ifMatch`, a moved version is a 412.
 */
export async function modify(
  context: Context,
  kind: ResourceKind,
  id: string,
  change: (resource: JsonObject) => JsonObject | Promise<JsonObject>,
  ifMatch?: string,
): Promise<Loaded> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const before = await load(context, kind, id);
    if (ifMatch !== undefined && !etagMatches(ifMatch, before.record)) preconditionFailed();
    const resource = checkRequired(kind, await change(structuredClone(before.stored.resource)));
    if (sameJson(resource, before.stored.resource)) return before; // nothing changed: no write, no event
    const stored: Stored = { ...before.stored, resource, lastModified: context.now.toISOString() };
    const record: DirectoryRecord = {
      ...before.record,
      version: before.record.version + 1,
      keys: keysOf(kind, resource),
      data: JSON.stringify(stored),
    };
    const written = await context.store.update(record);
    if (written.ok) {
      const after = { record: written.record, stored };
      if (kind === 'User') {
        const deactivated = before.stored.resource.active !== false && resource.active === false;
        await emitUser(context, deactivated ? 'user.deactivated' : 'user.updated', after);
      } else {
        await emitMembership(context, after, before);
      }
      return after;
    }
    if (written.reason === 'key')
      notUnique(written.conflictingKey?.startsWith('externalId:') === true ? 'externalId' : 'userName');
    if (ifMatch !== undefined) preconditionFailed();
  }
  fail('DIRECTORY_CONFLICT', 'The resource kept changing while this request tried to write it', {
    hint: 'Many concurrent changes to one resource: the IdP retries the request.',
    tenantId: context.tenantId,
  });
}

/** `PUT`: the body replaces every attribute it can (RFC 7644 §3.5.1); `id` and `meta` stay. */
export function replace(
  context: Context,
  kind: ResourceKind,
  id: string,
  resource: JsonObject,
  ifMatch?: string,
): Promise<Loaded> {
  return modify(
    context,
    kind,
    id,
    async (current) => {
      if (kind === 'User' && resource.active === undefined) resource.active = current.active ?? true;
      if (kind === 'Group') {
        setMembers(resource, await checkedMembers(context, current.members, resource.members));
      }
      return resource;
    },
    ifMatch,
  );
}

/** `PATCH` (RFC 7644 §3.5.2). */
export function patch(
  context: Context,
  kind: ResourceKind,
  id: string,
  body: unknown,
  ifMatch?: string,
): Promise<Loaded> {
  return modify(
    context,
    kind,
    id,
    async (current) => {
      const next = applyPatch(kind, current, body);
      if (kind === 'Group') {
        setMembers(next, await checkedMembers(context, current.members, next.members));
      }
      return next;
    },
    ifMatch,
  );
}

/** `DELETE` (RFC 7644 §3.6); a deleted user also leaves every group. */
export async function remove(
  context: Context,
  kind: ResourceKind,
  id: string,
  ifMatch?: string,
): Promise<void> {
  const before = await load(context, kind, id);
  if (ifMatch !== undefined && !etagMatches(ifMatch, before.record)) preconditionFailed();
  if (!(await context.store.delete(context.tenantId, kind, id))) notFound(kind);
  if (kind === 'Group') {
    const ids = memberIds(before.stored.resource.members);
    await emitMembershipOf(context, groupRef(before), [], ids);
    return;
  }
  for (const group of await loadAll(context, 'Group')) {
    if (!memberIds(group.stored.resource.members).includes(id)) continue;
    await modify(context, 'Group', group.record.id, (resource) => {
      const members = (Array.isArray(resource.members) ? resource.members : []).filter(
        (member) => !(isObject(member) && member.value === id),
      );
      if (members.length === 0) delete resource.members;
      else resource.members = members;
      return resource;
    }).catch((error: unknown) => {
      // A group deleted meanwhile has no member left to drop.
      if (!(error instanceof Error && 'code' in error && error.code === 'SCIM_NOT_FOUND')) throw error;
    });
  }
  if (context.onEvent !== undefined)
    await context.onEvent({ type: 'user.deleted', tenantId: context.tenantId, user: userOf(before) });
}

/**
 * Checks a group's members: users of this tenant only (`members[].value` is a user `id`). Members
 * already there stay even if their user is gone (a delete races the group write); new ones must exist.
 */
async function checkedMembers(
  context: Context,
  current: Json | undefined,
  next: Json | undefined,
): Promise<Json | undefined> {
  if (next === undefined) return undefined;
  const before = new Set(memberIds(current));
  const items = Array.isArray(next) ? next.filter(isObject) : [];
  const fresh = [...new Set(memberIds(items))].filter((id) => !before.has(id));
  if (items.some((item) => typeof item.value !== 'string'))
    invalid('invalidValue', 'Every member needs a value (the user id)');
  let known: ReadonlySet<string>;
  if (fresh.length > 20) {
    known = new Set((await context.store.list(context.tenantId, 'User')).map((record) => record.id));
  } else {
    const found = await Promise.all(fresh.map((id) => context.store.get(context.tenantId, 'User', id)));
    known = new Set(found.flatMap((record) => (record === undefined ? [] : [record.id])));
  }
  const unknown = fresh.find((id) => !known.has(id));
  if (unknown !== undefined)
    invalid(
      'invalidValue',
      'A member is not a user of this directory',
      'Provision the user before adding them to a group; nested groups are not supported.',
    );
  // Only value, display and type are kept; `$ref` points at this server and is rebuilt by nobody.
  return items.map((item) => ({
    value: item.value ?? '',
    ...(typeof item.display === 'string' && { display: item.display }),
    ...(typeof item.type === 'string' && { type: item.type }),
  }));
}

function setMembers(resource: JsonObject, members: Json | undefined): void {
  if (members === undefined) delete resource.members;
  else resource.members = members;
}

export function memberIds(members: Json | undefined): string[] {
  return (Array.isArray(members) ? members : []).flatMap((member) =>
    isObject(member) && typeof member.value === 'string' ? [member.value] : [],
  );
}

function etagMatches(ifMatch: string, record: DirectoryRecord): boolean {
  if (ifMatch.trim() === '*') return true;
  const wanted = etagOf(record).slice(2); // compare weakly (RFC 7232 §2.3.2): "n" with or without W/
  return ifMatch.split(',').some((tag) => tag.trim().replace(/^W\//u, '') === wanted);
}

export function userOf(loaded: Loaded): DirectoryUser {
  const { resource } = loaded.stored;
  const emails = (Array.isArray(resource.emails) ? resource.emails : []).filter(isObject);
  const primary = emails.find((email) => email.primary === true) ?? emails[0];
  return {
    id: loaded.record.id,
    userName: typeof resource.userName === 'string' ? resource.userName : '',
    ...(typeof resource.externalId === 'string' && { externalId: resource.externalId }),
    active: resource.active !== false,
    ...(typeof primary?.value === 'string' && { email: primary.value }),
    ...(typeof resource.displayName === 'string' && { displayName: resource.displayName }),
    resource: representation('User', loaded, undefined),
  };
}

function groupRef(loaded: Loaded): DirectoryGroupRef {
  const { resource } = loaded.stored;
  return {
    id: loaded.record.id,
    displayName: typeof resource.displayName === 'string' ? resource.displayName : '',
    ...(typeof resource.externalId === 'string' && { externalId: resource.externalId }),
  };
}

/** A user with the roles of their groups' names and external IDs. */
async function withRoles(
  context: Context,
  user: Loaded,
  groups?: readonly Loaded[],
): Promise<DirectoryUserRoles> {
  const all = groups ?? (await loadAll(context, 'Group'));
  const names = all
    .filter((group) => memberIds(group.stored.resource.members).includes(user.record.id))
    .flatMap((group) => {
      const { displayName, externalId } = group.stored.resource;
      return [displayName, externalId].filter((name): name is string => typeof name === 'string');
    });
  const view = userOf(user);
  return { user: view, roles: rolesFor(context.tenant, view.userName, names) };
}

async function emitUser(
  context: Context,
  type: 'user.created' | 'user.updated' | 'user.deactivated',
  user: Loaded,
): Promise<void> {
  if (context.onEvent === undefined) return;
  const event: DirectoryEvent = { type, tenantId: context.tenantId, ...(await withRoles(context, user)) };
  await context.onEvent(event);
}

async function emitMembership(context: Context, after: Loaded, before: Loaded | undefined): Promise<void> {
  const now = memberIds(after.stored.resource.members);
  const then = before === undefined ? [] : memberIds(before.stored.resource.members);
  const added = now.filter((id) => !then.includes(id));
  const removed = then.filter((id) => !now.includes(id));
  const renamed =
    before !== undefined &&
    (before.stored.resource.displayName !== after.stored.resource.displayName ||
      before.stored.resource.externalId !== after.stored.resource.externalId);
  // A new name can match other role rules: every member's roles may change.
  const affected = renamed ? [...new Set([...now, ...removed])] : [...added, ...removed];
  if (affected.length === 0 && !renamed) return;
  await emitMembershipOf(context, groupRef(after), added, removed, affected);
}

async function emitMembershipOf(
  context: Context,
  group: DirectoryGroupRef,
  added: readonly string[],
  removed: readonly string[],
  affected: readonly string[] = [...added, ...removed],
): Promise<void> {
  if (context.onEvent === undefined) return;
  const groups = await loadAll(context, 'Group');
  const users: DirectoryUserRoles[] = [];
  for (const id of affected) {
    const record = await context.store.get(context.tenantId, 'User', id);
    if (record !== undefined)
      users.push(await withRoles(context, { record, stored: storedOf(record) }, groups));
  }
  await context.onEvent({
    type: 'membership.changed',
    tenantId: context.tenantId,
    group,
    added,
    removed,
    users,
  });
}

function sameJson(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
