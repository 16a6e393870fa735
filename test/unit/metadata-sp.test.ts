/**
 * buildSpMetadata: every element and attribute, read back by namespace; the key rollover; the
 * signature (verified with samlkit's own verifier, and broken by tampering); escaping; and the
 * argument checks. Uses the fixed test keys: no key generation here.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { parseCertificate, type TrustedKey } from '../../src/crypto/keys.js';
import { signatureOf, verifyEnvelopedSignature } from '../../src/crypto/signature.js';
import { SamlError } from '../../src/errors.js';
import { buildSpMetadata, type SpMetadataOptions } from '../../src/metadata/sp.js';
import { defineTenant } from '../../src/tenant/define.js';
import type { SigningPolicy, TenantConfig } from '../../src/types.js';
import { elementChildren } from '../../src/xml/dom.js';
import { parseXml } from '../../src/xml/parse.js';
import { KEYS, type KeyPair } from '../helpers/constants.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const NOW = new Date('2030-06-15T12:00:00Z');

const signing = (pair: KeyPair): { privateKey: string; certificate: string } => ({
  privateKey: pair.key,
  certificate: pair.cert,
});
const base64Of = (pem: string): string => new X509Certificate(pem).raw.toString('base64');

const PLAIN: TenantConfig = {
  id: 'acme',
  sp: { entityId: 'https://app.example.com/saml/acme', acsUrl: 'https://app.example.com/saml/acme/acs' },
  idp: { entityId: 'https://idp.example.com/', certificates: [KEYS.attacker.cert] },
};
const SIGNING: TenantConfig = { ...PLAIN, sp: { ...PLAIN.sp, signing: signing(KEYS.idp) } };
const ROLLOVER: TenantConfig = {
  ...PLAIN,
  sp: { ...PLAIN.sp, signing: signing(KEYS.idp), nextSigning: signing(KEYS.rollover) },
};

const XENC = 'http://www.w3.org/2001/04/xmlenc#';
const XENC11 = 'http://www.w3.org/2009/xmlenc11#';
/** What samlkit decrypts without allowAesCbc, preferred first. */
const GCM_AND_OAEP = [
  `${XENC11}aes256-gcm`,
  `${XENC11}aes192-gcm`,
  `${XENC11}aes128-gcm`,
  `${XENC11}rsa-oaep`,
  `${XENC}rsa-oaep-mgf1p`,
];
/** Decryption keys: the current one first, the next one after it. */
const DECRYPTING: TenantConfig = {
  ...ROLLOVER,
  sp: { ...ROLLOVER.sp, decryption: [signing(KEYS.rollover), signing(KEYS.attacker)] },
};

/** Parses strictly (xmldom errors are fatal) and returns the root element. */
function rootOf(xml: string): Element {
  assert.ok(xml.startsWith(`${DECLARATION}\n<`), xml.slice(0, 80));
  const document = new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(xml, 'application/xml');
  const root = document.documentElement;
  assert.ok(root !== null);
  assert.equal(root.namespaceURI, MD);
  assert.equal(root.localName, 'EntityDescriptor');
  return root;
}

/** The children of `parent` as `{ns}localName` strings, in order. */
function childNames(parent: Element): string[] {
  return elementChildren(parent).map((child) => `{${child.namespaceURI ?? ''}}${child.localName ?? ''}`);
}

function children(parent: Element, ns: string, localName: string): Element[] {
  return elementChildren(parent).filter(
    (child) => child.namespaceURI === ns && child.localName === localName,
  );
}

function only(parent: Element, ns: string, localName: string): Element {
  const found = children(parent, ns, localName);
  assert.equal(found.length, 1, `exactly one {${ns}}${localName} in ${parent.localName ?? ''}`);
  return found[0]!;
}

/** Every attribute as name=value, namespace declarations left out. */
function attributes(element: Element): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < element.attributes.length; i++) {
    const attribute = element.attributes.item(i)!;
    if (attribute.name === 'xmlns' || attribute.name.startsWith('xmlns:')) continue;
    assert.equal(attribute.namespaceURI === null || attribute.namespaceURI === XML_NS, true, attribute.name);
    out[attribute.name] = attribute.value;
  }
  return out;
}

function spDescriptor(root: Element): Element {
  return only(root, MD, 'SPSSODescriptor');
}

/** The `use` and certificate of every KeyDescriptor, in order (see {@link encryptionMethods} for the rest). */
function keyDescriptors(root: Element): { use: string; certificate: string }[] {
  return children(spDescriptor(root), MD, 'KeyDescriptor').map((descriptor) => {
    const methods = encryptionMethods(descriptor).map(() => `{${MD}}EncryptionMethod`);
    assert.deepEqual(childNames(descriptor), [`{${DS}}KeyInfo`, ...methods]);
    const x509Data = only(only(descriptor, DS, 'KeyInfo'), DS, 'X509Data');
    assert.deepEqual(childNames(x509Data), [`{${DS}}X509Certificate`]);
    return {
      use: descriptor.getAttribute('use') ?? '',
      certificate: only(x509Data, DS, 'X509Certificate').textContent ?? '',
    };
  });
}

/** The Algorithm of every md:EncryptionMethod of a KeyDescriptor, in order; each has no other content. */
function encryptionMethods(descriptor: Element): string[] {
  return children(descriptor, MD, 'EncryptionMethod').map((method) => {
    assert.deepEqual(Object.keys(attributes(method)), ['Algorithm']);
    assert.equal(method.firstChild, null);
    return method.getAttribute('Algorithm') ?? '';
  });
}

function trusted(pem: string): TrustedKey {
  const key = parseCertificate(pem, { allowRsa1024: false });
  assert.ok(typeof key !== 'string', key as string);
  return key;
}

/** Verifies the metadata's signature as samlkit verifies any enveloped signature. */
function verifyMetadata(xml: string, pem: string): TrustedKey {
  const { root, ids } = parseXml(xml);
  const signature = signatureOf(root, 'acme');
  assert.ok(signature !== undefined, 'the metadata is signed');
  return verifyEnvelopedSignature(root, signature, ids, {
    keys: [trusted(pem)],
    allowSha1: false,
    tenantId: 'acme',
  }).key;
}

describe('buildSpMetadata: unsigned document', () => {
  it('describes a tenant without keys, with the defaults', () => {
    const xml = buildSpMetadata(PLAIN);
    const root = rootOf(xml);
    const rootAttributes = attributes(root);
    assert.deepEqual(Object.keys(rootAttributes).sort(), ['ID', 'entityID']);
    assert.equal(rootAttributes.entityID, 'https://app.example.com/saml/acme');
    assert.match(rootAttributes.ID ?? '', /^_[0-9a-f]{40}$/);
    assert.deepEqual(childNames(root), [`{${MD}}SPSSODescriptor`]);

    const sp = spDescriptor(root);
    assert.deepEqual(attributes(sp), {
      protocolSupportEnumeration: PROTOCOL,
      AuthnRequestsSigned: 'false',
      WantAssertionsSigned: 'true',
    });
    assert.deepEqual(childNames(sp), [`{${MD}}NameIDFormat`, `{${MD}}AssertionConsumerService`]);
    assert.equal(only(sp, MD, 'NameIDFormat').textContent, EMAIL);
    const acs = only(sp, MD, 'AssertionConsumerService');
    assert.deepEqual(attributes(acs), {
      Binding: POST,
      Location: 'https://app.example.com/saml/acme/acs',
      index: '0',
      isDefault: 'true',
    });
    assert.equal(acs.firstChild, null);
  });

  it('gives every document a fresh ID', () => {
    const ids = new Set(Array.from({ length: 5 }, () => rootOf(buildSpMetadata(PLAIN)).getAttribute('ID')));
    assert.equal(ids.size, 5);
  });

  it('accepts a defined Tenant and a plain configuration alike', () => {
    const withoutId = (xml: string): string => xml.replace(/ ID="_[0-9a-f]+"/, '');
    assert.equal(withoutId(buildSpMetadata(defineTenant(SIGNING))), withoutId(buildSpMetadata(SIGNING)));
  });

  it('publishes sp.signing as a signing key and says AuthnRequests are signed', () => {
    const root = rootOf(buildSpMetadata(SIGNING));
    assert.equal(spDescriptor(root).getAttribute('AuthnRequestsSigned'), 'true');
    assert.deepEqual(keyDescriptors(root), [{ use: 'signing', certificate: base64Of(KEYS.idp.cert) }]);
    assert.deepEqual(
      childNames(spDescriptor(root)).slice(0, 2),
      [`{${MD}}KeyDescriptor`, `{${MD}}NameIDFormat`],
      'KeyDescriptor comes first (metadata schema, RoleDescriptorType)',
    );
  });

  it('publishes both certificates during a rollover, the current one first', () => {
    const root = rootOf(buildSpMetadata(ROLLOVER));
    assert.deepEqual(keyDescriptors(root), [
      { use: 'signing', certificate: base64Of(KEYS.idp.cert) },
      { use: 'signing', certificate: base64Of(KEYS.rollover.cert) },
    ]);
  });

  it('publishes a certificate once when nextSigning repeats signing', () => {
    const same: TenantConfig = {
      ...PLAIN,
      sp: { ...PLAIN.sp, signing: signing(KEYS.idp), nextSigning: signing(KEYS.idp) },
    };
    assert.equal(keyDescriptors(rootOf(buildSpMetadata(same))).length, 1);
  });

  it('publishes the sp.decryption certificates for encryption, in order, with what samlkit decrypts', () => {
    const root = rootOf(buildSpMetadata(DECRYPTING));
    assert.deepEqual(keyDescriptors(root), [
      { use: 'signing', certificate: base64Of(KEYS.idp.cert) },
      { use: 'signing', certificate: base64Of(KEYS.rollover.cert) },
      { use: 'encryption', certificate: base64Of(KEYS.rollover.cert) },
      { use: 'encryption', certificate: base64Of(KEYS.attacker.cert) },
    ]);
    const encryption = children(spDescriptor(root), MD, 'KeyDescriptor').filter(
      (descriptor) => descriptor.getAttribute('use') === 'encryption',
    );
    for (const descriptor of encryption) assert.deepEqual(encryptionMethods(descriptor), GCM_AND_OAEP);
    const signingDescriptors = children(spDescriptor(root), MD, 'KeyDescriptor').filter(
      (descriptor) => descriptor.getAttribute('use') === 'signing',
    );
    for (const descriptor of signingDescriptors) assert.deepEqual(encryptionMethods(descriptor), []);
  });

  it('lists AES-CBC only when the tenant allows it, after AES-GCM', () => {
    const root = rootOf(buildSpMetadata({ ...DECRYPTING, allowAesCbc: true }));
    const [encryption] = children(spDescriptor(root), MD, 'KeyDescriptor').filter(
      (descriptor) => descriptor.getAttribute('use') === 'encryption',
    );
    assert.ok(encryption !== undefined);
    assert.deepEqual(encryptionMethods(encryption), [
      `${XENC11}aes256-gcm`,
      `${XENC11}aes192-gcm`,
      `${XENC11}aes128-gcm`,
      `${XENC}aes256-cbc`,
      `${XENC}aes192-cbc`,
      `${XENC}aes128-cbc`,
      `${XENC11}rsa-oaep`,
      `${XENC}rsa-oaep-mgf1p`,
    ]);
  });

  it('includeEncryptionKeys: false leaves the encryption keys out; without sp.decryption none are published', () => {
    const uses = (xml: string): string[] => keyDescriptors(rootOf(xml)).map((key) => key.use);
    assert.deepEqual(uses(buildSpMetadata(DECRYPTING, { includeEncryptionKeys: false })), [
      'signing',
      'signing',
    ]);
    assert.deepEqual(uses(buildSpMetadata(DECRYPTING, { includeEncryptionKeys: true })), [
      'signing',
      'signing',
      'encryption',
      'encryption',
    ]);
    // Before samlkit decrypted, `true` published the signing certificates for encryption: no longer.
    assert.deepEqual(uses(buildSpMetadata(ROLLOVER, { includeEncryptionKeys: true })), [
      'signing',
      'signing',
    ]);
    assert.deepEqual(uses(buildSpMetadata(ROLLOVER)), ['signing', 'signing']);
  });

  it('signs metadata that carries encryption keys, and the signature covers them', () => {
    const xml = buildSpMetadata(DECRYPTING, { sign: true, validDays: 7, now: () => NOW });
    assert.equal(verifyMetadata(xml, KEYS.idp.cert).fingerprint, trusted(KEYS.idp.cert).fingerprint);
    const swapped = xml.replace(base64Of(KEYS.attacker.cert), base64Of(KEYS.lookalike.cert));
    assert.notEqual(swapped, xml);
    assert.throws(() => verifyMetadata(swapped, KEYS.idp.cert), SamlError);
  });

  it('asks for signed assertions under every signing policy', () => {
    for (const policy of ['covered', 'assertion', 'response', 'both'] satisfies SigningPolicy[]) {
      const root = rootOf(buildSpMetadata({ ...PLAIN, signing: policy }));
      assert.equal(spDescriptor(root).getAttribute('WantAssertionsSigned'), 'true', policy);
    }
  });

  it('writes the options: validity, NameID formats, SLO, organisation, contacts, in schema order', () => {
    const xml = buildSpMetadata(ROLLOVER, {
      now: () => NOW,
      validDays: 7,
      nameIdFormats: [PERSISTENT, EMAIL],
      sloUrl: 'https://app.example.com/saml/acme/slo',
      organization: { name: 'Example GmbH', url: 'https://example.com/' },
      contacts: [
        { type: 'technical', email: 'sso@example.com', givenName: 'SSO team' },
        { type: 'support', email: 'mailto:help@example.com' },
      ],
    });
    const root = rootOf(xml);
    assert.equal(root.getAttribute('validUntil'), '2030-06-22T12:00:00Z');
    assert.deepEqual(childNames(root), [
      `{${MD}}SPSSODescriptor`,
      `{${MD}}Organization`,
      `{${MD}}ContactPerson`,
      `{${MD}}ContactPerson`,
    ]);
    const sp = spDescriptor(root);
    assert.deepEqual(childNames(sp), [
      `{${MD}}KeyDescriptor`,
      `{${MD}}KeyDescriptor`,
      `{${MD}}SingleLogoutService`,
      `{${MD}}SingleLogoutService`,
      `{${MD}}NameIDFormat`,
      `{${MD}}NameIDFormat`,
      `{${MD}}AssertionConsumerService`,
    ]);
    // Both bindings samlkit receives logout messages with (SAML metadata §2.4.2).
    assert.deepEqual(
      children(sp, MD, 'SingleLogoutService').map(attributes),
      [REDIRECT, 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'].map((Binding) => ({
        Binding,
        Location: 'https://app.example.com/saml/acme/slo',
      })),
    );
    assert.deepEqual(
      children(sp, MD, 'NameIDFormat').map((format) => format.textContent),
      [PERSISTENT, EMAIL],
    );

    const organization = only(root, MD, 'Organization');
    assert.deepEqual(childNames(organization), [
      `{${MD}}OrganizationName`,
      `{${MD}}OrganizationDisplayName`,
      `{${MD}}OrganizationURL`,
    ]);
    for (const child of elementChildren(organization)) {
      assert.equal(child.getAttributeNS(XML_NS, 'lang'), 'en', child.localName ?? '');
    }
    assert.deepEqual(
      elementChildren(organization).map((child) => child.textContent),
      ['Example GmbH', 'Example GmbH', 'https://example.com/'],
    );

    const [technical, support] = children(root, MD, 'ContactPerson');
    assert.deepEqual(attributes(technical!), { contactType: 'technical' });
    assert.deepEqual(childNames(technical!), [`{${MD}}GivenName`, `{${MD}}EmailAddress`]);
    assert.equal(only(technical!, MD, 'GivenName').textContent, 'SSO team');
    assert.equal(only(technical!, MD, 'EmailAddress').textContent, 'mailto:sso@example.com');
    assert.deepEqual(attributes(support!), { contactType: 'support' });
    assert.deepEqual(childNames(support!), [`{${MD}}EmailAddress`]);
    assert.equal(only(support!, MD, 'EmailAddress').textContent, 'mailto:help@example.com');
  });

  it('writes a given validUntil to the second, a display name and a language', () => {
    const root = rootOf(
      buildSpMetadata(PLAIN, {
        now: () => NOW,
        validUntil: new Date('2030-07-01T08:30:15.999Z'),
        organization: {
          name: 'Beispiel AG',
          displayName: 'Beispiel',
          url: 'https://example.ch/',
          lang: 'de-CH',
        },
      }),
    );
    assert.equal(root.getAttribute('validUntil'), '2030-07-01T08:30:15Z');
    const organization = only(root, MD, 'Organization');
    assert.equal(only(organization, MD, 'OrganizationDisplayName').textContent, 'Beispiel');
    assert.equal(only(organization, MD, 'OrganizationURL').getAttributeNS(XML_NS, 'lang'), 'de-CH');
  });

  it('publishes no NameIDFormat for nameIdFormats: []', () => {
    const root = rootOf(buildSpMetadata(PLAIN, { nameIdFormats: [] }));
    assert.deepEqual(children(spDescriptor(root), MD, 'NameIDFormat'), []);
  });
});

describe('buildSpMetadata: escaping', () => {
  const ENTITY_ID = 'https://app.example.com/saml?tenant=a&b="c"';
  const TRICKY: TenantConfig = {
    ...SIGNING,
    sp: { ...SIGNING.sp, entityId: ENTITY_ID, acsUrl: 'https://app.example.com/acs?x=1&y=<2>' },
  };
  const options: SpMetadataOptions = {
    organization: { name: 'A & B <Ltd> "quoted" \'single\' ]]>', url: 'https://example.com/?a=1&b=2' },
    contacts: [{ type: 'other', email: 'a&b@example.com', givenName: '</md:GivenName><md:Evil/>' }],
  };

  it('escapes & and " in attributes, & < > in text, and every value reads back unchanged', () => {
    const xml = buildSpMetadata(TRICKY, options);
    assert.ok(xml.includes('entityID="https://app.example.com/saml?tenant=a&amp;b=&quot;c&quot;"'), xml);
    assert.ok(!xml.includes('<md:Evil'), 'markup in a value stays text');
    assert.ok(!xml.includes(']]>'));
    const root = rootOf(xml);
    assert.equal(root.getAttribute('entityID'), ENTITY_ID);
    assert.equal(
      only(spDescriptor(root), MD, 'AssertionConsumerService').getAttribute('Location'),
      'https://app.example.com/acs?x=1&y=<2>',
    );
    const organization = only(root, MD, 'Organization');
    assert.equal(only(organization, MD, 'OrganizationName').textContent, options.organization?.name);
    assert.equal(only(organization, MD, 'OrganizationURL').textContent, 'https://example.com/?a=1&b=2');
    const contact = only(root, MD, 'ContactPerson');
    assert.deepEqual(childNames(contact), [`{${MD}}GivenName`, `{${MD}}EmailAddress`]);
    assert.equal(only(contact, MD, 'GivenName').textContent, '</md:GivenName><md:Evil/>');
    assert.equal(only(contact, MD, 'EmailAddress').textContent, 'mailto:a&b@example.com');
  });

  it('signs the escaped document so that it verifies after parsing', () => {
    const xml = buildSpMetadata(TRICKY, { ...options, sign: true });
    assert.equal(verifyMetadata(xml, KEYS.idp.cert).fingerprint, trusted(KEYS.idp.cert).fingerprint);
    assert.equal(rootOf(xml).getAttribute('entityID'), ENTITY_ID);
  });
});

describe('buildSpMetadata: signed document', () => {
  const signed = (): string => buildSpMetadata(ROLLOVER, { sign: true, now: () => NOW, validDays: 30 });

  it('carries one enveloped signature, first in the EntityDescriptor, referencing its ID', () => {
    const root = rootOf(signed());
    assert.deepEqual(childNames(root), [`{${DS}}Signature`, `{${MD}}SPSSODescriptor`]);
    const signature = only(root, DS, 'Signature');
    const reference = only(only(signature, DS, 'SignedInfo'), DS, 'Reference');
    assert.equal(reference.getAttribute('URI'), `#${root.getAttribute('ID') ?? ''}`);
    const certificate = only(only(only(signature, DS, 'KeyInfo'), DS, 'X509Data'), DS, 'X509Certificate');
    assert.equal(certificate.textContent, base64Of(KEYS.idp.cert), 'signed by sp.signing, not nextSigning');
  });

  it("verifies with samlkit's verifier and the SP certificate", () => {
    assert.equal(verifyMetadata(signed(), KEYS.idp.cert).fingerprint, trusted(KEYS.idp.cert).fingerprint);
  });

  it('does not verify with the next certificate, which is published but did not sign', () => {
    assert.throws(() => verifyMetadata(signed(), KEYS.rollover.cert), {
      name: 'SamlError',
      code: 'KEY_UNTRUSTED',
    });
  });

  const tamperings: readonly (readonly [string, (xml: string) => string])[] = [
    ['the ACS URL', (xml) => xml.replace('/saml/acme/acs"', '/saml/evil/acs"')],
    [
      'the entityID',
      (xml) => xml.replace('entityID="https://app.example.com/', 'entityID="https://evil.example.com/'),
    ],
    ['validUntil', (xml) => xml.replace('validUntil="2030-', 'validUntil="2099-')],
    [
      'a published certificate',
      (xml) => xml.replace(base64Of(KEYS.rollover.cert), base64Of(KEYS.attacker.cert)),
    ],
    [
      'AuthnRequestsSigned',
      (xml) => xml.replace('AuthnRequestsSigned="true"', 'AuthnRequestsSigned="false"'),
    ],
  ];
  for (const [what, tamper] of tamperings) {
    it(`does not verify once ${what} is changed`, () => {
      const xml = signed();
      const tampered = tamper(xml);
      assert.notEqual(tampered, xml);
      assert.throws(
        () => verifyMetadata(tampered, KEYS.idp.cert),
        (error) => error instanceof SamlError && error.code === 'SIGNATURE_INVALID',
      );
    });
  }
});

describe('buildSpMetadata: argument checks', () => {
  const refuses = (tenant: TenantConfig, options: SpMetadataOptions, message: RegExp): void => {
    assert.throws(() => buildSpMetadata(tenant, options), { name: 'TypeError', message });
  };

  it('refuses sign: true without sp.signing', () => {
    refuses(PLAIN, { sign: true }, /sp\.signing/);
  });

  it('refuses an invalid tenant configuration', () => {
    refuses({ ...PLAIN, sp: { ...PLAIN.sp, acsUrl: 'ftp://x' } }, {}, /sp\.acsUrl/);
  });

  it('refuses an expiry that is not in the future, not whole days, or given twice', () => {
    refuses(PLAIN, { now: () => NOW, validUntil: NOW }, /validUntil/);
    refuses(PLAIN, { validUntil: new Date(Number.NaN) }, /validUntil/);
    for (const validDays of [0, -1, 1.5]) refuses(PLAIN, { validDays }, /validDays/);
    const both = { validUntil: new Date(NOW.getTime() + 86_400_000), validDays: 1, now: () => NOW };
    refuses(PLAIN, both as unknown as SpMetadataOptions, /not both/);
    refuses(PLAIN, { now: () => new Date(Number.NaN), validDays: 1 }, /options\.now/);
  });

  it('refuses URLs that are not absolute http(s)', () => {
    refuses(PLAIN, { sloUrl: '/saml/slo' }, /options\.sloUrl/);
    refuses(PLAIN, { sloUrl: 'javascript:alert(1)' }, /options\.sloUrl/);
    refuses(PLAIN, { organization: { name: 'X', url: 'example.com' } }, /options\.organization\.url/);
  });

  it('refuses malformed NameID formats, organisations and contacts', () => {
    refuses(PLAIN, { nameIdFormats: ['has space'] }, /options\.nameIdFormats\[0\]/);
    refuses(PLAIN, { nameIdFormats: [EMAIL, ''] }, /options\.nameIdFormats\[1\]/);
    refuses(
      PLAIN,
      { organization: { name: ' ', url: 'https://example.com/' } },
      /options\.organization\.name/,
    );
    refuses(
      PLAIN,
      { organization: { name: 'X', url: 'https://example.com/', lang: 'en_US' } },
      /options\.organization\.lang/,
    );
    refuses(
      PLAIN,
      { contacts: [{ type: 'technical', email: 'not an address' }] },
      /options\.contacts\[0\]\.email/,
    );
    refuses(
      PLAIN,
      { contacts: [{ type: 'sales' as 'other', email: 'a@example.com' }] },
      /options\.contacts\[0\]\.type/,
    );
  });

  it('refuses control characters, which XML cannot carry or would not read back unchanged', () => {
    refuses(
      { ...PLAIN, sp: { ...PLAIN.sp, entityId: 'https://app.example.com/\u0001' } },
      {},
      /sp\.entityId/,
    );
    refuses(
      PLAIN,
      { organization: { name: 'A\nB', url: 'https://example.com/' } },
      /options\.organization\.name/,
    );
    refuses(
      PLAIN,
      { contacts: [{ type: 'other', email: 'a@example.com', givenName: 'x\uD800' }] },
      /givenName/,
    );
  });
});

describe('buildSpMetadata: before the IdP exists', () => {
  it('works for a draft without idp, as setupInstructions does', () => {
    const draft = Object.fromEntries(Object.entries(PLAIN).filter(([key]) => key !== 'idp'));
    const xml = buildSpMetadata(draft as Omit<TenantConfig, 'idp'>);
    assert.match(xml, /entityID="[^"]+"/);
    assert.throws(
      () => buildSpMetadata({ ...draft, sp: { entityId: '', acsUrl: 'x' } } as Omit<TenantConfig, 'idp'>),
      TypeError,
    );
  });
});
