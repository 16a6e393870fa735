/**
 * Algorithms: the allow-list is exact URIs. SHA-1 only by tenant opt-in, HMAC never (the classic
 * key-confusion forgery keys an HMAC with the IdP's public certificate), unknown URIs never. The
 * message is never trusted to pick an algorithm the tenant did not allow.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALG, buildResponse, KEYS, signXml, tenant } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';
import { resign } from '../helpers/mutate.js';

const base = buildResponse();
const good = signXml(base, { ref: 'assertion' });

/** Swaps one Algorithm URI in the assertion's SignedInfo and re-signs it with the IdP key. */
const swap = (from: string, to: string): string => {
  if (!good.includes(`"${from}"`)) throw new Error(`no ${from}`);
  return resign(good.replace(`"${from}"`, `"${to}"`), 'assertion');
};

describe('algorithms', () => {
  it('RSA-SHA1 signature with SHA-1 digest', async () => {
    const xml = signXml(base, {
      ref: 'assertion',
      signatureAlgorithm: ALG.rsaSha1,
      digestAlgorithm: ALG.sha1,
    });
    await expectCode(verify(xml), 'ALGORITHM_FORBIDDEN');
  });

  it('RSA-SHA256 signature over a SHA-1 digest', async () => {
    await expectCode(
      verify(signXml(base, { ref: 'assertion', digestAlgorithm: ALG.sha1 })),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('RSA-SHA1 signature over a SHA-256 digest', async () => {
    await expectCode(
      verify(signXml(base, { ref: 'assertion', signatureAlgorithm: ALG.rsaSha1 })),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('HMAC-SHA1 keyed with the IdP public certificate (key confusion)', async () => {
    const xml = signXml(base, { ref: 'assertion', key: KEYS.idp.cert, signatureAlgorithm: ALG.hmacSha1 });
    await expectCode(verify(xml), 'ALGORITHM_FORBIDDEN');
  });

  it('HMAC-SHA1 even when the tenant allows SHA-1', async () => {
    const xml = signXml(base, { ref: 'assertion', key: KEYS.idp.cert, signatureAlgorithm: ALG.hmacSha1 });
    await expectCode(verify(xml, { tenant: tenant({ allowSha1: true }) }), 'ALGORITHM_FORBIDDEN');
  });

  it('HMAC-SHA256 signature method URI', async () => {
    await expectCode(
      verify(swap(ALG.rsaSha256, 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256')),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('unknown signature method URI', async () => {
    await expectCode(verify(swap(ALG.rsaSha256, 'urn:example:trust-me')), 'ALGORITHM_FORBIDDEN');
  });

  it('RSA-MD5 signature method', async () => {
    await expectCode(
      verify(swap(ALG.rsaSha256, 'http://www.w3.org/2001/04/xmldsig-more#rsa-md5')),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('DSA-SHA1 signature method', async () => {
    await expectCode(
      verify(swap(ALG.rsaSha256, 'http://www.w3.org/2000/09/xmldsig#dsa-sha1')),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('signature method URI in a different case', async () => {
    await expectCode(
      verify(swap(ALG.rsaSha256, 'http://www.w3.org/2001/04/xmldsig-more#RSA-SHA256')),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('signature method URI with trailing whitespace', async () => {
    await expectCode(verify(swap(ALG.rsaSha256, `${ALG.rsaSha256} `)), 'ALGORITHM_FORBIDDEN');
  });

  it('unknown digest method URI', async () => {
    await expectCode(verify(swap(ALG.sha256, 'urn:example:no-digest')), 'ALGORITHM_FORBIDDEN');
  });

  it('MD5 digest method', async () => {
    await expectCode(
      verify(swap(ALG.sha256, 'http://www.w3.org/2001/04/xmldsig-more#md5')),
      'ALGORITHM_FORBIDDEN',
    );
  });

  it('inclusive c14n as the SignedInfo CanonicalizationMethod', async () => {
    const xml = resign(
      good.replace(
        `<ds:CanonicalizationMethod Algorithm="${ALG.excC14n}"`,
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"',
      ),
      'assertion',
    );
    await expectCode(verify(xml), 'ALGORITHM_FORBIDDEN');
  });

  it('exc-c14n WithComments as the SignedInfo CanonicalizationMethod', async () => {
    const xml = resign(
      good.replace(
        `<ds:CanonicalizationMethod Algorithm="${ALG.excC14n}"`,
        `<ds:CanonicalizationMethod Algorithm="${ALG.excC14n}WithComments"`,
      ),
      'assertion',
    );
    await expectCode(verify(xml), 'ALGORITHM_FORBIDDEN');
  });

  it('SHA-1 accepted only when the tenant opts in (control)', async () => {
    const xml = signXml(base, {
      ref: 'assertion',
      signatureAlgorithm: ALG.rsaSha1,
      digestAlgorithm: ALG.sha1,
    });
    const profile = await verify(xml, { tenant: tenant({ allowSha1: true }) });
    assert.equal(profile.nameId, 'alice@example.com');
  });

  it('RSA-SHA512 with SHA-512 digest accepted (control)', async () => {
    const xml = signXml(base, {
      ref: 'assertion',
      signatureAlgorithm: ALG.rsaSha512,
      digestAlgorithm: ALG.sha512,
    });
    assert.equal((await verify(xml)).nameId, 'alice@example.com');
  });
});
