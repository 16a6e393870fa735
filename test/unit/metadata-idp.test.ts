/**
 * parseIdpMetadata against the real IdP metadata in fixtures/real/metadata/ (MANIFEST.json), plus the hardening:
 * signature pinning, DOCTYPE, size, entity selection, validUntil, SP-only metadata.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseCertificate } from '../../src/crypto/keys.js';
import { signatureOf, verifyEnvelopedSignature } from '../../src/crypto/signature.js';
import { defineTenant, SamlError, verifyResponse, type SamlErrorCode } from '../../src/index.js';
import { parseIdpMetadata, type IdpMetadata } from '../../src/metadata/idp.js';
import { parseXml } from '../../src/xml/parse.js';
import { checksFor, formOf, loadManifest, readFixture, tenantFor, usesSha1 } from '../fixtures/manifest.js';
import { KEYS, signXml } from '../helpers/idp.js';

const METADATA_INVALID: SamlErrorCode = 'METADATA_INVALID';

interface MetadataManifestEntry {
  readonly file: string;
  readonly entity_ids: readonly string[];
  readonly signed: boolean;
  readonly x509_cert_sha1_fingerprints: readonly string[];
  readonly verifies_responses: readonly string[];
}

const DIR = new URL('../../fixtures/real/', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, DIR), 'utf8');
const manifest = JSON.parse(read('metadata/MANIFEST.json')) as MetadataManifestEntry[];
const responses = loadManifest();
/** Before every fixture's validUntil (Google's: 2027-07-20). */
const NOW = new Date('2024-01-01T00:00:00Z');
const sha1 = (pem: string): string => new X509Certificate(pem).fingerprint;

const ENTRA = 'metadata/azure-entra-federationmetadata-b20a2822.xml';
const GOOGLE = 'metadata/google-workspace-C01aa60hc.xml';
const OKTA = 'metadata/okta-exkppsa1qwuFV4D7z0h7.xml';
const TESTSHIB = 'metadata/testshib-idp-and-sp.xml';
const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** What each file must yield, read by hand from the XML. */
const EXPECTED: Readonly<
  Record<string, Pick<IdpMetadata, 'ssoUrls' | 'nameIdFormats' | 'wantAuthnRequestsSigned'>>
> = {
  [ENTRA]: {
    ssoUrls: {
      redirect: 'https://login.microsoftonline.com/b20a2822-5260-4ea7-b000-c17131389b33/saml2',
      post: 'https://login.microsoftonline.com/b20a2822-5260-4ea7-b000-c17131389b33/saml2',
    },
    nameIdFormats: [],
    wantAuthnRequestsSigned: false,
  },
  [GOOGLE]: {
    ssoUrls: {
      redirect: 'https://accounts.google.com/o/saml2/idp?idpid=C01aa60hc',
      post: 'https://accounts.google.com/o/saml2/idp?idpid=C01aa60hc',
    },
    nameIdFormats: [EMAIL],
    wantAuthnRequestsSigned: false,
  },
  'metadata/keycloak-realm-HERP.xml': {
    ssoUrls: {
      redirect: 'https://sso.ja-sore.de/auth/realms/HERP/protocol/saml',
      post: 'https://sso.ja-sore.de/auth/realms/HERP/protocol/saml',
    },
    nameIdFormats: [PERSISTENT, TRANSIENT, UNSPECIFIED, EMAIL],
    wantAuthnRequestsSigned: true,
  },
  [OKTA]: {
    ssoUrls: {
      redirect:
        'https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml',
      post: 'https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml',
    },
    nameIdFormats: [UNSPECIFIED, EMAIL],
    wantAuthnRequestsSigned: false,
  },
  'metadata/onelogin-503983.xml': {
    ssoUrls: { post: 'https://app.onelogin.com/trust/saml2/http-post/sso/503983' },
    nameIdFormats: [EMAIL],
    wantAuthnRequestsSigned: false,
  },
  [TESTSHIB]: {
    ssoUrls: {
      redirect: 'https://idp.testshib.org/idp/profile/SAML2/Redirect/SSO',
      post: 'https://idp.testshib.org/idp/profile/SAML2/POST/SSO',
    },
    nameIdFormats: ['urn:mace:shibboleth:1.0:nameIdentifier', TRANSIENT],
    wantAuthnRequestsSigned: false,
  },
};

/**
 * The manifest says the TestShib IdP verifies shibboleth/nodesaml-2014-testshib-encrypted.xml, but that 2014
 * response was signed with the "old signing key" (SHA-1 0E:82:…), which the file keeps only inside an XML comment.
 * The live KeyDescriptor holds the new key (95:39:…). A parser must not read comments, so it must not match.
 */
const SIGNED_BY_A_COMMENTED_OUT_KEY = new Set(['shibboleth/nodesaml-2014-testshib-encrypted.xml']);

function expectError(run: () => unknown, code: SamlErrorCode, message?: RegExp): SamlError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SamlError, `expected SamlError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `${caught.code}: ${caught.message}`);
  if (message !== undefined) assert.match(caught.message, message);
  assert.ok(caught.hint.length > 20, 'the hint tells the admin what to do');
  return caught;
}

/** The EntityDescriptor element of a single-entity file, as text, without its XML declaration. */
const entityOf = (file: string): string => read(file).replace(/^<\?xml[^>]*\?>\s*/, '');
const group = (attributes: string, ...entities: string[]): string =>
  `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"${attributes}>${entities.join('')}</EntitiesDescriptor>`;

describe('parseIdpMetadata: real IdP metadata (fixtures/real/metadata)', () => {
  it('the manifest lists every expected file', () => {
    assert.deepEqual(manifest.map((entry) => entry.file).sort(), Object.keys(EXPECTED).sort());
  });

  for (const entry of manifest) {
    it(`${entry.file} › entity ID, SSO URLs, certificates, NameID formats`, () => {
      const metadata = parseIdpMetadata(read(entry.file), { now: () => NOW });
      const expected = EXPECTED[entry.file];
      assert.ok(expected !== undefined);
      assert.equal(metadata.entityId, entry.entity_ids[0]);
      assert.deepEqual(metadata.ssoUrls, expected.ssoUrls);
      assert.deepEqual(metadata.nameIdFormats, expected.nameIdFormats);
      assert.equal(metadata.wantAuthnRequestsSigned, expected.wantAuthnRequestsSigned);
      assert.equal(metadata.signatureVerified, false);
      const fingerprints = metadata.signingCertificates.map((cert) => sha1(cert.pem));
      if (entry.entity_ids.length === 1) assert.deepEqual(fingerprints, entry.x509_cert_sha1_fingerprints);
      else for (const fp of fingerprints) assert.ok(entry.x509_cert_sha1_fingerprints.includes(fp), fp);
      for (const cert of metadata.signingCertificates) {
        const x509 = new X509Certificate(cert.pem);
        assert.equal(cert.fingerprint, x509.fingerprint256);
        assert.equal(cert.notAfter.getTime(), new Date(x509.validTo).getTime());
      }
      assert.deepEqual(metadata.idp, {
        entityId: metadata.entityId,
        certificates: metadata.signingCertificates.map((cert) => cert.pem),
        ssoUrl: expected.ssoUrls.redirect ?? expected.ssoUrls.post,
        ssoUrls: expected.ssoUrls,
        wantAuthnRequestsSigned: expected.wantAuthnRequestsSigned,
        // The IdP's Single Logout endpoints, when its metadata offers them.
        ...((metadata.sloUrls.redirect ?? metadata.sloUrls.post) !== undefined && {
          sloUrls: metadata.sloUrls,
        }),
      });
      assert.doesNotThrow(() =>
        defineTenant({
          id: 't',
          sp: { entityId: 'https://sp', acsUrl: 'https://sp/acs' },
          idp: metadata.idp,
        }),
      );
    });

    for (const file of entry.verifies_responses) {
      it(`${entry.file} › its certificate verifies ${file}`, async () => {
        const metadata = parseIdpMetadata(read(entry.file), { now: () => NOW });
        const response = responses.find((candidate) => candidate.file === file);
        assert.ok(response !== undefined, `${file} is in fixtures/real/MANIFEST.json`);
        assert.equal(metadata.entityId, response.issuer);
        const responseKey = new X509Certificate(read(response.cert)).publicKey;
        const same = metadata.signingCertificates.some((cert) =>
          new X509Certificate(cert.pem).publicKey.equals(responseKey),
        );
        assert.equal(same, !SIGNED_BY_A_COMMENTED_OUT_KEY.has(file));
        if (!same) return;
        const tenant = { ...tenantFor(response), idp: metadata.idp };
        if (!response.encrypted && response.expected_valid) {
          const checks = checksFor(response);
          const profile = await verifyResponse(defineTenant(tenant), formOf(response), checks);
          assert.equal(profile.issuer, metadata.entityId);
        }
        if (response.signed !== 'assertion') {
          // The Response signature is outside the encryption: check it with the metadata's keys directly.
          const parsed = parseXml(readFixture(response.file).toString('utf8'));
          const signature = signatureOf(parsed.root, 't');
          assert.ok(signature !== undefined);
          const keys = metadata.idp.certificates.map((pem) => parseCertificate(pem, { allowRsa1024: false }));
          const policy = {
            keys: keys.filter((key) => typeof key !== 'string'),
            allowSha1: usesSha1(response),
            tenantId: 't',
          };
          const verify = (): unknown => verifyEnvelopedSignature(parsed.root, signature, parsed.ids, policy);
          if (response.expected_valid) assert.doesNotThrow(verify);
          else expectError(verify, 'SIGNATURE_INVALID'); // altered after signing, by the right key
        }
      });
    }
  }
});

describe('parseIdpMetadata: signature pinning (trustedCertificates)', () => {
  const entra = read(ENTRA);
  const [entraCert] = parseIdpMetadata(entra, { now: () => NOW }).idp.certificates;
  assert.ok(entraCert !== undefined);

  it('the signed Entra metadata verifies with its own certificate', () => {
    const metadata = parseIdpMetadata(entra, {
      now: () => NOW,
      trustedCertificates: [KEYS.idp.cert, entraCert],
    });
    assert.equal(metadata.signatureVerified, true);
    assert.equal(metadata.entityId, 'https://sts.windows.net/b20a2822-5260-4ea7-b000-c17131389b33/');
  });
  it('…and fails with another certificate (KEY_UNTRUSTED)', () => {
    const error = expectError(
      () => parseIdpMetadata(entra, { now: () => NOW, trustedCertificates: [KEYS.idp.cert] }),
      'KEY_UNTRUSTED',
    );
    assert.equal(error.received, new X509Certificate(entraCert).fingerprint256);
  });
  it('a tampered signed file fails (SIGNATURE_INVALID); unpinned, nothing is checked', () => {
    const tampered = entra.replace(
      '<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.com/',
      '<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://evil.example.com/',
    );
    assert.notEqual(tampered, entra);
    expectError(
      () => parseIdpMetadata(tampered, { now: () => NOW, trustedCertificates: [entraCert] }),
      'SIGNATURE_INVALID',
    );
    assert.equal(parseIdpMetadata(tampered, { now: () => NOW }).signatureVerified, false);
  });
  it('unsigned metadata with trustedCertificates fails (SIGNATURE_MISSING)', () => {
    expectError(
      () => parseIdpMetadata(read(OKTA), { trustedCertificates: [entraCert] }),
      'SIGNATURE_MISSING',
    );
  });
  it('a signed EntitiesDescriptor covers the entities in it; a signed entity inside an unsigned group counts', () => {
    const signedGroup = signXml(group(' ID="_group"', entityOf(OKTA)), { ref: 'response' });
    const trusted = { now: () => NOW, trustedCertificates: [KEYS.idp.cert] };
    assert.equal(parseIdpMetadata(signedGroup, trusted).signatureVerified, true);
    expectError(
      () => parseIdpMetadata(signedGroup, { ...trusted, trustedCertificates: [KEYS.rollover.cert] }),
      'KEY_UNTRUSTED',
    );
    const moved = signedGroup.replace('https://dev-513394.oktapreview.com/', 'https://evil.example.com/');
    expectError(() => parseIdpMetadata(moved, trusted), 'SIGNATURE_INVALID');
    const signedEntity = signXml(
      entityOf(OKTA).replace('<md:EntityDescriptor ', '<md:EntityDescriptor ID="_e" '),
      { ref: 'response' },
    );
    assert.equal(
      parseIdpMetadata(group('', signedEntity), trusted).entityId,
      'http://www.okta.com/exkppsa1qwuFV4D7z0h7',
    );
  });
  it('a bad trusted certificate is an argument mistake (TypeError)', () => {
    assert.throws(() => parseIdpMetadata(entra, { trustedCertificates: ['not a cert'] }), TypeError);
    assert.throws(() => parseIdpMetadata(entra, { trustedCertificates: [KEYS.rsa1024.cert] }), /1024/);
    assert.throws(() => parseIdpMetadata(entra, { trustedCertificates: [] }), TypeError);
  });
});

describe('parseIdpMetadata: hostile or wrong documents', () => {
  it('DOCTYPE → DTD_FORBIDDEN', () => {
    expectError(() => parseIdpMetadata(`<!DOCTYPE x [<!ENTITY e "x">]>${entityOf(OKTA)}`), 'DTD_FORBIDDEN');
  });
  it('over maxBytes (default 1 MiB) → SIZE_LIMIT, before parsing', () => {
    const padded = `${entityOf(OKTA)}<!--${'x'.repeat(1024 * 1024)}-->`;
    expectError(() => parseIdpMetadata(padded), 'SIZE_LIMIT');
    expectError(() => parseIdpMetadata(read(OKTA), { maxBytes: 1000 }), 'SIZE_LIMIT');
    expectError(() => parseIdpMetadata(`<x>${'é'.repeat(600)}</x>`, { maxBytes: 1000 }), 'SIZE_LIMIT'); // bytes, not chars
  });
  it('several IdPs and no entityId → error listing them; with entityId → that one', () => {
    const both = group('', entityOf(OKTA), group('', entityOf(GOOGLE)));
    const error = expectError(
      () => parseIdpMetadata(both, { now: () => NOW }),
      METADATA_INVALID,
      /2 identity providers/,
    );
    assert.match(error.message, /http:\/\/www\.okta\.com\/exkppsa1qwuFV4D7z0h7/);
    assert.match(error.message, /idpid=C01aa60hc/);
    assert.deepEqual(error.expected, [
      'http://www.okta.com/exkppsa1qwuFV4D7z0h7',
      'https://accounts.google.com/o/saml2?idpid=C01aa60hc',
    ]);
    const google = parseIdpMetadata(both, {
      now: () => NOW,
      entityId: 'https://accounts.google.com/o/saml2?idpid=C01aa60hc',
    });
    assert.deepEqual(google.nameIdFormats, [EMAIL]);
    expectError(
      () => parseIdpMetadata(both, { now: () => NOW, entityId: 'https://nope.example/' }),
      METADATA_INVALID,
      /no entity/,
    );
  });
  it('the multi-entity TestShib file picks its only IdP; its SP entity is refused', () => {
    assert.equal(parseIdpMetadata(read(TESTSHIB)).entityId, 'https://idp.testshib.org/idp/shibboleth');
    expectError(
      () => parseIdpMetadata(read(TESTSHIB), { entityId: 'https://sp.testshib.org/shibboleth-sp' }),
      METADATA_INVALID,
      /no SAML 2\.0 IDPSSODescriptor/,
    );
  });
  it('SP-only metadata → error', () => {
    const sp = read(TESTSHIB).replace(
      /<EntityDescriptor entityID="https:\/\/idp[\s\S]*?<\/EntityDescriptor>/,
      '',
    );
    expectError(
      () => parseIdpMetadata(sp),
      METADATA_INVALID,
      /no SAML 2\.0 identity provider.*sp\.testshib\.org/,
    );
  });
  it('expired validUntil → error; the earliest validUntil of entity and groups applies', () => {
    expectError(
      () => parseIdpMetadata(read(GOOGLE), { now: () => new Date('2027-07-20T09:18:00Z') }),
      METADATA_INVALID,
      /expired/,
    );
    assert.equal(
      parseIdpMetadata(read(GOOGLE), { now: () => NOW }).validUntil?.toISOString(),
      '2027-07-20T09:18:00.000Z',
    );
    const early = group(' validUntil="2025-01-01T00:00:00Z" cacheDuration="PT6H"', entityOf(GOOGLE));
    const metadata = parseIdpMetadata(early, { now: () => NOW });
    assert.equal(metadata.validUntil?.toISOString(), '2025-01-01T00:00:00.000Z');
    assert.equal(metadata.cacheDurationMs, 6 * 3600 * 1000);
    expectError(
      () => parseIdpMetadata(early, { now: () => new Date('2025-06-01T00:00:00Z') }),
      METADATA_INVALID,
      /expired/,
    );
  });
  it('only the SAML 2.0 IDPSSODescriptor and its signing keys count', () => {
    const okta = entityOf(OKTA);
    const saml11 = okta.replace(
      'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"',
      'protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"',
    );
    expectError(() => parseIdpMetadata(saml11), METADATA_INVALID);
    const encryptionOnly = okta.replace('use="signing"', 'use="encryption"');
    expectError(() => parseIdpMetadata(encryptionOnly), METADATA_INVALID, /no signing certificate/);
    const jsUrl = okta.replace(/Location="https:\/\/dev-513394[^"]*"/, 'Location="javascript:alert(1)"');
    expectError(() => parseIdpMetadata(jsUrl), METADATA_INVALID, /not an absolute http\(s\) URL/);
  });
  it('selects by namespace, never by prefix, and never inside Extensions', () => {
    const foreign = entityOf(OKTA).replace(
      'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"',
      'xmlns:md="urn:example:not-metadata"',
    );
    expectError(() => parseIdpMetadata(foreign), METADATA_INVALID, /Expected SAML 2\.0 metadata/);
    const hidden = group('', `<Extensions>${entityOf(OKTA)}</Extensions>`, entityOf(GOOGLE));
    assert.equal(
      parseIdpMetadata(hidden, { now: () => NOW }).entityId,
      'https://accounts.google.com/o/saml2?idpid=C01aa60hc',
    );
  });
  it('argument mistakes are TypeErrors', () => {
    assert.throws(() => parseIdpMetadata(42 as unknown as string), TypeError);
    assert.throws(() => parseIdpMetadata(read(OKTA), { maxBytes: 0 }), TypeError);
    assert.throws(() => parseIdpMetadata(read(OKTA), { now: () => new Date('x') }), TypeError);
    assert.throws(() => parseIdpMetadata(read(OKTA), { entityId: '' }), TypeError);
  });
});

describe('parseIdpMetadata: what an admin pastes instead of metadata (issue #15)', () => {
  const refusal = (input: string): SamlError => {
    try {
      parseIdpMetadata(input);
    } catch (error) {
      assert.ok(error instanceof SamlError, String(error));
      return error;
    }
    assert.fail('accepted');
  };

  it('broken or truncated XML: a message and hint about metadata, not about an ACS URL', () => {
    const truncated = readFileSync(
      new URL('metadata/azure-entra-federationmetadata-b20a2822.xml', DIR),
      'utf8',
    ).slice(0, 500);
    for (const input of ['<broken', truncated]) {
      const error = refusal(input);
      assert.equal(error.code, 'MALFORMED_XML');
      assert.match(error.message, /^The metadata is not well-formed XML/);
      assert.doesNotMatch(error.hint, /ACS|SAMLResponse/);
      assert.match(error.hint, /upload the whole file/);
    }
  });

  it('a pasted URL, an HTML page or nothing: METADATA_INVALID saying which', () => {
    const url = refusal(
      ' https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/federationmetadata/2007-06/federationmetadata.xml?appid=1\n',
    );
    assert.equal(url.code, 'METADATA_INVALID');
    assert.match(url.message, /is a URL, not the metadata document/);
    assert.match(url.hint, /fetchIdpMetadata/);
    const html = refusal('<!-- page --><html><head><title>Sign in</title></head><body></body></html>');
    assert.equal(html.code, 'METADATA_INVALID');
    assert.match(html.message, /an HTML page/);
    const page = refusal('<!DOCTYPE html>\n<html><body>Sign in</body></html>');
    assert.equal(page.code, 'METADATA_INVALID', 'a web page, not an attack');
    assert.match(page.message, /an HTML page/);
    const empty = refusal('  \n');
    assert.equal(empty.code, 'METADATA_INVALID');
    assert.match(empty.message, /empty/);
  });
});
