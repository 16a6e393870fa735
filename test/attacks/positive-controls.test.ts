/**
 * Positive controls: legitimate responses in the shapes real IdPs produce must verify. They prove the
 * test IdP is sound (so every rejection elsewhere is the verifier's doing) and that the verifier's
 * strictness does not break interop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTenant, SamlError } from '../../src/index.js';
import { ALG, buildResponse, KEYS, NOW, signed, signXml, tenant } from '../helpers/idp.js';
import { verify, verifyForm } from '../helpers/expect.js';
import { edit, one, resignDoc, text } from '../helpers/mutate.js';
import { NS } from '../helpers/idp.js';

const wrap = (s: string, width: number): string => s.replace(new RegExp(`(.{${width}})`, 'g'), '$1\n');

describe('positive controls', () => {
  it('assertion signed only: every profile field', async () => {
    const profile = await verify(signed(buildResponse(), 'assertion'));
    assert.deepEqual(
      { ...profile },
      {
        tenantId: 'tenant-a',
        issuer: 'https://idp.example.com/metadata',
        nameId: 'alice@example.com',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        email: 'alice@example.com',
        firstName: 'Alice',
        lastName: 'Liddell',
        groups: ['admins', 'engineering'],
        attributes: {
          email: ['alice@example.com'],
          firstName: ['Alice'],
          lastName: ['Liddell'],
          groups: ['admins', 'engineering'],
        },
        assertionId: '_assert1',
        sessionIndex: '_session1',
        inResponseTo: '_req123',
        authnInstant: new Date(NOW.getTime() - 10_000),
        authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
        notOnOrAfter: new Date(NOW.getTime() + 300_000),
      },
    );
  });

  it('Response signed only', async () => {
    assert.equal((await verify(signed(buildResponse(), 'response'))).nameId, 'alice@example.com');
  });

  it('both signed', async () => {
    const t = tenant({ signing: 'both' });
    assert.equal((await verify(signed(buildResponse(), 'both'), { tenant: t })).nameId, 'alice@example.com');
  });

  it('tenant passed through defineTenant', async () => {
    const profile = await verify(signed(buildResponse()), { tenant: defineTenant(tenant()) });
    assert.equal(profile.tenantId, 'tenant-a');
  });

  it('CDATA-split NameID signed by the IdP reads whole', async () => {
    const profile = await verify(signed(buildResponse({ nameId: 'ali<![CDATA[ce@exa]]>mple.com' })));
    assert.equal(profile.nameId, 'alice@example.com');
  });

  it('assertion in the default namespace (no saml: prefix)', async () => {
    const profile = await verify(signed(buildResponse({ assertionPrefix: '' }), 'both'));
    assert.equal(profile.nameId, 'alice@example.com');
  });

  it('assertion with the saml2: prefix', async () => {
    assert.equal(
      (await verify(signed(buildResponse({ assertionPrefix: 'saml2' })))).nameId,
      'alice@example.com',
    );
  });

  it('Signature in the default namespace (no ds: prefix)', async () => {
    const xml = signXml(buildResponse(), { ref: 'assertion', prefix: '' });
    assert.equal((await verify(xml)).nameId, 'alice@example.com');
  });

  it('pretty-printed response (whitespace between elements)', async () => {
    assert.equal((await verify(signed(buildResponse({ pretty: true }), 'both'))).nameId, 'alice@example.com');
  });

  it('line breaks inside DigestValue and SignatureValue', async () => {
    const xml = edit(signed(buildResponse()), (doc) => {
      const dv = one(doc, NS.ds, 'DigestValue');
      text(dv, wrap(dv.textContent ?? '', 20));
      resignDoc(doc, 'assertion');
      const sv = one(doc, NS.ds, 'SignatureValue');
      text(sv, `\n${wrap(sv.textContent ?? '', 64)}\n`);
    });
    assert.match(xml, /<ds:DigestValue>[^<]*\n[^<]*<\/ds:DigestValue>/);
    assert.equal((await verify(xml)).nameId, 'alice@example.com');
  });

  it('XML declaration in front', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${signed(buildResponse())}`;
    assert.equal((await verify(xml)).nameId, 'alice@example.com');
  });

  it('base64 form field wrapped at 76 columns', async () => {
    const b64 = Buffer.from(signed(buildResponse())).toString('base64');
    assert.equal(
      (await verifyForm({ SAMLResponse: wrap(b64, 76).replaceAll('\n', '\r\n') })).nameId,
      'alice@example.com',
    );
  });

  it('second pinned certificate after a rollover', async () => {
    const t = tenant({ idp: { certificates: [KEYS.idp.cert, KEYS.rollover.cert] } });
    assert.equal(
      (await verify(signed(buildResponse(), 'assertion', KEYS.rollover), { tenant: t })).nameId,
      'alice@example.com',
    );
  });

  it('old certificate still pinned during the rollover', async () => {
    const t = tenant({ idp: { certificates: [KEYS.rollover.cert, KEYS.idp.cert] } });
    assert.equal((await verify(signed(buildResponse()), { tenant: t })).nameId, 'alice@example.com');
  });

  it('NotBefore 60 s in the future is inside the default skew', async () => {
    assert.equal((await verify(signed(buildResponse({ notBefore: 60 })))).nameId, 'alice@example.com');
  });

  it('NotOnOrAfter 60 s in the past is inside the default skew', async () => {
    assert.equal(
      (await verify(signed(buildResponse({ notOnOrAfter: -60, scdNotOnOrAfter: -60 })))).nameId,
      'alice@example.com',
    );
  });

  it('ECDSA P-256 signature (when the verifier supports it)', async (t) => {
    let tenantEc;
    try {
      tenantEc = defineTenant(tenant({ idp: { certificates: [KEYS.ec.cert] } }));
    } catch (e) {
      t.skip(`defineTenant refuses EC certificates: ${String(e)}`);
      return;
    }
    const xml = signXml(buildResponse(), {
      ref: 'assertion',
      key: KEYS.ec.key,
      cert: KEYS.ec.cert,
      signatureAlgorithm: ALG.ecdsaSha256,
    });
    try {
      assert.equal((await verify(xml, { tenant: tenantEc })).nameId, 'alice@example.com');
    } catch (e) {
      if (e instanceof SamlError && e.code === 'ALGORITHM_FORBIDDEN') t.skip('ECDSA not supported');
      else throw e;
    }
  });
});
