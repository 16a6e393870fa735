/**
 * Every value that comes with a request may be any JSON value (docs/security.md rule 21): the body of
 * finishLogin, the email of loginMethods and startLogin, a tenant ID from a path, returnTo, the login
 * cookie. The answer is a SamlError with a truthful code, never a TypeError, RangeError or a store
 * failure. Named payloads first, then fast-check over the whole facade.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createServiceProvider,
  createMemoryStore,
  SamlError,
  type ServiceProvider,
} from '../../src/index.js';
import { createTestIdp, type TestIdp } from '../../src/testing/index.js';
import { answerRedirect } from '../helpers/answer.js';
import { expectCode } from '../helpers/expect.js';

const NOW = new Date('2027-03-01T09:00:00Z');
const RUNS = Number(process.env.FC_RUNS ?? 300);

let idp: TestIdp;
let sp: ServiceProvider;

before(async () => {
  idp = await createTestIdp({ preset: 'generic', now: () => NOW });
  const store = createMemoryStore({ now: () => NOW });
  await store.put({
    id: 'acme',
    sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acs' },
    idp: { entityId: idp.entityId, certificates: [idp.certificate], ssoUrl: idp.ssoUrl },
    emailDomains: ['acme.com'],
    requireSso: true,
  });
  sp = createServiceProvider({ tenants: store, state: store, now: () => NOW });
});

/** A started login and the IdP's genuine answer to it. */
async function started(): Promise<{ form: { SAMLResponse: string; RelayState: string }; secret: string }> {
  const login = await sp.startLogin({ tenantId: 'acme' });
  const form = answerRedirect(idp, login, { user: { email: 'alice@acme.com' } });
  return {
    form: { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState ?? '' },
    secret: login.browserSecret,
  };
}

const ODD: readonly unknown[] = [
  undefined,
  null,
  0,
  -1,
  1e308,
  Number.NaN,
  true,
  [],
  ['acme'],
  [['a']],
  {},
  { toString: 'x' },
  'x'.repeat(1_000_000),
  '\uD800',
  'a\uDFFFb',
  '\u0000',
  '',
];

async function onlySamlError(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof SamlError) return;
    assert.fail(`not a SamlError: ${String(error)}`);
  }
}

describe('request values of every JSON type', () => {
  it('a RelayState of the right length with a multi-byte character is RELAY_STATE_MISMATCH, not a RangeError', async () => {
    const { form, secret } = await started();
    const sameLength = `é${form.RelayState.slice(1)}`;
    assert.equal(sameLength.length, form.RelayState.length);
    await expectCode(
      sp.finishLogin({ ...form, RelayState: sameLength }, { browserSecret: secret }),
      'RELAY_STATE_MISMATCH',
    );
    await expectCode(
      sp.finishLogin(
        { ...form, RelayState: '\uD800'.repeat(form.RelayState.length) },
        { browserSecret: secret },
      ),
      'RELAY_STATE_MISMATCH',
    );
  });

  for (const value of ODD) {
    const name =
      typeof value === 'string' && value.length > 20 ? `${value.length} characters` : JSON.stringify(value);
    it(`tenantId ${name} is TENANT_NOT_FOUND (startLogin and finishLogin)`, async () => {
      await expectCode(sp.startLogin({ tenantId: value as string }), 'TENANT_NOT_FOUND');
      const { form, secret } = await started();
      if (value !== undefined) {
        await expectCode(
          sp.finishLogin(form, { tenantId: value, browserSecret: secret }),
          'TENANT_NOT_FOUND',
        );
      }
    });
    it(`email ${name} is EMAIL_INVALID (startLogin and loginMethods)`, async () => {
      await expectCode(sp.startLogin({ email: value as string }), 'EMAIL_INVALID');
      await expectCode(sp.loginMethods(value), 'EMAIL_INVALID');
    });
    it(`form ${name} is INVALID_ENCODING; as RelayState or SAMLResponse a SamlError`, async () => {
      await expectCode(sp.finishLogin(value), 'INVALID_ENCODING');
      const { form, secret } = await started();
      await onlySamlError(() => sp.finishLogin({ ...form, RelayState: value }, { browserSecret: secret }));
      await onlySamlError(() => sp.finishLogin({ ...form, SAMLResponse: value }, { browserSecret: secret }));
    });
    it(`returnTo ${name} is dropped; a login cookie ${name} is BROWSER_MISMATCH`, async () => {
      const login = await sp.startLogin({ tenantId: 'acme' }, { returnTo: value as string });
      assert.equal(login.returnTo, undefined);
      const { form } = await started();
      await expectCode(sp.finishLogin(form, { browserSecret: value }), 'BROWSER_MISMATCH');
    });
  }

  it('fast-check: any JSON value in any request position gives a SamlError or a result, nothing else', async () => {
    const { form, secret } = await started();
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.oneof(fc.string({ unit: 'binary' }), fc.string(), fc.jsonValue()),
        fc.constantFrom(
          'email',
          'tenantId',
          'options',
          'form',
          'relay',
          'response',
          'cookie',
          'finishTenant',
        ),
        async (json, text, position) => {
          const value = position === 'form' ? json : text;
          const call = {
            email: () => sp.loginMethods(value),
            tenantId: () => sp.startLogin({ tenantId: value as string }),
            options: () => sp.startLogin({ email: value as string }, { returnTo: json as string }),
            form: () => sp.finishLogin(value),
            relay: () => sp.finishLogin({ ...form, RelayState: value }, { browserSecret: secret }),
            response: () => sp.finishLogin({ ...form, SAMLResponse: value }, { browserSecret: secret }),
            cookie: () => sp.finishLogin(form, { browserSecret: value }),
            finishTenant: () => sp.finishLogin(form, { tenantId: value, browserSecret: secret }),
          }[position];
          await onlySamlError(call);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
