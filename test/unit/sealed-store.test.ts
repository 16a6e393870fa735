/** sealTenantSecrets: SP private keys never reach the inner store in clear, and come back intact. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createMemoryStore, SamlError, type TenantConfig, type TenantStore } from '../../src/index.js';
import { sealTenantSecrets } from '../../src/index.js';
import { KEYS } from '../helpers/constants.js';

const KEY_A = { id: '2027-01', key: randomBytes(32) };
const KEY_B = { id: '2027-07', key: randomBytes(32) };

function tenant(id = 'acme'): TenantConfig {
  return {
    id,
    sp: {
      entityId: `https://app.example.com/saml/${id}`,
      acsUrl: `https://app.example.com/saml/${id}/acs`,
      signing: { privateKey: KEYS.rollover.key, certificate: KEYS.rollover.cert },
      nextSigning: { privateKey: KEYS.attacker.key, certificate: KEYS.attacker.cert },
      decryption: [{ privateKey: KEYS.idp.key, certificate: KEYS.idp.cert }],
    },
    idp: { entityId: 'https://idp.example.com', certificates: [KEYS.idp.cert] },
    emailDomains: [`${id}.com`],
  };
}

describe('sealTenantSecrets', () => {
  it('stores no private key in clear, and every read restores them', async () => {
    const inner = createMemoryStore();
    const sealed = sealTenantSecrets(inner, { keys: [KEY_A] });
    await sealed.put(tenant());
    await sealed.setDomainVerification('acme', 'acme.com', {
      verifiedAt: new Date(),
      method: 'operator',
      by: 'test',
    });
    assert.equal((await sealed.domainClaims('acme'))[0]?.status, 'verified');
    const raw = JSON.stringify(await inner.get('acme'));
    assert.ok(!raw.includes('PRIVATE KEY'), raw);
    assert.match(raw, /samlkit-sealed:v1:2027-01:/);
    assert.equal((await inner.findByEmailDomain('acme.com'))?.id, 'acme', 'lookups still work');
    for (const read of [
      await sealed.get('acme'),
      await sealed.findByEmailDomain('acme.com'),
      (await sealed.findByIssuer('https://idp.example.com'))[0],
      (await sealed.list())[0],
    ]) {
      assert.equal(read?.sp.signing?.privateKey, KEYS.rollover.key);
      assert.equal(read.sp.nextSigning?.privateKey, KEYS.attacker.key);
      assert.equal(read.sp.decryption?.[0]?.privateKey, KEYS.idp.key);
      assert.equal(read.sealed, undefined);
    }
  });

  it('refuses a planted sealed value: only the wrapper writes it (it would break every read later)', async () => {
    const inner = createMemoryStore();
    const sealed = sealTenantSecrets(inner, { keys: [KEY_A] });
    const { sp } = tenant();
    const planted = {
      ...tenant(),
      sp: { entityId: sp.entityId, acsUrl: sp.acsUrl },
      sealed: { signing: 'samlkit-sealed:v1:2027-01:AAAA' },
    };
    await assert.rejects(sealed.put(planted), TypeError);
    assert.equal(await inner.get('acme'), undefined);
  });

  it('rotates: the first key seals, any listed key opens', async () => {
    const inner = createMemoryStore();
    await sealTenantSecrets(inner, { keys: [KEY_A] }).put(tenant());
    const rotated = sealTenantSecrets(inner, { keys: [KEY_B, KEY_A] });
    assert.equal((await rotated.get('acme'))?.sp.signing?.privateKey, KEYS.rollover.key);
    await rotated.put((await rotated.get('acme'))!);
    assert.match(JSON.stringify(await inner.get('acme')), /samlkit-sealed:v1:2027-07:/);
    assert.equal((await sealTenantSecrets(inner, { keys: [KEY_B] }).get('acme'))?.id, 'acme');
  });

  it('fails closed (STORE_UNAVAILABLE) on a missing key, tampering, or a value moved to another tenant', async () => {
    const inner = createMemoryStore();
    await sealTenantSecrets(inner, { keys: [KEY_A] }).put(tenant('acme'));
    await sealTenantSecrets(inner, { keys: [KEY_A] }).put(tenant('globex'));
    const rejects = async (store: TenantStore, id: string) =>
      assert.rejects(
        store.get(id),
        (error: unknown) => error instanceof SamlError && error.code === 'STORE_UNAVAILABLE',
      );

    await rejects(sealTenantSecrets(inner, { keys: [KEY_B] }), 'acme');

    const stored = (await inner.get('acme'))!;
    const value = stored.sealed?.signing ?? '';
    const flipped = `${value.slice(0, -2)}${value.at(-2) === 'A' ? 'B' : 'A'}${value.at(-1) ?? ''}`;
    await inner.put({ ...stored, sealed: { ...stored.sealed, signing: flipped } });
    await rejects(sealTenantSecrets(inner, { keys: [KEY_A] }), 'acme');

    const globex = (await inner.get('globex'))!;
    await inner.put({ ...globex, sealed: { ...globex.sealed, signing: value } });
    await rejects(sealTenantSecrets(inner, { keys: [KEY_A] }), 'globex');
  });

  it('refuses bad keys with a TypeError', () => {
    const store = createMemoryStore();
    assert.throws(() => sealTenantSecrets(store, { keys: [] }), TypeError);
    assert.throws(() => sealTenantSecrets(store, { keys: [{ id: 'k', key: randomBytes(16) }] }), TypeError);
    assert.throws(() => sealTenantSecrets(store, { keys: [{ id: 'a b', key: randomBytes(32) }] }), TypeError);
  });
});
