/**
 * A real browser (headless Chromium, driven by playwright-core) signs in to the Hono, NestJS and
 * Next.js examples, each through SimpleSAMLphp's login page and through the demo's test IdP. The
 * NestJS app starts and finishes its logins through samlkit/passport and @nestjs/passport. The
 * Next.js app is built once (`next build`, a few seconds) if its build is missing or stale.
 * Screenshots of the signed-in pages go to test-output/e2e/.
 *
 * Skipped without /usr/bin/chromium (and the SimpleSAMLphp cases without SimpleSAMLphp), except
 * under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type IdentityProviderConfig } from 'samlkit';
import { fetchIdpMetadata } from 'samlkit/fetch';
import { createTestIdp } from 'samlkit/testing';
import { tenantUrls } from '../../examples/shared/options.js';
import { startExample, type ExampleFramework, type RunningApp } from './app.js';
import { chromiumSkip, chromiumPages } from './chromium.js';
import { SIMPLESAMLPHP_USERS, simpleSamlPhpSkip, startSimpleSamlPhp, type SimpleSamlPhp } from './idp.js';
import {
  addTestIdpTenant,
  assertSignedIn,
  E2E_ROLES,
  enterEmail,
  OPERATOR,
  signInAtSimpleSamlPhp,
} from './sign-in-steps.js';

const FRAMEWORKS: readonly ExampleFramework[] = ['hono', 'nestjs', 'nextjs'];
const { alice } = SIMPLESAMLPHP_USERS;

/** Signs out from /me and checks that /me no longer shows anyone. */
async function signOut(page: Page, baseUrl: string): Promise<void> {
  await page.getByTestId('sign-out').click();
  await page.waitForURL((url) => url.pathname !== '/me');
  await page.goto(`${baseUrl}/me`);
  await page.waitForURL(`${baseUrl}/`);
}

describe(
  'signing in to the Hono, NestJS and Next.js examples with a real browser',
  { skip: chromiumSkip },
  () => {
    /** A fresh profile (no cookies) for each sign-in. */
    const newPage = chromiumPages({ timeoutMs: 15_000 });

    describe('through SimpleSAMLphp', { skip: simpleSamlPhpSkip() }, () => {
      let idp: SimpleSamlPhp;
      let idpConfig: IdentityProviderConfig;

      before(async () => {
        idp = await startSimpleSamlPhp();
        const fetched = await fetchIdpMetadata(idp.metadataUrl, {
          allowHttp: true,
          allowPrivateAddresses: true,
        });
        assert.equal(fetched.status, 'updated');
        idpConfig = fetched.metadata.idp;
      });
      after(async () => {
        await idp.stop();
      });

      for (const framework of FRAMEWORKS) {
        it(`${framework}: alice enters her email, signs in on SimpleSAMLphp’s page, lands on /me and signs out`, async () => {
          const app: RunningApp = await startExample(framework);
          const page = await newPage();
          try {
            const { entityId, acsUrl } = tenantUrls(app.baseUrl, 'acme');
            idp.registerSps([{ entityId, acsUrl }]);
            await app.store.put({
              id: 'acme',
              emailDomains: ['example.com'],
              sp: { entityId, acsUrl },
              idp: idpConfig,
              roles: E2E_ROLES,
            });
            await app.store.setDomainVerification('acme', 'example.com', OPERATOR);

            await enterEmail(page, app.baseUrl, alice.username);
            await signInAtSimpleSamlPhp(page, idp.baseUrl, alice);
            // SimpleSAMLphp's answer submits itself to the ACS (cross-site, so without the login
            // cookie: samlkit's same-site step posts it again), which redirects to /me.
            await assertSignedIn(page, app.baseUrl, `signed-in-simplesamlphp-${framework}.png`);
            await signOut(page, app.baseUrl);
          } finally {
            await page.context().close();
            await app.close();
          }
        });
      }
    });

    describe('through the demo’s test IdP', () => {
      for (const framework of FRAMEWORKS) {
        it(`${framework}: alice enters her email, clicks Sign in at the test IdP and lands on /me`, async () => {
          // The test IdP is served by the app itself: its SSO URL is on the app's port.
          const app = await startExample(framework, {
            testIdp: (baseUrl) => createTestIdp({ preset: 'generic', ssoUrl: `${baseUrl}/test-idp/sso` }),
          });
          const page = await newPage();
          try {
            await addTestIdpTenant(app);

            await enterEmail(page, app.baseUrl, alice.username);
            await page.waitForURL((url) => url.pathname === '/test-idp/sso');
            // The address typed in the app arrives pre-filled (login_hint, also through Passport).
            assert.equal(await page.getByTestId('idp-email').inputValue(), alice.username);
            await page.getByTestId('sign-in').click();
            await assertSignedIn(page, app.baseUrl, `signed-in-test-idp-${framework}.png`);
          } finally {
            await page.context().close();
            await app.close();
          }
        });
      }
    });
  },
);
