/**
 * Login CSRF in a real browser (docs/security.md rule 23), on both example apps. The test IdP's page is
 * loaded from `localhost` while the app runs on `127.0.0.1`, so the IdP's post to the ACS is
 * cross-site, as in production: the SameSite=Lax login cookie is not sent with it, and the app's
 * same-site step (`sameSiteStep`) posts it again from its own origin.
 * - A normal login works in one browser.
 * - A login the attacker started and stopped before the IdP's auto-post, submitted by the victim's
 *   browser (another context: other cookies), is refused with BROWSER_MISMATCH and signs nobody in.
 *
 * Skipped without /usr/bin/chromium, except under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkip, launchChromium } from './chromium.js';
import { parseIdpMetadata } from 'samlkit';
import { DEMO_TENANT, FRAMEWORKS, startDemo, type RunningDemo } from '../../examples/shared/demo-server.js';

const OUTPUT = fileURLToPath(new URL('../../test-output/e2e/', import.meta.url));
const skip = chromiumSkip;

describe('login CSRF in a real browser', { skip }, () => {
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  /** A fresh browser profile: its own cookies. */
  async function newPage(): Promise<Page> {
    assert.ok(browser, 'chromium did not start');
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  for (const framework of FRAMEWORKS) {
    describe(`the ${framework} example`, () => {
      let demo: RunningDemo;

      before(async () => {
        demo = await startDemo({ framework });
        // The IdP on another site than the app: its post to the ACS is cross-site.
        const idp = parseIdpMetadata(demo.testIdp.metadata()).idp;
        await demo.tenants.put({
          ...(await demo.tenants.get(DEMO_TENANT))!,
          idp: {
            entityId: idp.entityId,
            certificates: idp.certificates,
            ssoUrl: `${demo.baseUrl.replace('127.0.0.1', 'localhost')}/test-idp/sso`,
          },
        });
      });
      after(() => demo.close());

      /** Types the email on the app and arrives at the test IdP's page on localhost. */
      async function toIdp(page: Page, email: string): Promise<void> {
        await page.goto(`${demo.baseUrl}/`);
        await page.getByTestId('email').fill(email);
        await page.getByTestId('email').press('Enter');
        await page.waitForURL((url) => url.hostname === 'localhost' && url.pathname === '/test-idp/sso');
      }

      it('a normal login, with the cross-site post and the same-site step, lands on /me', async () => {
        const page = await newPage();
        const posts: string[] = [];
        page.on('request', (request) => {
          if (request.method() === 'POST' && request.url().endsWith('/acs'))
            posts.push(request.postData() ?? '');
        });
        try {
          await toIdp(page, 'alice@example.com');
          await page.getByTestId('sign-in').click();
          await page.waitForURL(`${demo.baseUrl}/me`);
          // The IdP's cross-site post came without the Lax cookie, so the app posted it again itself.
          assert.equal(posts.length, 2);
          assert.doesNotMatch(posts[0] ?? '', /samlkit_same_site/);
          assert.match(posts[1] ?? '', /samlkit_same_site=1/);
          assert.equal(await page.getByTestId('signed-in-email').textContent(), 'alice@example.com');
          mkdirSync(OUTPUT, { recursive: true });
          await page.screenshot({ path: join(OUTPUT, `login-csrf-normal-${framework}.png`), fullPage: true });
        } finally {
          await page.context().close();
        }
      });

      it("the attacker's stopped login, posted from the victim's browser, is refused", async () => {
        // The attacker signs in as himself and stops before the IdP's page posts to the ACS.
        const attacker = await newPage();
        let captured: Record<string, string> | undefined;
        await attacker.route('**/saml/*/acs', async (route) => {
          captured = Object.fromEntries(new URLSearchParams(route.request().postData() ?? ''));
          await route.abort();
        });
        await toIdp(attacker, 'bob@example.com');
        await attacker.getByTestId('sign-in').click();
        await assert.doesNotReject(async () => {
          for (let i = 0; i < 100 && captured === undefined; i++) await new Promise((r) => setTimeout(r, 50));
        });
        assert.ok(captured?.SAMLResponse, 'the IdP answered');
        const acsUrl = `${demo.baseUrl}/saml/${DEMO_TENANT}/acs`;

        for (const victimHasPendingLogin of [false, true]) {
          const victim = await newPage();
          try {
            if (victimHasPendingLogin) await toIdp(victim, 'alice@example.com'); // her own login cookie
            // The attacker's page, on another site, makes the victim's browser post his response.
            const inputs = Object.entries(captured)
              .map(
                ([name, value]) =>
                  `<input type="hidden" name="${name}" value="${value.replaceAll('"', '&quot;')}">`,
              )
              .join('');
            await victim.setContent(`<form method="post" action="${acsUrl}">${inputs}</form>`);
            await Promise.all([
              victim.waitForURL(acsUrl),
              victim.locator('form').evaluate((form) => {
                (form as { submit(): void }).submit();
              }),
            ]);
            await victim.getByTestId('error-code').waitFor();
            assert.equal(await victim.getByTestId('error-code').textContent(), 'BROWSER_MISMATCH');
            mkdirSync(OUTPUT, { recursive: true });
            await victim.screenshot({
              path: join(
                OUTPUT,
                `login-csrf-refused-${framework}${victimHasPendingLogin ? '-pending' : ''}.png`,
              ),
              fullPage: true,
            });
            // Nobody is signed in in the victim's browser.
            await victim.goto(`${demo.baseUrl}/me`);
            assert.equal(new URL(victim.url()).pathname, '/');
          } finally {
            await victim.context().close();
          }
        }
        await attacker.context().close();
      });
    });
  }
});
