// What a person sees and can do on Signet's pages, in Chromium: readable controls in both colour
// schemes, a home page that leads somewhere, login and consent that show the app (name, logo, terms),
// show the password, cancel back to the app, switch account without losing the app's request;
// errors in plain words; a styled 404 for browsers and JSON for programs; a signed-out page with the
// way back; times in the reader's own zone.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { describeBrowser, launchChromium, loginForm } from '../support/chromium.js';
import {
  authorizationUrl,
  registerTourClient,
  serveLogo,
  startCallbackServer,
  TOUR_CLIENT_METADATA,
  type TourClient,
} from '../support/page-tour.js';
import { expectStrictCsp, watchPage } from '../support/page-watch.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';

const TIMEOUT = 90_000;
const PASSWORD = 'correct horse battery staple';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

/** WCAG relative luminance contrast of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const [r = 0, g = 0, bl = 0] = (css.match(/[\d.]+/g) ?? [])
      .map(Number)
      .map((v) => v / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describeBrowser('Signet pages in Chromium', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let client: TourClient;
  let callback: Awaited<ReturnType<typeof startCallbackServer>> | undefined;
  let issuer: string;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite', env: { REGISTRATION: 'open' } });
    issuer = server.issuer;
    await server.signet.accounts.create({ email: ALICE, password: PASSWORD });
    await server.signet.accounts.create({ email: BOB, password: PASSWORD });
    callback = await startCallbackServer();
    client = await registerTourClient(issuer, callback.redirectUri);
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
    await callback?.close();
  }, TIMEOUT);

  const newPage = async (options: { timezoneId?: string } = {}) => {
    if (!browser) throw new Error('setup failed');
    const context = await browser.newContext(options);
    await serveLogo(context, client);
    const page = await context.newPage();
    return { context, page, w: watchPage(page, issuer) };
  };

  const signIn = async (page: Page, email: string) => {
    const form = await loginForm(page);
    await form.email.fill(email);
    await form.password.fill(PASSWORD);
    await form.submit.click();
  };

  test(
    'controls: borders at 3:1 or more against the card and the page font, in light and dark',
    async () => {
      const { context, page } = await newPage();
      await page.goto(authorizationUrl(issuer, client));
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        const seen = await page.evaluate<{ border: string; card: string; font: string; body: string }>(`(() => {
        const input = document.querySelector('#email');
        const card = document.querySelector('main');
        const s = getComputedStyle(input);
        return { border: s.borderTopColor, card: getComputedStyle(card).backgroundColor, font: s.fontFamily, body: getComputedStyle(document.body).fontFamily };
      })()`);
        expect({ scheme, borderContrast: contrast(seen.border, seen.card) >= 3, font: seen.font }).toEqual({
          scheme,
          borderContrast: true,
          font: seen.body,
        });
      }
      await context.close();
    },
    TIMEOUT,
  );

  test(
    'home: titled "Signet" once, and links to the account page, the demo and the developer kit',
    async () => {
      const { context, page } = await newPage();
      await page.goto(`${issuer}/`);
      expect(await page.title()).toBe('Signet');
      const hrefs = await page
        .locator('main a')
        .evaluateAll((links) =>
          links.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')),
        );
      expect(hrefs).toEqual(
        expect.arrayContaining(['/account', '/demo', '/button', `${issuer}/.well-known/openid-configuration`]),
      );
      await context.close();
    },
    TIMEOUT,
  );

  test(
    "login shows the app's name, logo (loaded), privacy policy and terms; the password can be shown; Cancel returns access_denied to the app",
    async () => {
      const { context, page, w } = await newPage();
      const request = authorizationUrl(issuer, client, { state: 'cancel-state' });
      const response = await page.goto(request);
      expectStrictCsp(response?.headers()['content-security-policy']);
      expect(await page.locator('main').innerText()).toContain(TOUR_CLIENT_METADATA.client_name);
      const logo = page.locator(`img[src="${TOUR_CLIENT_METADATA.logo_uri}"]`);
      await logo.waitFor({ state: 'visible' });
      expect(await logo.getAttribute('alt')).toContain(TOUR_CLIENT_METADATA.client_name);
      expect(
        await logo.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
      ).toBe(96);
      for (const [href, name] of [
        [TOUR_CLIENT_METADATA.policy_uri, /privacy policy/],
        [TOUR_CLIENT_METADATA.tos_uri, /terms of service/],
      ] as const) {
        const link = page.getByRole('link', { name });
        expect(await link.getAttribute('href')).toBe(href);
        expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
      }

      const toggle = page.getByRole('button', { name: 'Show password' });
      await page.locator('#password').fill('secret words');
      await toggle.click();
      expect(await page.locator('#password').getAttribute('type')).toBe('text');
      expect(await page.getByRole('button', { name: 'Hide password' }).getAttribute('aria-pressed')).toBe('true');
      await page.getByRole('button', { name: 'Hide password' }).click();
      expect(await page.locator('#password').getAttribute('type')).toBe('password');

      await page.getByRole('button', { name: `Cancel and return to ${TOUR_CLIENT_METADATA.client_name}` }).click();
      await page.waitForURL((url) => url.href.startsWith(client.redirectUri));
      const back = new URL(page.url());
      expect({
        error: back.searchParams.get('error'),
        state: back.searchParams.get('state'),
        code: back.searchParams.get('code'),
      }).toEqual({
        error: 'access_denied',
        state: 'cancel-state',
        code: null,
      });
      expect(w.problems).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );

  test(
    'consent shows the logo and terms, and "Not you?" signs in as another account within the same request',
    async () => {
      const { context, page, w } = await newPage();
      await page.goto(authorizationUrl(issuer, client, { state: 'switch-state' }));
      await signIn(page, ALICE);
      await page.getByRole('button', { name: 'Allow' }).waitFor({ state: 'visible' });
      expect(await page.locator('main').innerText()).toContain(`Signed in as ${ALICE}`);
      expect(
        await page
          .locator(`img[src="${TOUR_CLIENT_METADATA.logo_uri}"]`)
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBe(96);
      expect(await page.getByRole('link', { name: /terms of service/ }).getAttribute('rel')).toBe(
        'noopener noreferrer',
      );
      // Nothing is pre-selected: Allow is not focused.
      expect(await page.evaluate('document.activeElement === document.body')).toBe(true);

      await page.getByRole('link', { name: 'Use another account' }).click();
      await signIn(page, BOB);
      // Signet signs Alice out first (its own confirmation step submits itself), then asks Bob.
      await page.getByRole('button', { name: 'Allow' }).waitFor({ state: 'visible' });
      expect(await page.locator('main').innerText()).toContain(`Signed in as ${BOB}`);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(client.redirectUri));
      const back = new URL(page.url());
      expect(back.searchParams.get('state')).toBe('switch-state');
      expect(back.searchParams.get('code')).toEqual(expect.any(String));

      // Bob is the one signed in now.
      await page.goto(`${issuer}/account`);
      await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });
      expect(await page.locator('main').innerText()).toContain(BOB);
      expect(w.problems).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );

  test(
    'errors in plain words, the code small underneath; a styled 404 for browsers, JSON for programs',
    async () => {
      const { context, page } = await newPage();
      await page.goto(
        `${issuer}/auth?${new URLSearchParams({ client_id: 'no-such-app', response_type: 'code', scope: 'openid' }).toString()}`,
      );
      expect(await page.locator('h1').innerText()).toBe('This app is not known to Signet');
      expect(await page.locator('main').innerText()).toMatch(/tell the people who run the app/);
      expect(await page.locator('.hint code').innerText()).toBe('invalid_client');

      await page.goto(`${issuer}/interaction/no-such-sign-in`);
      expect(await page.locator('h1').innerText()).toBe('This sign-in has expired');
      expect(await page.locator('main').innerText()).toContain('Go back to the app you came from');

      const notFound = await page.goto(`${issuer}/no-such-page`);
      expect(notFound?.status()).toBe(404);
      expect(notFound?.headers()['content-type']).toMatch(/^text\/html/);
      expectStrictCsp(notFound?.headers()['content-security-policy']);
      expect(await page.locator('h1').innerText()).toBe('Page not found');
      expect(await page.getByRole('link', { name: /home page/ }).getAttribute('href')).toBe('/');
      expect(await page.locator('link[rel="stylesheet"]').count()).toBeGreaterThan(0);

      for (const accept of ['application/json', '*/*']) {
        const res = await fetch(`${issuer}/no-such-page`, { headers: { accept } });
        expect({ accept, status: res.status, type: res.headers.get('content-type'), body: await res.json() }).toEqual({
          accept,
          status: 404,
          type: expect.stringMatching(/^application\/json/),
          body: expect.objectContaining({ error: 'not_found' }),
        });
      }
      await context.close();
    },
    TIMEOUT,
  );

  test(
    'the signed-out page offers the way back to the app that sent the person',
    async () => {
      const { context, page } = await newPage();
      await page.goto(authorizationUrl(issuer, client));
      await signIn(page, ALICE);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(client.redirectUri));
      // Signing out of the app alone ("Stay signed in" to Signet): the provider names the app to the page.
      await page.goto(`${issuer}/session/end?client_id=${encodeURIComponent(client.clientId)}`);
      await page.getByRole('button', { name: 'Stay signed in' }).click();
      await page.getByRole('heading', { name: /signed out/i }).waitFor({ state: 'visible' });
      const back = page.getByRole('link', { name: `Back to ${TOUR_CLIENT_METADATA.client_name}` });
      expect(await back.getAttribute('href')).toBe(TOUR_CLIENT_METADATA.client_uri);
      // Signing out of Signet too: the provider forgets which app it was, so the way on is Signet's home.
      await page.goto(`${issuer}/session/end`);
      await page.locator('button[name="logout"][value="yes"]').click();
      await page.getByRole('heading', { name: /signed out/i }).waitFor({ state: 'visible' });
      expect(await page.getByRole('link', { name: /home page/ }).getAttribute('href')).toBe('/');
      await context.close();
    },
    TIMEOUT,
  );

  test(
    "the account page: this device first and marked, times relative and in the reader's zone, no raw IPv4-mapped addresses",
    async () => {
      const { context, page } = await newPage({ timezoneId: 'Asia/Tokyo' });
      await page.goto(`${issuer}/account`);
      await signIn(page, ALICE);
      await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });
      const first = page
        .locator('section', { has: page.getByRole('heading', { name: /Where you are signed in/ }) })
        .locator('li.row')
        .first();
      expect(await first.locator('.badge').innerText()).toBe('this device');
      const time = first.locator('time');
      expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // The script rewrote it in the browser's zone (Tokyo, UTC+9) and kept it relative.
      expect(await time.innerText()).toMatch(/GMT\+9/);
      expect(await time.innerText()).toMatch(/minute|now|second/);
      expect(await page.locator('main').innerText()).not.toContain('::ffff:');
      await context.close();
    },
    TIMEOUT,
  );
});
