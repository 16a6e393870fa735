/**
 * A real browser (headless Chromium, driven by playwright-core) signs in to the Express example:
 * through SimpleSAMLphp's login page, then through the demo's test IdP. Screenshots of the
 * signed-in pages go to test-output/e2e/.
 *
 * Skipped without /usr/bin/chromium (and the SimpleSAMLphp case without SimpleSAMLphp), except
 * under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumSkip, chromiumPages } from './chromium.js';
import { fetchIdpMetadata } from 'samlkit/fetch';
import { createTestIdp } from 'samlkit/testing';
import { tenantUrls } from '../../examples/express/app.js';
import { startExpressExample, type RunningApp } from './app.js';
import { SIMPLESAMLPHP_USERS, simpleSamlPhpSkip, startSimpleSamlPhp, type SimpleSamlPhp } from './idp.js';
import {
  addTestIdpTenant,
  assertSignedIn,
  E2E_ROLES,
  enterEmail,
  OPERATOR,
  signInAtSimpleSamlPhp,
} from './sign-in-steps.js';

const skip = chromiumSkip;
const { alice } = SIMPLESAMLPHP_USERS;

describe('signing in with a real browser', { skip }, () => {
  /** A fresh profile (no cookies) with short timeouts: every step here takes milliseconds. */
  const newPage = chromiumPages();

  describe('through SimpleSAMLphp', { skip: simpleSamlPhpSkip() }, () => {
    let idp: SimpleSamlPhp;
    let app: RunningApp;
    const cleanup: (() => Promise<void>)[] = [];

    before(async () => {
      app = await startExpressExample();
      cleanup.push(() => app.close());
      idp = await startSimpleSamlPhp();
      cleanup.push(() => idp.stop());
      const { entityId, acsUrl } = tenantUrls(app.baseUrl, 'acme');
      idp.registerSps([{ entityId, acsUrl }]);
      const fetched = await fetchIdpMetadata(idp.metadataUrl, {
        allowHttp: true,
        allowPrivateAddresses: true,
      });
      assert.equal(fetched.status, 'updated');
      await app.store.put({
        id: 'acme',
        emailDomains: ['example.com'],
        sp: { entityId, acsUrl },
        idp: fetched.metadata.idp,
        roles: E2E_ROLES,
      });
      // The operator vouches for the domain, so that the home page routes it (docs/domains.md).
      await app.store.setDomainVerification('acme', 'example.com', OPERATOR);
    });
    after(async () => {
      for (const step of cleanup.reverse()) await step();
    });

    it('alice enters her email, signs in on SimpleSAMLphp’s page and lands on /me', async () => {
      const page = await newPage();
      try {
        await enterEmail(page, app.baseUrl, alice.username);
        await signInAtSimpleSamlPhp(page, idp.baseUrl, alice);
        // SimpleSAMLphp's answer submits itself to the ACS, which redirects to /me.
        await assertSignedIn(page, app.baseUrl, 'signed-in-simplesamlphp.png');
      } finally {
        await page.context().close();
      }
    });
  });

  describe('through the demo’s test IdP', () => {
    let app: RunningApp | undefined;

    before(async () => {
      // The test IdP is served by the app itself: its SSO URL is on the app's port.
      app = await startExpressExample({
        testIdp: (baseUrl) => createTestIdp({ preset: 'generic', ssoUrl: `${baseUrl}/test-idp/sso` }),
      });
      await addTestIdpTenant(app);
    });
    after(async () => {
      await app?.close();
    });

    it('alice enters her email, clicks Sign in at the test IdP and lands on /me', async () => {
      assert.ok(app);
      const { baseUrl } = app;
      const page = await newPage();
      try {
        await enterEmail(page, baseUrl, alice.username);
        await page.waitForURL((url) => url.pathname === '/test-idp/sso');
        await page.getByTestId('sign-in').click();
        await assertSignedIn(page, baseUrl, 'signed-in-test-idp.png');
      } finally {
        await page.context().close();
      }
    });
  });
});
