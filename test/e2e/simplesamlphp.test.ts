/**
 * Full logins through a real third-party IdP, SimpleSAMLphp 1.19 (PHP, xmlseclibs: no code in
 * common with samlkit), into the Express example app, both on loopback. Each tenant's IdP is
 * configured by importing SimpleSAMLphp's own metadata URL with `fetchIdpMetadata`. The user's side
 * is `Browserless`: fetch with a cookie jar, forms submitted as a browser submits them.
 *
 * The app imports the built package (`samlkit`), as an app would: `npm test` builds first.
 * Skipped without php/SimpleSAMLphp, except under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { generateSpKeyPair, type SpKeyPair, type TenantConfig } from 'samlkit';
import { fetchIdpMetadata } from 'samlkit/fetch';
import { tenantUrls } from '../../examples/express/app.js';
import { hasXmlsec1, XMLSEC1_INSTALL, xmlsec1Verify } from '../integration/xmlsec1.js';
import { startExpressExample, type RunningApp } from './app.js';
import {
  Browserless,
  formWith,
  postToAcs,
  signInAtSimpleSamlPhp,
  textOf,
  type HtmlForm,
  type IdpOutcome,
  type Page,
} from './browserless.js';
import {
  SIMPLESAMLPHP_USERS,
  simpleSamlPhpSkip,
  startSimpleSamlPhp,
  type RemoteSp,
  type SimpleSamlPhp,
} from './idp.js';

const { alice, bob } = SIMPLESAMLPHP_USERS;
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

/** The text of the element with `data-testid="id"`, or `undefined`. */
function byTestId(page: Page, id: string): string | undefined {
  const match = new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(page.body);
  return match?.[1]?.trim();
}

/** Asserts the ACS refused the login with exactly `code` on its 401 page. */
function assertRefused(page: Page, code: string): void {
  assert.equal(page.status, 401, `expected a 401 with ${code}, got HTTP ${page.status}: ${textOf(page)}`);
  assert.equal(byTestId(page, 'error-code'), code);
}

/** Asserts the browser landed on /me signed in as `user`, and returns the roles shown. */
function assertSignedIn(
  page: Page,
  user: { readonly username: string; readonly firstName: string; readonly lastName: string },
  tenantId: string,
): string {
  assert.equal(new URL(page.url).pathname, '/me', `not on /me (HTTP ${page.status}): ${textOf(page)}`);
  assert.equal(page.status, 200);
  assert.equal(byTestId(page, 'signed-in-email'), user.username);
  assert.equal(byTestId(page, 'signed-in-name'), `${user.firstName} ${user.lastName}`);
  assert.equal(byTestId(page, 'signed-in-tenant'), tenantId);
  return byTestId(page, 'signed-in-roles') ?? '';
}

/** How the IdP's answer must look: the response form, else the test fails with what came instead. */
function responseOf(outcome: IdpOutcome): { readonly response: HtmlForm; readonly xml: string } {
  if (outcome.outcome === 'response') return outcome;
  const detail = outcome.outcome === 'idp-error' ? outcome.message : textOf(outcome.page);
  assert.fail(`SimpleSAMLphp did not answer with a SAMLResponse (${outcome.outcome}): ${detail}`);
}

/** SimpleSAMLphp's error message, else the test fails with what came instead. */
function idpErrorOf(outcome: IdpOutcome): string {
  if (outcome.outcome === 'idp-error') return outcome.message;
  assert.fail(`SimpleSAMLphp did not refuse the login but answered ${outcome.outcome}`);
}

/** Which of the Response and its Assertion carry their own `<ds:Signature>` (a direct child). */
function signedElements(xml: string): string[] {
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  assert.ok(root !== null && root.localName === 'Response' && root.namespaceURI === SAMLP);
  const assertion = [...root.getElementsByTagNameNS(SAML, 'Assertion')].find((el) => el.parentNode === root);
  const signed = (element: Element | undefined): boolean =>
    element !== undefined &&
    [...element.childNodes].some((node) => node.namespaceURI === DSIG && node.localName === 'Signature');
  return [...(signed(root) ? ['Response'] : []), ...(signed(assertion) ? ['Assertion'] : [])];
}

describe('logins through SimpleSAMLphp into the Express example', { skip: simpleSamlPhpSkip() }, () => {
  let idp: SimpleSamlPhp;
  let app: RunningApp;
  const cleanup: (() => Promise<void>)[] = [];
  let baseUrl = '';
  let signingKey: SpKeyPair;
  let metadataKey: SpKeyPair;
  let otherKey: SpKeyPair;
  let decryptionKey: SpKeyPair;

  /** A user's browser that starts a login in the app and arrives at SimpleSAMLphp. */
  async function startAt(
    path: string,
    fields?: Readonly<Record<string, string>>,
  ): Promise<{ browser: Browserless; page: Page }> {
    const browser = new Browserless();
    let page =
      fields === undefined
        ? await browser.get(`${baseUrl}${path}`)
        : await browser.post(`${baseUrl}${path}`, fields);
    // The POST binding: samlkit's page that submits the AuthnRequest itself (no JavaScript here).
    if (page.url.startsWith(baseUrl) && page.body.includes('name="SAMLRequest"')) {
      page = await browser.submit(formWith(page, 'SAMLRequest'));
    }
    assert.ok(page.url.startsWith(idp.baseUrl), `not at the IdP but at ${page.url}: ${textOf(page)}`);
    return { browser, page };
  }

  /** A whole SP-initiated login up to the IdP's answer. */
  async function loginAt(
    path: string,
    user: { readonly username: string; readonly password: string } = alice,
    fields?: Readonly<Record<string, string>>,
  ): Promise<{ browser: Browserless; outcome: IdpOutcome }> {
    const { browser, page } = await startAt(path, fields);
    return { browser, outcome: await signInAtSimpleSamlPhp(browser, page, user) };
  }

  /** An IdP-initiated login (SimpleSAMLphp's `spentityid=`) up to the IdP's answer. */
  async function idpInitiated(tenantId: string): Promise<{ browser: Browserless; outcome: IdpOutcome }> {
    const browser = new Browserless();
    const spEntityId = tenantUrls(baseUrl, tenantId).entityId;
    const page = await browser.get(`${idp.ssoUrl}?spentityid=${encodeURIComponent(spEntityId)}`);
    return { browser, outcome: await signInAtSimpleSamlPhp(browser, page, alice) };
  }

  before(async () => {
    const key = (name: string): Promise<SpKeyPair> =>
      generateSpKeyPair({ commonName: `${name}.samlkit.test` });
    const keys = Promise.all([key('signed'), key('from-metadata'), key('other'), key('encrypted')]);
    app = await startExpressExample();
    cleanup.push(() => app.close());
    baseUrl = app.baseUrl;
    idp = await startSimpleSamlPhp();
    cleanup.push(() => idp.stop());
    [signingKey, metadataKey, otherKey, decryptionKey] = await keys;

    // Every tenant's IdP comes from SimpleSAMLphp's own metadata, the way an admin would add it.
    const fetched = await fetchIdpMetadata(idp.metadataUrl, { allowHttp: true, allowPrivateAddresses: true });
    assert.equal(fetched.status, 'updated');
    const idpConfig = fetched.metadata.idp;
    assert.equal(idpConfig.entityId, idp.entityId);
    assert.deepEqual(
      fetched.metadata.signingCertificates.map((c) => c.pem.replace(/\s/g, '')),
      [idp.certificate.replace(/\s/g, '')],
    );

    const roles = { rules: [{ group: 'admins', role: 'admin' }], defaultRole: 'member' };
    const sp = (id: string): { entityId: string; acsUrl: string } => {
      const { entityId, acsUrl } = tenantUrls(baseUrl, id);
      return { entityId, acsUrl };
    };
    const tenants: TenantConfig[] = [
      // alice@ and bob@example.com sign in here from the home page; both signatures required.
      { id: 'acme', emailDomains: ['example.com'], sp: sp('acme'), idp: idpConfig, roles, signing: 'both' },
      // Signs its AuthnRequests; SimpleSAMLphp requires it (validate.authnrequest).
      { id: 'signed', sp: { ...sp('signed'), signing: signingKey }, idp: idpConfig, roles },
      // Sends unsigned AuthnRequests to an IdP that requires them signed.
      { id: 'unsigned', sp: sp('unsigned'), idp: idpConfig, roles },
      // Accepts IdP-initiated logins.
      { id: 'portal', sp: sp('portal'), idp: idpConfig, roles, allowIdpInitiated: true },
      // SimpleSAMLphp signs only the assertion for these two.
      { id: 'assertion-signed', sp: sp('assertion-signed'), idp: idpConfig, roles, signing: 'assertion' },
      {
        id: 'wants-response-signed',
        sp: sp('wants-response-signed'),
        idp: idpConfig,
        roles,
        signing: 'response',
      },
      // SimpleSAMLphp encrypts its assertions to this tenant's key, with AES-128-CBC (all SSP 1.19 offers).
      {
        id: 'encrypted',
        sp: { ...sp('encrypted'), decryption: [decryptionKey] },
        idp: idpConfig,
        roles,
        allowAesCbc: true,
        requireEncryptedAssertion: true,
      },
      // Registered at SimpleSAMLphp from its metadata (GET /saml/from-metadata/metadata), not by hand.
      { id: 'from-metadata', sp: { ...sp('from-metadata'), signing: metadataKey }, idp: idpConfig, roles },
    ];
    for (const tenant of tenants) await app.store.put(tenant);
    // The operator vouches for acme's domain, so that the home page routes it (docs/domains.md).
    await app.store.setDomainVerification('acme', 'example.com', {
      verifiedAt: new Date(),
      method: 'operator',
      by: 'e2e',
    });

    const remote = (id: string, options: Omit<RemoteSp, 'entityId' | 'acsUrl'> = {}): RemoteSp => ({
      ...sp(id),
      ...options,
    });
    idp.registerSps([
      remote('acme'),
      remote('signed', { certificate: signingKey.certificate, requireSignedAuthnRequests: true }),
      remote('unsigned', { certificate: otherKey.certificate, requireSignedAuthnRequests: true }),
      remote('portal'),
      remote('assertion-signed', { signResponse: false }),
      remote('wants-response-signed', { signResponse: false }),
      remote('encrypted', { certificate: decryptionKey.certificate, encryptAssertion: true }),
    ]);
    const metadata = await fetch(tenantUrls(baseUrl, 'from-metadata').metadataUrl);
    assert.equal(metadata.status, 200);
    idp.registerSpMetadata('from-metadata', await metadata.text());
  });

  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('SP-initiated over HTTP-Redirect: alice types her email, signs in at SimpleSAMLphp, lands on /me', async () => {
    const { browser, page } = await startAt('/login', { email: alice.username });
    assert.equal(
      new URL(page.url).pathname,
      '/module.php/core/loginuserpass.php',
      'the IdP asks for a password',
    );
    const outcome = responseOf(await signInAtSimpleSamlPhp(browser, page, alice));
    assert.equal(outcome.response.action, tenantUrls(baseUrl, 'acme').acsUrl);
    const me = await postToAcs(browser, outcome.response);
    assert.equal(assertSignedIn(me, alice, 'acme'), 'admin');
    assert.equal(byTestId(me, 'signed-in-groups'), 'admins, engineering');
    assert.deepEqual(signedElements(outcome.xml), ['Response', 'Assertion']);

    // The IdP session signs her in again without a password.
    const again = await browser.post(`${baseUrl}/login`, { email: alice.username });
    assert.ok(again.body.includes('name="SAMLResponse"'), 'no password form the second time');
    const second = responseOf(await signInAtSimpleSamlPhp(browser, again, alice));
    assert.equal(assertSignedIn(await postToAcs(browser, second.response), alice, 'acme'), 'admin');
  });

  it('SP-initiated over HTTP-POST (samlkit’s auto-submit page to SimpleSAMLphp)', async () => {
    const { browser, page } = await startAt('/login/acme?binding=post');
    assert.equal(page.visited[0], idp.ssoUrl, 'the AuthnRequest was posted to the SSO URL');
    const { response } = responseOf(await signInAtSimpleSamlPhp(browser, page, alice));
    assertSignedIn(await postToAcs(browser, response), alice, 'acme');
  });

  it('maps groups to roles: alice (admins) is admin, bob (engineering) gets the default member', async () => {
    const { browser, outcome } = await loginAt('/login', bob, { email: bob.username });
    const me = await postToAcs(browser, responseOf(outcome).response);
    assert.equal(assertSignedIn(me, bob, 'acme'), 'member');
    assert.equal(byTestId(me, 'signed-in-groups'), 'engineering');
  });

  it('signed AuthnRequests, which SimpleSAMLphp requires for this SP: over Redirect and over POST', async () => {
    for (const path of ['/login/signed', '/login/signed?binding=post']) {
      const { browser, page } = await startAt(path);
      if (!path.includes('post')) {
        const request = new URL(page.visited[1] ?? '');
        assert.equal(request.origin + request.pathname, idp.ssoUrl);
        assert.ok(request.searchParams.get('Signature'), 'the Redirect URL carries a Signature');
      }
      const outcome = responseOf(await signInAtSimpleSamlPhp(browser, page, alice));
      assertSignedIn(await postToAcs(browser, outcome.response), alice, 'signed');
    }
  });

  it('SimpleSAMLphp refuses an unsigned AuthnRequest from an SP it requires signatures of', async () => {
    const { browser, page } = await startAt('/login/unsigned');
    const outcome = await signInAtSimpleSamlPhp(browser, page, alice);
    assert.match(idpErrorOf(outcome), /no signature found on message/i);
  });

  it('a wrong password: no login, SimpleSAMLphp shows its form again', async () => {
    const { outcome } = await loginAt(
      '/login',
      { username: alice.username, password: 'wrong' },
      { email: alice.username },
    );
    assert.equal(outcome.outcome, 'password-refused');
  });

  it('IdP-initiated: accepted for a tenant with allowIdpInitiated', async () => {
    const { browser, outcome } = await idpInitiated('portal');
    const { response, xml } = responseOf(outcome);
    assert.doesNotMatch(xml, /InResponseTo=/);
    assertSignedIn(await postToAcs(browser, response), alice, 'portal');
  });

  it('IdP-initiated: refused with UNSOLICITED_RESPONSE for a tenant without it', async () => {
    const { browser, outcome } = await idpInitiated('acme');
    const refused = await postToAcs(browser, responseOf(outcome).response);
    assertRefused(refused, 'UNSOLICITED_RESPONSE');
    assert.equal(browser.jar.get(baseUrl, 'sid'), undefined, 'no session cookie');
  });

  it('replays: an SP-initiated response again → IN_RESPONSE_TO_MISMATCH; an IdP-initiated one again → REPLAY', async () => {
    // The pending login is consumed by the first use, and that is checked before the signature: a
    // replayed answer to a finished login is refused as answering no pending login.
    const solicited = await loginAt('/login/acme');
    const { response } = responseOf(solicited.outcome);
    assertSignedIn(await postToAcs(solicited.browser, response), alice, 'acme');
    assertRefused(await postToAcs(new Browserless(), response), 'IN_RESPONSE_TO_MISMATCH');

    // Without InResponseTo there is no pending login: the replay cache refuses the assertion ID.
    const unsolicited = await idpInitiated('portal');
    const portal = responseOf(unsolicited.outcome).response;
    assertSignedIn(await postToAcs(unsolicited.browser, portal), alice, 'portal');
    assertRefused(await postToAcs(new Browserless(), portal), 'REPLAY');
  });

  it("refuses tenant acme's response at tenant signed's ACS, without burning acme's pending login", async () => {
    const { browser, outcome } = await loginAt('/login/acme');
    const { response } = responseOf(outcome);
    const elsewhere = { ...response, action: tenantUrls(baseUrl, 'signed').acsUrl };
    assertRefused(await postToAcs(browser, elsewhere), 'IN_RESPONSE_TO_MISMATCH');
    assertSignedIn(await postToAcs(browser, response), alice, 'acme');
  });

  it('assertion-only signing (SimpleSAMLphp saml20.sign.response = false): accepted by a tenant that wants the assertion signed', async () => {
    const { browser, outcome } = await loginAt('/login/assertion-signed');
    const { response, xml } = responseOf(outcome);
    assert.deepEqual(signedElements(xml), ['Assertion']);
    assertSignedIn(await postToAcs(browser, response), alice, 'assertion-signed');
  });

  it('encrypted assertions (aes128-cbc, rsa-oaep-mgf1p): decrypted with the tenant key, verified, signed in', async () => {
    const { browser, outcome } = await loginAt('/login/encrypted');
    const { response, xml } = responseOf(outcome);
    assert.match(xml, /EncryptedAssertion/);
    assert.match(xml, /xmlenc#aes128-cbc/);
    assert.doesNotMatch(xml, /alice@example\.com/, 'the identity travels encrypted');
    assertSignedIn(await postToAcs(browser, response), alice, 'encrypted');
  });

  it('assertion-only signing: refused (SIGNATURE_MISSING) by a tenant that wants the Response signed', async () => {
    const { browser, outcome } = await loginAt('/login/wants-response-signed');
    const { response, xml } = responseOf(outcome);
    assert.deepEqual(signedElements(xml), ['Assertion']);
    assertRefused(await postToAcs(browser, response), 'SIGNATURE_MISSING');
  });

  it('our SP metadata, loaded by SimpleSAMLphp as an XML metadata source, is enough for a signed login', async () => {
    // The metadata says AuthnRequestsSigned="true" with our key: SimpleSAMLphp then checks it.
    const { browser, page } = await startAt('/login/from-metadata');
    const signedUrl = new URL(page.visited[1] ?? '');
    assert.ok(signedUrl.searchParams.get('Signature'));
    const outcome = responseOf(await signInAtSimpleSamlPhp(browser, page, alice));
    assert.equal(outcome.response.action, tenantUrls(baseUrl, 'from-metadata').acsUrl);
    assertSignedIn(await postToAcs(browser, outcome.response), alice, 'from-metadata');

    // Control: the same request without its signature is refused, so the metadata's key was in use.
    const login = await new Browserless().get(`${baseUrl}/login/from-metadata`);
    const unsigned = new URL(login.visited[1] ?? '');
    unsigned.searchParams.delete('Signature');
    unsigned.searchParams.delete('SigAlg');
    const refused = await signInAtSimpleSamlPhp(
      new Browserless(),
      await new Browserless().get(unsigned.toString()),
      alice,
    );
    assert.match(idpErrorOf(refused), /no signature found on message/i);
  });

  const xmlsec1Skip =
    hasXmlsec1() || process.env.CI === 'true' ? false : `xmlsec1 not installed: ${XMLSEC1_INSTALL}`;
  it(
    'xmlsec1 verifies a captured response on its own: both signatures with the IdP key, none with another',
    { skip: xmlsec1Skip },
    async () => {
      const { outcome } = await loginAt('/login/acme');
      const { xml } = responseOf(outcome);
      const dir = mkdtempSync(join(tmpdir(), 'samlkit-e2e-xmlsec1-'));
      try {
        writeFileSync(join(dir, 'response.xml'), xml);
        writeFileSync(join(dir, 'other.crt'), otherKey.certificate);
        const idAttr = [
          { ns: SAMLP, localName: 'Response' },
          { ns: SAML, localName: 'Assertion' },
        ];
        const responseId = /<samlp:Response\b[^>]*\bID="([^"]+)"/.exec(xml)?.[1];
        const assertionId = /<saml:Assertion\b[^>]*\bID="([^"]+)"/.exec(xml)?.[1];
        assert.ok(responseId !== undefined && assertionId !== undefined);
        for (const nodeId of [responseId, assertionId]) {
          const good = await xmlsec1Verify(join(dir, 'response.xml'), idp.certificatePath, idAttr, {
            nodeId,
          });
          assert.equal(good.verdict, 'OK', good.output);
          const bad = await xmlsec1Verify(join(dir, 'response.xml'), join(dir, 'other.crt'), idAttr, {
            nodeId,
          });
          assert.equal(bad.verdict, 'FAIL', bad.output);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
