// The account page's actions in Chromium: "Sign out everywhere else" keeps this device, a password
// mismatch stays on the page with the message beside the field, and after a password change the
// page shows this device rather than "No active sessions".

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { BrowserSession } from '../support/browser-session.js';
import { describeBrowser, launchChromium, loginForm } from '../support/chromium.js';
import { authorize, REDIRECT_URI, relyingParty, startAuthorization } from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';

const TIMEOUT = 90_000;
const EMAIL = 'margaret@example.com';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a completely different passphrase';

describeBrowser('account page actions in Chromium', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let accountId: string;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite' });
    accountId = (await server.signet.accounts.create({ email: EMAIL, password: PASSWORD })).id;
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  }, TIMEOUT);

  const sessionsSection = (page: Page) =>
    page.locator('section', { has: page.getByRole('heading', { name: /Where you are signed in/ }) });

  const openAccount = async (page: Page) => {
    if (!server) throw new Error('setup failed');
    await page.goto(`${server.issuer}/account`);
    if (new URL(page.url()).pathname.startsWith('/interaction/')) {
      const form = await loginForm(page);
      await form.email.fill(EMAIL);
      await form.password.fill(PASSWORD);
      await form.submit.click();
    }
    await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });
  };

  test(
    '"Sign out everywhere else" ends the other sessions and keeps this one',
    async () => {
      if (!browser || !server) throw new Error('setup failed');
      // Another device: an app's sign-in over HTTP.
      const client = await server.signet.clients.create({ name: 'Elsewhere', redirectUris: [REDIRECT_URI] });
      const rp = await relyingParty(server.issuer, client.client_id, client.client_secret ?? '');
      const other = new BrowserSession(server.issuer);
      await authorize(other, await startAuthorization(rp), EMAIL, PASSWORD);

      const context = await browser.newContext();
      const page = await context.newPage();
      await openAccount(page);
      expect(await sessionsSection(page).locator('li.row').count()).toBe(2);
      await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
      await page.waitForURL(`${server.issuer}/account?done=others`);
      expect(await page.getByRole('status').innerText()).toContain('Every other session was ended');
      const rows = sessionsSection(page).locator('li.row');
      expect(await rows.count()).toBe(1);
      expect(await rows.first().locator('.badge').innerText()).toBe('this device');
      expect(await server.signet.store.oidc.findByAccount('Session', accountId)).toHaveLength(1);
      // The other device is signed out: it gets the login page again.
      const again = await other.follow((await startAuthorization(rp)).url);
      expect(again.body).toContain('type="password"');
      expect(await page.getByRole('button', { name: 'Sign out everywhere else' }).count()).toBe(0);
      await context.close();
    },
    TIMEOUT,
  );

  test(
    'a password mismatch keeps the page, the message beside the field; the change then shows this device, not "No active sessions"',
    async () => {
      if (!browser || !server) throw new Error('setup failed');
      const context = await browser.newContext();
      const page = await context.newPage();
      await openAccount(page);
      const form = page.locator('form[action="/account/password"]');
      await form.locator('input[name="current_password"]').fill(PASSWORD);
      await form.locator('input[name="new_password"]').fill(NEW_PASSWORD);
      await form.locator('input[name="confirm_password"]').fill(`${NEW_PASSWORD} typo`);
      await form.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });
      const confirm = page.locator('#confirm_password');
      expect(await confirm.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator(`#${await confirm.getAttribute('aria-describedby')}`).innerText()).toBe(
        'The new passwords do not match. Nothing was changed.',
      );
      expect(await server.signet.accounts.authenticate(EMAIL, PASSWORD)).toBeDefined();

      await form.locator('input[name="current_password"]').fill(PASSWORD);
      await form.locator('input[name="new_password"]').fill(NEW_PASSWORD);
      await form.locator('input[name="confirm_password"]').fill(NEW_PASSWORD);
      await form.getByRole('button', { name: 'Change password' }).click();
      // Every session ended, this page's too: sign in again with the new password, then the flash.
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      const login = await loginForm(page);
      await login.email.fill(EMAIL);
      await login.password.fill(NEW_PASSWORD);
      await login.submit.click();
      await page.waitForURL(`${server.issuer}/account?done=password`);
      expect(await page.getByRole('status').innerText()).toContain('you signed in again with the new password');
      const text = await sessionsSection(page).innerText();
      expect(text).not.toContain('No active sessions');
      expect(text).toContain('this device');
      await context.close();
    },
    TIMEOUT,
  );
});
