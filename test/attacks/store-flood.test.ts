/**
 * Flooding the memory store with started logins (issue #12, class 6). Anyone can call `startLogin`,
 * and each call saves a pending request. When pending requests and replay entries shared one budget,
 * a flood filled it and `remember` refused: every login already in progress then failed at the ACS.
 * Now each has its own budget, a full pending budget refuses new logins instead of dropping old
 * ones, and finishing a login never competes with starting one.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createDomainOwnership,
  createServiceProvider,
  createMemoryStore,
  type MemoryStore,
  SamlError,
  type StartedLogin,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import { expectCode } from '../helpers/expect.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const clock = (): Date => NOW;
const LATER = new Date(NOW.getTime() + 10 * 60_000);
let idp: TestIdp;

before(async () => {
  idp = await createTestIdp({
    preset: 'azure',
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: clock,
  });
});

function acme(): TenantConfig {
  return {
    id: 'acme',
    preset: 'azure',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    emailDomains: ['acme.com'],
  };
}

/** The IdP's answer to a started login, as the browser posts it back. */
function answer(login: StartedLogin, email: string) {
  return answerRedirect(idp, login, { user: { email } });
}

async function setup(store: MemoryStore) {
  await store.put(acme());
  await createDomainOwnership({ tenants: store }).verifyByOperator('acme', 'acme.com', { by: 'test' });
  return createServiceProvider({ tenants: store, state: store, now: clock });
}

describe('a flood of started logins', () => {
  it('through startLogin: new logins are refused, the logins in progress finish', async () => {
    const store = createMemoryStore({ maxPendingRequests: 40, maxReplayEntries: 10, now: clock });
    const sp = await setup(store);
    const alice = await sp.startLogin({ email: 'alice@acme.com' });
    const bob = await sp.startLogin({ email: 'bob@acme.com' });
    // The attacker starts logins until the store refuses: 38 more fill the pending budget.
    let started = 0;
    for (;;) {
      try {
        await sp.startLogin({ email: `attacker${started}@acme.com` });
        started++;
      } catch (error) {
        assert.ok(error instanceof SamlError && error.code === 'STORE_UNAVAILABLE', String(error));
        break;
      }
      assert.ok(started <= 40, 'the pending budget never filled');
    }
    assert.equal(started, 38);
    const error = await expectCode(sp.startLogin({ email: 'carol@acme.com' }), 'STORE_UNAVAILABLE');
    assert.match(error.hint, /maxPendingRequests/);
    // Alice's and Bob's logins were not pushed out, and finishing them needs no pending place.
    assert.equal(
      (await sp.finishLogin(answer(alice, 'alice@acme.com'), { browserSecret: alice.browserSecret })).profile
        .email,
      'alice@acme.com',
    );
    assert.equal(
      (await sp.finishLogin(answer(bob, 'bob@acme.com'), { browserSecret: bob.browserSecret })).profile.email,
      'bob@acme.com',
    );
    // Each finished login freed a place for a new one.
    await sp.startLogin({ email: 'carol@acme.com' });
  });

  it('with the default budgets: a full pending budget never makes remember fail', async () => {
    const store = createMemoryStore({ now: clock });
    const sp = await setup(store);
    const alice = await sp.startLogin({ email: 'alice@acme.com' });
    // What 100 000 calls to startLogin save, written directly (building 100 000 AuthnRequests
    // would only make the test slow).
    let saved = 0;
    for (;;) {
      try {
        await store.saveRequest(
          {
            tenantId: 'acme',
            requestId: `_flood${saved}`,
            relayState: `relay${saved}`,
            browserBinding: 'binding',
          },
          LATER,
        );
        saved++;
      } catch (error) {
        assert.ok(error instanceof SamlError && error.code === 'STORE_UNAVAILABLE', String(error));
        break;
      }
      assert.ok(saved <= 200_000, 'the pending budget never filled');
    }
    assert.equal(saved, 100_000 - 1);
    assert.equal(await store.remember('acme', '_assertion-1', LATER), true);
    assert.equal(
      (await sp.finishLogin(answer(alice, 'alice@acme.com'), { browserSecret: alice.browserSecret })).profile
        .email,
      'alice@acme.com',
    );
  });

  it('the flood never evicts a pending login, however long it goes on', async () => {
    const store = createMemoryStore({ maxPendingRequests: 5, now: clock });
    await store.saveRequest(
      { tenantId: 'acme', requestId: '_real', relayState: 'r', browserBinding: 'binding' },
      LATER,
    );
    const flood = (id: string) =>
      store.saveRequest(
        { tenantId: 'acme', requestId: id, relayState: id, browserBinding: 'binding' },
        LATER,
      );
    for (let i = 0; i < 4; i++) await flood(`_flood${i}`);
    for (let i = 4; i < 1_000; i++) await expectCode(flood(`_flood${i}`), 'STORE_UNAVAILABLE');
    assert.deepEqual(await store.consumeRequest('acme', '_real'), {
      tenantId: 'acme',
      requestId: '_real',
      relayState: 'r',
      browserBinding: 'binding',
    });
  });

  it('replay entries do not take the places of pending logins either', async () => {
    const store = createMemoryStore({ maxPendingRequests: 3, maxReplayEntries: 3, now: clock });
    const sp = await setup(store);
    for (let i = 0; i < 3; i++) assert.equal(await store.remember('acme', `_a${i}`, LATER), true);
    await expectCode(store.remember('acme', '_a3', LATER), 'STORE_UNAVAILABLE');
    const login = await sp.startLogin({ email: 'alice@acme.com' });
    assert.equal(login.tenantId, 'acme');
  });
});
