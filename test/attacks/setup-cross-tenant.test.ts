/**
 * The attacker is another tenant's admin (docs/admin-setup.md): they run their own IdP and their
 * own setup page. They must not reach tenant A's setup with their setup link, finish a test of A's
 * draft, get their draft (or a draft naming A's IdP) used for anyone's login, or replay a test.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  consumeSetupLink,
  createServiceProvider,
  createSetupLink,
  createTenantSetup,
  createMemoryStore,
  type StartedTest,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import { expectCode } from '../helpers/expect.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const clock = (): Date => NOW;
const SECRET = Buffer.alloc(32, 3);

let idpA: TestIdp;
let idpB: TestIdp;

function tenant(id: string, idp: TestIdp): TenantConfig {
  return {
    id,
    preset: 'okta',
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    emailDomains: [`${id}.com`],
  };
}

async function world() {
  const store = createMemoryStore({ now: clock });
  await store.put(tenant('a', idpA));
  await store.put(tenant('b', idpB));
  const flow = createTenantSetup({ tenants: store, setup: store, state: store, now: clock });
  const sp = createServiceProvider({ tenants: store, state: store, now: clock });
  return { store, flow, sp };
}

function answer(idp: TestIdp, test: StartedTest, email: string) {
  return answerRedirect(idp, test, { user: { email } });
}

before(async () => {
  idpA = await createTestIdp({
    entityId: 'https://idp-a.example.com/',
    preset: 'okta',
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: clock,
  });
  idpB = await createTestIdp({
    entityId: 'https://idp-b.example.com/',
    preset: 'okta',
    key: { privateKey: KEYS.attacker.key, certificate: KEYS.attacker.cert },
    now: clock,
  });
});

describe('setup: another tenant\u2019s admin', () => {
  it('cannot open tenant A\u2019s setup with B\u2019s link, nor with B\u2019s link edited to name A', async () => {
    const store = createMemoryStore({ now: clock });
    const { token } = createSetupLink('b', { secret: SECRET, now: clock });
    const onA = { secret: SECRET, tenantId: 'a', replayCache: store, now: clock };
    await expectCode(consumeSetupLink(token, onA), 'SETUP_LINK_INVALID');
    const [version, payload, mac] = token.split('.');
    const forged = Buffer.from(
      Buffer.from(payload ?? '', 'base64url')
        .toString('utf8')
        .replace('"t":"b"', '"t":"a"'),
    ).toString('base64url');
    assert.notEqual(forged, payload);
    await expectCode(consumeSetupLink(`${version}.${forged}.${mac}`, onA), 'SETUP_LINK_INVALID');
  });

  it('cannot finish a test of their own draft at A\u2019s ACS, nor make it count for A', async () => {
    const { flow, store } = await world();
    await flow.saveDraft('a', { kind: 'metadataXml', xml: idpA.metadata() });
    await flow.saveDraft('b', { kind: 'metadataXml', xml: idpB.metadata() });
    const testB = await flow.startTest('b');
    const formB = answer(idpB, testB, 'mallory@b.com');
    await expectCode(
      flow.finishTest(formB, { browserSecret: testB.browserSecret, by: 'mallory@b.com', tenantId: 'a' }),
      'SETUP_TEST_INVALID',
    );
    assert.equal((await store.getSetup('a'))?.draft?.test, undefined, 'A\u2019s draft stays untested');
    await expectCode(flow.promote('a'), 'SETUP_STEP_REFUSED');
  });

  it('cannot get a draft naming A\u2019s IdP routed any login: drafts are in no issuer index', async () => {
    const { flow, store, sp } = await world();
    // B stages A's IdP (issuer squatting through the setup page).
    await flow.saveDraft('b', { kind: 'metadataXml', xml: idpA.metadata() });
    assert.deepEqual(
      (await store.findByIssuer(idpA.entityId)).map((config) => config.id),
      ['a'],
    );
    const login = await sp.startLogin({ tenantId: 'b' });
    assert.ok(login.url.startsWith(idpB.ssoUrl), 'B\u2019s logins use B\u2019s live IdP');
  });

  it('cannot replay a passed test response, as a test or as a login', async () => {
    const { flow, sp } = await world();
    await flow.saveDraft('b', { kind: 'metadataXml', xml: idpB.metadata() });
    const test = await flow.startTest('b');
    const form = answer(idpB, test, 'mallory@b.com');
    assert.equal(
      (await flow.finishTest(form, { browserSecret: test.browserSecret, by: 'mallory@b.com' })).passed,
      true,
    );
    await expectCode(
      flow.finishTest(form, { browserSecret: test.browserSecret, by: 'mallory@b.com' }),
      'SETUP_TEST_INVALID',
    );
    await expectCode(
      sp.finishLogin(form, { browserSecret: test.browserSecret, tenantId: 'b' }),
      'IN_RESPONSE_TO_MISMATCH',
    );
  });
});
