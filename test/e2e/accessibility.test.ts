// Accessibility of every page, checked by axe-core (injected into the real pages by playwright-core)
// at a desktop and a phone width, in light and dark mode: no serious or critical violation anywhere.
// And the two forms a person must get through, login and consent, done with the keyboard alone.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { seriousViolations } from '../support/axe.js';
import { describeBrowser, launchChromium } from '../support/chromium.js';
import {
  authorizationUrl,
  registerTourClient,
  serveLogo,
  startCallbackServer,
  TOUR_VARIANTS,
  tourPages,
  type TourClient,
} from '../support/page-tour.js';
import { watchPage } from '../support/page-watch.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';

const TIMEOUT = 240_000;
const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';
const KEYBOARD_EMAIL = 'keys@example.com';

describeBrowser('accessibility of every page in Chromium', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let client: TourClient;
  let callback: Awaited<ReturnType<typeof startCallbackServer>> | undefined;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite', env: { REGISTRATION: 'open' } });
    await server.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Ada Lovelace' });
    await server.signet.accounts.create({ email: KEYBOARD_EMAIL, password: PASSWORD });
    callback = await startCallbackServer();
    client = await registerTourClient(server.issuer, callback.redirectUri);
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
    await callback?.close();
  }, TIMEOUT);

  test(
    'axe finds no serious or critical violation on any page, at 1280 and 390 px, light and dark',
    async () => {
      if (!browser || !server) throw new Error('setup failed');
      const context = await browser.newContext();
      await serveLogo(context, client);
      const page = await context.newPage();
      const w = watchPage(page, server.issuer);
      const found: Record<string, string[]> = {};
      const visited: string[] = [];
      await tourPages(
        page,
        { issuer: server.issuer, client, email: EMAIL, password: PASSWORD, demo: true },
        async (name) => {
          visited.push(name);
          await seriousViolations(page, name, TOUR_VARIANTS, found);
        },
      );
      await context.close();
      expect(visited).toEqual([
        'home',
        'button',
        'not-found',
        'error-unknown-client',
        'error-expired-sign-in',
        'login',
        'consent',
        'account',
        'account-revoke',
        'account-delete',
        'demo',
        'demo-signed-in',
        'logout',
        'signed-out',
      ]);
      expect(found).toEqual({});
      // The pages' own script and the client's logo load under the CSP: nothing was refused.
      expect(w.problems.filter((p) => !/status of (400|404)/.test(p))).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'login and consent can be completed with the keyboard alone',
    async () => {
      if (!browser || !server) throw new Error('setup failed');
      const context = await browser.newContext();
      await serveLogo(context, client);
      const page = await context.newPage();
      const w = watchPage(page, server.issuer);
      await page.goto(authorizationUrl(server.issuer, client));

      /** Presses Tab until the focused element matches `selector`; fails after `limit` presses. */
      const tabTo = async (selector: string, limit = 15) => {
        for (let i = 0; i < limit; i++) {
          if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
          await page.keyboard.press('Tab');
        }
        throw new Error(`Tab never reached ${selector}`);
      };

      await tabTo('input[name="email"]');
      await page.keyboard.type(KEYBOARD_EMAIL);
      await tabTo('input[name="password"]');
      await page.keyboard.type(PASSWORD);
      // The "Show password" toggle is reachable and works from the keyboard too.
      await tabTo('button[data-show-password]');
      await page.keyboard.press('Enter');
      expect(await page.getAttribute('#password', 'type')).toBe('text');
      await page.keyboard.press('Enter');
      expect(await page.getAttribute('#password', 'type')).toBe('password');
      await tabTo('button[type="submit"].primary');
      await page.keyboard.press('Enter');

      await page.getByRole('button', { name: 'Allow' }).waitFor({ state: 'visible' });
      // Nothing is focused for the person: Allow is not pre-selected.
      expect(await page.evaluate('document.activeElement === document.body')).toBe(true);
      await tabTo('button.primary');
      expect(await page.evaluate('document.activeElement.textContent.trim()')).toBe('Allow');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.href.startsWith(client.redirectUri));
      expect(new URL(page.url()).searchParams.get('code')).toEqual(expect.any(String));
      expect(w.problems).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );
});
