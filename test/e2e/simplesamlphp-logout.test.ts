/**
 * Single Logout with a real third-party IdP, SimpleSAMLphp 1.19 (PHP, xmlseclibs: no code in common
 * with samlkit), through the Express example app: SP-initiated and IdP-initiated, over HTTP-Redirect
 * and HTTP-POST. SimpleSAMLphp signs its logout messages to these SPs (sign.logout) and requires
 * theirs signed with the tenant's key (validate.logout), so each flow proves both directions: our
 * signed message accepted by SimpleSAMLphp, and its signed message verified by samlkit.
 *
 * Skipped without php/SimpleSAMLphp, except under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inflateRaw } from 'pako';
import { generateSpKeyPair, type SpKeyPair, type TenantConfig } from 'samlkit';
import { fetchIdpMetadata } from 'samlkit/fetch';
import { tenantUrls } from '../../examples/express/app.js';
import { startExpressExample, type RunningApp } from './app.js';
import { Browserless, formsOf, postToAcs, signInAtSimpleSamlPhp, textOf, type Page } from './browserless.js';
import { SIMPLESAMLPHP_USERS, simpleSamlPhpSkip, startSimpleSamlPhp, type SimpleSamlPhp } from './idp.js';

const { alice } = SIMPLESAMLPHP_USERS;
const BINDINGS = ['redirect', 'post'] as const;
type Binding = (typeof BINDINGS)[number];

describe('Single Logout with SimpleSAMLphp', { skip: simpleSamlPhpSkip() }, () => {
  let idp: SimpleSamlPhp;
  let app: RunningApp;
  let baseUrl = '';
  const cleanup: (() => Promise<void>)[] = [];

  /** A browser signed in as alice at the tenant `slo-<binding>` (and so at SimpleSAMLphp). */
  async function signedIn(binding: Binding, browser = new Browserless()): Promise<Browserless> {
    const page = await browser.get(`${baseUrl}/login/slo-${binding}`);
    const outcome = await signInAtSimpleSamlPhp(browser, page, alice);
    assert.equal(outcome.outcome, 'response', outcome.outcome === 'idp-error' ? outcome.message : '');
    const me = await postToAcs(browser, outcome.response);
    assert.equal(new URL(me.url).pathname, '/me', textOf(me));
    return browser;
  }

  /** Submits SimpleSAMLphp's or samlkit's auto-submit page (no JavaScript here) while there is one. */
  async function throughForms(browser: Browserless, page: Page, seen: Page[]): Promise<Page> {
    let current = page;
    for (let i = 0; i < 5; i++) {
      seen.push(current);
      const form = formsOf(current).find(
        (candidate) => 'SAMLRequest' in candidate.fields || 'SAMLResponse' in candidate.fields,
      );
      if (form === undefined) return current;
      current = await browser.submit(form);
    }
    return current;
  }

  /**
   * SimpleSAMLphp's IdP-initiated logout of every SP of the session; it ends at ReturnTo, which
   * must be on its own host and port (trusted.url.domains): its metadata URL.
   */
  const returnTo = (): string => `${idp.sloUrl}?ReturnTo=${encodeURIComponent(idp.metadataUrl)}`;

  /** True when SimpleSAMLphp asks for the password again: its session is over. */
  async function idpAsksForPassword(binding: Binding, browser: Browserless): Promise<boolean> {
    const page = await browser.get(`${baseUrl}/login/slo-${binding}`);
    return formsOf(page).some((form) => 'password' in form.fields);
  }

  before(async () => {
    app = await startExpressExample();
    cleanup.push(() => app.close());
    baseUrl = app.baseUrl;
    idp = await startSimpleSamlPhp({ workers: 3 });
    cleanup.push(() => idp.stop());
    const fetched = await fetchIdpMetadata(idp.metadataUrl, { allowHttp: true, allowPrivateAddresses: true });
    assert.equal(fetched.status, 'updated');
    assert.deepEqual(
      fetched.metadata.idp.sloUrls,
      { redirect: idp.sloUrl, post: idp.sloUrl },
      'SLO endpoints from its metadata',
    );
    const keys: Record<Binding, SpKeyPair> = {
      redirect: await generateSpKeyPair({ commonName: 'slo-redirect.samlkit.test' }),
      post: await generateSpKeyPair({ commonName: 'slo-post.samlkit.test' }),
    };
    for (const binding of BINDINGS) {
      const id = `slo-${binding}`;
      const { entityId, acsUrl, sloUrl } = tenantUrls(baseUrl, id);
      const tenant: TenantConfig = {
        id,
        sp: { entityId, acsUrl, sloUrl, signing: keys[binding] },
        idp: fetched.metadata.idp,
      };
      await app.store.put(tenant);
      idp.registerSps([
        { entityId, acsUrl, sloUrl, sloBinding: binding, certificate: keys[binding].certificate },
      ]);
    }
  });

  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  for (const binding of BINDINGS) {
    it(`SP-initiated over HTTP-${binding}: our signed LogoutRequest ends the IdP session, its signed LogoutResponse is verified`, async () => {
      const browser = await signedIn(binding);
      const seen: Page[] = [];
      const first = await browser.post(`${baseUrl}/logout`, binding === 'post' ? { binding: 'post' } : {});
      const done = await throughForms(browser, first, seen);
      assert.equal(done.url, `${baseUrl}/`, `not back home: ${done.url} ${textOf(done)}\n${idp.logs()}`);
      assert.equal(done.status, 200);

      const visited = seen.flatMap((page) => page.visited);
      if (binding === 'redirect') {
        // Our request went in the query, signed; SimpleSAMLphp's response came back the same way.
        const request = visited.find((url) => url.startsWith(idp.sloUrl));
        assert.ok(request !== undefined && /[?&]Signature=/.test(request), 'a signed Redirect LogoutRequest');
        const response = visited.find((url) => url.startsWith(tenantUrls(baseUrl, 'slo-redirect').sloUrl));
        assert.ok(
          response !== undefined && /[?&]Signature=/.test(response),
          'SimpleSAMLphp signed its LogoutResponse',
        );
        const xml = Buffer.from(
          inflateRaw(Buffer.from(new URL(response).searchParams.get('SAMLResponse') ?? '', 'base64')),
        ).toString();
        assert.match(xml, /LogoutResponse/);
        assert.match(xml, /status:Success/);
      } else {
        const ours = seen
          .map((page) => formsOf(page)[0])
          .find((form) => form?.fields.SAMLRequest !== undefined);
        assert.ok(ours?.action === idp.sloUrl, 'our LogoutRequest was posted to the IdP');
        assert.match(Buffer.from(ours.fields.SAMLRequest ?? '', 'base64').toString(), /<ds:Signature/);
        const theirs = seen
          .map((page) => formsOf(page)[0])
          .find((form) => form?.fields.SAMLResponse !== undefined);
        assert.ok(theirs !== undefined, 'SimpleSAMLphp posted its LogoutResponse');
        assert.match(Buffer.from(theirs.fields.SAMLResponse ?? '', 'base64').toString(), /<ds:Signature/);
      }
      assert.equal(new URL((await browser.get(`${baseUrl}/me`)).url).pathname, '/', 'signed out of the app');
      assert.ok(await idpAsksForPassword(binding, browser), 'signed out of SimpleSAMLphp too');
    });

    it(`IdP-initiated over HTTP-${binding}: SimpleSAMLphp's signed LogoutRequest ends the app session, our signed LogoutResponse is accepted`, async () => {
      const browser = await signedIn(binding);
      const seen: Page[] = [];
      const start = await browser.get(returnTo());
      const done = await throughForms(browser, start, seen);
      // SimpleSAMLphp goes on to ReturnTo only once it has verified our LogoutResponse.
      assert.equal(done.url, idp.metadataUrl, `not at ReturnTo: ${done.url} ${textOf(done)}\n${idp.logs()}`);
      const visited = seen.flatMap((page) => page.visited);
      const sloUrl = tenantUrls(baseUrl, `slo-${binding}`).sloUrl;
      if (binding === 'redirect') {
        const request = visited.find((url) => url.startsWith(`${sloUrl}?SAMLRequest=`));
        assert.ok(
          request !== undefined && /[?&]Signature=/.test(request),
          'a signed Redirect LogoutRequest came in',
        );
        const response = visited.find((url) => url.startsWith(`${idp.sloUrl}?SAMLResponse=`));
        assert.ok(
          response !== undefined && /[?&]Signature=/.test(response),
          'our signed LogoutResponse went out',
        );
      } else {
        const forms = seen.map((page) => formsOf(page)[0]);
        const theirs = forms.find((form) => form?.fields.SAMLRequest !== undefined);
        assert.ok(theirs?.action === sloUrl, 'SimpleSAMLphp posted its LogoutRequest');
        const ours = forms.find((form) => form?.fields.SAMLResponse !== undefined);
        assert.ok(ours?.action === idp.sloUrl, 'we posted our LogoutResponse');
        assert.match(Buffer.from(ours.fields.SAMLResponse ?? '', 'base64').toString(), /<ds:Signature/);
      }
      assert.equal(new URL((await browser.get(`${baseUrl}/me`)).url).pathname, '/', 'the app session ended');
      assert.ok(await idpAsksForPassword(binding, browser), 'the IdP session ended');
    });
  }

  it('a LogoutRequest replayed to the app, or sent to the other tenant, ends nothing', async () => {
    const browser = await signedIn('redirect');
    const seen: Page[] = [];
    await throughForms(browser, await browser.get(returnTo()), seen);
    const request = seen.flatMap((page) => page.visited).find((url) => url.includes('/slo?SAMLRequest='));
    assert.ok(request !== undefined);
    const victim = await signedIn('redirect');
    const replayed = await victim.get(request);
    assert.equal(replayed.status, 400, 'the replay is refused');
    const elsewhere = await victim.get(request.replace('/saml/slo-redirect/slo', '/saml/slo-post/slo'));
    assert.equal(elsewhere.status, 400, "another tenant's SLO URL refuses it");
    assert.equal(
      new URL((await victim.get(`${baseUrl}/me`)).url).pathname,
      '/me',
      'the victim stays signed in',
    );
  });
});
