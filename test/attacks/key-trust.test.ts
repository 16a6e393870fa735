/**
 * Key trust: only the tenant's pinned public keys count. KeyInfo is never trusted, a look-alike
 * certificate is not the pinned one, weak keys are refused, and a valid signature does not excuse
 * another, untrusted one.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { defineTenant } from '../../src/index.js';
import { buildResponse, KEYS, signed, signXml, tenant } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';

const base = buildResponse();
const der = (pem: string): string => pem.replace(/-----[A-Z ]+-----|\s/g, '');

describe('key trust', () => {
  it('signed by the attacker, attacker certificate in KeyInfo', async () => {
    await expectCode(verify(signed(base, 'assertion', KEYS.attacker)), 'KEY_UNTRUSTED');
  });

  it('signed by the attacker, KeyInfo carrying the genuine IdP certificate', async () => {
    const xml = signXml(base, { ref: 'assertion', key: KEYS.attacker.key, cert: KEYS.idp.cert });
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it('signed by the attacker, no KeyInfo', async () => {
    const xml = signXml(base, { ref: 'assertion', key: KEYS.attacker.key, noKeyInfo: true });
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it("signed by the attacker, KeyInfo holding the attacker's bare RSAKeyValue", async () => {
    const jwk = crypto.createPublicKey(KEYS.attacker.key).export({ format: 'jwk' });
    const b64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64url').toString('base64');
    const keyValue =
      `<ds:KeyInfo><ds:KeyValue><ds:RSAKeyValue><ds:Modulus>${b64(jwk.n)}</ds:Modulus>` +
      `<ds:Exponent>${b64(jwk.e)}</ds:Exponent></ds:RSAKeyValue></ds:KeyValue></ds:KeyInfo>`;
    const xml = signXml(base, { ref: 'assertion', key: KEYS.attacker.key, noKeyInfo: true }).replace(
      '</ds:SignatureValue>',
      `</ds:SignatureValue>${keyValue}`,
    );
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it('look-alike certificate (same subject as the IdP) for the attacker key', async () => {
    await expectCode(verify(signed(base, 'assertion', KEYS.lookalike)), 'KEY_UNTRUSTED');
  });

  it('genuine assertion re-wrapped in a Response the attacker signed', async () => {
    const xml = signXml(signed(base, 'assertion'), {
      ref: 'response',
      key: KEYS.attacker.key,
      cert: KEYS.attacker.cert,
    });
    await expectCode(verify(xml), 'KEY_UNTRUSTED');
  });

  it('attacker-signed assertion inside a Response the IdP signed', async () => {
    const xml = signXml(signed(base, 'assertion', KEYS.attacker), { ref: 'response' });
    await expectCode(verify(xml), 'KEY_UNTRUSTED');
  });

  it('old key after the tenant rotated to the new one', async () => {
    const t = tenant({ idp: { certificates: [KEYS.rollover.cert] } });
    await expectCode(verify(signed(base), { tenant: t }), 'KEY_UNTRUSTED');
  });

  it('signed with an unpinned RSA-1024 key', async () => {
    await expectCode(verify(signed(base, 'assertion', KEYS.rsa1024)), 'KEY_UNTRUSTED');
  });

  it('RSA-1024 certificate refused in the tenant config', () => {
    assert.throws(() => defineTenant(tenant({ idp: { certificates: [KEYS.rsa1024.cert] } })), TypeError);
  });

  it('RSA-1024 certificate refused even next to a strong one', () => {
    assert.throws(
      () => defineTenant(tenant({ idp: { certificates: [KEYS.idp.cert, KEYS.rsa1024.cert] } })),
      TypeError,
    );
  });

  it('KeyInfo is ignored: genuine signature with the attacker certificate in KeyInfo (control)', async () => {
    const xml = signXml(base, { ref: 'assertion', cert: KEYS.attacker.cert });
    assert.equal((await verify(xml)).nameId, 'alice@example.com');
  });

  it('RSA-1024 signature accepted only with allowRsa1024 (control)', async () => {
    const t = tenant({ allowRsa1024: true, idp: { certificates: [KEYS.rsa1024.cert] } });
    const profile = await verify(signed(base, 'assertion', KEYS.rsa1024), { tenant: t });
    assert.equal(profile.nameId, 'alice@example.com');
  });

  it('pinned certificate given as bare base64 DER still pins the same key (control)', async () => {
    const t = tenant({ idp: { certificates: [der(KEYS.idp.cert)] } });
    await expectCode(verify(signed(base, 'assertion', KEYS.attacker), { tenant: t }), 'KEY_UNTRUSTED');
  });
});
