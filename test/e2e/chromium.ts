/**
 * Debian's Chromium for the browser tests (playwright-core drives it headless): one launch, one skip
 * rule. Without /usr/bin/chromium a browser suite is skipped with a line saying how to install it,
 * except under CI=true, where launching fails.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
