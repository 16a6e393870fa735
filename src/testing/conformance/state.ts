/** The conformance suite for {@link StateStore} adapters (pending logins and the replay cache). */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StateStore } from '../../store/types.js';
import {
  type ConformanceCase,
  type StoreFactory,
  TTL_MS,
  MARGIN_MS,
  inMs,
  LATER,
  AWKWARD_IDS,
  toCases,
  request,
  rejectsWithCode,
} from './shared.js';

/**
 * The conformance cases every {@link StateStore} must pass: saving, finding and consuming pending
 * requests (50 concurrent consumes, exactly one winner), `remember` (50 concurrent calls, exactly
 * one `true`), expiry in real time and deadlines already past, tenant isolation, awkward keys, and
 * `close`. Run them against a real server, not a mock.
 *
 * @example
 * ```ts
 * const factory = { create: async () => createMyStore(), destroy: async (store) => store.close() };
 * for (const c of stateStoreConformance(factory)) it(c.name, () => c.run());
 * ```
 */
export function stateStoreConformance(factory: StoreFactory<StateStore>): ConformanceCase[] {
  return toCases(factory, [
    [
      'saveRequest, then findRequest returns the request unchanged, and again (it does not consume)',
      async (store) => {
        const plain = request('r-plain');
        const withReturn = { ...request('r-return'), returnTo: '/after/login?x=1' };
        const stepUp = { ...request('r-step-up'), maxAuthnAgeSeconds: 300 };
        await store.saveRequest(plain, inMs(LATER));
        await store.saveRequest(withReturn, inMs(LATER));
        await store.saveRequest(stepUp, inMs(LATER));
        assert.deepEqual(await store.findRequest('r-plain'), plain);
        assert.deepEqual(await store.findRequest('r-plain'), plain);
        assert.deepEqual(await store.findRequest('r-return'), withReturn);
        assert.deepEqual(await store.consumeRequest('tenant-a', 'r-step-up'), stepUp);
      },
    ],
    [
      'consumeRequest returns the request once, then it is gone',
      async (store) => {
        await store.saveRequest(request('r1'), inMs(LATER));
        await store.saveRequest(request('r2'), inMs(LATER));
        assert.deepEqual(await store.consumeRequest('tenant-a', 'r1'), request('r1'));
        assert.equal(await store.consumeRequest('tenant-a', 'r1'), undefined);
        assert.equal(await store.findRequest('r1'), undefined);
        assert.deepEqual(await store.findRequest('r2'), request('r2'));
      },
    ],
    [
      'missing request IDs: findRequest and consumeRequest resolve undefined',
      async (store) => {
        assert.equal(await store.findRequest('never-saved'), undefined);
        assert.equal(await store.consumeRequest('tenant-a', 'never-saved'), undefined);
        await store.saveRequest(request('saved'), inMs(LATER));
        assert.equal(await store.findRequest('Saved'), undefined);
        assert.equal(await store.findRequest('saved '), undefined);
      },
    ],
    [
      'saving a request ID again replaces the request',
      async (store) => {
        await store.saveRequest(request('r1'), inMs(LATER));
        const replacement = { ...request('r1'), relayState: 'relay-2', returnTo: '/b' };
        await store.saveRequest(replacement, inMs(LATER));
        assert.deepEqual(await store.consumeRequest('tenant-a', 'r1'), replacement);
      },
    ],
    [
      "consumeRequest with another tenant's ID neither returns nor deletes the request",
      async (store) => {
        await store.saveRequest(request('r1', 'tenant-a'), inMs(LATER));
        assert.equal(await store.consumeRequest('tenant-b', 'r1'), undefined);
        assert.equal(await store.consumeRequest('tenant-A', 'r1'), undefined);
        assert.deepEqual(await store.findRequest('r1'), request('r1', 'tenant-a'));
        assert.deepEqual(await store.consumeRequest('tenant-a', 'r1'), request('r1', 'tenant-a'));
      },
    ],
    [
      '50 concurrent consumeRequest calls: exactly one gets the request',
      async (store) => {
        await store.saveRequest(request('r1'), inMs(LATER));
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.consumeRequest('tenant-a', 'r1')),
        );
        assert.equal(results.filter((result) => result !== undefined).length, 1);
        assert.deepEqual(
          results.find((result) => result !== undefined),
          request('r1'),
        );
      },
    ],
    [
      '50 concurrent consumeRequest calls, half by another tenant: the owner gets it exactly once',
      async (store) => {
        await store.saveRequest(request('r1', 'tenant-a'), inMs(LATER));
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.consumeRequest(i % 2 === 0 ? 'tenant-b' : 'tenant-a', 'r1').then((got) => ({ i, got })),
          ),
        );
        const winners = results.filter(({ got }) => got !== undefined);
        assert.equal(winners.length, 1);
        assert.equal((winners[0]?.i ?? 0) % 2, 1, 'another tenant consumed the request');
      },
    ],
    [
      'remember: true the first time, false while the entry lives, whatever the new deadline',
      async (store) => {
        assert.equal(await store.remember('tenant-a', '_a1', inMs(LATER)), true);
        assert.equal(await store.remember('tenant-a', '_a1', inMs(LATER)), false);
        assert.equal(await store.remember('tenant-a', '_a1', inMs(2 * LATER)), false);
        assert.equal(await store.remember('tenant-a', '_a1', new Date(Date.now() - LATER)), false);
        assert.equal(await store.remember('tenant-a', '_a2', new Date('9999-12-31T23:59:59.999Z')), true);
        assert.equal(await store.remember('tenant-a', '_a2', inMs(LATER)), false);
      },
    ],
    [
      'remember keys by tenant and assertion ID: the same ID in two tenants is two entries',
      async (store) => {
        assert.equal(await store.remember('tenant-a', '_a1', inMs(LATER)), true);
        assert.equal(await store.remember('tenant-b', '_a1', inMs(LATER)), true);
        assert.equal(await store.remember('tenant-a', '_a1', inMs(LATER)), false);
        assert.equal(await store.remember('tenant-b', '_a1', inMs(LATER)), false);
        // Requests and replay entries live apart: an assertion ID equal to a request ID is no replay.
        await store.saveRequest(request('_shared'), inMs(LATER));
        assert.equal(await store.remember('tenant-a', '_shared', inMs(LATER)), true);
        assert.deepEqual(await store.findRequest('_shared'), request('_shared'));
      },
    ],
    [
      'remember: tenant and assertion IDs never run together (a:b + c is not a + b:c)',
      async (store) => {
        const pairs: [string, string][] = [
          ['a:b', 'c'],
          ['a', 'b:c'],
          ['a', ':b:c'],
          ['a:', 'b:c'],
          ['a|b', 'c'],
          ['a', 'b|c'],
          ['a\nb', 'c'],
          ['a', 'b\nc'],
          ['ab', 'c'],
          ['a', 'bc'],
          ['a/b', 'c'],
          ['a', 'b/c'],
        ];
        for (const [tenantId, assertionId] of pairs) {
          assert.equal(
            await store.remember(tenantId, assertionId, inMs(LATER)),
            true,
            `${tenantId} + ${assertionId}`,
          );
        }
      },
    ],
    [
      '50 concurrent remember calls: exactly one true',
      async (store) => {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.remember('tenant-a', '_a1', inMs(LATER))),
        );
        assert.equal(results.filter((first) => first).length, 1);
        assert.ok(results.every((first) => typeof first === 'boolean'));
      },
    ],
    [
      `entries expire at their absolute deadline (real time: lives ${TTL_MS} ms, checked ${MARGIN_MS} ms after)`,
      async (store) => {
        const deadline = inMs(TTL_MS);
        await store.saveRequest(request('short-find'), deadline);
        await store.saveRequest(request('short-consume'), deadline);
        await store.saveRequest(request('long'), inMs(LATER));
        assert.equal(await store.remember('tenant-a', '_short', deadline), true);
        assert.equal(await store.remember('tenant-a', '_long', inMs(LATER)), true);
        assert.deepEqual(await store.findRequest('short-find'), request('short-find'));
        assert.equal(await store.remember('tenant-a', '_short', deadline), false);
        await sleep(Math.max(0, deadline.getTime() + MARGIN_MS - Date.now()));
        assert.equal(await store.findRequest('short-find'), undefined);
        assert.equal(await store.consumeRequest('tenant-a', 'short-consume'), undefined);
        assert.equal(
          await store.remember('tenant-a', '_short', inMs(LATER)),
          true,
          'an expired entry blocks',
        );
        assert.deepEqual(await store.findRequest('long'), request('long'));
        assert.equal(await store.remember('tenant-a', '_long', inMs(LATER)), false);
      },
    ],
    [
      'deadlines already past: saveRequest stores nothing; remember stores nothing and returns false',
      async (store) => {
        for (const past of [new Date(Date.now() - 1000), new Date(Date.now() - LATER), new Date(0)]) {
          await store.saveRequest(request('r-past'), past);
          assert.equal(await store.findRequest('r-past'), undefined);
          assert.equal(await store.consumeRequest('tenant-a', 'r-past'), undefined);
          assert.equal(await store.remember('tenant-a', '_past', past), false);
        }
        assert.equal(
          await store.remember('tenant-a', '_past', inMs(LATER)),
          true,
          'a past deadline stored it',
        );
      },
    ],
    [
      'awkward request and tenant IDs: Unicode, 1–4 KB, delimiters, wildcards, quotes, prototype names',
      async (store) => {
        const requests = AWKWARD_IDS.map((id, i) => ({ ...request(id, id), relayState: `relay-${i}` }));
        for (const pending of requests) await store.saveRequest(pending, inMs(LATER));
        for (const pending of requests) assert.deepEqual(await store.findRequest(pending.requestId), pending);
        assert.equal(await store.consumeRequest('a%', 'abc'), undefined);
        assert.equal(await store.consumeRequest('*', 'a*'), undefined);
        for (const pending of requests) {
          const got = await store.consumeRequest(pending.tenantId, pending.requestId);
          assert.deepEqual(got, pending, `consume ${JSON.stringify(pending.requestId.slice(0, 40))}`);
        }
        assert.equal(await store.findRequest('abc'), undefined);
      },
    ],
    [
      'awkward IDs in remember: each tenant and assertion ID is its own entry',
      async (store) => {
        for (const id of AWKWARD_IDS) {
          const what = JSON.stringify(id.slice(0, 40));
          assert.equal(await store.remember('tenant-a', id, inMs(LATER)), true, `assertion ${what}`);
          assert.equal(await store.remember(id, '_a1', inMs(LATER)), true, `tenant ${what}`);
        }
        for (const id of AWKWARD_IDS) {
          assert.equal(await store.remember('tenant-a', id, inMs(LATER)), false);
          assert.equal(await store.remember(id, '_a1', inMs(LATER)), false);
        }
      },
    ],
    [
      'close: later calls reject with STORE_UNAVAILABLE; closing twice is harmless',
      async (store) => {
        if (store.close === undefined) return;
        await store.saveRequest(request('r1'), inMs(LATER));
        await store.close();
        await store.close();
        await rejectsWithCode(store.saveRequest(request('r2'), inMs(LATER)), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.findRequest('r1'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.consumeRequest('tenant-a', 'r1'), 'STORE_UNAVAILABLE');
        await rejectsWithCode(store.remember('tenant-a', '_a1', inMs(LATER)), 'STORE_UNAVAILABLE');
      },
    ],
  ]);
}

/**
 * The {@link TenantStore} cases: the round trip of a full configuration, list, delete, lookups by
 * email domain (case-insensitive) and by issuer (several tenants per IdP), `DOMAIN_ALREADY_CLAIMED`
 * (also under concurrent puts), replacing a tenant, validation, awkward IDs and `close`.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test';
 * import { tenantStoreConformance } from 'samlkit/testing';
 *
 * describe('PostgresTenantStore conformance', () => {
 *   const cases = tenantStoreConformance(
 *     { create: async () => PostgresStore.create({ pool, schema: await freshSchema() }) },
 *     { certificate: readFileSync('test/keys/idp.crt', 'utf8') },
 *   );
 *   for (const c of cases) it(c.name, () => c.run());
 * });
 * ```
 */
