/**
 * Request values of every JSON type at the SLO URL: whatever the framework hands over as the
 * logout message (the message object, the raw query, the form, its fields), the answer is a
 * SamlError with a truthful code, never another error (docs/security.md rule 21).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRaw } from 'pako';
import { createServiceProvider, createMemoryStore, SamlError, verifyLogoutRequest } from '../../src/index.js';
import {
  logoutRequestXml,
  NOW,
  postMessage,
  redirectMessage,
  redirectQuery,
  replayCache,
  signedXml,
  spTenant,
} from '../helpers/logout.js';

const values: readonly [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['a number', 42],
  ['NaN', Number.NaN],
  ['an empty string', ''],
  ['a lone surrogate', '\uD800'],
  ['an array', ['SAMLRequest=x']],
  ['an object', { SAMLRequest: 'x' }],
  ['a nested array', [[['x']]]],
  ['megabytes', 'A'.repeat(5_000_000)],
  ['a polluted prototype', JSON.parse('{"__proto__": {"SAMLRequest": "PHg+"}}') as unknown],
];

async function refused(promise: Promise<unknown>, label: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SamlError, `${label}: ${String(error)}`);
    assert.ok(
      ['INVALID_ENCODING', 'SIZE_LIMIT', 'MALFORMED_XML'].includes(error.code),
      `${label}: ${error.code}`,
    );
    return true;
  });
}

describe('logout messages of every JSON type → SamlError', () => {
  const tenant = spTenant();
  const checks = { now: () => NOW, replayCache: replayCache() };

  it('as the message itself', async () => {
    for (const [label, value] of values) {
      await refused(verifyLogoutRequest(tenant, value as never, checks), label);
    }
  });

  it('as the raw query, the form, and each form field', async () => {
    for (const [label, value] of values) {
      await refused(
        verifyLogoutRequest(tenant, { binding: 'redirect', query: value }, checks),
        `query ${label}`,
      );
      await refused(verifyLogoutRequest(tenant, { binding: 'post', form: value }, checks), `form ${label}`);
      for (const field of ['SAMLRequest', 'SAMLResponse', 'RelayState']) {
        const form = field === 'RelayState' ? { SAMLRequest: 'PHg+', RelayState: value } : { [field]: value };
        await refused(verifyLogoutRequest(tenant, { binding: 'post', form }, checks), `${field} ${label}`);
      }
      const query = typeof value === 'string' ? `SAMLRequest=${value}` : value;
      await refused(
        verifyLogoutRequest(tenant, { binding: 'redirect', query }, checks),
        `SAMLRequest= ${label}`,
      );
    }
  });

  it('a deflate bomb in a Redirect SAMLRequest stops at the cap (SIZE_LIMIT), before any parse', async () => {
    const bomb = Buffer.from(deflateRaw(new Uint8Array(50 * 1024 * 1024))).toString('base64');
    assert.ok(bomb.length < 200_000, `the bomb is ${bomb.length} characters`);
    await assert.rejects(
      verifyLogoutRequest(
        tenant,
        { binding: 'redirect', query: `SAMLRequest=${encodeURIComponent(bomb)}` },
        checks,
      ),
      { name: 'SamlError', code: 'SIZE_LIMIT' },
    );
  });

  it('a signed request with an odd RelayState: empty counts as none; too long or a lone surrogate → INVALID_ENCODING', async () => {
    const store = createMemoryStore();
    await store.put(tenant);
    const sp = createServiceProvider({ tenants: store, state: store, sessions: store, now: () => NOW });
    const xml = (id: string): string => signedXml(logoutRequestXml({ id }));
    const empty = await sp.handleLogoutRequest(postMessage(xml('_e1'), ''), { tenantId: 'acme' });
    assert.equal(empty.response.binding, 'post');
    assert.equal(empty.response.fields.RelayState, undefined);
    const emptyQuery = redirectQuery(logoutRequestXml({ id: '_e2' }), { relayState: '' });
    await sp.handleLogoutRequest(redirectMessage(emptyQuery), { tenantId: 'acme' });
    for (const [id, relayState] of [
      ['_l1', 'x'.repeat(81)],
      ['_l2', '\uD800'],
      ['_l3', 'é'.repeat(41)],
    ] as const) {
      await refused(sp.handleLogoutRequest(postMessage(xml(id), relayState), { tenantId: 'acme' }), id);
    }
    await refused(
      sp.handleLogoutRequest(
        redirectMessage(
          `${redirectQuery(logoutRequestXml({ id: '_l4' }), { key: null })}&RelayState=%ED%A0%80`,
        ),
        { tenantId: 'acme' },
      ),
      '_l4',
    );
  });

  it('through the service: handleLogout, finishLogout and handleLogoutRequest', async () => {
    const store = createMemoryStore();
    await store.put(tenant);
    const sp = createServiceProvider({ tenants: store, state: store, sessions: store, now: () => NOW });
    for (const [label, value] of values) {
      for (const message of [
        value,
        { binding: 'redirect', query: value },
        { binding: 'post', form: value },
      ]) {
        await refused(sp.handleLogout(message as never), `handleLogout ${label}`);
        await refused(sp.finishLogout(message as never, { tenantId: 'acme' }), `finishLogout ${label}`);
        await refused(sp.handleLogoutRequest(message as never), `handleLogoutRequest ${label}`);
      }
    }
  });
});
