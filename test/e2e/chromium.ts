/**
 * Debian's Chromium for the browser tests (playwright-core drives it headless): one launch, one skip
 * rule. Without /usr/bin/chromium a browser suite is skipped with a line saying how to install it,
 * except under CI=true, where launching fails.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'bash .ci/install-system-deps.sh (as root)';

/** `false`, or why a browser suite is skipped. */
export const chromiumSkip: false | string =
  existsSync(CHROMIUM) || process.env.CI === 'true' ? false : `chromium not installed: ${INSTALL}`;

/** Starts headless Chromium with no sandbox, GPU, sync or background traffic. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `chromium is required when CI=true: ${INSTALL}`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Starts Chromium before the tests of the enclosing `describe` and closes it after them. Returns a
 * maker of fresh pages, each in a new context (a profile without cookies), with `timeoutMs` per step.
 */
export function chromiumPages(
  options: { readonly timeoutMs?: number; readonly context?: BrowserContextOptions } = {},
): () => Promise<Page> {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return async () => {
    assert.ok(browser, 'chromium did not start');
    const page = await (await browser.newContext(options.context)).newPage();
    page.setDefaultTimeout(options.timeoutMs ?? 10_000);
    return page;
  };
}
