/**
 * generateSpKeyPair: the key and certificate it returns, and the arguments it refuses. RSA key
 * generation takes 0.1–0.5 s, so the whole file generates two pairs.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import forge from 'node-forge';
import { generateSpKeyPair } from '../../src/crypto/keygen.js';
import { defineTenant, validateTenantConfig } from '../../src/tenant/define.js';
import type { SpKeyPair, TenantConfig } from '../../src/types.js';
import { KEYS } from '../helpers/constants.js';

const NOW = new Date('2030-06-15T12:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

function tenantWith(signing: SpKeyPair): TenantConfig {
  return {
    id: 'acme',
    sp: {
      entityId: 'https://app.example.com/saml/acme',
      acsUrl: 'https://app.example.com/saml/acme/acs',
      signing,
    },
    idp: { entityId: 'https://idp.example.com/', certificates: [KEYS.idp.cert] },
  };
}

describe('generateSpKeyPair', () => {
  let pair: SpKeyPair;
  let certificate: X509Certificate;
  let other: SpKeyPair;

  before(async () => {
    pair = await generateSpKeyPair({ commonName: 'app.example.com', now: () => NOW });
    certificate = new X509Certificate(pair.certificate);
    // Other options, and the system clock: a 3072-bit key valid for one day, a CN that is not a PrintableString.
    other = await generateSpKeyPair({ commonName: 'Zürich_SSO@example', keySize: 3072, validDays: 1 });
  });

  it('returns a PKCS#8 PEM private key and a PEM certificate', () => {
    assert.match(pair.privateKey, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n?$/);
    assert.match(
      pair.certificate,
      /^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+-----END CERTIFICATE-----\r?\n?$/,
    );
    assert.equal(createPrivateKey(pair.privateKey).asymmetricKeyType, 'rsa');
  });

  it('makes a 2048-bit RSA key with exponent 65537 by default, and the keySize asked for', () => {
    const details = certificate.publicKey.asymmetricKeyDetails;
    assert.deepEqual([details?.modulusLength, details?.publicExponent], [2048, 65537n]);
    const otherDetails = new X509Certificate(other.certificate).publicKey.asymmetricKeyDetails;
    assert.equal(otherDetails?.modulusLength, 3072);
    assert.equal(createPrivateKey(other.privateKey).asymmetricKeyDetails?.modulusLength, 3072);
  });

  it('certifies the public key of the private key it returns', () => {
    assert.equal(certificate.checkPrivateKey(createPrivateKey(pair.privateKey)), true);
    assert.equal(certificate.checkPrivateKey(createPrivateKey(other.privateKey)), false);
  });

  it('is self-signed with sha256WithRSAEncryption, subject = issuer = CN', () => {
    assert.equal(certificate.subject, 'CN=app.example.com');
    assert.equal(certificate.issuer, 'CN=app.example.com');
    assert.equal(certificate.verify(certificate.publicKey), true);
    assert.equal(forge.pki.certificateFromPem(pair.certificate).siginfo.algorithmOid, SHA256_WITH_RSA);
  });

  it('writes the common name as a UTF8String, so any character survives', () => {
    const subject = forge.pki.certificateFromPem(other.certificate).subject.getField('CN') as {
      value: string;
      valueTagClass: number;
    };
    assert.equal(subject.valueTagClass, forge.asn1.Type.UTF8);
    assert.equal(new X509Certificate(other.certificate).subject, 'CN=Zürich_SSO@example');
  });

  it('is valid from five minutes before now for validDays (default 3650)', () => {
    assert.equal(new Date(certificate.validFrom).getTime(), NOW.getTime() - 5 * MINUTE);
    assert.equal(new Date(certificate.validTo).getTime(), NOW.getTime() + 3650 * DAY);
  });

  it('counts from the system clock without now', () => {
    const otherCertificate = new X509Certificate(other.certificate);
    const from = new Date(otherCertificate.validFrom).getTime();
    const to = new Date(otherCertificate.validTo).getTime();
    assert.ok(Math.abs(from + 5 * MINUTE - Date.now()) < 5 * MINUTE, otherCertificate.validFrom);
    assert.equal(to - from, DAY + 5 * MINUTE);
  });

  it('marks the certificate as an end-entity signing and encryption certificate', () => {
    assert.equal(certificate.ca, false);
    const parsed = forge.pki.certificateFromPem(pair.certificate);
    assert.deepEqual(
      pick(parsed.getExtension('basicConstraints'), ['cA']),
      { cA: false },
      'basicConstraints cA=false',
    );
    assert.deepEqual(
      pick(parsed.getExtension('keyUsage'), [
        'critical',
        'digitalSignature',
        'keyEncipherment',
        'keyCertSign',
      ]),
      { critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: false },
    );
  });

  it('uses a random positive serial number without a leading zero byte', () => {
    const serials = [pair, other].map((p) => new X509Certificate(p.certificate).serialNumber);
    for (const serial of serials) assert.match(serial, /^[4-7][0-9A-F]{31}$/);
    assert.notEqual(serials[0], serials[1]);
  });

  it('works as sp.signing of a tenant', () => {
    assert.deepEqual(validateTenantConfig(tenantWith(pair)), []);
    const tenant = defineTenant(tenantWith(pair));
    assert.equal(tenant.sp.signing?.certificate, pair.certificate);
  });

  it('refuses keys shorter than 2048 bits, fractional or oversized key sizes', async () => {
    for (const keySize of [1024, 2047, 2048.5, 8193, Number.NaN]) {
      await assert.rejects(generateSpKeyPair({ commonName: 'app', keySize }), {
        name: 'TypeError',
        message: /keySize/,
      });
    }
    await assert.rejects(
      generateSpKeyPair({ commonName: 'app', keySize: '2048' as unknown as number }),
      TypeError,
    );
  });

  it('refuses an empty, blank, overlong or non-string common name', async () => {
    for (const commonName of ['', '   ', 'x'.repeat(65), undefined, 42]) {
      await assert.rejects(generateSpKeyPair({ commonName: commonName as string }), {
        name: 'TypeError',
        message: /commonName/,
      });
    }
  });

  it('refuses a validDays that is not a whole number of days, and an invalid now', async () => {
    for (const validDays of [0, -1, 1.5, 36_501]) {
      await assert.rejects(generateSpKeyPair({ commonName: 'app', validDays }), {
        name: 'TypeError',
        message: /validDays/,
      });
    }
    await assert.rejects(generateSpKeyPair({ commonName: 'app', now: () => new Date(Number.NaN) }), {
      name: 'TypeError',
      message: /now/,
    });
  });
});

/** The named fields of a forge extension object (which carries its raw value too). */
function pick(extension: unknown, keys: readonly string[]): Record<string, unknown> {
  assert.ok(typeof extension === 'object' && extension !== null, 'the extension is present');
  const record = extension as Record<string, unknown>;
  return Object.fromEntries(keys.map((key) => [key, record[key]]));
}
