/**
 * The directory store contract: what the SCIM handler needs of memory, Redis and PostgreSQL. It
 * knows nothing of SCIM attributes: a record is an opaque JSON document with an ID, a version and
 * the unique keys the handler computed for it, so every adapter enforces uniqueness and
 * compare-and-set the same way (the conformance suite holds them to it).
 *
 * @module
 */
import { fail } from '../internal/fail.js';

/** The kinds of record a tenant's directory holds: SCIM users, SCIM groups, and the bearer token. */
export type DirectoryRecordType = 'User' | 'Group' | 'Credential';

/** One stored directory record: a SCIM resource (or the tenant's token) of one tenant. */
export interface DirectoryRecord {
  /** The tenant whose directory holds it. */
  readonly tenantId: string;
  /** What it is. */
  readonly type: DirectoryRecordType;
  /** The SCIM `id` (RFC 7643 §3.1), unique per tenant and type. */
  readonly id: string;
  /** Starts at 1 and grows by one with each write: the ETag (RFC 7644 §3.14) and the compare-and-set token. */
  readonly version: number;
  /**
   * Values that no other record of the same tenant and type may hold at the same time, already in
   * their compared form (e.g. `userName:alice@example.com`, lower-cased; `externalId:…` as sent).
   */
  readonly keys: readonly string[];
  /** The resource as JSON (stored and returned as it is; the store never reads into it). */
  readonly data: string;
}

/** Why a write was refused: a unique key another record holds, or a version that moved on. */
export type DirectoryWriteResult =
  | {
      /** The write is stored. */
      readonly ok: true;
      /** The record as stored. */
      readonly record: DirectoryRecord;
    }
  | {
      /** Nothing was written. */
      readonly ok: false;
      /** `key`: `conflictingKey` is taken; `version`: the record changed or vanished since it was read; `exists`: the ID is taken. */
      readonly reason: 'key' | 'version' | 'exists';
      /** The first key found taken by another record (for `reason: 'key'`). */
      readonly conflictingKey?: string;
    };

/**
 * Where a tenant's directory lives. Every method is atomic on its own: `insert` writes the record
 * and claims its keys, or nothing; `update` is a compare-and-set on `version` that also moves the
 * keys; `delete` frees the keys with the record. Records of different tenants or types never see
 * each other, whatever their IDs and keys hold.
 */
export interface DirectoryStore {
  /** The record, or `undefined`. */
  get(tenantId: string, type: DirectoryRecordType, id: string): Promise<DirectoryRecord | undefined>;
  /** The record holding this unique key, or `undefined`. */
  findByKey(tenantId: string, type: DirectoryRecordType, key: string): Promise<DirectoryRecord | undefined>;
  /** Every record of the tenant and type, sorted by ID (code-unit order). */
  list(tenantId: string, type: DirectoryRecordType): Promise<DirectoryRecord[]>;
  /**
   * Stores a new record (its `version` must be 1) when its ID and every key are free in the tenant
   * and type; else stores nothing and says why.
   */
  insert(record: DirectoryRecord): Promise<DirectoryWriteResult>;
  /**
   * Replaces the record whose version is `record.version - 1`, moving its keys to `record.keys`;
   * refuses (`version`) when the stored version differs or the record is gone, and (`key`) when
   * another record holds one of the new keys.
   */
  update(record: DirectoryRecord): Promise<DirectoryWriteResult>;
  /** Deletes the record and frees its keys; `false` when there was none. */
  delete(tenantId: string, type: DirectoryRecordType, id: string): Promise<boolean>;
  /** Later calls reject with `STORE_UNAVAILABLE`; closing twice is harmless. */
  close?(): Promise<void>;
}

const TYPES: ReadonlySet<string> = new Set(['User', 'Group', 'Credential']);

/** Checks the arguments every adapter takes, the same way (developer mistakes are TypeErrors). */
export function checkScope(tenantId: unknown, type: unknown, id: unknown, parameter = 'id'): void {
  if (typeof tenantId !== 'string' || tenantId === '')
    throw new TypeError('tenantId must be a non-empty string');
  if (typeof type !== 'string' || !TYPES.has(type))
    throw new TypeError('type must be User, Group or Credential');
  if (typeof id !== 'string' || id === '') throw new TypeError(`${parameter} must be a non-empty string`);
}

/** Checks a record given to `insert` or `update`. */
export function checkRecord(record: unknown): asserts record is DirectoryRecord {
  const fields = typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : {};
  checkScope(fields.tenantId, fields.type, fields.id, 'record.id');
  const { version, keys, data } = fields;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
    throw new TypeError('record.version must be a whole number from 1');
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string' && key !== ''))
    throw new TypeError('record.keys must be an array of non-empty strings');
  if (new Set(keys).size !== keys.length) throw new TypeError('record.keys must not repeat a key');
  if (typeof data !== 'string') throw new TypeError('record.data must be a JSON string');
}

/** A frozen copy, so that no caller shares a record object with the store. */
export function frozenRecord(record: DirectoryRecord): DirectoryRecord {
  return Object.freeze({
    tenantId: record.tenantId,
    type: record.type,
    id: record.id,
    version: record.version,
    keys: Object.freeze([...record.keys]),
    data: record.data,
  });
}

/** A record read back from a server, checked: anything else is a store written by someone else. */
export function recordFrom(value: unknown, what: string): DirectoryRecord {
  try {
    checkRecord(value);
  } catch (cause) {
    fail('STORE_UNAVAILABLE', `The stored directory ${what} is not valid`, {
      hint: 'A directory record was written by another program or an incompatible samlkit version: give the directory store a key prefix or schema of its own.',
      cause,
    });
  }
  return frozenRecord(value);
}
