/**
 * The admin's setup flow in a real browser (headless Chromium through playwright-core), on the
 * Express example: an IT admin opens a setup link for a new organisation, picks the IdP, pastes
 * its values, tests the connection, makes it live and turns SAML on; the organisation's admin signs
 * in with SSO and meets the lock-out guard; a failing test connection; and, with SimpleSAMLphp, a
 * set-up from scratch by metadata URL, a replacement and a restore. axe-core checks every page of
 * ours on the way: no serious or critical violation.
 *
 * Screenshots (the part of the page each step is about) go to test-output/e2e/; with
 * UPDATE_SCREENSHOTS=1 also to docs/images/ (the ones docs/admin-setup.md shows). Skipped without /usr/bin/chromium (the SimpleSAMLphp part without
 * SimpleSAMLphp), except under CI=true, where that fails.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createSetupLink, generateSpKeyPair } from 'samlkit';
import { fetchIdpMetadata } from 'samlkit/fetch';
import { createTestIdp } from 'samlkit/testing';
import { newOrganisation } from '../../examples/shared/admin.js';
import { signInAtSimpleSamlPhp } from './sign-in-steps.js';
import { startExample, startExpressExample, type RunningApp } from './app.js';
import { chromiumSkip, chromiumPages } from './chromium.js';
import { SIMPLESAMLPHP_USERS, simpleSamlPhpSkip, startSimpleSamlPhp, type SimpleSamlPhp } from './idp.js';
import { tenantUrls } from '../../examples/express/app.js';

const OUTPUT = fileURLToPath(new URL('../../test-output/e2e/', import.meta.url));
const DOCS_IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SECRET = Buffer.alloc(32, 17);
const OPERATOR = { verifiedAt: new Date(), method: 'operator', by: 'e2e' } as const;
const { alice } = SIMPLESAMLPHP_USERS;

/** axe-core on the page as it is: no serious or critical violation. */
async function accessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(): Promise<{
            violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => String(n.target)),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: ${JSON.stringify(bad)}`);
}

/**
 * A screenshot of what the step is about: the element `part` selects, or the top `height` pixels
 * of the page (kept small: docs/images/ ships with the package).
 */
async function screenshot(page: Page, name: string, part: string | number): Promise<void> {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, name);
  if (typeof part === 'string') await page.locator(part).screenshot({ path });
  else await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width: 1100, height: part } });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS_IMAGES, { recursive: true });
    copyFileSync(path, join(DOCS_IMAGES, name));
  }
}

describe('the admin’s setup flow in a real browser', { skip: chromiumSkip, timeout: 180_000 }, () => {
  // bypassCSP: axe-core is injected as a script the pages' CSP does not list (test only).
  const newPage = chromiumPages({
    timeoutMs: 15_000,
    context: { viewport: { width: 1100, height: 900 }, bypassCSP: true },
  });

  /** Opens a fresh setup link for the tenant: the page lands on its SSO settings. */
  async function openSetupLink(page: Page, app: RunningApp, tenantId: string): Promise<string> {
    const { token } = createSetupLink(tenantId, { secret: SECRET });
    const link = `${app.baseUrl}/setup/${tenantId}?token=${encodeURIComponent(token)}`;
    await page.goto(link);
    // The link's page names the organisation; only its button uses the link up.
    assert.equal(await page.getByTestId('setup-link-tenant').textContent(), tenantId);
    await accessible(page, 'setup link page');
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'setup-link-open.png') });
    await page.getByTestId('open-setup').click();
    await page.waitForURL(`${app.baseUrl}/admin/${tenantId}`);
    assert.ok(await page.getByTestId('setup-link-visitor').isVisible());
    return link;
  }

  /** At the test IdP's sign-in page (served by the app): sign in as this user. */
  async function signInAtTestIdp(page: Page, email: string): Promise<void> {
    await page.waitForURL((url) => url.pathname === '/test-idp/sso');
    await page.getByTestId('idp-email').fill(email);
    await page.getByTestId('sign-in').click();
  }

  it('runs the test connection on NestJS too, where Passport guards the ACS', async () => {
    const app = await startExample('nestjs', {
      setupSecret: SECRET,
      testIdp: (baseUrl) => createTestIdp({ preset: 'generic', ssoUrl: `${baseUrl}/test-idp/sso` }),
    });
    const page = await newPage();
    try {
      await app.store.put(await newOrganisation(app.baseUrl, 'example', ['example.com']));
      await openSetupLink(page, app, 'example');
      assert.ok(app.testIdp);
      await page.getByTestId('idp-tab-generic').click();
      await page.getByTestId('input-tab-metadataXml').click();
      await page.getByTestId('metadata-xml').fill(app.testIdp.metadata());
      await page.getByTestId('save-draft').click();
      await page.getByTestId('test-connection').click();
      await signInAtTestIdp(page, 'alice@example.com');
      await page.waitForSelector('[data-testid="checklist"]');
      assert.match((await page.getByTestId('test-result').textContent()) ?? '', /Every check passed/);
      await page.getByTestId('promote-now').click();
      await page.waitForURL((url) => url.pathname === '/admin/example');
      assert.equal(await page.getByTestId('live-settings-entity-id').textContent(), app.testIdp.entityId);
    } finally {
      await page.context().close();
      await app.close();
    }
  });

  describe('with the demo’s test IdP', () => {
    let app: RunningApp;

    before(async () => {
      app = await startExpressExample({
        setupSecret: SECRET,
        testIdp: (baseUrl) => createTestIdp({ preset: 'generic', ssoUrl: `${baseUrl}/test-idp/sso` }),
      });
      await app.store.put(await newOrganisation(app.baseUrl, 'example', ['example.com']));
      // The operator vouches for the domain (no DNS here), so that the home page routes it.
      await app.store.setDomainVerification('example', 'example.com', OPERATOR);
    });
    after(async () => {
      await app.close();
    });

    it('sets up a new organisation from scratch through a setup link: draft, test, make live, SAML on', async () => {
      const page = await newPage();
      try {
        const link = await openSetupLink(page, app, 'example');
        assert.match((await page.getByTestId('live-settings').textContent()) ?? '', /No IdP yet/);
        await accessible(page, 'settings, empty');
        await screenshot(page, 'admin-setup-1-start.png', 'section[aria-labelledby="step-1"]');

        // The IdP product picks the wording; the XML tab takes the pasted metadata.
        await page.getByTestId('idp-tab-generic').click();
        await page.getByTestId('input-tab-metadataXml').click();
        // A URL pasted into the XML box says what to do instead.
        await page.getByTestId('metadata-xml').fill('https://idp.example.com/metadata');
        await page.getByTestId('save-draft').click();
        const problems = (await page.getByTestId('draft-problems').textContent()) ?? '';
        assert.match(problems, /This is a URL/);
        assert.match(problems, /Metadata URL/);
        assert.doesNotMatch(problems, /MALFORMED_XML|ACS/);
        await accessible(page, 'settings, a problem');

        assert.ok(app.testIdp);
        await page.getByTestId('metadata-xml').fill(app.testIdp.metadata());
        await page.getByTestId('save-draft').click();
        assert.match((await page.getByTestId('admin-notice').textContent()) ?? '', /Draft saved/);
        assert.match((await page.getByTestId('draft-test-status').textContent()) ?? '', /Not tested/);
        assert.ok(await page.getByTestId('promote').isDisabled());
        await accessible(page, 'settings, draft');
        await screenshot(page, 'admin-setup-2-draft.png', '[data-testid="draft"]');

        await page.getByTestId('test-connection').click();
        await signInAtTestIdp(page, 'alice@example.com');
        await page.waitForSelector('[data-testid="checklist"]');
        assert.match((await page.getByTestId('test-result').textContent()) ?? '', /Every check passed/);
        assert.equal(await page.locator('[data-testid^="check-"][data-status="fail"]').count(), 0);
        await accessible(page, 'test connection, passed');
        await screenshot(page, 'admin-setup-3-test-passed.png', 760);

        await page.getByTestId('promote-now').click();
        await page.waitForURL((url) => url.pathname === '/admin/example');
        assert.match((await page.getByTestId('admin-notice').textContent()) ?? '', /live/);
        assert.equal(await page.getByTestId('live-settings-entity-id').textContent(), app.testIdp.entityId);
        await page.getByTestId('enabled').selectOption('on');
        await page.getByTestId('save-enabled').click();
        assert.match((await page.getByTestId('saml-status').textContent()) ?? '', /on/);
        await accessible(page, 'settings, live');
        await screenshot(page, 'admin-setup-4-live.png', 'section[aria-labelledby="live-heading"]');

        // The SP metadata link shows the XML in the browser (not a download).
        const metadataLink = await page.getByTestId('sp-metadata-link').getAttribute('href');
        const shown = await page.goto(metadataLink ?? '');
        assert.match(shown?.headers()['content-type'] ?? '', /^text\/xml/);
        assert.match(await page.content(), /EntityDescriptor/);

        // The link worked once.
        await page.goto(link);
        await page.getByTestId('open-setup').click();
        assert.match((await page.locator('main, body').first().textContent()) ?? '', /already used/);
        await accessible(page, 'setup link used');
      } finally {
        await page.context().close();
      }
    });

    it('the organisation’s admin signs in with SSO; require SSO waits for a break-glass address', async () => {
      const page = await newPage();
      try {
        await page.goto(`${app.baseUrl}/`);
        await page.getByTestId('email').fill('alice@example.com');
        await page.getByTestId('email').press('Enter');
        await signInAtTestIdp(page, 'alice@example.com');
        await page.waitForURL(`${app.baseUrl}/me`);
        await page.goto(`${app.baseUrl}/admin/example`);
        assert.match((await page.getByTestId('guard-checklist').textContent()) ?? '', /✓ an admin signed in/);

        await page.getByTestId('require-sso').selectOption('on');
        await page.getByTestId('break-glass').fill('');
        await page.getByTestId('save-require-sso').click();
        assert.match(
          (await page.getByTestId('admin-error').textContent()) ?? '',
          /SETUP_LOCKOUT_GUARD.*break-glass/,
        );
        assert.match((await page.getByTestId('require-sso-status').textContent()) ?? '', /off/);
        await accessible(page, 'settings, lock-out guard');
        await screenshot(page, 'admin-setup-5-guard.png', 'section[aria-labelledby="toggles-heading"]');

        await page.getByTestId('require-sso').selectOption('on');
        await page.getByTestId('break-glass').fill('root@example.com');
        await page.getByTestId('save-require-sso').click();
        assert.match((await page.getByTestId('require-sso-status').textContent()) ?? '', /on/);

        // Turning SAML off says whom it affects first.
        await page.getByTestId('enabled').selectOption('off');
        await page.getByTestId('save-enabled').click();
        const impact = (await page.getByTestId('disable-impact').textContent()) ?? '';
        assert.match(impact, /example\.com/);
        assert.match(impact, /1 break-glass/);
        await accessible(page, 'settings, turning SAML off');
        assert.match(
          (await page.getByTestId('saml-status').textContent()) ?? '',
          /on/,
          'not before confirming',
        );
      } finally {
        await page.context().close();
      }
    });

    it('a failing test connection shows the failed check and its hint; the draft cannot go live', async () => {
      const page = await newPage();
      try {
        await openSetupLink(page, app, 'example');
        assert.ok(app.testIdp);
        const stranger = await generateSpKeyPair({ commonName: 'not the IdP' });
        await page.getByTestId('input-tab-manual').click();
        await page.getByTestId('manual-entity-id').fill(app.testIdp.entityId);
        await page.getByTestId('manual-sso-url').fill(app.testIdp.ssoUrl);
        await page.getByTestId('manual-certificates').fill(stranger.certificate.replace(/\n/g, '\r\n'));
        await page.getByTestId('save-draft').click();
        await page.getByTestId('test-connection').click();
        await signInAtTestIdp(page, 'alice@example.com');
        await page.waitForSelector('[data-testid="checklist"]');
        assert.match((await page.getByTestId('test-result').textContent()) ?? '', /KEY_UNTRUSTED/);
        assert.equal(await page.locator('[data-testid^="check-"][data-status="fail"]').count(), 1);
        await accessible(page, 'test connection, failed');
        await screenshot(page, 'admin-setup-6-test-failed.png', 1250);
        await page.getByTestId('back-to-settings').click();
        assert.match((await page.getByTestId('draft-test-status').textContent()) ?? '', /Test failed/);
        assert.ok(await page.getByTestId('promote').isDisabled());
        await page.getByTestId('discard-draft').click();
        assert.match((await page.getByTestId('draft').textContent()) ?? '', /No draft/);
      } finally {
        await page.context().close();
      }
    });
  });

  describe('with SimpleSAMLphp', { skip: simpleSamlPhpSkip() }, () => {
    let app: RunningApp;
    let idp: SimpleSamlPhp;

    before(async () => {
      app = await startExpressExample({
        setupSecret: SECRET,
        testIdp: (baseUrl) => createTestIdp({ preset: 'generic', ssoUrl: `${baseUrl}/test-idp/sso` }),
        // SimpleSAMLphp runs on loopback over http: allowed here only, never in production.
        fetchMetadata: async (url) => {
          const fetched = await fetchIdpMetadata(url, { allowHttp: true, allowPrivateAddresses: true });
          assert.equal(fetched.status, 'updated');
          return fetched.metadata;
        },
      });
      idp = await startSimpleSamlPhp();
      const { entityId, acsUrl } = tenantUrls(app.baseUrl, 'acme');
      idp.registerSps([{ entityId, acsUrl }]);
      await app.store.put(await newOrganisation(app.baseUrl, 'acme', ['example.com']));
    });
    after(async () => {
      await idp.stop();
      await app.close();
    });

    it('sets up from scratch by metadata URL, replaces the IdP with a tested draft, and restores it', async () => {
      const page = await newPage();
      try {
        await openSetupLink(page, app, 'acme');
        await page.getByTestId('input-tab-metadataUrl').click();
        await page.getByTestId('metadata-url').fill(idp.metadataUrl);
        await page.getByTestId('save-draft').click();
        assert.match((await page.getByTestId('admin-notice').textContent()) ?? '', /Draft saved/);
        await page.getByTestId('test-connection').click();
        await signInAtSimpleSamlPhp(page, idp.baseUrl, alice);
        await page.waitForSelector('[data-testid="checklist"]');
        assert.match((await page.getByTestId('test-result').textContent()) ?? '', /Every check passed/);
        await page.getByTestId('promote-now').click();
        await page.waitForURL((url) => url.pathname === '/admin/acme');
        assert.equal(await page.getByTestId('live-settings-entity-id').textContent(), idp.entityId);

        // Another IdP, tested and made live...
        assert.ok(app.testIdp);
        await page.getByTestId('input-tab-metadataXml').click();
        await page.getByTestId('metadata-xml').fill(app.testIdp.metadata());
        await page.getByTestId('save-draft').click();
        assert.match((await page.getByTestId('promote-impact').textContent()) ?? '', /another entity ID/);
        await page.getByTestId('test-connection').click();
        await signInAtTestIdp(page, 'alice@example.com');
        await page.waitForSelector('[data-testid="checklist"]');
        await page.getByTestId('promote-now').click();
        await page.waitForURL((url) => url.pathname === '/admin/acme');
        assert.equal(await page.getByTestId('live-settings-entity-id').textContent(), app.testIdp.entityId);
        await accessible(page, 'settings, replaced');
        await screenshot(page, 'admin-setup-7-restore.png', 'section[aria-labelledby="live-heading"]');

        // ...and SimpleSAMLphp back with one press.
        await page.getByTestId('restore').click();
        assert.match(
          (await page.getByTestId('admin-notice').textContent()) ?? '',
          /previous IdP settings are live again/,
        );
        assert.equal(await page.getByTestId('live-settings-entity-id').textContent(), idp.entityId);
        assert.equal((await app.store.get('acme'))?.idp.entityId, idp.entityId);
      } finally {
        await page.context().close();
      }
    });
  });
});
