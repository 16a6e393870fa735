/**
 * decodeResponse: one decode and one parse for a posted response, hints labelled unverified, and the
 * result handed to verifyResponse (nothing parsed again). The service uses it, and its tenant cache
 * follows edits to a stored configuration.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createServiceProvider,
  decodeResponse,
  createMemoryStore,
  skipReplayCheck,
  verifyResponse,
  type TenantConfig,
  type TenantStore,
} from '../../src/index.js';
import { createTestIdp } from '../../src/testing/index.js';
import { buildResponse, NOW, REQUEST_ID, signed, tenant, toForm } from '../helpers/idp.js';
import { expectCode } from '../helpers/expect.js';

const checks = { inResponseTo: REQUEST_ID, now: () => NOW, replayCache: skipReplayCheck } as const;

describe('decodeResponse', () => {
  it('reads the routing hints without verifying, and verifyResponse accepts its result', async () => {
    const form = toForm(signed(buildResponse()));
    const decoded = decodeResponse(form);
    const { inResponseTo, issuer, audiences, emailDomains } = decoded.unverified;
    assert.deepEqual(
      { inResponseTo, issuer, audiences, emailDomains },
      {
        inResponseTo: REQUEST_ID,
        issuer: 'https://idp.example.com/metadata',
        audiences: ['https://sp.example.com/saml/metadata'],
        emailDomains: ['example.com'],
      },
    );
    assert.deepEqual(
      await verifyResponse(tenant(), decoded, checks),
      await verifyResponse(tenant(), form, checks),
    );
  });

  it('the lazy hints are getters of one class, none defined per response (no hidden class holds a parsed document)', () => {
    // An accessor defined on each response's hints lives in the object's hidden class and kept the
    // whole parsed document alive until a full garbage collection (docs/performance.md, issue #14).
    const [first, second] = [
      decodeResponse(toForm(signed(buildResponse()))),
      decodeResponse(toForm(buildResponse())),
    ];
    for (const name of ['audiences', 'emailDomains'] as const) {
      assert.equal(Object.getOwnPropertyDescriptor(first.unverified, name), undefined);
    }
    assert.equal(Object.getPrototypeOf(first.unverified), Object.getPrototypeOf(second.unverified));
    assert.deepEqual(second.unverified.audiences, ['https://sp.example.com/saml/metadata']);
    assert.ok(Object.isFrozen(first.unverified));
    assert.ok(
      Object.isFrozen(second.unverified.audiences) && Object.isFrozen(second.unverified.emailDomains),
    );
  });

  it('a response without a plain assertion has no audiences nor email domains to route by', () => {
    const bare = decodeResponse(
      toForm(buildResponse().replace(/<saml:Assertion[\s\S]*<\/saml:Assertion>/, '')),
    );
    assert.deepEqual([bare.unverified.audiences, bare.unverified.emailDomains], [[], []]);
    assert.equal(Object.hasOwn(bare.unverified, 'issuer'), true);
  });

  it('hints are read from an unsigned, forged response too: they route, they never authenticate', async () => {
    const forged = decodeResponse(toForm(buildResponse({ issuer: 'https://forged.example' })));
    assert.equal(forged.unverified.issuer, 'https://forged.example');
    await expectCode(verifyResponse(tenant(), forged, checks), 'ISSUER_MISMATCH');
  });

  it('applies the same limits as verifyResponse, and the checks keep their own', async () => {
    const form = toForm(signed(buildResponse()));
    assert.throws(() => decodeResponse(form, { maxResponseBytes: 100 }), { code: 'SIZE_LIMIT' });
    assert.throws(() => decodeResponse({ SAMLResponse: 42 }), { code: 'INVALID_ENCODING' });
    assert.throws(() => decodeResponse(toForm('<!DOCTYPE x><x/>')), { code: 'DTD_FORBIDDEN' });
    assert.throws(() => decodeResponse(form, { maxResponseBytes: 0 }), TypeError);
    await expectCode(
      verifyResponse(tenant(), decodeResponse(form), { ...checks, maxResponseBytes: 100 }),
      'SIZE_LIMIT',
    );
  });

  it('a look-alike object is not a decoded response: it is read as a form', async () => {
    const lookAlike = { unverified: { inResponseTo: REQUEST_ID } } as unknown as ReturnType<
      typeof decodeResponse
    >;
    await expectCode(verifyResponse(tenant(), lookAlike, checks), 'INVALID_ENCODING');
  });
});

describe('the service defines each stored configuration once per content', () => {
  it('an edited configuration takes effect at the next login (the cache is keyed by content)', async () => {
    const when = new Date('2027-03-01T09:00:00Z');
    const idp = await createTestIdp({ now: () => when });
    let stored: TenantConfig = {
      id: 'acme',
      sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
      idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    };
    // Like Redis or PostgreSQL: a fresh object on every read.
    const memory = createMemoryStore({ now: () => when });
    const tenants: TenantStore = {
      get: (id) => Promise.resolve(id === 'acme' ? structuredClone(stored) : undefined),
      put: (config) => memory.put(config),
      delete: (id) => memory.delete(id),
      list: () => Promise.resolve([structuredClone(stored)]),
      findByEmailDomain: () => Promise.resolve(undefined),
      findByIssuer: () => Promise.resolve([structuredClone(stored)]),
      domainClaims: () => Promise.resolve([]),
      setDomainVerification: () => Promise.resolve(undefined),
    };
    const sp = createServiceProvider({ tenants, state: memory, now: () => when });
    for (let i = 0; i < 3; i++) assert.equal((await sp.startLogin({ tenantId: 'acme' })).tenantId, 'acme');
    stored = { ...stored, enabled: false };
    await expectCode(sp.startLogin({ tenantId: 'acme' }), 'SAML_DISABLED');
    stored = { ...stored, enabled: true, idp: { ...stored.idp, certificates: ['not a certificate'] } };
    await expectCode(sp.startLogin({ tenantId: 'acme' }), 'TENANT_CONFIG_INVALID');
  });

  it('maxResponseBytes is an option of the service', async () => {
    const store = createMemoryStore();
    assert.throws(
      () => createServiceProvider({ tenants: store, state: store, maxResponseBytes: 5 * 1024 * 1024 }),
      TypeError,
    );
    const sp = createServiceProvider({ tenants: store, state: store, maxResponseBytes: 100 });
    await expectCode(sp.finishLogin(toForm(signed(buildResponse()))), 'SIZE_LIMIT');
  });
});
