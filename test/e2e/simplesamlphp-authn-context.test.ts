/**
 * Authentication context through a real IdP, SimpleSAMLphp 1.19, into the Express example: the
 * tenant requires MFA (or given classes), SimpleSAMLphp asserts the class an authproc filter sets
 * (`saml:AuthnContextClassRef`), and the app accepts (met) or refuses with AUTHN_CONTEXT_NOT_MET
 * (not met, missing). The AuthnRequest carries the RequestedAuthnContext; a step-up login sends
 * ForceAuthn, which makes SimpleSAMLphp ask for the password again despite its session.
 *
 * Skipped without php/SimpleSAMLphp, except under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import type { TenantConfig } from 'samlkit';
import { fetchIdpMetadata } from 'samlkit/fetch';
import { tenantUrls } from '../../examples/express/app.js';
import { startExpressExample, type RunningApp } from './app.js';
import {
  Browserless,
  postToAcs,
  signInAtSimpleSamlPhp,
  textOf,
  type IdpOutcome,
  type Page,
} from './browserless.js';
import { SIMPLESAMLPHP_USERS, simpleSamlPhpSkip, startSimpleSamlPhp, type SimpleSamlPhp } from './idp.js';

const { alice } = SIMPLESAMLPHP_USERS;
const MFA = 'https://refeds.org/profile/mfa';
const TIME_SYNC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken';
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';

function byTestId(page: Page, id: string): string | undefined {
  return new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(page.body)?.[1]?.trim();
}

function responseXml(outcome: IdpOutcome): IdpOutcome & { outcome: 'response' } {
  if (outcome.outcome === 'response') return outcome;
  assert.fail(`SimpleSAMLphp did not answer with a SAMLResponse (${outcome.outcome})`);
}

/** The class reference of the response's AuthnStatement, as SimpleSAMLphp wrote it. */
function classRefOf(xml: string): string | undefined {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const [ref] = [...doc.getElementsByTagNameNS(SAML, 'AuthnContextClassRef')];
  return ref?.textContent ?? undefined;
}

/** The AuthnRequest of a Redirect URL. */
function requestOf(url: string) {
  const encoded = new URL(url).searchParams.get('SAMLRequest');
  assert.ok(encoded !== null, `no SAMLRequest in ${url}`);
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  return new DOMParser().parseFromString(xml, 'text/xml');
}

/** The RequestedAuthnContext of the AuthnRequest in a Redirect URL. */
function requestedOf(url: string): { comparison: string | null; classes: string[] } | undefined {
  const doc = requestOf(url);
  const [requested] = [...doc.getElementsByTagNameNS(SAMLP, 'RequestedAuthnContext')];
  if (requested === undefined) return undefined;
  return {
    comparison: requested.getAttribute('Comparison'),
    classes: [...requested.getElementsByTagNameNS(SAML, 'AuthnContextClassRef')].map(
      (el) => el.textContent ?? '',
    ),
  };
}

describe('authentication context through SimpleSAMLphp', { skip: simpleSamlPhpSkip() }, () => {
  let idp: SimpleSamlPhp;
  let app: RunningApp;
  const cleanup: (() => Promise<void>)[] = [];

  /** Starts a login at /login/<tenant>, signs in at SimpleSAMLphp and posts its answer to the ACS. */
  async function login(
    tenantId: string,
    browser = new Browserless(),
    query = '',
  ): Promise<{ request: string; xml: string; page: Page; passwordAsked: boolean }> {
    const start = await browser.get(`${app.baseUrl}/login/${tenantId}${query}`);
    assert.ok(start.url.startsWith(idp.baseUrl), `not at the IdP but at ${start.url}: ${textOf(start)}`);
    const request = start.visited.find((url) => url.startsWith(idp.ssoUrl)) ?? '';
    const passwordAsked = start.body.includes('name="password"');
    const { response, xml } = responseXml(await signInAtSimpleSamlPhp(browser, start, alice));
    return { request, xml, page: await postToAcs(browser, response), passwordAsked };
  }

  function assertSignedIn(page: Page, tenantId: string): void {
    assert.equal(new URL(page.url).pathname, '/me', `not on /me (HTTP ${page.status}): ${textOf(page)}`);
    assert.equal(byTestId(page, 'signed-in-tenant'), tenantId);
  }

  function assertRefused(page: Page, code: string): void {
    assert.equal(page.status, 401, `expected a 401 with ${code}, got HTTP ${page.status}: ${textOf(page)}`);
    assert.equal(byTestId(page, 'error-code'), code);
  }

  before(async () => {
    app = await startExpressExample();
    cleanup.push(() => app.close());
    idp = await startSimpleSamlPhp();
    cleanup.push(() => idp.stop());
    const fetched = await fetchIdpMetadata(idp.metadataUrl, { allowHttp: true, allowPrivateAddresses: true });
    assert.equal(fetched.status, 'updated');
    const idpConfig = fetched.metadata.idp;
    const sp = (id: string) => {
      const { entityId, acsUrl } = tenantUrls(app.baseUrl, id);
      return { entityId, acsUrl };
    };
    const classes = { require: 'classes', classes: [TIME_SYNC] } as const;
    const tenants: TenantConfig[] = [
      { id: 'mfa-met', sp: sp('mfa-met'), idp: idpConfig, authnContext: { require: 'mfa' } },
      { id: 'mfa-not-met', sp: sp('mfa-not-met'), idp: idpConfig, authnContext: { require: 'mfa' } },
      { id: 'mfa-missing', sp: sp('mfa-missing'), idp: idpConfig, authnContext: { require: 'mfa' } },
      // Okta-style: the class says password, the amr attribute says MFA.
      {
        id: 'mfa-claim',
        preset: 'okta',
        sp: sp('mfa-claim'),
        idp: idpConfig,
        authnContext: { require: 'mfa' },
      },
      { id: 'classes-met', sp: sp('classes-met'), idp: idpConfig, authnContext: classes },
      { id: 'classes-not-met', sp: sp('classes-not-met'), idp: idpConfig, authnContext: classes },
      { id: 'step-up', sp: sp('step-up'), idp: idpConfig },
    ];
    for (const tenant of tenants) await app.store.put(tenant);
    idp.registerSps([
      { ...sp('mfa-met'), authnContextClassRef: MFA },
      // SimpleSAMLphp's own class over http: urn:oasis:names:tc:SAML:2.0:ac:classes:Password.
      sp('mfa-not-met'),
      { ...sp('mfa-missing'), authnContextClassRef: '' },
      { ...sp('mfa-claim'), addAttributes: { amr: ['pwd', 'mfa'] } },
      { ...sp('classes-met'), authnContextClassRef: TIME_SYNC },
      sp('classes-not-met'),
      sp('step-up'),
    ]);
  });

  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('MFA met: SimpleSAMLphp asserts the REFEDS MFA class, the app signs alice in', async () => {
    const { xml, page } = await login('mfa-met');
    assert.equal(classRefOf(xml), MFA);
    assertSignedIn(page, 'mfa-met');
  });

  it('MFA met through the method claim (amr = mfa, an Okta-style tenant), with a password class', async () => {
    const { xml, page } = await login('mfa-claim');
    assert.equal(classRefOf(xml), 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password');
    assertSignedIn(page, 'mfa-claim');
  });

  it('MFA not met: a password login is refused with AUTHN_CONTEXT_NOT_MET', async () => {
    const { xml, page } = await login('mfa-not-met');
    assert.equal(classRefOf(xml), 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password');
    assertRefused(page, 'AUTHN_CONTEXT_NOT_MET');
  });

  it('MFA missing: an AuthnContext without a class reference is refused', async () => {
    const { xml, page } = await login('mfa-missing');
    assert.match(xml, /AuthnContext/);
    assert.equal(classRefOf(xml), undefined);
    assertRefused(page, 'AUTHN_CONTEXT_NOT_MET');
  });

  it('required classes: the AuthnRequest asks for them (exact), met and not met', async () => {
    const met = await login('classes-met');
    assert.deepEqual(requestedOf(met.request), { comparison: 'exact', classes: [TIME_SYNC] });
    assertSignedIn(met.page, 'classes-met');
    const notMet = await login('classes-not-met');
    assertRefused(notMet.page, 'AUTHN_CONTEXT_NOT_MET');
  });

  it('step-up: ForceAuthn makes SimpleSAMLphp ask for the password again, and the fresh login is accepted', async () => {
    const browser = new Browserless();
    const first = await login('step-up', browser);
    assert.ok(first.passwordAsked);
    assertSignedIn(first.page, 'step-up');
    // The IdP session signs her in again without a password...
    const again = await login('step-up', browser);
    assert.equal(again.passwordAsked, false);
    assert.equal(requestedOf(again.request), undefined);
    // ...unless the app asks for a step-up.
    const stepUp = await login('step-up', browser, '?stepUp=1');
    assert.equal(requestOf(stepUp.request).documentElement?.getAttribute('ForceAuthn'), 'true');
    assert.ok(stepUp.passwordAsked, 'ForceAuthn: SimpleSAMLphp asks for the password again');
    assertSignedIn(stepUp.page, 'step-up');
    // Provisioned just in time on the first login (examples/shared/users.ts), the same account since.
    const account = byTestId(first.page, 'signed-in-account');
    assert.match(account ?? '', /^user-\d+$/);
    assert.equal(byTestId(again.page, 'signed-in-account'), account);
    assert.equal(byTestId(stepUp.page, 'signed-in-account'), account);
  });
});
