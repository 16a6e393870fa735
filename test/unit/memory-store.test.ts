/**
 * MemoryStore behaviour beyond the conformance suite: expiry by an injected clock (no waiting),
 * bounded memory (expired entries go first; a store full of live entries refuses new ones and never
 * forgets a replay entry), close, the tenant indexes, and argument checks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defineTenant, type TenantConfig } from '../../src/index.js';
import {
  DEFAULT_MAX_PENDING_REQUESTS,
  DEFAULT_MAX_REPLAY_ENTRIES,
  createMemoryStore,
} from '../../src/store/memory.js';
import type { PendingRequest } from '../../src/store/types.js';
import { expectCode } from '../helpers/expect.js';

const PEM = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
const T0 = Date.parse('2030-01-01T00:00:00Z');

/** A clock the test moves by hand. */
function manualClock(start = T0): {
  now: () => Date;
  advance: (ms: number) => void;
  set: (ms: number) => void;
} {
  let time = start;
  return {
    now: () => new Date(time),
    advance: (ms) => {
      time += ms;
    },
    set: (ms) => {
      time = T0 + ms;
    },
  };
}

const at = (ms: number): Date => new Date(T0 + ms);
const request = (requestId: string, tenantId = 'tenant-a'): PendingRequest => ({
  tenantId,
  requestId,
  relayState: `relay-${requestId}`,
  browserBinding: 'binding',
});
const tenant = (id: string, more: Omit<Partial<TenantConfig>, 'id'> = {}): TenantConfig => ({
  id,
  sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
  idp: { entityId: 'https://idp.example.com/', certificates: [PEM] },
  ...more,
});

const OPERATOR = { verifiedAt: new Date('2026-01-01T00:00:00Z'), method: 'operator', by: 'test' } as const;

describe('MemoryStore expiry by the injected clock', () => {
  it('a request lives until its deadline, exclusive', async () => {
    const clock = manualClock();
    const store = createMemoryStore({ now: clock.now });
    await store.saveRequest(request('r1'), at(1000));
    await store.saveRequest(request('r2'), at(1000));
    clock.advance(999);
    assert.deepEqual(await store.findRequest('r1'), request('r1'));
    clock.advance(1);
    assert.equal(await store.findRequest('r1'), undefined);
    assert.equal(await store.consumeRequest('tenant-a', 'r2'), undefined);
  });

  it('a replay entry lives until its deadline; after it, the same assertion is new again', async () => {
    const clock = manualClock();
    const store = createMemoryStore({ now: clock.now });
    assert.equal(await store.remember('tenant-a', '_a1', at(1000)), true);
    clock.advance(999);
    assert.equal(await store.remember('tenant-a', '_a1', at(5000)), false);
    clock.advance(1);
    assert.equal(await store.remember('tenant-a', '_a1', at(5000)), true);
  });

  it('a deadline equal to now is already past: nothing is stored, remember says false', async () => {
    const store = createMemoryStore({ now: manualClock().now });
    await store.saveRequest(request('r1'), at(0));
    assert.equal(await store.findRequest('r1'), undefined);
    assert.equal(await store.remember('tenant-a', '_a1', at(0)), false);
    assert.equal(await store.remember('tenant-a', '_a1', at(1)), true);
  });

  it('saving a request again with a past deadline removes the earlier one', async () => {
    const store = createMemoryStore({ now: manualClock().now });
    await store.saveRequest(request('r1'), at(1000));
    await store.saveRequest(request('r1'), at(-1));
    assert.equal(await store.findRequest('r1'), undefined);
  });

  it('a clock that goes back does not revive an entry that was swept', async () => {
    const clock = manualClock();
    const store = createMemoryStore({ now: clock.now });
    assert.equal(await store.remember('tenant-a', '_a1', at(1000)), true);
    clock.advance(2000);
    assert.equal(await store.remember('tenant-a', '_other', at(5000)), true);
    clock.advance(-2000);
    assert.equal(await store.remember('tenant-a', '_a1', at(1000)), true);
  });

  it('returns a frozen copy of the saved request, unaffected by later changes to the input', async () => {
    const store = createMemoryStore({ now: manualClock().now });
    const input = { ...request('r1'), returnTo: '/a' };
    await store.saveRequest(input, at(1000));
    input.returnTo = '/evil';
    const found = await store.findRequest('r1');
    assert.equal(found?.returnTo, '/a');
    assert.ok(Object.isFrozen(found));
  });
});

describe('MemoryStore bounded memory', () => {
  it('counts requests up to maxPendingRequests and replay entries up to maxReplayEntries', async () => {
    const store = createMemoryStore({ maxPendingRequests: 2, maxReplayEntries: 1, now: manualClock().now });
    await store.saveRequest(request('r1'), at(1000));
    assert.equal(await store.remember('tenant-a', '_a1', at(1000)), true);
    await store.saveRequest(request('r2'), at(1000));
    await expectCode(store.saveRequest(request('r3'), at(1000)), 'STORE_UNAVAILABLE');
    await expectCode(store.remember('tenant-a', '_a2', at(1000)), 'STORE_UNAVAILABLE');
  });

  it('a full store refuses with STORE_UNAVAILABLE and a hint for the admin', async () => {
    const store = createMemoryStore({ maxPendingRequests: 1, maxReplayEntries: 1, now: manualClock().now });
    await store.saveRequest(request('r1'), at(1000));
    const error = await expectCode(store.saveRequest(request('r2'), at(1000)), 'STORE_UNAVAILABLE');
    assert.match(error.hint, /maxPendingRequests/);
    assert.equal(await store.remember('tenant-a', '_a1', at(1000)), true);
    const full = await expectCode(store.remember('tenant-a', '_a2', at(1000)), 'STORE_UNAVAILABLE');
    assert.match(full.hint, /maxReplayEntries/);
  });

  it('evicts every expired entry first, of both kinds', async () => {
    const clock = manualClock();
    const store = createMemoryStore({ maxPendingRequests: 2, maxReplayEntries: 2, now: clock.now });
    await store.saveRequest(request('short'), at(100));
    assert.equal(await store.remember('tenant-a', '_short', at(100)), true);
    await store.saveRequest(request('long'), at(10_000));
    assert.equal(await store.remember('tenant-a', '_long', at(10_000)), true);
    await expectCode(store.saveRequest(request('r-new'), at(10_000)), 'STORE_UNAVAILABLE');
    clock.advance(100);
    await store.saveRequest(request('r-new'), at(10_000));
    assert.equal(await store.remember('tenant-a', '_new', at(10_000)), true);
    await expectCode(store.remember('tenant-a', '_one-more', at(10_000)), 'STORE_UNAVAILABLE');
    assert.deepEqual(await store.findRequest('long'), request('long'));
    assert.equal(await store.remember('tenant-a', '_long', at(10_000)), false);
  });

  it('never forgets a live replay entry to make room', async () => {
    const store = createMemoryStore({ maxPendingRequests: 10, maxReplayEntries: 10, now: manualClock().now });
    for (let i = 0; i < 10; i++) assert.equal(await store.remember('tenant-a', `_a${i}`, at(1000)), true);
    for (let i = 0; i < 10; i++) await store.saveRequest(request(`pending${i}`), at(1000));
    for (let i = 0; i < 20; i++) {
      await expectCode(store.remember('tenant-a', `_new${i}`, at(1000)), 'STORE_UNAVAILABLE');
      await expectCode(store.saveRequest(request(`r${i}`), at(1000)), 'STORE_UNAVAILABLE');
    }
    for (let i = 0; i < 10; i++) assert.equal(await store.remember('tenant-a', `_a${i}`, at(1000)), false);
  });

  it('a replay is still reported as false when the store is full', async () => {
    const store = createMemoryStore({ maxReplayEntries: 1, now: manualClock().now });
    assert.equal(await store.remember('tenant-a', '_a1', at(1000)), true);
    assert.equal(await store.remember('tenant-a', '_a1', at(1000)), false);
  });

  it('consumed and replaced requests free their place', async () => {
    const store = createMemoryStore({ maxPendingRequests: 2, now: manualClock().now });
    await store.saveRequest(request('r1'), at(1000));
    await store.saveRequest(request('r2'), at(1000));
    await store.saveRequest(request('r2'), at(2000));
    assert.ok(await store.consumeRequest('tenant-a', 'r1'));
    await store.saveRequest(request('r3'), at(1000));
    await expectCode(store.saveRequest(request('r4'), at(1000)), 'STORE_UNAVAILABLE');
  });

  it('evicts exactly the expired entries, whatever the order of deadlines, consumes and replacements', async () => {
    const clock = manualClock();
    const size = 600;
    const store = createMemoryStore({ maxPendingRequests: size, now: clock.now });
    let seed = 42;
    /** mulberry32: a seeded generator, so that a failure can be replayed. */
    const random = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), seed | 1);
      x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
      return ((x ^ (x >>> 14)) >>> 0) % n;
    };
    const live = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const id = `r${random(700)}`;
      if (random(4) === 0) {
        await store.consumeRequest('tenant-a', id);
        live.delete(id);
      } else if (live.has(id) || live.size < size) {
        const deadline = 1 + random(1000);
        await store.saveRequest(request(id), at(deadline));
        live.set(id, deadline);
      }
    }
    const liveCounts: number[] = [];
    for (const t of [0, 250, 500, 750, 1000]) {
      clock.set(t);
      for (const [id, deadline] of live) if (deadline <= t) live.delete(id);
      // Fill the free places (fillers expire at t + 1): as many as the live requests leave, then a refusal.
      let added = 0;
      while (added <= size) {
        try {
          await store.saveRequest(request(`filler${t}-${added}`), at(t + 1));
        } catch {
          break;
        }
        added++;
      }
      assert.equal(added, size - live.size, `free places at ${t}`);
      liveCounts.push(live.size);
      for (const [id] of live) assert.deepEqual(await store.findRequest(id), request(id), `${id} at ${t}`);
    }
    // The scenario is not trivial: each step expires some requests and keeps others.
    assert.ok(liveCounts.every((count, i) => i === 0 || count < liveCounts[i - 1]!));
    assert.ok(liveCounts[2]! > 100, JSON.stringify(liveCounts));
  });

  it('stays fast when full of live entries (no full scan per refused insert)', async () => {
    const size = 20_000;
    const store = createMemoryStore({
      maxPendingRequests: size,
      maxReplayEntries: size,
      now: manualClock().now,
    });
    for (let i = 0; i < size; i++) await store.remember('tenant-a', `_a${i}`, at(60_000 + i));
    for (let i = 0; i < size; i++) await store.saveRequest(request(`p${i}`), at(60_000 + i));
    const started = performance.now();
    for (let i = 0; i < size; i++) await assert.rejects(store.saveRequest(request(`r${i}`), at(1000)));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `${size} refusals took ${elapsed.toFixed(0)} ms`);
  });

  it('defaults to 100 000 pending requests and 100 000 replay entries', () => {
    assert.equal(DEFAULT_MAX_PENDING_REQUESTS, 100_000);
    assert.equal(DEFAULT_MAX_REPLAY_ENTRIES, 100_000);
  });
});

describe('MemoryStore tenants', () => {
  it('get returns the very frozen Tenant that defineTenant made, not the caller’s object', async () => {
    const store = createMemoryStore();
    const config = { ...tenant('acme'), emailDomains: ['acme.com'] };
    await store.put(config);
    await store.setDomainVerification('acme', 'acme.com', OPERATOR);
    const got = await store.get('acme');
    assert.ok(got !== undefined);
    assert.notEqual(got, config);
    assert.ok(Object.isFrozen(got) && Object.isFrozen(got.idp) && Object.isFrozen(got.emailDomains));
    assert.equal(defineTenant(got), got, 'already defined');
    assert.equal(await store.get('acme'), got);
    assert.equal(await store.findByEmailDomain('acme.com'), got);
    assert.deepEqual(await store.findByIssuer('https://idp.example.com/'), [got]);
  });

  it('a defined Tenant is stored as is', async () => {
    const store = createMemoryStore();
    const defined = defineTenant(tenant('acme'));
    await store.put(defined);
    assert.equal(await store.get('acme'), defined);
  });

  it('indexes follow re-puts and deletes', async () => {
    const store = createMemoryStore();
    await store.put(tenant('a', { emailDomains: ['a.com', 'shared-later.com'] }));
    await store.put(tenant('b', { emailDomains: ['b.com'] }));
    await store.put(
      tenant('a', { emailDomains: ['a.com'], idp: { entityId: 'https://other/', certificates: [PEM] } }),
    );
    await store.put(tenant('b', { emailDomains: ['b.com', 'shared-later.com'] }));
    await store.setDomainVerification('a', 'a.com', OPERATOR);
    await store.setDomainVerification('b', 'shared-later.com', OPERATOR);
    assert.equal((await store.findByEmailDomain('shared-later.com'))?.id, 'b');
    assert.deepEqual(
      (await store.findByIssuer('https://idp.example.com/')).map((t) => t.id),
      ['b'],
    );
    assert.deepEqual(
      (await store.findByIssuer('https://other/')).map((t) => t.id),
      ['a'],
    );
    assert.equal(await store.delete('a'), true);
    assert.deepEqual(await store.findByIssuer('https://other/'), []);
    assert.equal(await store.findByEmailDomain('a.com'), undefined);
    await store.put(
      tenant('c', { emailDomains: ['a.com'], idp: { entityId: 'https://other/', certificates: [PEM] } }),
    );
    assert.deepEqual(
      (await store.findByIssuer('https://other/')).map((t) => t.id),
      ['c'],
    );
  });

  it('a refused verification changes nothing: the holder keeps the domain, the claimant stays pending', async () => {
    const store = createMemoryStore();
    await store.put(tenant('a', { emailDomains: ['a.com'] }));
    await store.put(tenant('b', { emailDomains: ['b.com', 'A.COM'] }));
    await store.setDomainVerification('a', 'a.com', OPERATOR);
    const error = await expectCode(
      store.setDomainVerification('b', 'A.com', OPERATOR),
      'DOMAIN_ALREADY_CLAIMED',
    );
    assert.equal(error.tenantId, 'b');
    assert.match(error.hint, /Tenant "a" has proven it owns a\.com/);
    assert.equal((await store.findByEmailDomain('a.com'))?.id, 'a');
    assert.deepEqual(
      (await store.domainClaims('b')).map((c) => [c.domain, c.status]),
      [
        ['a.com', 'pending'],
        ['b.com', 'pending'],
      ],
    );
  });

  it('setDomainVerification refuses bad arguments with a TypeError', async () => {
    const store = createMemoryStore();
    await store.put(tenant('a', { emailDomains: ['a.com'] }));
    for (const bad of [
      {},
      { ...OPERATOR, verifiedAt: new Date(Number.NaN) },
      { ...OPERATOR, method: 'email' },
      { ...OPERATOR, by: '' },
      undefined,
    ]) {
      await assert.rejects(store.setDomainVerification('a', 'a.com', bad as never), TypeError);
    }
    await assert.rejects(store.domainClaims(42 as never), TypeError);
  });

  it('findByEmailDomain folds ASCII case only: a KELVIN SIGN look-alike does not match k', async () => {
    const store = createMemoryStore();
    await store.put(tenant('kit', { emailDomains: ['kit.com'] }));
    await store.setDomainVerification('kit', 'kit.com', OPERATOR);
    assert.equal((await store.findByEmailDomain('KIT.com'))?.id, 'kit');
    assert.equal(await store.findByEmailDomain('\u212Ait.com'), undefined);
    assert.equal('\u212Ait.com'.toLowerCase(), 'kit.com', 'the trap this test is about');
  });

  it('list and findByIssuer sort by ID in code-unit order', async () => {
    const store = createMemoryStore();
    for (const id of ['b', 'B', 'a', 'é', 'A']) await store.put(tenant(id));
    const expected = ['A', 'B', 'a', 'b', 'é'];
    assert.deepEqual(
      (await store.list()).map((t) => t.id),
      expected,
    );
    assert.deepEqual(
      (await store.findByIssuer('https://idp.example.com/')).map((t) => t.id),
      expected,
    );
  });
});

describe('MemoryStore close and arguments', () => {
  it('close drops everything and every later call rejects with STORE_UNAVAILABLE', async () => {
    const store = createMemoryStore();
    await store.put(tenant('acme'));
    await store.saveRequest(request('r1'), new Date(Date.now() + 60_000));
    await store.close();
    const error = await expectCode(store.list(), 'STORE_UNAVAILABLE');
    assert.match(error.hint, /clos/);
    await expectCode(store.remember('tenant-a', '_a1', new Date(Date.now() + 60_000)), 'STORE_UNAVAILABLE');
    await store.close();
  });

  it('refuses bad options with a TypeError', () => {
    for (const budget of [0, -1, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => createMemoryStore({ maxPendingRequests: budget }), TypeError, String(budget));
      assert.throws(() => createMemoryStore({ maxReplayEntries: budget }), TypeError, String(budget));
    }
    assert.throws(() => createMemoryStore({ now: 'now' as unknown as () => Date }), TypeError);
  });

  it('a clock that returns no valid Date makes the call reject with a TypeError', async () => {
    const store = createMemoryStore({ now: () => new Date(Number.NaN) });
    await assert.rejects(store.remember('tenant-a', '_a1', at(1000)), TypeError);
    const untyped = createMemoryStore({ now: (() => Date.now()) as unknown as () => Date });
    await assert.rejects(untyped.saveRequest(request('r1'), at(1000)), TypeError);
  });

  it('refuses bad arguments with a TypeError (as a rejection, never a synchronous throw)', async () => {
    const store = createMemoryStore();
    const later = new Date(Date.now() + 60_000);
    const bad = (value: unknown): never => value as never;
    const calls: [string, () => Promise<unknown>][] = [
      ['expiresAt', () => store.remember('t', 'a', bad('2030-01-01'))],
      ['expiresAt', () => store.saveRequest(request('r1'), new Date(Number.NaN))],
      [
        'request.relayState',
        () => store.saveRequest({ ...request('r1'), relayState: '', browserBinding: 'binding' }, later),
      ],
      [
        'request.tenantId',
        () => store.saveRequest(bad({ requestId: 'r1', relayState: 'x', browserBinding: 'binding' }), later),
      ],
      ['request.returnTo', () => store.saveRequest({ ...request('r1'), returnTo: bad(1) }, later)],
      ['request', () => store.saveRequest(bad(null), later)],
      ['requestId', () => store.findRequest(bad(1))],
      ['tenantId', () => store.consumeRequest(bad(undefined), 'r1')],
      ['assertionId', () => store.remember('t', bad(Symbol('x')), later)],
      ['domain', () => store.findByEmailDomain(bad(undefined))],
      ['id', () => store.put(bad({ id: 'x' }))],
    ];
    for (const [what, call] of calls) {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        promise = call();
      }, what);
      await assert.rejects(promise!, TypeError, what);
    }
  });
});
