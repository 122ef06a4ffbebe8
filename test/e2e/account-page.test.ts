// The account page (/account) driven in headless Chromium: it signs in through Signet's own login page
// (first party, so no consent), lists sessions and connected apps, revokes an app, changes the password
// and signs out. The app to revoke comes from a real sign-in over HTTP with openid-client beforehand.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { BrowserSession } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  introspect,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  tokenRequest,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';
import { expectCookiesSafe, expectStrictCsp, watchPage, type PageWatch } from '../support/page-watch.js';
import { describeBrowser, launchChromium, loginForm } from '../support/chromium.js';

const TIMEOUT = 60_000;

const EMAIL = 'grace@example.com';
const NAME = 'Grace Hopper';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a completely different passphrase';
const APP_NAME = 'Acme Notes';

/** A section of the account page, found by its heading. */
function section(page: Page, heading: RegExp): Locator {
  return page.locator('section', { has: page.getByRole('heading', { name: heading }) });
}

describeBrowser('the account page in Chromium', () => {
  let browser: Browser | undefined;
  let signet: TestServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let w: PageWatch;
  let rp: RelyingParty;
  let tokens: { access_token: string; refresh_token?: string; id_token?: string };
  let issuer: string;

  const ready = () => {
    if (!browser || !signet || !context || !page) throw new Error('setup failed');
    return { signet, context, page };
  };

  /** The account page's document response, to be awaited after the action that leads to it. */
  const accountDocument = (p: Page) =>
    p.waitForResponse(
      (r) =>
        r.request().resourceType() === 'document' &&
        new URL(r.url()).origin === issuer &&
        new URL(r.url()).pathname === '/account' &&
        r.status() === 200,
    );

  beforeAll(async () => {
    signet = await startTestServer({ store: 'sqlite' });
    issuer = signet.issuer;
    await signet.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: NAME });
    const client = await signet.signet.clients.create({ name: APP_NAME, redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(issuer, client.client_id, client.client_secret ?? '');

    // One sign-in of the app over HTTP, so the account has a connected app and live tokens.
    const start = await startAuthorization(rp);
    tokens = await exchange(rp, start, await authorize(new BrowserSession(issuer), start, EMAIL, PASSWORD));
    expect((await introspect(issuer, rp, tokens.access_token)).active).toBe(true);

    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    w = watchPage(page, issuer);
  }, TIMEOUT);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await signet?.destroy();
  }, TIMEOUT);

  test(
    '/account signs in through the login page, with no consent, and shows email, app, this device and the password form',
    async () => {
      const { page } = ready();
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
      });

      await page.goto(`${issuer}/account`);
      expect(new URL(page.url()).origin).toBe(issuer);
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
      const login = await loginForm(page);
      await login.email.fill(EMAIL);
      await login.password.fill(PASSWORD);
      const landed = accountDocument(page);
      await login.submit.click();
      const response = await landed;
      await page.waitForURL(`${issuer}/account`);
      await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });

      // Login, then straight to /account: no consent page (nor anything else) in between.
      expect(navigations.map((u) => new URL(u).pathname)).toEqual([
        expect.stringMatching(/^\/interaction\/[^/]+$/),
        '/account',
      ]);
      expect(await page.getByRole('button', { name: /^\s*(Allow|Continue|Approve|Authorize)\b/i }).count()).toBe(0);
      expectStrictCsp(response.headers()['content-security-policy']);

      const text = await page.locator('main').innerText();
      expect(text).toContain(EMAIL);
      expect(text).toContain(NAME);

      const apps = section(page, /Connected apps/);
      expect(await apps.count()).toBe(1);
      const appRow = apps.locator('li.row', { hasText: APP_NAME });
      expect(await appRow.count()).toBe(1);
      expect(await appRow.getByRole('link', { name: /^Revoke access/ }).count()).toBe(1);
      // Signet's own account page is not listed as an app.
      expect(await apps.locator('li.row > div > strong').allInnerTexts()).toEqual([APP_NAME]);

      const sessions = section(page, /Where you are signed in/);
      // The app's HTTP sign-in and this browser: two sessions, and exactly one is this device (Chromium's).
      expect(await sessions.locator('li.row').count()).toBe(2);
      const thisDevice = sessions.locator('li.row', { has: page.locator('.badge', { hasText: 'this device' }) });
      expect(await thisDevice.count()).toBe(1);
      await thisDevice.locator('.badge').waitFor({ state: 'visible' });
      expect(await thisDevice.innerText()).toMatch(/Chrome on Linux/);
      expect(await sessions.locator('.badge', { hasText: 'this device' }).count()).toBe(1);

      const password = page.locator('form[action="/account/password"]');
      expect(await password.count()).toBe(1);
      expect(await password.locator('input[type="password"]').count()).toBe(3);
      for (const name of ['current_password', 'new_password', 'confirm_password'])
        expect(await password.locator(`input[name="${name}"]`).count()).toBe(1);
      expect(await password.getByRole('button', { name: 'Change password' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Sign out', exact: true }).count()).toBe(1);

      await page.screenshot({ path: '/tmp/signet-account.png', fullPage: true });
    },
    TIMEOUT,
  );

  test(
    'no token is reachable from JavaScript: HttpOnly cookies only, empty storage, nothing token-like in the page',
    async () => {
      const { context, page } = ready();
      const names = await expectCookiesSafe(context, w, issuer);
      expect(names).toContain('signet.account');
      // Runs in the page (the tests compile without the DOM lib, hence the cast).
      const reachable = await page.evaluate(() => {
        const g = globalThis as unknown as {
          localStorage: { length: number };
          sessionStorage: { length: number };
          document: { cookie: string };
        };
        return {
          localStorage: g.localStorage.length,
          sessionStorage: g.sessionStorage.length,
          cookie: g.document.cookie,
        };
      });
      expect(reachable).toEqual({ localStorage: 0, sessionStorage: 0, cookie: '' });
      const html = await page.content();
      // No JWT (the account page's id_token) and none of the app's tokens in the markup.
      expect(html).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./);
      for (const token of [tokens.access_token, tokens.refresh_token, tokens.id_token])
        if (token) expect(html).not.toContain(token);
      expect(w.problems).toEqual([]);
      expect(w.failures).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    '"Revoke access", confirmed on its own page, removes the app and its access token is inactive at introspection at once',
    async () => {
      const { page } = ready();
      const apps = section(page, /Connected apps/);
      await apps
        .locator('li.row', { hasText: APP_NAME })
        .getByRole('link', { name: /^Revoke access/ })
        .click();
      // Nothing is revoked yet: a page asks first (no script needed), and names the app.
      await page.getByRole('heading', { name: `Revoke access for ${APP_NAME}?` }).waitFor({ state: 'visible' });
      expect((await introspect(issuer, rp, tokens.access_token)).active).toBe(true);
      const landed = accountDocument(page);
      await page.getByRole('button', { name: 'Revoke access' }).click();
      expectStrictCsp((await landed).headers()['content-security-policy']);
      await page.waitForURL(`${issuer}/account?done=app`);

      const flash = page.getByRole('status');
      await flash.waitFor({ state: 'visible' });
      expect(await flash.innerText()).toContain('Access was revoked');
      expect(await apps.locator('li.row').count()).toBe(0);
      expect(await apps.innerText()).not.toContain(APP_NAME);
      expect(await apps.innerText()).toContain('No app has access to your account.');

      expect((await introspect(issuer, rp, tokens.access_token)).active).toBe(false);
      expect(
        (await tokenRequest(issuer, rp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' }))
          .body.error,
      ).toBe('invalid_grant');
      expect(w.problems).toEqual([]);
      expect(w.failures).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'changing the password: a wrong current password keeps the page with the error beside the field, the right one a flash',
    async () => {
      const { signet, page } = ready();
      const fill = async (current: string) => {
        const form = page.locator('form[action="/account/password"]');
        await form.locator('input[name="current_password"]').fill(current);
        await form.locator('input[name="new_password"]').fill(NEW_PASSWORD);
        await form.locator('input[name="confirm_password"]').fill(NEW_PASSWORD);
        return form.getByRole('button', { name: 'Change password' });
      };

      const refused = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/account/password',
      );
      await (await fill('not my password')).click();
      const wrong = await refused;
      expect(wrong.status()).toBe(400);
      // An error page is a page like any other: the same CSP and framing rules.
      expectStrictCsp(wrong.headers()['content-security-policy']);
      expect(wrong.headers()['x-frame-options']).toBe('DENY');
      await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });
      const field = page.locator('#current_password');
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      const describedBy = await field.getAttribute('aria-describedby');
      expect(await page.locator(`#${describedBy}`).innerText()).toBe(
        'The current password is not correct. Nothing was changed.',
      );
      expect(await page.locator('main').innerText()).not.toMatch(/at .+\(.*:\d+:\d+\)|Error:|stack/i);
      await page.screenshot({ path: '/tmp/signet-account-wrong-password.png', fullPage: true });
      expect(await signet.signet.accounts.authenticate(EMAIL, PASSWORD)).toBeDefined();
      expect(await signet.signet.accounts.authenticate(EMAIL, NEW_PASSWORD)).toBeUndefined();

      // Back to the account page (a person would press Back; the page is no-store, so it is fetched again).
      await page.goto(`${issuer}/account`);
      await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });
      await (await fill(PASSWORD)).click();
      // A new password ends every session, this device's included: the account page asks to sign in
      // again (with the new password), then shows what happened.
      await page.waitForURL((url) => url.origin === issuer && url.pathname.startsWith('/interaction/'));
      const login = await loginForm(page);
      await login.email.fill(EMAIL);
      await login.password.fill(NEW_PASSWORD);
      const landed = accountDocument(page);
      await login.submit.click();
      await landed;
      await page.waitForURL(`${issuer}/account?done=password`);
      const flash = page.getByRole('status');
      await flash.waitFor({ state: 'visible' });
      expect(await flash.innerText()).toContain('Your password was changed');
      await page.screenshot({ path: '/tmp/signet-account-password-changed.png', fullPage: true });

      expect((await signet.signet.accounts.authenticate(EMAIL, NEW_PASSWORD))?.email).toBe(EMAIL);
      expect(await signet.signet.accounts.authenticate(EMAIL, PASSWORD)).toBeUndefined();
      expect(w.failures).toEqual(['400 POST /account/password']);
      // Chromium reports a document that answered 400 as a failed load; anything else is a problem.
      expect(
        w.problems.filter((p) => !/Failed to load resource: the server responded with a status of 400/.test(p)),
      ).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    '"Sign out" ends on a signed-out page; /account then asks for the password again',
    async () => {
      const { context, page } = ready();
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      // Signet's end-session endpoint may ask "Sign out?" first: confirm it like a person would.
      const signedOut = page.getByRole('heading', { name: /signed out/i });
      const confirm = page.locator('button[name="logout"][value="yes"]');
      await Promise.race([signedOut.waitFor({ state: 'visible' }), confirm.waitFor({ state: 'visible' })]);
      if (await confirm.isVisible()) await confirm.click();
      await signedOut.waitFor({ state: 'visible' });
      expect(new URL(page.url()).origin).toBe(issuer);
      expect(new URL(page.url()).pathname).toBe('/account/signed-out');
      await page.screenshot({ path: '/tmp/signet-account-signed-out.png', fullPage: true });
      expect((await context.cookies()).map((c) => c.name)).not.toContain('signet.account');

      await page.goto(`${issuer}/account`);
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
      const login = await loginForm(page);
      expect(await login.password.inputValue()).toBe('');
      expect(await page.getByRole('heading', { name: 'Your account' }).count()).toBe(0);

      // Signing in again takes the new password.
      await login.email.fill(EMAIL);
      await login.password.fill(NEW_PASSWORD);
      const landed = accountDocument(page);
      await login.submit.click();
      await landed;
      await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });

      await expectCookiesSafe(context, w, issuer);
      for (const doc of w.documents) expectStrictCsp(doc.csp);
      expect(w.failures).toEqual(['400 POST /account/password']);
      expect(
        w.problems.filter((p) => !/Failed to load resource: the server responded with a status of 400/.test(p)),
      ).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    '"Sign out" while signed in to Signet as well: "Sign out?" is asked and answered, then the signed-out page',
    async () => {
      const { context, page } = ready();
      // The previous test signed in again, so the provider session is alive: Signet asks before ending it.
      expect(new URL(page.url()).pathname).toBe('/account');
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByRole('heading', { name: 'Sign out?' }).waitFor({ state: 'visible' });
      expect(new URL(page.url()).pathname).toBe('/session/end');
      await page.screenshot({ path: '/tmp/signet-account-sign-out-confirm.png', fullPage: true });
      await page.locator('button[name="logout"][value="yes"]').click();
      await page.getByRole('heading', { name: /signed out/i }).waitFor({ state: 'visible' });
      expect(new URL(page.url()).pathname).toBe('/account/signed-out');
      expect((await context.cookies()).map((c) => c.name)).not.toContain('signet.account');

      // Both the account page session and Signet's own session are gone: the password is asked again.
      await page.goto(`${issuer}/account`);
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
      await loginForm(page);
      await expectCookiesSafe(context, w, issuer);
      for (const doc of w.documents) expectStrictCsp(doc.csp);
      expect(w.failures).toEqual(['400 POST /account/password']);
      expect(
        w.problems.filter((p) => !/Failed to load resource: the server responded with a status of 400/.test(p)),
      ).toEqual([]);
    },
    TIMEOUT,
  );
});
