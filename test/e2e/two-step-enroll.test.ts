// Adding an authenticator app inside the sign-in, in real Chromium: a client that requires a second
// factor, and an account without one. The offer, the QR code page (also with a wrong code), the recovery
// codes and, for a session stepping up, the offer that asks for the password first (also after a wrong
// one) are each checked by axe-core at a desktop and a phone width, in light and dark mode; the walk
// ends back at the relying party.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { seriousViolations } from '../support/axe.js';
import { describeBrowser, launchChromium } from '../support/chromium.js';
import { authorizationUrl, startCallbackServer, TOUR_VARIANTS, type TourClient } from '../support/page-tour.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';

const TIMEOUT = 180_000;
const PASSWORD = 'a harbour light at low tide';

async function click(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('button', { name, exact: typeof name === 'string' }).click();
  await page.waitForLoadState('load');
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await click(page, 'Sign in');
}

describeBrowser('adding a second factor inside the sign-in, in Chromium', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let strict: TourClient;
  let callback: Awaited<ReturnType<typeof startCallbackServer>> | undefined;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite' });
    await server.signet.accounts.create({ email: 'ada@example.test', password: PASSWORD, name: 'Ada' });
    await server.signet.accounts.create({ email: 'ben@example.test', password: PASSWORD });
    callback = await startCallbackServer();
    const { redirectUri } = callback;
    const vault = await server.signet.clients.create({ name: 'Vault', redirectUris: [redirectUri], requireMfa: true });
    strict = { clientId: vault.client_id, redirectUri, logoUri: '' };
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
    await callback?.close();
  }, TIMEOUT);

  test(
    'the offer, the QR code, a wrong code, the recovery codes, back at the app; a step-up asks the password first',
    async () => {
      if (!browser || !server) throw new Error('setup failed');
      const findings: Record<string, string[]> = {};
      const check = (name: string, on: Page) => seriousViolations(on, name, TOUR_VARIANTS, findings);

      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(authorizationUrl(server.issuer, strict));
      await signIn(page, 'ada@example.test');
      expect(new URL(page.url()).pathname).toMatch(/\/interaction\/[\w-]+\/enroll$/);
      expect(await page.locator('input[type=password]').count()).toBe(0);
      await check('enroll-offer', page);
      await click(page, 'Add an authenticator app');
      expect(await page.locator('.qr svg').count()).toBe(1);
      const secret = (await page.locator('#totp-secret').textContent()) ?? '';
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      await check('enroll-app', page);
      await page.getByLabel('Code from the app').fill('000000');
      await click(page, 'Turn on and continue');
      expect(await page.getByRole('alert').textContent()).toContain('That code is not right');
      await check('enroll-app-wrong', page);
      await page.getByLabel('Code from the app').fill(TOTP.generate({ secret: Secret.fromBase32(secret) }));
      await click(page, 'Turn on and continue');
      expect(await page.locator('#recovery-codes li').count()).toBe(10);
      await check('enroll-codes', page);
      await page.getByRole('link', { name: /continue to Vault/ }).click();
      await page.waitForLoadState('load');
      const allow = page.getByRole('button', { name: 'Allow' });
      if (await allow.count()) await click(page, 'Allow');
      expect(await page.locator('h1').textContent()).toBe('Back at Acme Notes');

      // A session signed in with the password alone, on /account, then at the strict client.
      const other = await browser.newContext();
      const stepUp = await other.newPage();
      await stepUp.goto(`${server.issuer}/account`);
      await signIn(stepUp, 'ben@example.test');
      await stepUp.goto(authorizationUrl(server.issuer, strict));
      await stepUp.waitForLoadState('load');
      expect(new URL(stepUp.url()).pathname).toMatch(/\/enroll$/);
      await check('enroll-offer-password', stepUp);
      await stepUp.getByLabel('Your password').fill('not the password');
      await click(stepUp, 'Add an authenticator app');
      expect(await stepUp.getByRole('alert').textContent()).toContain('That password is not right');
      await check('enroll-offer-password-wrong', stepUp);
      await stepUp.getByLabel('Your password').fill(PASSWORD);
      await click(stepUp, 'Add an authenticator app');
      expect(await stepUp.locator('#totp-secret').count()).toBe(1);

      await Promise.all([context.close(), other.close()]);
      expect(findings).toEqual({});
    },
    TIMEOUT,
  );
});
