/**
 * Single Logout end to end in one process: the service provider and the test IdP over both
 * bindings, SP-initiated and IdP-initiated, on a MemoryStore; and the messages samlkit builds.
 */
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { inflateRaw } from 'pako';
import {
  buildSpMetadata,
  createLogoutRequest,
  createServiceProvider,
  createAuthnRequest,
  generateSpKeyPair,
  createMemoryStore,
  type MemoryStore,
  parseIdpMetadata,
  SamlError,
  type LogoutMessage,
  type LogoutMessageInput,
  type ServiceProvider,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { spTenant, SP_KEYS } from '../helpers/logout.js';

const BASE = 'https://app.example.com';
const SLO = `${BASE}/saml/acme/slo`;

/** What a browser would deliver to the SLO URL for a message from the other side. */
function delivered(message: LogoutMessage): LogoutMessageInput {
  if (message.binding === 'redirect')
    return { binding: 'redirect', query: new URL(message.url).search.slice(1) };
  return { binding: 'post', form: message.fields };
}

/** The test IdP's view of a message samlkit sent: the field value and RelayState. */
function received(message: LogoutMessage): {
  SAMLRequest: string;
  RelayState?: string;
  binding: 'redirect' | 'post';
} {
  if (message.binding === 'redirect') {
    const params = new URL(message.url).searchParams;
    const relay = params.get('RelayState');
    return {
      SAMLRequest: params.get('SAMLRequest') ?? '',
      binding: 'redirect',
      ...(relay !== null && { RelayState: relay }),
    };
  }
  const { SAMLRequest = '', RelayState } = message.fields;
  return { SAMLRequest, binding: 'post', ...(RelayState !== undefined && { RelayState }) };
}

async function setup(): Promise<{
  sp: ServiceProvider;
  idp: TestIdp;
  store: MemoryStore;
  login: () => Promise<string>;
}> {
  const idp = await createTestIdp({ ssoUrl: 'https://idp.test/sso', sloUrl: 'https://idp.test/slo' });
  const store = createMemoryStore();
  const signing = await generateSpKeyPair({ commonName: 'sp.samlkit.test' });
  const config: TenantConfig = {
    id: 'acme',
    sp: { entityId: `${BASE}/saml/acme`, acsUrl: `${BASE}/saml/acme/acs`, sloUrl: SLO, signing },
    idp: parseIdpMetadata(idp.metadata()).idp,
  };
  await store.put(config);
  const sp = createServiceProvider({ tenants: store, state: store, sessions: store });
  let count = 0;
  const login = async (): Promise<string> => {
    const started = await sp.startLogin({ tenantId: 'acme' });
    const SAMLRequest = new URL(started.url).searchParams.get('SAMLRequest') ?? '';
    const RelayState = new URL(started.url).searchParams.get('RelayState') ?? '';
    const form = idp.respond({ SAMLRequest, RelayState, user: { email: 'ada@example.com' } });
    const result = await sp.finishLogin(form, { browserSecret: started.browserSecret });
    const sessionId = `app-session-${++count}`;
    await sp.recordSession(result, sessionId);
    return sessionId;
  };
  return { sp, idp, store, login };
}

describe('Single Logout through the service provider', () => {
  it('the IdP metadata’s SLO endpoints reach the tenant; SP metadata advertises both bindings', async () => {
    const idp = await createTestIdp({ sloUrl: 'https://idp.test/slo' });
    assert.deepEqual(parseIdpMetadata(idp.metadata()).idp.sloUrls, {
      redirect: 'https://idp.test/slo',
      post: 'https://idp.test/slo',
    });
    const xml = buildSpMetadata(spTenant());
    assert.match(
      xml,
      /SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https:\/\/sp\.example\.com\/saml\/acme\/slo"/,
    );
    assert.match(
      xml,
      /SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https:\/\/sp\.example\.com\/saml\/acme\/slo"/,
    );
  });

  for (const binding of ['redirect', 'post'] as const) {
    it(`SP-initiated over HTTP-${binding}: LogoutRequest to the IdP, its LogoutResponse verified once`, async () => {
      const { sp, idp, store, login } = await setup();
      const sessionId = await login();
      const started = await sp.startLogout(
        { tenantId: 'acme', appSessionId: sessionId },
        { binding, returnTo: '/bye' },
      );
      assert.equal(started.binding, binding);
      assert.equal(
        (await store.findSessions('acme', 'ada@example.com')).length,
        0,
        'the record is gone at once',
      );
      const answer = idp.respondToLogout({ ...received(started), sloUrl: SLO });
      const finished = await sp.handleLogout(delivered(answer));
      assert.deepEqual(finished, {
        kind: 'logout-response',
        tenantId: 'acme',
        partial: false,
        returnTo: '/bye',
      });
      // The pending logout is consumed: the same response again answers nothing.
      await assert.rejects(sp.finishLogout(delivered(answer)), { code: 'IN_RESPONSE_TO_MISMATCH' });
    });

    it(`IdP-initiated over HTTP-${binding}: sessions of the NameID end, the answer is a signed LogoutResponse`, async () => {
      const { sp, idp, store, login } = await setup();
      const first = await login();
      const second = await login();
      const request = idp.logoutRequest({
        spEntityId: `${BASE}/saml/acme`,
        sloUrl: SLO,
        nameId: 'ada@example.com',
        binding,
        relayState: 'idp-state',
      });
      const handled = await sp.handleLogout(delivered(request));
      assert.equal(handled.kind, 'logout-request');
      assert.deepEqual(handled.sessions.map((session) => session.appSessionId).sort(), [first, second]);
      assert.equal((await store.findSessions('acme', 'ada@example.com')).length, 0);
      assert.equal(handled.response.binding, binding);
      const xml =
        handled.response.binding === 'redirect'
          ? Buffer.from(
              inflateRaw(
                Buffer.from(new URL(handled.response.url).searchParams.get('SAMLResponse') ?? '', 'base64'),
              ),
            ).toString()
          : Buffer.from(handled.response.fields.SAMLResponse ?? '', 'base64').toString();
      assert.match(xml, /<samlp:LogoutResponse /);
      assert.match(xml, /InResponseTo="_[0-9a-f]{40}"/);
      assert.match(xml, /Destination="https:\/\/idp\.test\/slo"/);
      assert.match(xml, /status:Success"\/>/);
      if (handled.response.binding === 'redirect') {
        assert.equal(new URL(handled.response.url).searchParams.get('RelayState'), 'idp-state');
      } else {
        assert.match(xml, /<ds:Signature/);
        assert.equal(handled.response.fields.RelayState, 'idp-state');
      }
    });
  }

  it('a SessionIndex ends only that session; another NameID ends none', async () => {
    const { sp, idp, store, login } = await setup();
    await login();
    const [session] = await store.findSessions('acme', 'ada@example.com');
    assert.ok(session?.sessionIndex !== undefined);
    const other = idp.logoutRequest({
      spEntityId: `${BASE}/saml/acme`,
      sloUrl: SLO,
      nameId: 'bob@example.com',
    });
    const none = await sp.handleLogoutRequest(delivered(other));
    assert.deepEqual(none.sessions, []);
    const wrongIndex = idp.logoutRequest({
      spEntityId: `${BASE}/saml/acme`,
      sloUrl: SLO,
      nameId: 'ada@example.com',
      sessionIndex: '_nope',
    });
    assert.deepEqual((await sp.handleLogoutRequest(delivered(wrongIndex))).sessions, []);
    const right = idp.logoutRequest({
      spEntityId: `${BASE}/saml/acme`,
      sloUrl: SLO,
      nameId: 'ada@example.com',
      sessionIndex: session.sessionIndex,
    });
    assert.equal((await sp.handleLogoutRequest(delivered(right))).sessions.length, 1);
  });

  it('a partial logout is reported; RelayState must come back unchanged', async () => {
    const { sp, idp, login } = await setup();
    const started = await sp.startLogout({ tenantId: 'acme', appSessionId: await login() });
    const partial = idp.respondToLogout({ ...received(started), sloUrl: SLO, status: 'partial' });
    assert.equal((await sp.finishLogout(delivered(partial))).partial, true);
    const again = await sp.startLogout({ tenantId: 'acme', appSessionId: await login() });
    const tampered = idp.respondToLogout({ ...received(again), RelayState: 'other', sloUrl: SLO });
    await assert.rejects(sp.finishLogout(delivered(tampered)), { code: 'RELAY_STATE_MISMATCH' });
    // As long in UTF-16 units, longer in bytes: still a mismatch, never a RangeError.
    const wide = idp.respondToLogout({ ...received(again), RelayState: 'é'.repeat(22), sloUrl: SLO });
    await assert.rejects(sp.finishLogout(delivered(wide)), { code: 'RELAY_STATE_MISMATCH' });
  });

  it('startLogout without a recorded session, or for a tenant without SLO, says so', async () => {
    const { sp, store } = await setup();
    await assert.rejects(sp.startLogout({ tenantId: 'acme', appSessionId: 'never' }), {
      code: 'LOGOUT_SESSION_NOT_FOUND',
    });
    await store.put({
      ...spTenant('plain'),
      sp: { entityId: 'https://sp.example.com/p', acsUrl: 'https://sp.example.com/p/acs' },
    });
    await store.saveSession(
      { tenantId: 'plain', appSessionId: 's', nameId: 'n', nameIdFormat: 'f' },
      new Date(Date.now() + 60_000),
    );
    await assert.rejects(sp.startLogout({ tenantId: 'plain', appSessionId: 's' }), {
      code: 'LOGOUT_NOT_CONFIGURED',
    });
  });

  it('recordSession takes only this service provider’s login results', async () => {
    const { sp } = await setup();
    const forged = { profile: { tenantId: 'acme', nameId: 'ceo@example.com', nameIdFormat: 'x' } };
    await assert.rejects(sp.recordSession(forged as never, 's'), TypeError);
  });
});

describe('the logout messages samlkit builds', () => {
  it('a Redirect LogoutRequest carries the NameID with its qualifiers and the SessionIndex, signed over the query', () => {
    const message = createLogoutRequest(
      spTenant(),
      {
        nameId: 'alice@example.com',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        nameQualifier: 'https://idp.example.com/metadata',
        spNameQualifier: 'https://sp.example.com/saml/acme',
        sessionIndex: '_s1',
      },
      { relayState: 'rs', now: () => new Date('2027-01-15T12:00:00Z') },
    );
    assert.equal(message.binding, 'redirect');
    const url = new URL(message.url);
    assert.equal(url.origin + url.pathname, 'https://idp.example.com/slo');
    const query = url.search.slice(1);
    const signed = query.slice(0, query.indexOf('&Signature='));
    assert.match(
      signed,
      /^SAMLRequest=[^&]+&RelayState=rs&SigAlg=http%3A%2F%2Fwww\.w3\.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256$/,
    );
    const signature = Buffer.from(url.searchParams.get('Signature') ?? '', 'base64');
    assert.ok(
      verify('sha256', Buffer.from(signed), SP_KEYS.cert, signature),
      'the signature covers the exact query',
    );
    const xml = Buffer.from(
      inflateRaw(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')),
    ).toString();
    assert.match(
      xml,
      /<saml:NameID NameQualifier="https:\/\/idp\.example\.com\/metadata" SPNameQualifier="https:\/\/sp\.example\.com\/saml\/acme" Format="urn:oasis:names:tc:SAML:1\.1:nameid-format:emailAddress">alice@example\.com<\/saml:NameID>/,
    );
    assert.match(xml, /<samlp:SessionIndex>_s1<\/samlp:SessionIndex>/);
    assert.match(xml, /NotOnOrAfter="2027-01-15T12:05:00\.000Z"/);
    assert.doesNotMatch(xml, /Signature/, 'no XML signature in the Redirect binding');
  });

  it('argument mistakes are TypeErrors naming the parameter', () => {
    const noSigning = {
      ...spTenant(),
      sp: { entityId: 'https://sp.example.com/x', acsUrl: 'https://sp.example.com/x/acs', sloUrl: SLO },
    };
    assert.throws(() => createLogoutRequest(noSigning, { nameId: 'a', nameIdFormat: 'b' }), /sp\.signing/);
    assert.throws(
      () => createLogoutRequest(spTenant(), { nameId: '', nameIdFormat: 'b' }),
      /subject\.nameId/,
    );
    assert.throws(
      () => createLogoutRequest(spTenant(), { nameId: 'a', nameIdFormat: 'b' }, { binding: 'soap' as never }),
      /options\.binding/,
    );
    assert.throws(() => createAuthnRequest(spTenant(), { relayState: 'x'.repeat(81) }), TypeError);
    assert.ok(!(new TypeError('x') instanceof SamlError));
  });
});
