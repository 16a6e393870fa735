/**
 * The directory store conformance suite: what every {@link DirectoryStore} adapter must do alike
 * (memory, Redis, PostgreSQL): insert-if-free, compare-and-set updates that move unique keys,
 * tenant and type isolation, and exactly one winner of concurrent writes.
 */
import assert from 'node:assert/strict';
import type { DirectoryRecord, DirectoryStore } from '../../scim/store.js';
import { AWKWARD_IDS, type ConformanceCase, type StoreFactory, systemClock } from './shared.js';

function user(
  tenantId: string,
  id: string,
  keys: readonly string[],
  version = 1,
  data = '{}',
): DirectoryRecord {
  return { tenantId, type: 'User', id, version, keys, data };
}

/**
 * The cases, for any test runner: `for (const c of directoryStoreConformance(factory)) it(c.name, () => c.run())`.
 *
 * @example
 * ```ts
 * for (const c of directoryStoreConformance({ create: async () => createMemoryDirectoryStore() })) it(c.name, () => c.run());
 * ```
 */
export function directoryStoreConformance<S extends DirectoryStore>(
  factory: StoreFactory<S>,
): ConformanceCase[] {
  const cases: [string, (store: S) => Promise<void>][] = [
    [
      'insert stores a record once; get, findByKey and list return it',
      async (store) => {
        const record = user('t1', 'u1', ['userName:ada', 'externalId:E1'], 1, '{"a":1}');
        assert.deepEqual(await store.insert(record), { ok: true, record });
        assert.deepEqual(await store.get('t1', 'User', 'u1'), record);
        assert.deepEqual(await store.findByKey('t1', 'User', 'externalId:E1'), record);
        assert.deepEqual(await store.list('t1', 'User'), [record]);
        assert.deepEqual(await store.insert(user('t1', 'u1', [])), { ok: false, reason: 'exists' });
      },
    ],
    [
      'a unique key held by another record refuses the insert and writes nothing',
      async (store) => {
        await store.insert(user('t1', 'u1', ['userName:ada']));
        const refused = await store.insert(user('t1', 'u2', ['externalId:E2', 'userName:ada']));
        assert.deepEqual(refused, { ok: false, reason: 'key', conflictingKey: 'userName:ada' });
        assert.equal(await store.get('t1', 'User', 'u2'), undefined);
        assert.equal(await store.findByKey('t1', 'User', 'externalId:E2'), undefined);
      },
    ],
    [
      'tenants and types are isolated: the same ID and key in another tenant or type are free',
      async (store) => {
        await store.insert(user('t1', 'u1', ['userName:ada']));
        assert.equal((await store.insert(user('t2', 'u1', ['userName:ada']))).ok, true);
        assert.equal((await store.insert({ ...user('t1', 'u1', ['userName:ada']), type: 'Group' })).ok, true);
        assert.equal(await store.get('t3', 'User', 'u1'), undefined);
        assert.equal((await store.list('t1', 'Group')).length, 1);
        assert.equal(await store.delete('t2', 'User', 'u1'), true);
        assert.notEqual(await store.get('t1', 'User', 'u1'), undefined);
      },
    ],
    [
      'update is a compare-and-set on version and moves the unique keys',
      async (store) => {
        await store.insert(user('t1', 'u1', ['userName:ada']));
        await store.insert(user('t1', 'u2', ['userName:grace']));
        assert.deepEqual(await store.update(user('t1', 'u1', ['userName:ada'], 3)), {
          ok: false,
          reason: 'version',
        });
        assert.deepEqual(await store.update(user('t1', 'u1', ['userName:grace'], 2)), {
          ok: false,
          reason: 'key',
          conflictingKey: 'userName:grace',
        });
        const next = user('t1', 'u1', ['userName:ada.king'], 2, '{"b":2}');
        assert.deepEqual(await store.update(next), { ok: true, record: next });
        assert.equal(await store.findByKey('t1', 'User', 'userName:ada'), undefined);
        assert.deepEqual(await store.findByKey('t1', 'User', 'userName:ada.king'), next);
        assert.equal((await store.insert(user('t1', 'u3', ['userName:ada']))).ok, true);
        assert.deepEqual(await store.update(user('t1', 'missing', [], 2)), { ok: false, reason: 'version' });
      },
    ],
    [
      'delete frees the keys; a second delete says false',
      async (store) => {
        await store.insert(user('t1', 'u1', ['userName:ada']));
        assert.equal(await store.delete('t1', 'User', 'u1'), true);
        assert.equal(await store.delete('t1', 'User', 'u1'), false);
        assert.equal(await store.findByKey('t1', 'User', 'userName:ada'), undefined);
        assert.equal((await store.insert(user('t1', 'u2', ['userName:ada']))).ok, true);
      },
    ],
    [
      '20 concurrent inserts claiming one key: exactly one wins',
      async (store) => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.insert(user('t1', `u${i}`, ['userName:ada']))),
        );
        assert.equal(results.filter((result) => result.ok).length, 1);
        assert.equal((await store.list('t1', 'User')).length, 1);
      },
    ],
    [
      '20 concurrent updates from one version: exactly one wins',
      async (store) => {
        await store.insert(user('t1', 'u1', []));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.update(user('t1', 'u1', [`k:${i}`], 2, `{"n":${i}}`))),
        );
        const winners = results.filter((result) => result.ok);
        assert.equal(winners.length, 1);
        assert.equal((await store.get('t1', 'User', 'u1'))?.version, 2);
      },
    ],
    [
      'awkward tenant IDs, record IDs and keys stay apart and intact; list sorts by ID',
      async (store) => {
        const ids = AWKWARD_IDS.filter((id) => !/\p{Surrogate}/u.test(id) && !id.includes('\0')).slice(0, 12);
        for (const id of ids)
          assert.equal(
            (await store.insert(user(id, id, [`userName:${id}`], 1, JSON.stringify({ id })))).ok,
            true,
          );
        for (const id of ids) {
          assert.equal((await store.findByKey(id, 'User', `userName:${id}`))?.id, id);
          assert.deepEqual(
            (await store.list(id, 'User')).map((record) => record.id),
            [id],
          );
        }
        const many = ['b', 'a', 'C', 'ä'];
        for (const id of many) await store.insert(user('sorted', id, []));
        assert.deepEqual(
          (await store.list('sorted', 'User')).map((record) => record.id),
          ['C', 'a', 'b', 'ä'],
        );
      },
    ],
    [
      'bad arguments are TypeErrors',
      async (store) => {
        await assert.rejects(store.get('', 'User', 'x'), TypeError);
        await assert.rejects(store.insert({ ...user('t', 'u', []), version: 2 }), TypeError);
        await assert.rejects(store.insert(user('t', 'u', ['k', 'k'])), TypeError);
      },
    ],
  ];
  return cases.map(([name, body]) => ({
    name,
    async run() {
      const store = await factory.create({ now: systemClock });
      try {
        await body(store);
      } finally {
        if (factory.destroy !== undefined) await factory.destroy(store);
        else await store.close?.();
      }
    },
  }));
}
