/**
 * A real browser (headless Chromium, driven by playwright-core): alice signs in to the Express
 * example through SimpleSAMLphp, presses the demo's Sign out, and Single Logout ends her session at
 * SimpleSAMLphp too: the next sign-in asks for her password again. Screenshots go to
 * test-output/e2e/.
 *
 * Skipped without /usr/bin/chromium or SimpleSAMLphp, except under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumSkip, launchChromium } from './chromium.js';
import { createDomainOwnership, generateSpKeyPair } from 'samlkit';
import { fetchIdpMetadata } from 'samlkit/fetch';
import { tenantUrls } from '../../examples/express/app.js';
import { startExpressExample, type RunningApp } from './app.js';
import { enterEmail, OUTPUT, signInAtSimpleSamlPhp, waitForSimpleSamlPhpLogin } from './sign-in-steps.js';
import { SIMPLESAMLPHP_USERS, simpleSamlPhpSkip, startSimpleSamlPhp, type SimpleSamlPhp } from './idp.js';

const skip = chromiumSkip;
const { alice } = SIMPLESAMLPHP_USERS;

describe('signing out with a real browser: Single Logout through SimpleSAMLphp', { skip }, () => {
  let browser: Browser | undefined;
  let idp: SimpleSamlPhp;
  let app: RunningApp;
  const cleanup: (() => Promise<void>)[] = [];

  before(async () => {
    const sspSkip = simpleSamlPhpSkip();
    assert.equal(sspSkip, false, String(sspSkip));
    browser = await launchChromium();
    app = await startExpressExample();
    cleanup.push(() => app.close());
    idp = await startSimpleSamlPhp();
    cleanup.push(() => idp.stop());
    const { entityId, acsUrl, sloUrl } = tenantUrls(app.baseUrl, 'acme');
    const signing = await generateSpKeyPair({ commonName: 'acme.samlkit.test' });
    idp.registerSps([{ entityId, acsUrl, sloUrl, certificate: signing.certificate }]);
    const fetched = await fetchIdpMetadata(idp.metadataUrl, { allowHttp: true, allowPrivateAddresses: true });
    assert.equal(fetched.status, 'updated');
    await app.store.put({
      id: 'acme',
      emailDomains: ['example.com'],
      sp: { entityId, acsUrl, sloUrl, signing },
      idp: fetched.metadata.idp,
    });
    // Only a verified domain routes the typed address to the tenant (docs/domains.md).
    await createDomainOwnership({ tenants: app.store }).verifyByOperator('acme', 'example.com', {
      by: 'test',
    });
  });
  after(async () => {
    await browser?.close();
    for (const step of cleanup.reverse()) await step();
  });

  it('Sign out ends the app session and the SimpleSAMLphp session', async () => {
    assert.ok(browser, 'chromium did not start');
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      mkdirSync(OUTPUT, { recursive: true });
      await enterEmail(page, app.baseUrl, alice.username);
      await signInAtSimpleSamlPhp(page, idp.baseUrl, alice);
      await page.waitForURL(`${app.baseUrl}/me`);
      assert.equal(await page.getByTestId('signed-in-email').textContent(), alice.username);

      // Sign out: a signed LogoutRequest to SimpleSAMLphp, its signed LogoutResponse back, home.
      const visited: string[] = [];
      page.on('request', (request) => {
        if (request.isNavigationRequest()) visited.push(request.url());
      });
      await page.getByTestId('sign-out').click();
      await page.waitForURL(`${app.baseUrl}/`);
      assert.ok(
        visited.some((url) => url.startsWith(`${idp.sloUrl}?SAMLRequest=`)),
        `the browser went through SimpleSAMLphp's SLO endpoint: ${visited.join(' → ')}`,
      );
      assert.ok(
        visited.some((url) => url.startsWith(`${tenantUrls(app.baseUrl, 'acme').sloUrl}?SAMLResponse=`)),
      );
      await page.getByTestId('email').waitFor();
      await page.screenshot({ path: join(OUTPUT, 'signed-out-simplesamlphp.png'), fullPage: true });

      await page.goto(`${app.baseUrl}/me`);
      await page.waitForURL(`${app.baseUrl}/`);
      // The IdP session is over: signing in again asks for the password.
      await enterEmail(page, app.baseUrl, alice.username);
      await waitForSimpleSamlPhpLogin(page, idp.baseUrl);
      await page.locator('input[name="password"]').waitFor();
      await page.screenshot({ path: join(OUTPUT, 'password-again-simplesamlphp.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
