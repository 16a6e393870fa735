/**
 * Provisioning and events (issue #18, points 3 and 4), with the service, a MemoryStore and the test
 * IdP: the hook's decision (create, update, link, refuse) keyed by (tenant, issuer, NameID); the
 * login events without personal data unless asked for; a failing event sink never fails a login;
 * domain verification reported by createDomainOwnership.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  createDomainOwnership,
  createServiceProvider,
  createMemoryStore,
  SamlError,
  type ProvisioningHook,
  type ProvisioningInput,
  type SamlEvent,
  type ServiceProviderOptions,
  type TenantConfig,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { KEYS } from '../helpers/constants.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const clock = (): Date => NOW;
const SP = { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' };

let idp: TestIdp;

before(async () => {
  idp = await createTestIdp({
    key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
    now: clock,
    sp: SP,
  });
});

function tenant(changes: Partial<TenantConfig> = {}): TenantConfig {
  return {
    id: 'acme',
    sp: SP,
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    emailDomains: ['acme.com'],
    allowIdpInitiated: true,
    roles: { rules: [{ group: 'admins', role: 'admin' }] },
    ...changes,
  };
}

async function service(
  options: Partial<ServiceProviderOptions> = {},
  verified = true,
): Promise<{
  login: (email?: string) => ReturnType<ReturnType<typeof createServiceProvider>['finishLogin']>;
}> {
  const store = createMemoryStore({ now: clock });
  await store.put(tenant());
  if (verified)
    await store.setDomainVerification('acme', 'acme.com', {
      verifiedAt: NOW,
      method: 'operator',
      by: 'test',
    });
  const sp = createServiceProvider({ tenants: store, state: store, now: clock, ...options });
  return {
    login: (email = 'alice@acme.com') =>
      sp.finishLogin(idp.respond({ user: { email, groups: ['admins'] } }), { tenantId: 'acme' }),
  };
}

describe('provisioning hook', () => {
  it('is given the account key, the verified profile, the domain verdict and the roles; its account is on the result', async () => {
    const inputs: ProvisioningInput[] = [];
    const { login } = await service({
      provision: (input) => {
        inputs.push(input);
        return { action: 'create', userId: 'u-1' };
      },
    });
    const result = await login();
    assert.deepEqual(result.user, { id: 'u-1', action: 'create' });
    const [input] = inputs;
    assert.deepEqual(input?.key, { tenantId: 'acme', issuer: idp.entityId, nameId: 'alice@acme.com' });
    assert.equal(input.profile.email, 'alice@acme.com');
    assert.equal(input.emailDomainVerified, true);
    assert.deepEqual(input.roles, ['admin']);
    assert.equal(input.tenant.id, 'acme');
    assert.equal('privateKey' in JSON.parse(JSON.stringify(input.tenant)), false);
  });

  it('a refusal fails the login with PROVISIONING_REFUSED and the reason as the hint', async () => {
    // The domain-ownership rule: link by email only on a verified domain.
    const hook: ProvisioningHook = ({ emailDomainVerified }) =>
      emailDomainVerified
        ? { action: 'link', userId: 'existing-7' }
        : { action: 'refuse', reason: 'an account with this email exists and the domain is not verified' };
    assert.deepEqual((await (await service({ provision: hook })).login()).user, {
      id: 'existing-7',
      action: 'link',
    });
    await assert.rejects((await service({ provision: hook }, false)).login(), (error: unknown) => {
      assert.ok(error instanceof SamlError);
      assert.equal(error.code, 'PROVISIONING_REFUSED');
      assert.equal(error.tenantId, 'acme');
      assert.match(error.hint, /domain is not verified/);
      return true;
    });
  });

  it('a malformed decision is the developer’s TypeError; the hook’s own error passes through unchanged', async () => {
    for (const decision of [
      undefined,
      {},
      { action: 'create' },
      { action: 'delete', userId: 'x' },
      { action: 'refuse' },
    ]) {
      const { login } = await service({ provision: () => decision as never });
      await assert.rejects(login(), TypeError);
    }
    const mine = new Error('database down');
    await assert.rejects(
      (await service({ provision: () => Promise.reject(mine) })).login(),
      (error) => error === mine,
    );
    assert.throws(
      () =>
        createServiceProvider({
          tenants: createMemoryStore(),
          state: createMemoryStore(),
          provision: 'x' as never,
        }),
      /options\.provision/,
    );
  });
});

describe('events', () => {
  it('saml.login.succeeded: OpenTelemetry-style attributes and no personal data by default', async () => {
    const events: SamlEvent[] = [];
    const { login } = await service({ onEvent: (event) => void events.push(event) });
    await login();
    assert.deepEqual(events, [
      {
        name: 'saml.login.succeeded',
        time: NOW,
        attributes: {
          'saml.tenant.id': 'acme',
          'saml.idp.entity_id': idp.entityId,
          'saml.login.initiator': 'idp',
          'saml.authn.context_class': 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
          'saml.login.roles': ['admin'],
          'saml.email_domain.verified': true,
        },
      },
    ]);
    assert.doesNotMatch(JSON.stringify(events), /alice/);
    assert.ok(Object.isFrozen(events[0]) && Object.isFrozen(events[0]?.attributes));
  });

  it('personalDataInEvents adds user.id and user.email', async () => {
    const events: SamlEvent[] = [];
    const { login } = await service({
      onEvent: (event) => void events.push(event),
      personalDataInEvents: true,
    });
    await login();
    const [event] = events;
    assert.equal(event?.name, 'saml.login.succeeded');
    assert.equal(event.attributes['user.id'], 'alice@acme.com');
    assert.equal(event.attributes['user.email'], 'alice@acme.com');
  });

  it('saml.login.failed carries the code and the tenant, never the message or the user', async () => {
    const events: SamlEvent[] = [];
    const { login } = await service({
      onEvent: (event) => void events.push(event),
      provision: () => ({ action: 'refuse', reason: 'no seats left' }),
    });
    await assert.rejects(login());
    await assert.rejects(login('mallory@evil.com'));
    assert.deepEqual(
      events.map((event) => event.attributes),
      [
        { 'saml.tenant.id': 'acme', 'error.type': 'PROVISIONING_REFUSED' },
        { 'saml.tenant.id': 'acme', 'error.type': 'EMAIL_DOMAIN_NOT_ALLOWED' },
      ],
    );
    assert.doesNotMatch(JSON.stringify(events), /mallory|alice|seats/);
  });

  it('a throwing or rejecting event handler never breaks a login', async () => {
    for (const onEvent of [
      () => {
        throw new Error('SIEM down');
      },
      () => Promise.reject(new Error('SIEM down')),
    ]) {
      const { login } = await service({ onEvent });
      assert.equal((await login()).profile.email, 'alice@acme.com');
    }
    assert.throws(
      () =>
        createServiceProvider({
          tenants: createMemoryStore(),
          state: createMemoryStore(),
          onEvent: 42 as never,
        }),
      /options\.onEvent/,
    );
  });

  it('saml.domain.verified from createDomainOwnership, for a first verification and a re-verification', async () => {
    const store = createMemoryStore({ now: clock });
    await store.put(tenant());
    const events: SamlEvent[] = [];
    const ownership = createDomainOwnership({
      tenants: store,
      now: clock,
      onEvent: (event) => {
        events.push(event);
        throw new Error('ignored');
      },
      resolveTxt: () => Promise.resolve([]),
    });
    await ownership.verifyByOperator('acme', 'acme.com', { by: 'staff-1' });
    await ownership.verifyByOperator('acme', 'acme.com', { by: 'staff-1' });
    await ownership.demote('acme', 'acme.com');
    assert.deepEqual(events, [
      {
        name: 'saml.domain.verified',
        time: NOW,
        attributes: {
          'saml.tenant.id': 'acme',
          'saml.domain': 'acme.com',
          'saml.domain.verification_method': 'operator',
          'saml.domain.reverified': false,
        },
      },
      {
        name: 'saml.domain.verified',
        time: NOW,
        attributes: {
          'saml.tenant.id': 'acme',
          'saml.domain': 'acme.com',
          'saml.domain.verification_method': 'operator',
          'saml.domain.reverified': true,
        },
      },
    ]);
  });
});
