// Signet behind a real TLS-terminating reverse proxy (nginx on loopback, a throwaway certificate), as an
// operator runs it: ISSUER is the proxy's https URL, Signet itself speaks plain http on another port and
// trusts the proxy's X-Forwarded-Proto. Headless Chromium signs in to the account page and the demo app:
// every page the browser sees is on the issuer's origin, single sign-on holds, "this device" is marked,
// every cookie is Secure (ours `__Host-`), and signing out at the issuer ends both pages.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumMissing, launchChromium, loginForm } from '../support/chromium.js';
import { describeIf } from '../support/describe-if.js';
import { startListeningServer, type ListeningServer } from '../support/listening-server.js';
import { expectCookiesSafe, expectStrictCsp, watchPage, type PageWatch } from '../support/page-watch.js';
import { freePort, proxyMissing, startTlsProxy, type TlsProxy } from '../support/tls-proxy.js';

const TIMEOUT = 90_000;
const EMAIL = 'lin@example.com';
const PASSWORD = 'correct horse battery staple';

const missing = proxyMissing() ?? chromiumMissing();

/** Signet on loopback behind nginx terminating TLS for ISSUER=https://127.0.0.1:<proxy port>. */
async function startBehindProxy(
  env: Record<string, string>,
): Promise<{ signet: ListeningServer; proxy: TlsProxy; issuer: string }> {
  const proxyPort = await freePort();
  const issuer = `https://127.0.0.1:${proxyPort}`;
  const signet = await startListeningServer({ store: 'sqlite', issuer, env: { TRUST_PROXY: '1', ...env } });
  try {
    const proxy = await startTlsProxy(signet.port, proxyPort);
    await signet.signet.accounts.create({ email: EMAIL, password: PASSWORD });
    return { signet, proxy, issuer };
  } catch (err) {
    await signet.destroy();
    throw err;
  }
}

/** Every navigation stayed on the issuer's origin: the loopback hop never showed through. */
function expectOnIssuer(w: PageWatch, issuer: string): void {
  expect(w.urls.length).toBeGreaterThan(0);
  for (const url of w.urls) expect({ url, origin: new URL(url).origin }).toEqual({ url, origin: issuer });
}

async function signInAt(page: Page, issuer: string, path: string) {
  const login = await loginForm(page);
  await login.email.fill(EMAIL);
  await login.password.fill(PASSWORD);
  await login.submit.click();
  await page.waitForURL((url) => url.origin === issuer && url.pathname === path);
}

/** Signs out of Signet itself at its end_session endpoint, answering its "Sign out?" like a person. */
async function signOutAtIssuer(page: Page, issuer: string) {
  await page.goto(`${issuer}/session/end`);
  await page.getByRole('heading', { name: 'Sign out?' }).waitFor({ state: 'visible' });
  await page.locator('button[name="logout"][value="yes"]').click();
  await page.getByRole('heading', { name: /signed out/i }).waitFor({ state: 'visible' });
}

async function expectAccountPage(page: Page) {
  await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });
  expect(await page.locator('main').innerText()).toContain(EMAIL);
  const sessions = page.locator('section', { has: page.getByRole('heading', { name: /Where you are signed in/ }) });
  expect(await sessions.locator('.badge', { hasText: 'this device' }).count()).toBe(1);
}

/** Every cookie the browser holds is Secure; the account page's and the demo's carry the __Host- prefix. */
async function expectSecureCookies(context: BrowserContext, w: PageWatch, issuer: string, ours: string[]) {
  await expectCookiesSafe(context, w, issuer);
  const cookies = await context.cookies();
  for (const c of cookies) expect({ name: c.name, secure: c.secure }).toEqual({ name: c.name, secure: true });
  const names = cookies.map((c) => c.name);
  for (const name of ours) {
    expect(names).toContain(name);
    expect(cookies.find((c) => c.name === name)?.path).toBe('/');
  }
  expect(names.filter((n) => /^signet\.(account|demo|csrf)/.test(n))).toEqual([]);
}

describeIf(missing === undefined, 'Signet behind a TLS-terminating nginx, in Chromium', missing ?? '', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  }, TIMEOUT);
  afterAll(async () => {
    await browser?.close();
  }, TIMEOUT);

  test(
    'production mode: /account signs in on the issuer, single sign-on holds, logging out at the issuer ends it',
    async () => {
      if (!browser) throw new Error('setup failed');
      const { signet, proxy, issuer } = await startBehindProxy({
        NODE_ENV: 'production',
        KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
      });
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        expect(signet.signet.config.production).toBe(true);
        const page = await context.newPage();
        const w = watchPage(page, issuer);

        // Discovery as the browser (and every relying party) sees it: the issuer's URLs, not the loopback's.
        const discovery = await page.goto(`${issuer}/.well-known/openid-configuration`);
        const metadata = (await discovery?.json()) as Record<string, unknown>;
        expect(metadata.issuer).toBe(issuer);
        expect(metadata.authorization_endpoint).toBe(`${issuer}/auth`);
        expect(metadata.end_session_endpoint).toBe(`${issuer}/session/end`);

        const first = await page.goto(`${issuer}/account`);
        expect(first?.status()).toBe(200);
        expect(new URL(page.url()).origin).toBe(issuer);
        expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
        await signInAt(page, issuer, '/account');
        await expectAccountPage(page);
        await page.screenshot({ path: '/tmp/signet-behind-proxy-account.png', fullPage: true });
        await expectSecureCookies(context, w, issuer, ['__Host-signet.account', '__Host-signet.account.sig']);

        // Single sign-on: without the account page's own cookie, /account signs in again with no login page.
        await context.clearCookies({ name: /^__Host-signet\.account/ });
        const navigations: string[] = [];
        page.on('framenavigated', (frame) => {
          if (frame === page.mainFrame()) navigations.push(new URL(frame.url()).pathname);
        });
        await page.goto(`${issuer}/account`);
        await expectAccountPage(page);
        expect(navigations).toEqual(['/account']);

        await signOutAtIssuer(page, issuer);
        // The account page's cookie is still in the browser; the session it names has ended.
        expect((await context.cookies()).map((c) => c.name)).toContain('__Host-signet.account');
        await page.goto(`${issuer}/account`);
        expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
        await loginForm(page);
        expect(await page.getByRole('heading', { name: 'Your account' }).count()).toBe(0);

        expectOnIssuer(w, issuer);
        for (const doc of w.documents) {
          if (doc.url.includes('/.well-known/')) continue;
          expectStrictCsp(doc.csp);
        }
        expect(w.failures).toEqual([]);
        expect(w.problems).toEqual([]);
      } finally {
        await context.close();
        await proxy.stop();
        await signet.destroy();
      }
    },
    TIMEOUT,
  );

  test(
    'development mode with an https issuer: /demo and /account share the sign-on and end together at the issuer',
    async () => {
      if (!browser) throw new Error('setup failed');
      // The demo relying party is refused in production mode: the same proxy, development mode.
      const { signet, proxy, issuer } = await startBehindProxy({});
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        expect(signet.signet.config.demo).toBe(true);
        const page = await context.newPage();
        const w = watchPage(page, issuer);

        await page.goto(`${issuer}/demo`);
        await page.getByRole('link', { name: /Sign in with Signet/ }).click();
        await page.waitForURL((url) => url.origin === issuer && url.pathname.startsWith('/interaction/'));
        const login = await loginForm(page);
        await login.email.fill(EMAIL);
        await login.password.fill(PASSWORD);
        await login.submit.click();
        const allow = page.getByRole('button', { name: 'Allow', exact: true });
        await allow.waitFor({ state: 'visible' });
        await allow.click();
        await page.waitForURL((url) => url.origin === issuer && url.pathname === '/demo');
        expect(await page.locator('.lead').innerText()).toBe(`Signed in as ${EMAIL} through Signet.`);
        const userinfo = JSON.parse(await page.locator('pre.code').nth(1).innerText()) as Record<string, unknown>;
        expect(userinfo.email).toBe(EMAIL);

        // Single sign-on: the account page opens with no login page.
        const navigations: string[] = [];
        page.on('framenavigated', (frame) => {
          if (frame === page.mainFrame()) navigations.push(new URL(frame.url()).pathname);
        });
        await page.goto(`${issuer}/account`);
        await expectAccountPage(page);
        expect(navigations).toEqual(['/account']);
        await expectSecureCookies(context, w, issuer, [
          '__Host-signet.demo',
          '__Host-signet.demo.sig',
          '__Host-signet.account',
          '__Host-signet.account.sig',
        ]);

        await signOutAtIssuer(page, issuer);
        await page.goto(`${issuer}/demo`);
        await page.getByRole('link', { name: /Sign in with Signet/ }).waitFor({ state: 'visible' });
        expect(await page.locator('body').innerText()).not.toContain('Signed in as');
        await page.goto(`${issuer}/account`);
        expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
        await loginForm(page);

        expectOnIssuer(w, issuer);
        expect(w.failures).toEqual([]);
        expect(w.problems).toEqual([]);
      } finally {
        await context.close();
        await proxy.stop();
        await signet.destroy();
      }
    },
    TIMEOUT,
  );
});
