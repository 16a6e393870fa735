/** The conformance suite for {@link SessionStore} adapters (the SAML sessions of Single Logout). */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SamlSession, SessionStore } from '../../store/types.js';
import {
  type ConformanceCase,
  type StoreFactory,
  TTL_MS,
  MARGIN_MS,
  inMs,
  LATER,
  AWKWARD_IDS,
  toCases,
  rejectsWithCode,
} from './shared.js';

const FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

function session(appSessionId: string, overrides: Partial<SamlSession> = {}): SamlSession {
  return {
    tenantId: 'tenant-a',
    appSessionId,
    nameId: 'ada@example.com',
    nameIdFormat: FORMAT,
    ...overrides,
  };
}

const ids = (sessions: readonly SamlSession[]): string[] => sessions.map((entry) => entry.appSessionId);

/**
 * The conformance cases every {@link SessionStore} must pass: round trips with every optional
 * field, lookup by NameID and SessionIndex, tenant isolation, replacement, fetch-and-delete under
 * 50 concurrent callers, absolute expiry in real time, awkward keys and `close`. Run them against
 * a real server, not a mock.
 *
 * @example
 * ```ts
 * const factory = { create: async () => createMyStore(), destroy: async (store) => store.close() };
 * for (const c of sessionStoreConformance(factory)) it(c.name, () => c.run());
 * ```
 */
export function sessionStoreConformance(
  factory: StoreFactory<SessionStore & { close?(): Promise<void> }>,
): ConformanceCase[] {
  return toCases(factory, [
    [
      'saveSession, then findSessions returns it unchanged (optional fields kept, absent ones absent)',
      async (store) => {
        const full = session('s-full', {
          nameQualifier: 'https://idp.example.com/',
          spNameQualifier: 'https://sp.example.com/',
          sessionIndex: '_index-1',
        });
        const bare = session('s-bare', { nameId: 'bob@example.com' });
        await store.saveSession(full, inMs(LATER));
        await store.saveSession(bare, inMs(LATER));
        assert.deepEqual(await store.findSessions('tenant-a', 'ada@example.com'), [full]);
        assert.deepEqual(await store.findSessions('tenant-a', 'bob@example.com'), [bare]);
        assert.deepEqual(await store.findSessions('tenant-a', 'nobody@example.com'), []);
      },
    ],
    [
      'findSessions: every session of the NameID sorted by app session ID; with a SessionIndex only its own',
      async (store) => {
        await store.saveSession(session('s2', { sessionIndex: 'i2' }), inMs(LATER));
        await store.saveSession(session('s1', { sessionIndex: 'i1' }), inMs(LATER));
        await store.saveSession(session('s3'), inMs(LATER));
        assert.deepEqual(ids(await store.findSessions('tenant-a', 'ada@example.com')), ['s1', 's2', 's3']);
        assert.deepEqual(ids(await store.findSessions('tenant-a', 'ada@example.com', 'i2')), ['s2']);
        assert.deepEqual(ids(await store.findSessions('tenant-a', 'ada@example.com', 'I2')), []);
        assert.deepEqual(ids(await store.findSessions('tenant-a', 'ada@example.com', 'nope')), []);
      },
    ],
    [
      "tenants are isolated: another tenant's NameID finds nothing and deletes nothing",
      async (store) => {
        await store.saveSession(session('s1'), inMs(LATER));
        await store.saveSession(session('s1', { tenantId: 'tenant-b' }), inMs(LATER));
        assert.deepEqual(await store.findSessions('tenant-b', 'ada@example.com'), [
          session('s1', { tenantId: 'tenant-b' }),
        ]);
        assert.deepEqual(await store.findSessions('tenant-A', 'ada@example.com'), []);
        assert.deepEqual(
          await store.deleteSession('tenant-b', 's1'),
          session('s1', { tenantId: 'tenant-b' }),
        );
        assert.deepEqual(await store.findSessions('tenant-a', 'ada@example.com'), [session('s1')]);
        assert.deepEqual(await store.findSessions('tenant-b', 'ada@example.com'), []);
      },
    ],
    [
      'saving an app session ID again replaces the session, also under its new NameID',
      async (store) => {
        await store.saveSession(session('s1'), inMs(LATER));
        await store.saveSession(session('s1', { nameId: 'bob@example.com', sessionIndex: 'x' }), inMs(LATER));
        assert.deepEqual(await store.findSessions('tenant-a', 'ada@example.com'), []);
        assert.deepEqual(ids(await store.findSessions('tenant-a', 'bob@example.com', 'x')), ['s1']);
      },
    ],
    [
      'deleteSession returns the session once, then it is gone',
      async (store) => {
        await store.saveSession(session('s1'), inMs(LATER));
        assert.deepEqual(await store.deleteSession('tenant-a', 's1'), session('s1'));
        assert.equal(await store.deleteSession('tenant-a', 's1'), undefined);
        assert.equal(await store.deleteSession('tenant-a', 'never'), undefined);
        assert.deepEqual(await store.findSessions('tenant-a', 'ada@example.com'), []);
      },
    ],
    [
      '50 concurrent deleteSession calls: exactly one gets the session',
      async (store) => {
        await store.saveSession(session('s1'), inMs(LATER));
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.deleteSession('tenant-a', 's1')),
        );
        assert.equal(results.filter((result) => result !== undefined).length, 1);
      },
    ],
    [
      'expiry is absolute: gone after its deadline; a deadline already past stores nothing',
      async (store) => {
        await store.saveSession(session('short'), inMs(TTL_MS));
        await store.saveSession(session('past'), new Date(Date.now() - 1000));
        assert.deepEqual(ids(await store.findSessions('tenant-a', 'ada@example.com')), ['short']);
        await sleep(TTL_MS + MARGIN_MS);
        assert.deepEqual(await store.findSessions('tenant-a', 'ada@example.com'), []);
        assert.equal(await store.deleteSession('tenant-a', 'short'), undefined);
      },
    ],
    [
      'awkward tenant IDs, NameIDs and app session IDs are kept apart and intact',
      async (store) => {
        for (const id of AWKWARD_IDS) {
          await store.saveSession(session(id, { tenantId: id, nameId: id, sessionIndex: id }), inMs(LATER));
        }
        for (const id of AWKWARD_IDS) {
          assert.deepEqual(await store.findSessions(id, id, id), [
            session(id, { tenantId: id, nameId: id, sessionIndex: id }),
          ]);
        }
        for (const id of AWKWARD_IDS)
          assert.ok((await store.deleteSession(id, id)) !== undefined, JSON.stringify(id.slice(0, 20)));
      },
    ],
    [
      'argument mistakes are TypeErrors',
      async (store) => {
        await assert.rejects(store.saveSession({ ...session('s1'), nameId: '' }, inMs(LATER)), TypeError);
        await assert.rejects(store.saveSession(session('s1'), new Date(Number.NaN)), TypeError);
        await assert.rejects(store.findSessions('tenant-a', 42 as unknown as string), TypeError);
      },
    ],
    [
      'after close, every call rejects with STORE_UNAVAILABLE',
      async (store) => {
        if (store.close === undefined) return;
        await store.close();
        await rejectsWithCode(store.saveSession(session('s1'), inMs(LATER)), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.findSessions('tenant-a', 'ada@example.com'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.deleteSession('tenant-a', 's1'), 'STORE_UNAVAILABLE');
      },
    ],
  ]);
}
