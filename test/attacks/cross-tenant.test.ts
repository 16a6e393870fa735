/**
 * Cross-tenant takeover: tenant B's admin controls B's IdP and can make it say anything. That must
 * never log anyone into tenant A, and an email is trusted only inside the verified domains of the
 * tenant that verified it (exact domain, no subdomains, no look-alikes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACS_URL,
  buildResponse,
  DEFAULT_ATTRIBUTES,
  KEYS,
  signed,
  tenant,
  type ResponseOptions,
} from '../helpers/idp.js';
import { SamlError } from '../../src/index.js';
import { expectCode, verify } from '../helpers/expect.js';

const B = {
  idp: 'https://idp.tenant-b.example/metadata',
  sp: 'https://sp.example.com/saml/b/metadata',
  acs: 'https://sp.example.com/saml/b/acs',
};
const tenantB = tenant({
  id: 'tenant-b',
  emailDomains: ['evil.com'],
  sp: { entityId: B.sp, acsUrl: B.acs },
  idp: { entityId: B.idp, certificates: [KEYS.attacker.cert] },
});
/** A response minted by tenant B's IdP, addressed to tenant B. */
const fromB = (o: ResponseOptions = {}): string =>
  signed(
    buildResponse({ issuer: B.idp, audience: B.sp, destination: B.acs, recipient: B.acs, ...o }),
    'assertion',
    KEYS.attacker,
  );
const email = (nameId: string): string => signed(buildResponse({ nameId }));

describe('cross-tenant takeover', () => {
  it("tenant B's IdP forges a response with all of tenant A's values", async () => {
    await expectCode(
      verify(signed(buildResponse({ nameId: 'ceo@example.com' }), 'assertion', KEYS.attacker)),
      'KEY_UNTRUSTED',
    );
  });

  it("tenant B's IdP vouches for an address in tenant A's domain (NameID)", async () => {
    await expectCode(
      verify(fromB({ nameId: 'ceo@example.com' }), { tenant: tenantB }),
      'EMAIL_DOMAIN_NOT_ALLOWED',
    );
  });

  it("tenant B's IdP vouches for an address in tenant A's domain (email attribute)", async () => {
    const t = tenant({ ...tenantB, email: { from: 'attribute', name: 'email' } });
    const xml = fromB({
      nameId: 'mallory',
      nameIdFormat: null,
      attributes: { ...DEFAULT_ATTRIBUTES, email: ['ceo@example.com'] },
    });
    await expectCode(verify(xml, { tenant: t }), 'EMAIL_DOMAIN_NOT_ALLOWED');
  });

  it("tenant A's genuine response posted to tenant B's ACS", async () => {
    await expectCode(verify(signed(buildResponse()), { tenant: tenantB }), 'ISSUER_MISMATCH');
  });

  it("response for tenant A posted to tenant C, which shares A's IdP", async () => {
    const tenantC = tenant({
      id: 'tenant-c',
      sp: { entityId: 'https://sp.example.com/saml/c/metadata', acsUrl: ACS_URL },
    });
    await expectCode(verify(signed(buildResponse()), { tenant: tenantC }), 'AUDIENCE_MISMATCH');
  });

  it('subdomain of the verified domain', async () => {
    await expectCode(verify(email('alice@sub.example.com')), 'EMAIL_DOMAIN_NOT_ALLOWED');
  });

  it('domain that merely ends with the verified domain', async () => {
    await expectCode(verify(email('alice@evilexample.com')), 'EMAIL_DOMAIN_NOT_ALLOWED');
  });

  it('homoglyph domain (Cyrillic а in exаmple.com) is not an address we accept', async () => {
    await expectCode(verify(email('alice@ex\u0430mple.com')), 'NAMEID_NOT_EMAIL');
  });

  it('two @ signs: alice@evil.com@example.com', async () => {
    await expectCode(verify(email('alice@evil.com@example.com')), 'NAMEID_NOT_EMAIL');
  });

  it('email attribute with two values, the first one in the verified domain', async () => {
    const t = tenant({ email: { from: 'attribute', name: 'email' } });
    const xml = signed(
      buildResponse({
        attributes: { ...DEFAULT_ATTRIBUTES, email: ['alice@example.com', 'mallory@evil.com'] },
      }),
    );
    await expectCode(verify(xml, { tenant: t }), 'NAMEID_NOT_EMAIL');
  });

  it('two email attributes, the first one in the verified domain', async () => {
    const t = tenant({ email: { from: 'attribute', name: 'email' } });
    const xml = signed(
      buildResponse().replace(
        '<saml:Attribute Name="email">',
        '<saml:Attribute Name="email"><saml:AttributeValue>alice@example.com</saml:AttributeValue></saml:Attribute>' +
          '<saml:Attribute Name="email"><saml:AttributeValue>mallory@evil.com</saml:AttributeValue></saml:Attribute>' +
          '<saml:Attribute Name="unused">',
      ),
    );
    await expectCode(verify(xml, { tenant: t }), 'NAMEID_NOT_EMAIL');
  });

  it('Unicode case-mapping collision: KELVIN SIGN must not lower-case into an allowed ASCII domain', async () => {
    // "\u212A".toLowerCase() === "k": the IdP asserted a@\u212Aiosk.example, which is not kiosk.example.
    const t = tenant({ emailDomains: ['kiosk.example'] });
    await expectCode(verify(email('a@\u212Aiosk.example'), { tenant: t }), 'NAMEID_NOT_EMAIL');
  });

  it('dotted capital I (U+0130) in the domain: normalising must not drop the @', async () => {
    // "\u0130".toLowerCase() is two code units long; slicing by the lower-cased length eats the @.
    const t = tenant({ emailDomains: [] });
    const outcome = await verify(email('ceo@\u0130x.com'), { tenant: t }).catch((e: unknown) => e);
    if (outcome instanceof SamlError) return; // refusing such a domain is fine too
    assert.ok(outcome !== null && typeof outcome === 'object' && 'email' in outcome);
    assert.match(String(outcome.email), /^ceo@/);
  });

  it('NameID that is not an email under an emailAddress Format', async () => {
    await expectCode(verify(email('alice')), 'NAMEID_NOT_EMAIL');
  });

  it('email-looking NameID with an unspecified Format', async () => {
    const xml = signed(
      buildResponse({ nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' }),
    );
    await expectCode(verify(xml), 'NAMEID_NOT_EMAIL');
  });

  it('upper-case domain is the same domain, lower-cased in the profile (control)', async () => {
    const profile = await verify(email('Alice@EXAMPLE.COM'));
    assert.equal(profile.email, 'Alice@example.com');
    assert.equal(profile.tenantId, 'tenant-a');
  });
});
