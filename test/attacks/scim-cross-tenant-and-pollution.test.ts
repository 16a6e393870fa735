/**
 * Attacks on the SCIM endpoint: one tenant's token used on another tenant, a group member taken
 * from another tenant's directory, a login gate asked about another tenant's users, and request
 * keys that would write Object.prototype (the `scim-patch` package falls for `__proto__.polluted`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TenantConfig } from '../../src/index.js';
import {
  createScimHandler,
  createScimToken,
  createMemoryDirectoryStore,
  type ScimHandler,
} from '../../src/scim.js';

const tenant = (id: string): TenantConfig =>
  ({ id, sp: {}, idp: { entityId: 'https://idp.example/' } }) as unknown as TenantConfig;

async function setup(): Promise<{ scim: ScimHandler; tokenA: string; tokenB: string }> {
  const directory = createMemoryDirectoryStore();
  const tenants = { get: (id: string) => Promise.resolve(id === 'a' || id === 'b' ? tenant(id) : undefined) };
  const { token: tokenA } = await createScimToken(directory, 'a');
  const { token: tokenB } = await createScimToken(directory, 'b');
  return { scim: createScimHandler({ directory, tenants }), tokenA, tokenB };
}

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('SCIM: cross-tenant access', () => {
  it("one tenant's token opens no other tenant's directory, and an unknown tenant answers 401", async () => {
    const { scim, tokenA } = await setup();
    for (const tenantId of ['b', 'c', 'A', 'a ']) {
      const response = await scim({ tenantId, method: 'GET', path: '/Users', headers: auth(tokenA) });
      assert.equal(response.status, 401, tenantId);
      assert.equal(response.error?.code, 'SCIM_UNAUTHORIZED');
    }
  });

  it("a group cannot take a member from another tenant's directory; the same userName lives in both", async () => {
    const { scim, tokenA, tokenB } = await setup();
    const inB = await scim({
      tenantId: 'b',
      method: 'POST',
      path: '/Users',
      headers: auth(tokenB),
      body: '{"userName":"ada@x.example"}',
    });
    assert.equal(inB.status, 201);
    const bId = (JSON.parse(inB.body) as { id: string }).id;
    const inA = await scim({
      tenantId: 'a',
      method: 'POST',
      path: '/Users',
      headers: auth(tokenA),
      body: '{"userName":"ada@x.example"}',
    });
    assert.equal(inA.status, 201, 'userName is unique per tenant, not globally');
    const group = await scim({
      tenantId: 'a',
      method: 'POST',
      path: '/Groups',
      headers: auth(tokenA),
      body: JSON.stringify({ displayName: 'G', members: [{ value: bId }] }),
    });
    assert.equal(group.status, 400);
    assert.equal((JSON.parse(group.body) as { scimType: string }).scimType, 'invalidValue');
    const read = await scim({ tenantId: 'a', method: 'GET', path: `/Users/${bId}`, headers: auth(tokenA) });
    assert.equal(read.status, 404);
  });

  it('a rotated token stops at once; with a grace period the old one works until it ends', async () => {
    const directory = createMemoryDirectoryStore();
    const now = new Date('2027-01-01T00:00:00Z');
    let clock = now;
    const scim = createScimHandler({
      directory,
      tenants: { get: () => Promise.resolve(tenant('a')) },
      now: () => clock,
    });
    const first = await createScimToken(directory, 'a', { now: () => now });
    const second = await createScimToken(directory, 'a', { now: () => now });
    const status = async (token: string): Promise<number> =>
      (await scim({ tenantId: 'a', method: 'GET', path: '/Users', headers: auth(token) })).status;
    assert.equal(await status(first.token), 401);
    assert.equal(await status(second.token), 200);
    const third = await createScimToken(directory, 'a', { now: () => now, graceSeconds: 60 });
    assert.equal(await status(second.token), 200);
    assert.equal(await status(third.token), 200);
    clock = new Date(now.getTime() + 60_000);
    assert.equal(await status(second.token), 401);
    assert.equal(await status(third.token), 200);
  });
});

describe('SCIM: prototype pollution', () => {
  it('no key of a POST, PUT or PATCH body writes Object.prototype', async () => {
    const { scim, tokenA } = await setup();
    const created = await scim({
      tenantId: 'a',
      method: 'POST',
      path: '/Users',
      headers: auth(tokenA),
      body: '{"userName":"p@x.example","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
    });
    assert.equal(created.status, 201);
    const id = (JSON.parse(created.body) as { id: string }).id;
    const operations = [
      { op: 'add', value: { '__proto__.polluted': 'yes', 'constructor.prototype.polluted': 'yes' } },
      { op: 'add', path: '__proto__.polluted', value: 'yes' },
      { op: 'replace', path: 'name.__proto__', value: { polluted: 'yes' } },
      { op: 'add', path: 'emails[type eq "work"].__proto__', value: 'yes' },
    ];
    for (const operation of operations) {
      const response = await scim({
        tenantId: 'a',
        method: 'PATCH',
        path: `/Users/${id}`,
        headers: auth(tokenA),
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [operation],
        }),
      });
      assert.ok(response.status === 200 || response.status === 400, `${response.status} ${response.body}`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, JSON.stringify(operation));
    }
  });
});
