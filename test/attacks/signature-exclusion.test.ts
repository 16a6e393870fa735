/**
 * Signature exclusion: a missing signature is never success. Unsigned responses, stripped signatures,
 * and signatures that exist but not where the tenant's signing policy needs them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTenant } from '../../src/index.js';
import { buildResponse, KEYS, signed, signXml, tenant } from '../helpers/idp.js';
import { expectCode, verify } from '../helpers/expect.js';
import { assertionOf, edit, setNameId, signatureOf } from '../helpers/mutate.js';

const base = buildResponse();
const strip = (xml: string, which: 'assertion' | 'response'): string =>
  edit(xml, (doc) => {
    const el = which === 'response' ? doc.documentElement! : assertionOf(doc);
    el.removeChild(signatureOf(el));
  });

describe('signature exclusion', () => {
  it('completely unsigned Response', async () => {
    await expectCode(verify(base), 'SIGNATURE_MISSING');
  });

  it('signature stripped from a signed assertion, NameID changed', async () => {
    const xml = edit(strip(signed(base, 'assertion'), 'assertion'), (doc) => {
      setNameId(assertionOf(doc), 'admin@example.com');
    });
    await expectCode(verify(xml), 'SIGNATURE_MISSING');
  });

  it('signature stripped from a signed Response', async () => {
    await expectCode(verify(strip(signed(base, 'response'), 'response')), 'SIGNATURE_MISSING');
  });

  it('both signatures stripped', async () => {
    await expectCode(
      verify(strip(strip(signed(base, 'both'), 'response'), 'assertion')),
      'SIGNATURE_MISSING',
    );
  });

  it('both signed: Response signature stripped, NameID changed under the assertion signature', async () => {
    const xml = edit(strip(signed(base, 'both'), 'response'), (doc) => {
      setNameId(assertionOf(doc), 'admin@example.com');
    });
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it('both signed: assertion signature stripped (the Response signature covered it)', async () => {
    await expectCode(verify(strip(signed(base, 'both'), 'assertion')), 'SIGNATURE_INVALID');
  });

  it('signed assertion-less Response with an unsigned assertion slipped in', async () => {
    const envelope = base.replace(/<saml:Assertion .*<\/saml:Assertion>/, '');
    const signedEnvelope = signXml(envelope, { ref: 'response' });
    const assertion = /<saml:Assertion .*<\/saml:Assertion>/.exec(base.replace('alice@', 'admin@'))![0];
    const xml = signedEnvelope.replace('</samlp:Response>', `${assertion}</samlp:Response>`);
    await expectCode(verify(xml), 'SIGNATURE_INVALID');
  });

  it("signing: 'assertion' — only the Response is signed", async () => {
    await expectCode(
      verify(signed(base, 'response'), { tenant: tenant({ signing: 'assertion' }) }),
      'SIGNATURE_MISSING',
    );
  });

  it("signing: 'response' — only the assertion is signed", async () => {
    await expectCode(
      verify(signed(base, 'assertion'), { tenant: tenant({ signing: 'response' }) }),
      'SIGNATURE_MISSING',
    );
  });

  it("signing: 'both' — only the assertion is signed", async () => {
    await expectCode(
      verify(signed(base, 'assertion'), { tenant: tenant({ signing: 'both' }) }),
      'SIGNATURE_MISSING',
    );
  });

  it("signing: 'both' — only the Response is signed", async () => {
    await expectCode(
      verify(signed(base, 'response'), { tenant: tenant({ signing: 'both' }) }),
      'SIGNATURE_MISSING',
    );
  });

  it('a tenant without any certificate accepts nothing (defineTenant refuses it)', () => {
    assert.throws(() => defineTenant(tenant({ idp: { certificates: [] } })), TypeError);
  });

  it('a tenant whose certificate is not a certificate is refused', () => {
    assert.throws(
      () =>
        defineTenant(
          tenant({ idp: { certificates: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'] } }),
        ),
      TypeError,
    );
  });

  it('private key pasted as the certificate is refused', () => {
    assert.throws(() => defineTenant(tenant({ idp: { certificates: [KEYS.idp.key] } })), TypeError);
  });
});
