// The second-factor pages in real Chromium: adding an authenticator app on /account (QR code and key),
// the recovery codes shown once, the code page at sign-in, and the page a client that requires a second
// factor shows to an account without one. Each is checked by axe-core at a desktop and a phone width,
// in light and dark mode, and walked as a person does it (codes computed from the key the page shows).

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { seriousViolations } from '../support/axe.js';
import { describeBrowser, launchChromium } from '../support/chromium.js';
import {
  authorizationUrl,
  registerTourClient,
  serveLogo,
  startCallbackServer,
  TOUR_VARIANTS,
  type TourClient,
} from '../support/page-tour.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';

const TIMEOUT = 180_000;
const PASSWORD = 'a lamp in the north window';

async function signIn(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForLoadState('load');
}

describeBrowser('second-factor pages in Chromium', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let client: TourClient;
  let strict: TourClient;
  let callback: Awaited<ReturnType<typeof startCallbackServer>> | undefined;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite', env: { REGISTRATION: 'open' } });
    await server.signet.accounts.create({ email: 'grace@example.test', password: PASSWORD, name: 'Grace' });
    await server.signet.accounts.create({ email: 'plain@example.test', password: PASSWORD });
    callback = await startCallbackServer();
    client = await registerTourClient(server.issuer, callback.redirectUri);
    const vault = await server.signet.clients.create({
      name: 'Vault',
      redirectUris: [callback.redirectUri],
      requireMfa: true,
    });
    strict = { ...client, clientId: vault.client_id };
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
    await callback?.close();
  }, TIMEOUT);

  test(
    'add an app on /account, its recovery codes, its code at sign-in, and a strict client refusing an account without one',
    async () => {
      if (!browser || !server) throw new Error('setup failed');
      const context = await browser.newContext();
      await serveLogo(context, client);
      const page = await context.newPage();
      const findings: Record<string, string[]> = {};
      const check = (name: string, on: Page = page) => seriousViolations(on, name, TOUR_VARIANTS, findings);

      await page.goto(`${server.issuer}/account`);
      await signIn(page, 'grace@example.test');
      await page.locator('#two-step-add-form').getByLabel(/name/i).fill('Phone');
      await page.locator('#two-step-add-form input[type=password]').fill(PASSWORD);
      await page.locator('#two-step-add-form button[type=submit]').click();
      await page.waitForLoadState('load');
      expect(await page.locator('svg').count()).toBeGreaterThan(0);
      const secret = (await page.locator('#totp-secret').textContent()) ?? '';
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      await check('account-two-step-add');
      await page
        .locator('#two-step-confirm-form input[name=code]')
        .fill(TOTP.generate({ secret: Secret.fromBase32(secret) }));
      await page.locator('#two-step-confirm-form button[type=submit]').click();
      await page.waitForLoadState('load');
      expect(await page.locator('li code').count()).toBe(10);
      await check('account-two-step-codes');

      // A new browser: the relying party's sign-in now asks for the code after the password.
      const fresh = await browser.newContext();
      await serveLogo(fresh, client);
      const signInPage = await fresh.newPage();
      await signInPage.goto(authorizationUrl(server.issuer, client));
      await signIn(signInPage, 'grace@example.test');
      expect(new URL(signInPage.url()).pathname).toMatch(/\/interaction\/[\w-]+\/two-step$/);
      await check('sign-in-two-step', signInPage);

      // The strict client and an account without a second factor: told what to do, not signed in.
      const other = await browser.newContext();
      await serveLogo(other, strict);
      const strictPage = await other.newPage();
      await strictPage.goto(authorizationUrl(server.issuer, strict));
      await signIn(strictPage, 'plain@example.test');
      expect(await strictPage.locator('a[href="/account"]').count()).toBe(1);
      expect(await strictPage.locator('h1').textContent()).toBe('Two-step verification needed');
      await check('two-step-required', strictPage);

      await Promise.all([context.close(), fresh.close(), other.close()]);
      expect(findings).toEqual({});
    },
    TIMEOUT,
  );
});
