/**
 * Secure defaults cannot be dropped by omission (docs/security.md rule 31, 32): replay protection needs a
 * cache or the named opt-out; only `true` from a cache is a first use; IDs are NCNames unless the
 * tenant opts out by name; a stored configuration that no longer validates fails a login with a
 * SamlError and an admin hint, never a TypeError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createServiceProvider,
  createMemoryStore,
  skipReplayCheck,
  verifyResponse,
  type TenantConfig,
  type TenantStore,
} from '../../src/index.js';
import { buildResponse, KEYS, NOW, REQUEST_ID, signed, tenant, toForm } from '../helpers/idp.js';
import { expectCode } from '../helpers/expect.js';

const good = toForm(signed(buildResponse()));

describe('replay protection is not dropped by omission', () => {
  it('verifyResponse without a replay cache is a TypeError naming the opt-out', async () => {
    await assert.rejects(
      verifyResponse(tenant(), good, { inResponseTo: REQUEST_ID, now: () => NOW } as never),
      /checks\.replayCache is required.*skipReplayCheck/,
    );
    await assert.rejects(verifyResponse(tenant(), good, undefined as never), TypeError);
  });

  it('skipReplayCheck is the named opt-out', async () => {
    const profile = await verifyResponse(tenant(), good, {
      inResponseTo: REQUEST_ID,
      now: () => NOW,
      replayCache: skipReplayCheck,
    });
    assert.equal(profile.nameId, 'alice@example.com');
  });

  for (const answer of [1, 'true', 'OK', {}, [], null, undefined]) {
    it(`a cache answering ${JSON.stringify(answer)} is not a first use (REPLAY)`, async () => {
      const cache = { remember: () => Promise.resolve(answer as boolean) };
      await expectCode(
        verifyResponse(tenant(), good, { inResponseTo: REQUEST_ID, now: () => NOW, replayCache: cache }),
        'REPLAY',
      );
    });
  }
});

describe('IDs are NCNames (xs:ID, SAML core §1.3.4)', () => {
  for (const id of ['1abc', '0', '9-z', '28338c8c-39ab-4b94-bcdc-46f68f99d962']) {
    it(`a signed assertion with ID ${id} is refused (DUPLICATE_ID), accepted with allowIdsStartingWithDigit`, async () => {
      const form = toForm(signed(buildResponse({ assertionId: id })));
      const checks = { inResponseTo: REQUEST_ID, now: () => NOW, replayCache: skipReplayCheck } as const;
      await expectCode(verifyResponse(tenant(), form, checks), 'DUPLICATE_ID');
      await verifyResponse(tenant({ allowIdsStartingWithDigit: true }), form, checks);
    });
  }
  it('an unsigned element elsewhere with a digit-first ID is refused too', async () => {
    const xml = signed(buildResponse()).replace(
      '<samlp:Status>',
      '<samlp:Extensions><x:E xmlns:x="urn:x" ID="7up"/></samlp:Extensions><samlp:Status>',
    );
    await expectCode(
      verifyResponse(tenant(), toForm(xml), {
        inResponseTo: REQUEST_ID,
        now: () => NOW,
        replayCache: skipReplayCheck,
      }),
      'DUPLICATE_ID',
    );
  });
});

describe('a stored configuration that no longer validates', () => {
  /** A store that hands back whatever was saved, as a database edited by hand would. */
  function rawStore(config: unknown): TenantStore {
    const memory = createMemoryStore();
    return {
      get: (id) => Promise.resolve(id === 'acme' ? (config as TenantConfig) : undefined),
      put: (c) => memory.put(c),
      delete: (id) => memory.delete(id),
      list: () => Promise.resolve([config as TenantConfig]),
      findByEmailDomain: (domain) =>
        Promise.resolve(domain === 'acme.com' ? (config as TenantConfig) : undefined),
      findByIssuer: () => Promise.resolve([config as TenantConfig]),
      domainClaims: () => Promise.resolve([]),
      setDomainVerification: () => Promise.resolve(undefined),
    };
  }
  const valid: TenantConfig = {
    id: 'acme',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
    idp: {
      entityId: 'https://idp.acme.com',
      certificates: [KEYS.idp.cert],
      ssoUrl: 'https://idp.acme.com/sso',
    },
    emailDomains: ['acme.com'],
    requireSso: true,
  };
  const broken: readonly [string, unknown][] = [
    ['a 1024-bit IdP certificate', { ...valid, idp: { ...valid.idp, certificates: [KEYS.rsa1024.cert] } }],
    ['a certificate that is not one', { ...valid, idp: { ...valid.idp, certificates: ['garbage'] } }],
    ['an ACS URL edited into a number', { ...valid, sp: { ...valid.sp, acsUrl: 42 } }],
    ['no idp at all', { ...valid, idp: undefined }],
    ['roles that are a string', { ...valid, roles: 'admin' }],
  ];
  for (const [what, config] of broken) {
    it(`${what}: TENANT_CONFIG_INVALID from startLogin, finishLogin and loginMethods`, async () => {
      const store = rawStore(config);
      const sp = createServiceProvider({ tenants: store, state: createMemoryStore() });
      await expectCode(sp.startLogin({ tenantId: 'acme' }), 'TENANT_CONFIG_INVALID');
      await expectCode(sp.startLogin({ email: 'alice@acme.com' }), 'TENANT_CONFIG_INVALID');
      await expectCode(sp.loginMethods('alice@acme.com'), 'TENANT_CONFIG_INVALID');
      await expectCode(sp.finishLogin(good, { tenantId: 'acme' }), 'TENANT_CONFIG_INVALID');
    });
  }
  it('a missing SSO URL when a login starts: TENANT_CONFIG_INVALID with a hint naming the field', async () => {
    const sp = createServiceProvider({
      tenants: rawStore({ ...valid, idp: { ...valid.idp, ssoUrl: undefined } }),
      state: createMemoryStore(),
    });
    await expectCode(sp.startLogin({ tenantId: 'acme' }), 'TENANT_CONFIG_INVALID');
    await sp.startLogin({ tenantId: 'acme' }).catch((error: unknown) => {
      assert.match((error as { hint: string }).hint, /sign-on URL/);
    });
  });
});
