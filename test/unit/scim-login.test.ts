/**
 * The directory login gate end to end: a real signed login through createServiceProvider is
 * refused with USER_DEACTIVATED once the tenant's IdP deactivated the user over SCIM, and allowed
 * again after reactivation; the matching rule (userName ignoring ASCII case, externalId exactly).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDomainOwnership,
  createServiceProvider,
  createMemoryStore,
  SamlError,
  type TenantConfig,
} from '../../src/index.js';
import {
  createDirectoryLoginGate,
  createScimHandler,
  createScimToken,
  createMemoryDirectoryStore,
} from '../../src/scim.js';
import { createTestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { KEYS } from '../helpers/constants.js';
import { loginProfile } from '../helpers/scim-replay.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const clock = (): Date => NOW;

describe('directory login gate', () => {
  it('refuses the SSO login of a user the directory deactivated, allows it after reactivation', async () => {
    const idp = await createTestIdp({
      preset: 'azure',
      key: { privateKey: KEYS.idp.key, certificate: KEYS.idp.cert },
      now: clock,
    });
    const tenant: TenantConfig = {
      id: 'acme',
      preset: 'azure',
      sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
      idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
      emailDomains: ['acme.com'],
    };
    const store = createMemoryStore({ now: clock });
    await store.put(tenant);
    await createDomainOwnership({ tenants: store }).verifyByOperator('acme', 'acme.com', { by: 'test' });
    const directory = createMemoryDirectoryStore();
    const sp = createServiceProvider({
      tenants: store,
      state: store,
      now: clock,
      directory: createDirectoryLoginGate(directory),
    });
    const { token } = await createScimToken(directory, 'acme', { now: () => NOW });
    const scim = createScimHandler({ directory, tenants: store, now: clock });
    const send = (method: string, path: string, body?: unknown) =>
      scim({
        tenantId: 'acme',
        method,
        path,
        headers: { Authorization: `Bearer ${token}` },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });

    const created = await send('POST', '/Users', { userName: 'Alice@Acme.com', active: true });
    assert.equal(created.status, 201);
    const id = (JSON.parse(created.body) as { id: string }).id;
    const login = async (): Promise<string> => {
      const started = await sp.startLogin({ email: 'alice@acme.com' });
      const form = answerRedirect(idp, started, { user: { email: 'alice@acme.com' } });
      return sp.finishLogin(form, { browserSecret: started.browserSecret }).then(
        () => 'ok',
        (error: unknown) => (error instanceof SamlError ? error.code : String(error)),
      );
    };
    assert.equal(await login(), 'ok');
    const patch = (active: unknown) =>
      send('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'active', value: active }],
      });
    assert.equal((await patch('False')).status, 200);
    assert.equal(await login(), 'USER_DEACTIVATED');
    assert.equal((await patch(true)).status, 200);
    assert.equal(await login(), 'ok');
  });

  it('matches userName ignoring ASCII case only, and externalId exactly', async () => {
    const directory = createMemoryDirectoryStore();
    const tenant = { id: 't', idp: { entityId: 'https://idp/' } } as unknown as TenantConfig;
    await directory.insert({
      tenantId: 't',
      type: 'User',
      id: 'u1',
      version: 1,
      keys: ['userName:kelly@x.example', 'externalId:OID-1'],
      data: JSON.stringify({
        resource: { userName: 'Kelly@x.example', active: false },
        created: '',
        lastModified: '',
      }),
    });
    const gate = createDirectoryLoginGate(directory);
    const outcome = (nameId: string) =>
      gate.checkLogin(loginProfile(tenant, nameId)).then(
        () => 'ok',
        (error: unknown) => (error instanceof SamlError ? error.code : 'other'),
      );
    assert.equal(await outcome('KELLY@X.EXAMPLE'), 'USER_DEACTIVATED');
    assert.equal(await outcome('OID-1'), 'USER_DEACTIVATED');
    assert.equal(await outcome('oid-1'), 'ok');
    assert.equal(await outcome('\u212Aelly@x.example'), 'ok', 'KELVIN SIGN is another name');
    assert.equal(
      await createDirectoryLoginGate(directory, { requireProvisioned: true })
        .checkLogin(loginProfile(tenant, 'new@x.example'))
        .then(
          () => 'ok',
          () => 'refused',
        ),
      'refused',
    );
  });
});
