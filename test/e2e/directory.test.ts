/**
 * Directory sync in the example app, with a real browser: the IdP provisions over SCIM (HTTP, the
 * demo's token), alice (an admin) signs in through the test IdP and sees the directory page with
 * the users, their state, groups and roles (screenshot in test-output/e2e/directory.png); bob, whom
 * the directory deactivated, is refused at login. Skipped without /usr/bin/chromium, except under
 * CI=true.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkip, launchChromium } from './chromium.js';
import { DEMO_TENANT, startDemo, type RunningDemo } from '../../examples/shared/demo-server.js';

const OUTPUT = fileURLToPath(new URL('../../test-output/e2e/', import.meta.url));
const skip = chromiumSkip;

describe('the example directory page', { skip }, () => {
  let browser: Browser | undefined;
  let demo: RunningDemo | undefined;

  async function scim(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    assert.ok(demo !== undefined);
    const response = await fetch(`${demo.baseUrl}/scim/v2/${DEMO_TENANT}${path}`, {
      method,
      headers: { authorization: `Bearer ${demo.scimToken}`, 'content-type': 'application/scim+json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${text}`);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }

  async function signIn(page: Page, email: string): Promise<void> {
    assert.ok(demo !== undefined);
    await page.goto(`${demo.baseUrl}/`);
    await page.getByTestId('email').fill(email);
    await page.getByTestId('email').press('Enter');
    await page.waitForURL((url) => url.pathname === '/test-idp/sso');
    await page.getByTestId('idp-email').fill(email);
    await page.getByTestId('sign-in').click();
  }

  before(async () => {
    browser = await launchChromium();
    demo = await startDemo();
    const alice = await scim('POST', '/Users', {
      userName: 'alice@example.com',
      externalId: 'oid-alice',
      active: true,
    });
    const bob = await scim('POST', '/Users', {
      userName: 'bob@example.com',
      externalId: 'oid-bob',
      active: true,
    });
    await scim('POST', '/Groups', { displayName: 'admins', members: [{ value: alice.id }] });
    await scim('PATCH', `/Users/${String(bob.id)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('an admin sees the provisioned users, their state, groups and roles', async () => {
    assert.ok(browser !== undefined && demo !== undefined);
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await signIn(page, 'alice@example.com');
      await page.waitForURL(`${demo.baseUrl}/me`);
      await page.goto(`${demo.baseUrl}/admin/${DEMO_TENANT}/directory`);
      const rows = await page.getByTestId('directory-users').locator('tr').allTextContents();
      const text = rows.map((row) => row.replace(/\s+/g, ' ').trim());
      assert.ok(
        text.some((row) => row.startsWith('alice@example.com active admins admin')),
        text.join(' | '),
      );
      assert.ok(
        text.some((row) => row.startsWith('bob@example.com deactivated')),
        text.join(' | '),
      );
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: join(OUTPUT, 'directory.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('refuses the SSO login of the user the directory deactivated', async () => {
    assert.ok(browser !== undefined && demo !== undefined);
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await signIn(page, 'bob@example.com');
      await page.waitForURL((url) => url.pathname.endsWith('/acs'));
      assert.match(await page.content(), /USER_DEACTIVATED|deactivated/i);
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: join(OUTPUT, 'directory-login-refused.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
