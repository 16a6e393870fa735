/**
 * The multi-tenant service end to end, in memory: createServiceProvider + MemoryStore + the test
 * IdP of samlkit/testing. Routing, require-SSO, disabled tenants, IdP-initiated logins, tenant
 * isolation, replay and one-time requests, roles, and failing closed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createServiceProvider as createProvider,
  createMemoryStore,
  type MemoryStore,
  type ServiceProvider,
  type StartedLogin,
  type StateStore,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp, type TestIdpUser } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import { expectCode } from '../helpers/expect.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const clock = (): Date => NOW;
const ALICE: TestIdpUser = { email: 'alice@acme.com', firstName: 'Alice', groups: ['app-admins', 'staff'] };

let acmeIdp: TestIdp;
let globexIdp: TestIdp;

/** The login cookie of the one browser these tests play: set by startLogin, sent to finishLogin. */
let loginCookie: string | undefined;

/** A service provider used from that browser (test/attacks/login-csrf.test.ts plays two). */
function createServiceProvider(options: Parameters<typeof createProvider>[0]): ServiceProvider {
  const sp = createProvider(options);
  return {
    ...sp,
    startLogin: (async (target, startOptions) => {
      const login = await sp.startLogin(target, startOptions);
      loginCookie = login.browserSecret;
      return login;
    }) as ServiceProvider['startLogin'],
    finishLogin: (form, finishOptions = {}) =>
      sp.finishLogin(form, { browserSecret: loginCookie, ...finishOptions }),
    loginMethods: (email) => sp.loginMethods(email),
  };
}

function acme(changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 'acme',
    preset: 'azure',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
    idp: { entityId: acmeIdp.entityId, certificates: [acmeIdp.certificate], ssoUrl: acmeIdp.ssoUrl },
    emailDomains: ['acme.com'],
    roles: { rules: [{ group: 'app-admins', role: 'admin' }], defaultRole: 'member' },
    ...changes,
  };
}

function globex(changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 'globex',
    preset: 'okta',
    sp: {
      entityId: 'https://app.example.com/saml/globex',
      acsUrl: 'https://app.example.com/saml/globex/acs',
    },
    idp: { entityId: globexIdp.entityId, certificates: [globexIdp.certificate], ssoUrl: globexIdp.ssoUrl },
    emailDomains: ['globex.com'],
    ...changes,
  };
}

async function setup(...tenants: TenantConfig[]): Promise<{ sp: ServiceProvider; store: MemoryStore }> {
  const store = createMemoryStore({ now: clock });
  for (const tenant of tenants) {
    await store.put(tenant);
    // Established tenants: their domains are verified (docs/domains.md).
    for (const domain of tenant.emailDomains ?? [])
      await store.setDomainVerification(tenant.id, domain, {
        verifiedAt: NOW,
        method: 'operator',
        by: 'test',
      });
  }
  return { sp: createServiceProvider({ tenants: store, state: store, now: clock }), store };
}

/** The IdP's answer to a started login, as the browser would post it back. */
function answer(idp: TestIdp, login: StartedLogin, user: TestIdpUser = ALICE) {
  return answerRedirect(idp, login, { user });
}

before(async () => {
  acmeIdp = await createTestIdp({
    preset: 'azure',
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: clock,
  });
  globexIdp = await createTestIdp({
    preset: 'okta',
    key: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
    now: clock,
  });
});

describe('createServiceProvider: SP-initiated login', () => {
  it('routes by email domain, verifies, maps roles and returns the kept returnTo', async () => {
    const { sp } = await setup(acme(), globex());
    const login = await sp.startLogin({ email: 'Alice@ACME.com' }, { returnTo: '/projects/42?tab=1' });
    assert.equal(login.tenantId, 'acme');
    assert.equal(login.returnTo, '/projects/42?tab=1');
    const relayState = new URL(login.url).searchParams.get('RelayState') ?? '';
    assert.match(relayState, /^[\w-]{22}$/, 'RelayState is an opaque handle, not the return URL');
    const result = await sp.finishLogin(answer(acmeIdp, login));
    assert.equal(result.tenant.id, 'acme');
    assert.equal(result.profile.email, 'alice@acme.com');
    assert.equal(result.profile.inResponseTo, login.id);
    assert.deepEqual(result.roles, ['admin']);
    assert.equal(result.groupsOverage, false);
    assert.equal(result.returnTo, '/projects/42?tab=1');
  });

  it('routes by tenant ID, and honours the explicit tenant of a per-tenant ACS', async () => {
    const { sp } = await setup(acme(), globex());
    const login = await sp.startLogin({ tenantId: 'globex' });
    const result = await sp.finishLogin(answer(globexIdp, login, { email: 'bob@globex.com' }), {
      tenantId: 'globex',
    });
    assert.equal(result.profile.email, 'bob@globex.com');
    assert.deepEqual(result.roles, []);
  });

  it('does not route a subdomain, an unknown domain, or a non-address', async () => {
    const { sp } = await setup(acme());
    await expectCode(sp.startLogin({ email: 'alice@eu.acme.com' }), 'TENANT_NOT_FOUND');
    await expectCode(sp.startLogin({ email: 'alice@acme.com.evil.com' }), 'TENANT_NOT_FOUND');
    // Not an address at all: refused as such (issue #12, class 3: a truthful code).
    await expectCode(sp.startLogin({ email: 'not an address' }), 'EMAIL_INVALID');
    await expectCode(sp.startLogin({ tenantId: 'nobody' }), 'TENANT_NOT_FOUND');
  });

  it('drops a returnTo that is not a same-origin path (never an open redirect)', async () => {
    const { sp } = await setup(acme());
    for (const returnTo of [
      'https://evil.com/',
      '//evil.com',
      '/\\evil.com',
      '/\t/evil.com',
      'javascript:alert(1)',
      'projects',
    ]) {
      const login = await sp.startLogin({ tenantId: 'acme' }, { returnTo });
      assert.equal(login.returnTo, undefined, returnTo);
      const result = await sp.finishLogin(answer(acmeIdp, login));
      assert.equal(result.returnTo, undefined, returnTo);
    }
    assert.equal((await sp.startLogin({ tenantId: 'acme' }, { returnTo: '/a/../b' })).returnTo, '/b');
  });

  it('refuses a disabled tenant at both ends', async () => {
    const { sp, store } = await setup(acme());
    const login = await sp.startLogin({ tenantId: 'acme' });
    await store.put(acme({ enabled: false }));
    await expectCode(sp.startLogin({ tenantId: 'acme' }), 'SAML_DISABLED');
    await expectCode(sp.startLogin({ email: 'alice@acme.com' }), 'SAML_DISABLED');
    await expectCode(sp.finishLogin(answer(acmeIdp, login)), 'SAML_DISABLED');
  });
});

describe('createServiceProvider: one use, one tenant', () => {
  it('refuses a replay of a finished login: the request is consumed, the assertion remembered', async () => {
    const { sp } = await setup(acme({ allowIdpInitiated: true }));
    const form = answer(acmeIdp, await sp.startLogin({ tenantId: 'acme' }));
    await sp.finishLogin(form);
    await expectCode(sp.finishLogin(form), 'IN_RESPONSE_TO_MISMATCH');
    const unsolicited = acmeIdp.respond({
      acsUrl: 'https://app.example.com/saml/acme/acs',
      audience: 'https://app.example.com/saml/acme',
      user: ALICE,
    });
    await sp.finishLogin(unsolicited);
    await expectCode(sp.finishLogin(unsolicited), 'REPLAY');
  });

  it('refuses a second response to the same request (a request ID used twice)', async () => {
    const { sp } = await setup(acme());
    const login = await sp.startLogin({ tenantId: 'acme' });
    await sp.finishLogin(answer(acmeIdp, login));
    await expectCode(sp.finishLogin(answer(acmeIdp, login)), 'IN_RESPONSE_TO_MISMATCH');
  });

  it('of 20 concurrent posts of one response, exactly one logs in', async () => {
    const { sp } = await setup(acme());
    const form = answer(acmeIdp, await sp.startLogin({ tenantId: 'acme' }));
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => sp.finishLogin(form)));
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
  });

  it("refuses tenant A's response posted to tenant B's ACS", async () => {
    const { sp } = await setup(acme(), globex());
    const form = answer(acmeIdp, await sp.startLogin({ tenantId: 'acme' }));
    await expectCode(sp.finishLogin(form, { tenantId: 'globex' }), 'IN_RESPONSE_TO_MISMATCH');
    // The pending login survives the attempt.
    assert.equal((await sp.finishLogin(form)).tenant.id, 'acme');
  });

  it('refuses a response whose RelayState is not the pending login’s', async () => {
    const { sp } = await setup(acme());
    const form = answer(acmeIdp, await sp.startLogin({ tenantId: 'acme' }));
    await expectCode(
      sp.finishLogin({ ...form, RelayState: 'another-handle-00000000' }),
      'RELAY_STATE_MISMATCH',
    );
    await expectCode(sp.finishLogin({ SAMLResponse: form.SAMLResponse }), 'RELAY_STATE_MISMATCH');
  });

  it('refuses a response to a request that expired or that this store never saw', async () => {
    const { sp } = await setup(acme());
    const form = answer(acmeIdp, await sp.startLogin({ tenantId: 'acme' }));
    const { sp: otherInstance } = await setup(acme());
    await expectCode(otherInstance.finishLogin(form), 'IN_RESPONSE_TO_MISMATCH');
  });

  it('a forged response does not burn the pending login', async () => {
    const { sp } = await setup(acme());
    const login = await sp.startLogin({ tenantId: 'acme' });
    const query = new URL(login.url).searchParams;
    const forged = acmeIdp.respond({
      SAMLRequest: query.get('SAMLRequest') ?? '',
      RelayState: query.get('RelayState') ?? '',
      user: { email: 'mallory@acme.com' },
      signingKey: { privateKey: KEYS.attacker.key, certificate: KEYS.attacker.cert },
    });
    await expectCode(sp.finishLogin(forged), 'KEY_UNTRUSTED');
    assert.equal((await sp.finishLogin(answer(acmeIdp, login))).profile.email, 'alice@acme.com');
  });
});

describe('createServiceProvider: IdP-initiated logins', () => {
  it('are accepted for the one tenant of the issuer that allows them', async () => {
    const { sp } = await setup(acme({ allowIdpInitiated: true }), globex());
    const form = acmeIdp.respond({
      acsUrl: 'https://app.example.com/saml/acme/acs',
      audience: 'https://app.example.com/saml/acme',
      RelayState: 'https://evil.com/',
      user: ALICE,
    });
    const result = await sp.finishLogin(form);
    assert.equal(result.tenant.id, 'acme');
    assert.equal(result.profile.inResponseTo, undefined);
    assert.equal(result.returnTo, undefined, 'an IdP-initiated RelayState is never a redirect');
  });

  it('are refused where the tenant does not allow them', async () => {
    const { sp } = await setup(acme(), globex());
    const form = acmeIdp.respond({
      acsUrl: 'https://app.example.com/saml/acme/acs',
      audience: 'https://app.example.com/saml/acme',
      user: ALICE,
    });
    await expectCode(sp.finishLogin(form), 'TENANT_NOT_FOUND');
    await expectCode(sp.finishLogin(form, { tenantId: 'acme' }), 'UNSOLICITED_RESPONSE');
  });

  it('are refused when several tenants share the issuer and the audience and nothing tells them apart', async () => {
    const shared = acme({ id: 'acme-eu', allowIdpInitiated: true, emailDomains: ['acme.eu'] });
    const { sp } = await setup(acme({ allowIdpInitiated: true }), shared);
    const form = acmeIdp.respond({
      acsUrl: 'https://app.example.com/saml/acme/acs',
      audience: 'https://app.example.com/saml/acme',
      user: { email: 'eve@elsewhere.com' },
    });
    await expectCode(sp.finishLogin(form), 'TENANT_AMBIGUOUS');
    await expectCode(sp.finishLogin(form, { tenantId: 'acme' }), 'EMAIL_DOMAIN_NOT_ALLOWED');
  });

  it('go to the one tenant that holds the email domain verified when the issuer and audience are shared', async () => {
    const shared = acme({ id: 'acme-eu', allowIdpInitiated: true, emailDomains: ['acme.eu'] });
    const { sp } = await setup(acme({ allowIdpInitiated: true }), shared);
    const form = acmeIdp.respond({
      acsUrl: 'https://app.example.com/saml/acme/acs',
      audience: 'https://app.example.com/saml/acme',
      user: ALICE,
    });
    const result = await sp.finishLogin(form);
    assert.equal(result.tenant.id, 'acme');
    assert.equal(result.emailDomainVerified, true);
  });
});

describe('createServiceProvider: roles', () => {
  it('the default role when no rule matches, and the Entra group overage flag', async () => {
    const { sp } = await setup(acme());
    const login = await sp.startLogin({ tenantId: 'acme' });
    const query = new URL(login.url).searchParams;
    const form = acmeIdp.respond({
      SAMLRequest: query.get('SAMLRequest') ?? '',
      RelayState: query.get('RelayState') ?? '',
      user: { email: 'carol@acme.com' },
      attributes: {
        'http://schemas.microsoft.com/claims/groups.link': [
          'https://graph.windows.net/acme/users/carol/getMemberObjects',
        ],
      },
    });
    const result = await sp.finishLogin(form);
    assert.deepEqual(result.roles, ['member']);
    assert.equal(result.groupsOverage, true);
  });
});

describe('createServiceProvider: loginMethods (require SSO, break-glass)', () => {
  it('offers what each tenant allows', async () => {
    const { sp } = await setup(
      acme({ requireSso: true, breakGlassEmails: ['Root@Acme.com'] }),
      globex(),
      acme({ id: 'initech', emailDomains: ['initech.com'], enabled: false }),
    );
    assert.deepEqual(await sp.loginMethods('alice@acme.com'), { sso: { tenantId: 'acme' }, password: false });
    assert.deepEqual(await sp.loginMethods('ALICE@ACME.COM'), { sso: { tenantId: 'acme' }, password: false });
    assert.deepEqual(await sp.loginMethods('root@acme.com'), { sso: { tenantId: 'acme' }, password: true });
    assert.deepEqual(await sp.loginMethods('bob@globex.com'), {
      sso: { tenantId: 'globex' },
      password: true,
    });
    assert.deepEqual(await sp.loginMethods('peter@initech.com'), { sso: null, password: true });
    assert.deepEqual(await sp.loginMethods('eve@eu.acme.com'), { sso: null, password: true });
    // What cannot be judged is refused, never given password login (docs/security.md rule 26).
    await expectCode(sp.loginMethods('no address'), 'EMAIL_INVALID');
  });
});

describe('createServiceProvider: fails closed', () => {
  it('a failing state store is STORE_UNAVAILABLE at every step', async () => {
    const { store } = await setup(acme());
    const broken = (method: keyof StateStore): StateStore =>
      new Proxy(store, {
        get(target, property, receiver) {
          if (property === method) return () => Promise.reject(new Error('ECONNREFUSED'));
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value;
        },
      });
    const failing = (method: keyof StateStore) =>
      createServiceProvider({ tenants: store, state: broken(method), now: clock });
    await expectCode(failing('saveRequest').startLogin({ tenantId: 'acme' }), 'STORE_UNAVAILABLE');
    const sp = createServiceProvider({ tenants: store, state: store, now: clock });
    for (const method of ['findRequest', 'consumeRequest', 'remember'] as const) {
      const form = answer(acmeIdp, await sp.startLogin({ tenantId: 'acme' }));
      await expectCode(failing(method).finishLogin(form), 'STORE_UNAVAILABLE');
    }
  });

  it('a started login says how long its cookie should live: the request TTL', async () => {
    const store = createMemoryStore({ now: clock });
    await store.put(acme());
    for (const requestTtlSeconds of [undefined, 3600]) {
      const sp = createProvider({
        tenants: store,
        state: store,
        now: clock,
        ...(requestTtlSeconds !== undefined && { requestTtlSeconds }),
      });
      assert.equal((await sp.startLogin({ tenantId: 'acme' })).maxAgeSeconds, requestTtlSeconds ?? 600);
    }
  });

  it('finishLogin options that are not an object are a TypeError naming them, not a crash', async () => {
    const store = createMemoryStore({ now: clock });
    const sp = createProvider({ tenants: store, state: store, now: clock }); // not this file's wrapper
    for (const options of [null, 7, 'secret']) {
      await assert.rejects(sp.finishLogin({}, options as never), {
        name: 'TypeError',
        message: /^options must be/,
      });
    }
  });

  it('refuses a request TTL outside 1..3600 s', () => {
    const store = createMemoryStore();
    assert.throws(
      () => createServiceProvider({ tenants: store, state: store, requestTtlSeconds: 0 }),
      TypeError,
    );
    assert.throws(
      () => createServiceProvider({ tenants: store, state: store, requestTtlSeconds: 7200 }),
      TypeError,
    );
  });
});
