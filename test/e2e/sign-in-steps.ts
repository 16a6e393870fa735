/**
 * What the browser suites do on the example app's pages, as a user would: type the email on the
 * home page, and check who /me shows (with a screenshot of it in test-output/e2e/).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { parseIdpMetadata } from 'samlkit';
import { tenantUrls } from '../../examples/shared/options.js';
import type { RunningApp } from './app.js';

/** Where the browser suites write their screenshots (not committed). */
export const OUTPUT = fileURLToPath(new URL('../../test-output/e2e/', import.meta.url));

/** The role mapping of the tenants the browser suites sign in to. */
export const E2E_ROLES = { rules: [{ group: 'admins', role: 'admin' }], defaultRole: 'member' };

/** A domain verification by the operator (no DNS in these suites). */
export const OPERATOR = { verifiedAt: new Date(), method: 'operator', by: 'e2e' } as const;

/** On the app's home page: types the email and submits, as a user does. */
export async function enterEmail(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('email').fill(email);
  await page.getByTestId('email').press('Enter');
}

/** Waits for SimpleSAMLphp's password page (the IdP at `idpBaseUrl` asks who is signing in). */
export async function waitForSimpleSamlPhpLogin(page: Page, idpBaseUrl: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${idpBaseUrl}module.php/core/loginuserpass.php`));
}

/** On SimpleSAMLphp's password page: signs in as `user`, as a person does. */
export async function signInAtSimpleSamlPhp(
  page: Page,
  idpBaseUrl: string,
  user: { readonly username: string; readonly password: string },
): Promise<void> {
  await waitForSimpleSamlPhpLogin(page, idpBaseUrl);
  await page.locator('input[name="username"]').fill(user.username);
  await page.locator('input[name="password"]').fill(user.password);
  await page.locator('input[name="password"]').press('Enter');
}

/** Waits for /me and checks that it shows Alice (an admin); saves a screenshot of it. */
export async function assertSignedIn(page: Page, baseUrl: string, screenshot: string): Promise<void> {
  await page.waitForURL(`${baseUrl}/me`);
  assert.equal(await page.getByTestId('signed-in-name').textContent(), 'Alice Liddell');
  assert.equal(await page.getByTestId('signed-in-email').textContent(), 'alice@example.com');
  assert.equal(await page.getByTestId('signed-in-roles').textContent(), 'admin');
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, screenshot), fullPage: true });
}

/**
 * Adds the tenant `example` to the app: its IdP is the app's own test IdP, its users are of
 * example.com (verified by the operator), and admins get the admin role.
 */
export async function addTestIdpTenant(app: RunningApp): Promise<void> {
  assert.ok(app.testIdp, 'the app serves no test IdP');
  const { entityId, acsUrl } = tenantUrls(app.baseUrl, 'example');
  await app.store.put({
    id: 'example',
    emailDomains: ['example.com'],
    sp: { entityId, acsUrl },
    idp: parseIdpMetadata(app.testIdp.metadata()).idp,
    roles: E2E_ROLES,
  });
  await app.store.setDomainVerification('example', 'example.com', OPERATOR);
}
