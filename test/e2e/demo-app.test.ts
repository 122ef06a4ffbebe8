// The development demo app (/demo) and the button kit (/button), driven in headless Chromium: sign in
// through Signet's login and consent pages, see the id_token claims and a live userinfo answer, refresh,
// sign out through Signet's logout confirmation. The tokens stay on the server: nothing the page's
// JavaScript can reach holds one.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type Browser, type Page } from 'playwright-core';
import { developmentSecret, KeySealer } from '../../src/keys/key-encryption.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';
import { cspOf, expectCookiesSafe, expectStrictCsp, watchPage } from '../support/page-watch.js';
import { describeBrowser, launchChromium } from '../support/chromium.js';

const TIMEOUT = 60_000;

const EMAIL = 'ada@example.com';
const NAME = 'Ada Lovelace';
const PASSWORD = 'correct horse battery staple';
const DEMO_NAME = 'Signet demo app';
const DEMO_SCOPES = ['openid', 'email', 'profile', 'offline_access'];

/** What a page did that a user would never want, and everything Signet sent it. */
/** The pre blocks of the demo page: the id_token claims, then the userinfo answer. */
async function demoBlocks(page: Page): Promise<{ claims: Record<string, unknown>; userinfo: Record<string, unknown> }> {
  const blocks = page.locator('pre.code');
  expect(await blocks.count()).toBe(2);
  return {
    claims: JSON.parse(await blocks.nth(0).innerText()) as Record<string, unknown>,
    userinfo: JSON.parse(await blocks.nth(1).innerText()) as Record<string, unknown>,
  };
}

/** What JavaScript on the page can read for itself. */
function scriptReach(page: Page) {
  // Runs in the page (the tests compile without the DOM lib, hence the cast).
  return page.evaluate(async () => {
    const g = globalThis as unknown as {
      document: { cookie: string };
      localStorage: { length: number };
      sessionStorage: { length: number };
      indexedDB: { databases(): Promise<unknown[]> };
    };
    return {
      cookie: g.document.cookie,
      localStorage: g.localStorage.length,
      sessionStorage: g.sessionStorage.length,
      indexedDB: (await g.indexedDB.databases()).length,
    };
  });
}

describeBrowser('the demo app and the button kit in Chromium', () => {
  let browser: Browser | undefined;
  let signet: TestServer | undefined;
  let accountId: string;

  beforeAll(async () => {
    signet = await startTestServer({ store: 'sqlite' });
    accountId = (await signet.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: NAME })).id;
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await signet?.destroy();
  }, TIMEOUT);

  /**
   * The demo's server-side session of the account, tokens included (what must never reach the browser).
   * The store holds the access and refresh tokens only sealed under the key-encryption secret: opened
   * here with that secret, as the server does.
   */
  const heldTokens = async (): Promise<string[]> => {
    if (!signet) throw new Error('signet is not running');
    const sessions = (await signet.signet.store.oidc.findByAccount('AppSession', accountId)).filter(
      (r) => r.payload.kind === 'demo',
    );
    expect(sessions).toHaveLength(1);
    const { id, payload } = sessions[0] as { id: string; payload: { idToken?: string; sealedTokens?: string } };
    expect(typeof payload.sealedTokens).toBe('string');
    const sealer = new KeySealer([developmentSecret(signet.dataDir)]);
    const tokens = JSON.parse(sealer.open(payload.sealedTokens ?? '', `app-session:${id}`)) as {
      accessToken?: string;
      refreshToken?: string;
    };
    const held = [payload.idToken, tokens.accessToken, tokens.refreshToken];
    for (const token of held) expect(typeof token).toBe('string');
    // Neither the access nor the refresh token is anywhere in the record as stored.
    const raw = JSON.stringify(payload);
    expect(raw.includes(tokens.accessToken ?? '')).toBe(false);
    expect(raw.includes(tokens.refreshToken ?? '')).toBe(false);
    return held as string[];
  };

  test(
    'sign in, see claims and userinfo, refresh, sign out; no token within reach of the page',
    async () => {
      if (!browser || !signet) throw new Error('setup failed');
      const issuer = signet.issuer;
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const w = watchPage(page, issuer);

        // Signed out: the button.
        const first = await page.goto(`${issuer}/demo`);
        expect(first?.status()).toBe(200);
        expectStrictCsp(cspOf(first, 'the demo page'));
        expect(await page.locator('h1').innerText()).toBe('Demo app');
        const button = page.getByRole('link', { name: /Sign in with Signet/ });
        expect(await button.count()).toBe(1);
        expect(await button.getAttribute('class')).toMatch(/\bsignet-button\b/);

        // Signet's login page.
        await button.click();
        await page.waitForURL((url) => url.origin === issuer && url.pathname.startsWith('/interaction/'));
        const login = page.locator('form', { has: page.locator('input[type="password"]') });
        expect(await login.count()).toBe(1);
        expect(await page.locator('body').innerText()).toContain(DEMO_NAME);
        await login.locator('input[type="email"]').fill(EMAIL);
        await login.locator('input[type="password"]').fill(PASSWORD);
        const consentResponse = page.waitForResponse(
          (r) => r.request().resourceType() === 'document' && r.status() === 200 && new URL(r.url()).origin === issuer,
        );
        await login.getByRole('button', { name: 'Sign in' }).click();

        // Consent: the demo app asks like any third-party app, offline_access included.
        const allow = page.getByRole('button', { name: 'Allow', exact: true });
        await allow.waitFor({ state: 'visible' });
        expectStrictCsp(cspOf(await consentResponse, 'the consent page'));
        const consent = await page.locator('body').innerText();
        expect(consent).toContain(DEMO_NAME);
        const scopes = await page.locator('.scopes .scope-name').allInnerTexts();
        expect([...scopes].sort()).toEqual([...DEMO_SCOPES].sort());
        expect(await page.getByRole('button', { name: 'Deny', exact: true }).count()).toBe(1);

        // Back on the demo, signed in: the id_token's claims and a userinfo answer fetched just now.
        const demoResponse = page.waitForResponse(
          (r) =>
            r.request().resourceType() === 'document' && r.status() === 200 && new URL(r.url()).pathname === '/demo',
        );
        await allow.click();
        await page.waitForURL((url) => url.origin === issuer && url.pathname === '/demo');
        expectStrictCsp(cspOf(await demoResponse, 'the signed-in demo page'));
        expect(await page.locator('.lead').innerText()).toBe(`Signed in as ${EMAIL} through Signet.`);
        const { claims, userinfo } = await demoBlocks(page);
        // OIDC Core 5.4: the scope claims are at userinfo; the id_token says who and how (amr).
        expect(claims).toMatchObject({
          iss: issuer,
          aud: 'signet-demo',
          sub: accountId,
          amr: ['pwd'],
          sid: expect.any(String),
        });
        expect(claims).not.toHaveProperty('email');
        expect(userinfo).toMatchObject({ sub: accountId, email: EMAIL, name: NAME });
        expect(await page.locator('body').innerText()).toContain('a refresh token is held on the server');
        expect(await scriptReach(page)).toEqual({ cookie: '', localStorage: 0, sessionStorage: 0, indexedDB: 0 });
        const held0 = await heldTokens();
        const held = new Set(held0);

        // The page itself: no token, no JWT, and no long opaque string outside the claims block.
        const html = await page.content();
        for (const token of held) expect(html.includes(token)).toBe(false);
        expect(html).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
        const outsideClaims = html.replace(/<h2>id_token claims<\/h2>\s*<pre class="code">[\s\S]*?<\/pre>/, '');
        expect(outsideClaims).not.toBe(html);
        expect(outsideClaims.match(/[A-Za-z0-9_-]{40,}/g) ?? []).toEqual([]);

        // Refresh: a new access token and a rotated refresh token, on the server.
        await page.getByRole('button', { name: 'Refresh tokens' }).click();
        await page.waitForURL((url) => url.pathname === '/demo' && url.searchParams.get('done') === 'refreshed');
        expect(await page.getByRole('status').innerText()).toContain('Tokens refreshed');
        expect((await demoBlocks(page)).userinfo).toMatchObject({ sub: accountId, email: EMAIL });
        const [, accessBefore, refreshBefore] = held0;
        const heldAfterRefresh = heldTokens();
        const [, accessAfter, refreshAfter] = await heldAfterRefresh;
        expect(accessAfter).not.toBe(accessBefore);
        expect(refreshAfter).not.toBe(refreshBefore);
        for (const token of await heldAfterRefresh) held.add(token);
        expect(await scriptReach(page)).toEqual({ cookie: '', localStorage: 0, sessionStorage: 0, indexedDB: 0 });

        // Sign out: Signet's confirmation, naming the demo app, then back to the demo, signed out.
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL((url) => url.origin === issuer && url.pathname.startsWith('/session/end'));
        expect(await page.locator('h1').innerText()).toBe('Sign out?');
        expect(await page.locator('.lead').innerText()).toContain(DEMO_NAME);
        await page.getByRole('button', { name: 'Sign out', exact: true }).click();
        await page.waitForURL(
          (url) => url.origin === issuer && url.pathname === '/demo' && !url.search.includes('done'),
        );
        await page.getByRole('link', { name: /Sign in with Signet/ }).waitFor({ state: 'visible' });
        expect(await page.locator('body').innerText()).not.toContain('Signed in as');
        expect(
          (await signet.signet.store.oidc.findByAccount('AppSession', accountId)).filter(
            (r) => r.payload.kind === 'demo',
          ),
        ).toEqual([]);
        const left = (await context.cookies(issuer)).map((c) => c.name);
        expect(left).not.toContain('signet.demo');
        expect(left).not.toContain('signet.session');

        // Nothing Signet sent this browser, nor any URL it visited, carried a token.
        const bodies = await Promise.all(w.bodies);
        expect(bodies.length).toBeGreaterThan(0);
        for (const { url, body } of bodies) {
          for (const token of held) expect({ url, leaks: body.includes(token) }).toEqual({ url, leaks: false });
          expect({ url, jwt: /eyJ[A-Za-z0-9_-]+\.eyJ/.test(body) }).toEqual({ url, jwt: false });
        }
        // The one exception is by design: RP-initiated logout sends the id_token as id_token_hint in the
        // /session/end URL (OIDC RP-Initiated Logout 1.0, section 2). Access and refresh tokens never travel.
        const idTokens = new Set([held0[0], (await heldAfterRefresh)[0]]);
        for (const url of w.urls) {
          for (const token of held) {
            const allowed =
              idTokens.has(token) &&
              new URL(url).pathname === '/session/end' &&
              new URL(url).searchParams.get('id_token_hint') === token;
            expect({ url, leaks: url.includes(token) && !allowed }).toEqual({ url, leaks: false });
          }
        }

        await expectCookiesSafe(context, w, issuer, ['Strict', 'Lax']);
        expect(w.failures).toEqual([]);
        expect(w.problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  test(
    '/button: both buttons, and the three snippets shown as text',
    async () => {
      if (!browser || !signet) throw new Error('setup failed');
      const issuer = signet.issuer;
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const w = watchPage(page, issuer);
        const response = await page.goto(`${issuer}/button`);
        expect(response?.status()).toBe(200);
        expectStrictCsp(cspOf(response, 'the button page'));
        expect(await page.locator('h1').innerText()).toBe('Sign in with Signet');

        // The two rendered variants, styled by the button stylesheet.
        const buttons = page.locator('a.signet-button');
        expect(await buttons.count()).toBe(2);
        expect(await page.locator('a.signet-button.signet-dark').count()).toBe(1);
        expect(await page.locator('a.signet-button:not(.signet-dark)').count()).toBe(1);
        for (const text of await buttons.allInnerTexts()) expect(text).toContain('Sign in with Signet');
        const styled = await buttons
          .first()
          .evaluate(
            (el) =>
              (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(el)
                .display,
          );
        expect(styled).not.toBe('inline'); // signet-button.css applied (an unstyled <a> is inline)

        // Three snippets, each plain text: no element inside a snippet block.
        const snippets = page.locator('pre.code');
        expect(await snippets.count()).toBe(3);
        expect(await page.locator('pre.code *').count()).toBe(0);
        const [html = '', node = '', next = ''] = await snippets.allTextContents();
        expect(html).toContain('<a class="signet-button signet-auto" href="/login">');
        expect(html).toContain(`<link rel="stylesheet" href="${issuer}/assets/signet-button.css">`);
        expect(node).toContain(`oidc.discovery(new URL('${issuer}')`);
        expect(node).toContain('authorizationCodeGrant');
        expect(next).toContain('app/api/auth/login/route.ts');
        expect(next).toContain(`new URL('${issuer}')`);
        // Escaped in the markup itself, not merely rendered as text.
        expect(await response?.text()).toContain('&lt;a class=');

        expect(w.failures).toEqual([]);
        expect(w.problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );
});
