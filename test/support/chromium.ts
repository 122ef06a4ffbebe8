// Debian's Chromium for the browser suites, launched the way this machine needs (no sandbox as root,
// no background networking: its connections are refused here). A machine without it skips the suites
// loudly; CI must have it (.ci/run installs it), so there a missing browser fails them.

import { expect } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from './chromium-launch.js';
import { describeIf } from './describe-if.js';

export { CHROMIUM, CHROMIUM_ARGS, chromiumMissing };

const missing = chromiumMissing();
const haveChromium = missing === undefined;

export function describeBrowser(name: string, fn: () => void): void {
  describeIf(haveChromium, name, missing ?? '', fn);
}

/** Launches Chromium, or fails with the one clear message of what to install. */
export async function launchChromium(): Promise<Browser> {
  if (!haveChromium)
    throw new Error(
      `Chromium is required for the browser suites and was not found at ${CHROMIUM} (apt-get install chromium)`,
    );
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Signet's login form (CONTRACT.md): exactly one password field, its email field and one submit button. */
export async function loginForm(page: Page) {
  const form = page.locator('form', { has: page.locator('input[type="password"]') });
  expect(await form.count()).toBe(1);
  const email = form.locator('input[type="email"], input[name="email"]');
  const password = form.locator('input[type="password"]');
  const submit = form.locator('button[type="submit"], button:not([type]), input[type="submit"]');
  expect(await email.count()).toBe(1);
  expect(await password.count()).toBe(1);
  expect(await submit.count()).toBe(1);
  return { email, password, submit };
}
