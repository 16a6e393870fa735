/**
 * Planted configuration: a tenant admin submits configuration JSON with fields samlkit does not
 * know, a `sealed` value (which only sealTenantSecrets writes, inside the store), or arbitrarily
 * large or deep data. Before, all of it was accepted: a planted `sealed` later broke `list()` and
 * other tenants' IdP-initiated logins behind sealTenantSecrets, and deep JSON made a Redis tenant
 * impossible to update or delete. Input is validated strictly, with size and depth capped before
 * anything walks it (docs/security.md rule 28).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  defineTenant,
  createMemoryStore,
  sealTenantSecrets,
  validateTenantConfig,
  type TenantConfig,
} from '../../src/index.js';

const certificate = readFileSync(new URL('../helpers/keys/idp.crt', import.meta.url), 'utf8');
const key = readFileSync(new URL('../helpers/keys/idp.key', import.meta.url), 'utf8');

function config(id = 'acme'): TenantConfig {
  return {
    id,
    sp: { entityId: `https://app.example.com/saml/${id}`, acsUrl: `https://app.example.com/saml/${id}/acs` },
    idp: { entityId: 'https://idp.example.com/', certificates: [certificate] },
    emailDomains: [`${id}.com`],
    allowIdpInitiated: true,
  };
}

const errorsAt = (input: unknown): string[] =>
  validateTenantConfig(input)
    .filter((problem) => problem.severity === 'error')
    .map((problem) => problem.path);

describe('planted configuration', () => {
  it('unknown fields are errors at every level, each at its path', () => {
    const planted = {
      ...config(),
      isAdmin: true,
      sp: { ...config().sp, signing: { privateKey: key, certificate, extra: 1 }, note: 'x' },
      idp: { ...config().idp, metadataUrl: 'https://evil.example/' },
      email: { from: 'nameId', trustAnything: true },
      roles: { rules: [{ group: 'g', role: 'r', priority: 1 }], defaultRole: 'member', extra: [] },
      attributeNames: { email: 'mail', nickname: 'nick' },
    };
    assert.deepEqual(errorsAt(planted).sort(), [
      'attributeNames.nickname',
      'email.trustAnything',
      'idp.metadataUrl',
      'isAdmin',
      'roles.extra',
      'roles.rules[0].priority',
      'sp.note',
      'sp.signing.extra',
    ]);
    assert.throws(() => defineTenant(planted as unknown as TenantConfig), TypeError);
  });

  it('a sealed value from input is refused by validation and by sealTenantSecrets, and cannot break other tenants', async () => {
    const planted = { ...config('evil'), sealed: { signing: 'samlkit-sealed:v1:2027-01:AAAA' } };
    assert.deepEqual(errorsAt(planted), ['sealed']);
    const inner = createMemoryStore();
    const tenants = sealTenantSecrets(inner, { keys: [{ id: '2027-01', key: randomBytes(32) }] });
    await tenants.put(config('acme'));
    await assert.rejects(tenants.put(planted), TypeError);
    assert.deepEqual(
      (await tenants.list()).map((t) => t.id),
      ['acme'],
    );
    assert.deepEqual(
      (await tenants.findByIssuer('https://idp.example.com/')).map((t) => t.id),
      ['acme'],
    );
  });

  it('deep JSON is refused before anything walks it (no stack overflow, bounded work)', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) {
      const next: Record<string, unknown> = {};
      deep.x = next;
      deep = next;
    }
    for (const value of [
      { ...config(), roles: root },
      { ...config(), extra: root },
    ]) {
      const problems = validateTenantConfig(value);
      assert.equal(problems.length, 1, JSON.stringify(problems.slice(0, 3)));
      assert.match(problems[0]?.message ?? '', /nested deeper than 6 levels/);
      assert.throws(() => defineTenant(value as unknown as TenantConfig), /deeper than 6 levels/);
    }
  });

  it('huge values (a 16 MB string, a million array items) are refused by size', async () => {
    const hugeString = { ...config(), idp: { ...config().idp, entityId: 'x'.repeat(16 * 1024 * 1024) } };
    assert.match(validateTenantConfig(hugeString)[0]?.message ?? '', /larger than 262144 characters/);
    const manyItems = {
      ...config(),
      breakGlassEmails: Array.from({ length: 1_000_000 }, () => 'a@acme.com'),
    };
    assert.match(validateTenantConfig(manyItems)[0]?.message ?? '', /more than 5000 fields/);
    await assert.rejects(createMemoryStore().put(manyItems), TypeError);
  });

  it('a generous real configuration stays well within the caps', () => {
    const generous: TenantConfig = {
      ...config(),
      sp: {
        ...config().sp,
        signing: { privateKey: key, certificate },
        nextSigning: { privateKey: key, certificate },
      },
      idp: { ...config().idp, certificates: Array.from({ length: 10 }, () => certificate) },
      breakGlassEmails: Array.from({ length: 50 }, (_, i) => `admin${i}@acme.com`),
      roles: { rules: Array.from({ length: 300 }, (_, i) => ({ group: `group-${i}`, role: 'member' })) },
    };
    assert.deepEqual(errorsAt(generous), []);
  });
});
