/**
 * The in-memory directory store: one process, tests and single-instance apps.
 *
 * @module
 */
import { fail } from '../internal/fail.js';
import { compare } from '../store/arguments.js';
import {
  checkRecord,
  checkScope,
  frozenRecord,
  type DirectoryRecord,
  type DirectoryRecordType,
  type DirectoryStore,
  type DirectoryWriteResult,
} from './store.js';

interface Scope {
  readonly records: Map<string, DirectoryRecord>;
  /** Unique key → record ID. */
  readonly keys: Map<string, string>;
}

/**
 * A {@link DirectoryStore} in this process's memory: nothing survives a restart and instances do
 * not share it. Each method runs to completion before another starts (no `await` inside), so
 * every write is atomic. Use the Redis or PostgreSQL directory store for several instances.
 *
 * @example
 * ```ts
 * import { createMemoryDirectoryStore, createScimHandler } from 'samlkit/scim';
 *
 * const directory = createMemoryDirectoryStore();
 * const scim = createScimHandler({ directory, tenants: store });
 * ```
 */
export function createMemoryDirectoryStore(): DirectoryStore {
  return new MemoryDirectoryStore();
}

class MemoryDirectoryStore implements DirectoryStore {
  readonly #scopes = new Map<string, Scope>();
  #closed = false;

  /** The record, or `undefined`. */
  get(tenantId: string, type: DirectoryRecordType, id: string): Promise<DirectoryRecord | undefined> {
    return this.#run(() => {
      checkScope(tenantId, type, id);
      return this.#scope(tenantId, type)?.records.get(id);
    });
  }

  /** The record holding the key, or `undefined`. */
  findByKey(tenantId: string, type: DirectoryRecordType, key: string): Promise<DirectoryRecord | undefined> {
    return this.#run(() => {
      checkScope(tenantId, type, key, 'key');
      const scope = this.#scope(tenantId, type);
      const id = scope?.keys.get(key);
      return id === undefined ? undefined : scope?.records.get(id);
    });
  }

  /** Every record of the tenant and type, sorted by ID. */
  list(tenantId: string, type: DirectoryRecordType): Promise<DirectoryRecord[]> {
    return this.#run(() => {
      checkScope(tenantId, type, '-');
      const records = [...(this.#scope(tenantId, type)?.records.values() ?? [])];
      return records.sort((a, b) => compare(a.id, b.id));
    });
  }

  /** Stores a new record when its ID and keys are free. */
  insert(record: DirectoryRecord): Promise<DirectoryWriteResult> {
    return this.#run(() => {
      checkRecord(record);
      if (record.version !== 1) throw new TypeError('record.version must be 1 for insert');
      const scope = this.#scope(record.tenantId, record.type, true);
      if (scope.records.has(record.id)) return { ok: false, reason: 'exists' };
      const taken = record.keys.find((key) => scope.keys.has(key));
      if (taken !== undefined) return { ok: false, reason: 'key', conflictingKey: taken };
      const stored = frozenRecord(record);
      scope.records.set(stored.id, stored);
      for (const key of stored.keys) scope.keys.set(key, stored.id);
      return { ok: true, record: stored };
    });
  }

  /** Compare-and-set on the version, moving the keys. */
  update(record: DirectoryRecord): Promise<DirectoryWriteResult> {
    return this.#run(() => {
      checkRecord(record);
      const scope = this.#scope(record.tenantId, record.type);
      const previous = scope?.records.get(record.id);
      if (scope === undefined || previous?.version !== record.version - 1)
        return { ok: false, reason: 'version' };
      const taken = record.keys.find((key) => {
        const holder = scope.keys.get(key);
        return holder !== undefined && holder !== record.id;
      });
      if (taken !== undefined) return { ok: false, reason: 'key', conflictingKey: taken };
      for (const key of previous.keys) scope.keys.delete(key);
      const stored = frozenRecord(record);
      scope.records.set(stored.id, stored);
      for (const key of stored.keys) scope.keys.set(key, stored.id);
      return { ok: true, record: stored };
    });
  }

  /** Deletes the record and frees its keys. */
  delete(tenantId: string, type: DirectoryRecordType, id: string): Promise<boolean> {
    return this.#run(() => {
      checkScope(tenantId, type, id);
      const scope = this.#scope(tenantId, type);
      const previous = scope?.records.get(id);
      if (scope === undefined || previous === undefined) return false;
      for (const key of previous.keys) scope.keys.delete(key);
      scope.records.delete(id);
      return true;
    });
  }

  /** Later calls reject with `STORE_UNAVAILABLE`. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #scope(tenantId: string, type: DirectoryRecordType, create: true): Scope;
  #scope(tenantId: string, type: DirectoryRecordType): Scope | undefined;
  #scope(tenantId: string, type: DirectoryRecordType, create = false): Scope | undefined {
    const name = JSON.stringify([tenantId, type]);
    let scope = this.#scopes.get(name);
    if (scope === undefined && create) {
      scope = { records: new Map(), keys: new Map() };
      this.#scopes.set(name, scope);
    }
    return scope;
  }

  /** Runs synchronously, reporting a TypeError or a closed store as a rejection. */
  #run<T>(body: () => T): Promise<T> {
    try {
      if (this.#closed) {
        fail('STORE_UNAVAILABLE', 'The directory store is closed', {
          hint: 'The application used its directory store after closing it (during shutdown?).',
        });
      }
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
