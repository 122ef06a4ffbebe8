// The consent page as a person sees it in Chromium: every API and scope the grant would carry, in words,
// and after "Allow" the API sees exactly those scopes and /account lists them.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type Browser } from 'playwright-core';
import { describeBrowser, launchChromium, loginForm } from '../support/chromium.js';
import { introspect, REDIRECT_URI, relyingParty, startAuthorization } from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';

const API = 'https://things.example.com';
const EMAIL = 'consent-browser@example.com';
const PASSWORD = 'correct horse battery staple';

describeBrowser('the consent page in Chromium', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('names every API and scope before Allow, and grants nothing more', async () => {
    if (!server || !browser) throw new Error('not started');
    const api = await server.signet.clients.create({
      name: 'Things API',
      type: 'resource-server',
      resource: API,
      scope: 'read write admin',
      scopeDescriptions: { admin: 'Manage every thing, including deleting them' },
    });
    const web = await server.signet.clients.create({ name: 'Notes', redirectUris: [REDIRECT_URI] });
    await server.signet.accounts.create({ email: EMAIL, password: PASSWORD });
    const rp = await relyingParty(server.issuer, web.client_id, web.client_secret ?? '');
    const start = await startAuthorization(rp, 'openid email admin write', 'consent', { resource: API });

    const context = await browser.newContext();
    const page = await context.newPage();
    // The relying party's callback is not running: catch the navigation to it instead.
    let callback: URL | undefined;
    await page.route(`${REDIRECT_URI}**`, async (route) => {
      callback = new URL(route.request().url());
      await route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: '<!DOCTYPE html><title>RP</title><p>back at the app</p>',
      });
    });
    await page.goto(start.url);
    const form = await loginForm(page);
    await form.email.fill(EMAIL);
    await form.password.fill(PASSWORD);
    await form.submit.click();
    await page.waitForURL(/\/interaction\//);

    const text = await page.locator('main, body').first().innerText();
    expect(text).toContain('Notes');
    expect(text).toContain('127.0.0.1:8787');
    expect(text).toContain('See your email address');
    expect(text).toContain('Things API');
    expect(text).toContain('things.example.com');
    expect(text).toContain('Manage every thing, including deleting them');
    expect(text).toContain('Use the "write" permission at Things API');
    await expect(page.locator('code.scope-name', { hasText: /^admin$/ }).count()).resolves.toBe(1);
    await expect(page.locator('code.scope-name', { hasText: /^read$/ }).count()).resolves.toBe(0);

    await page.getByRole('button', { name: /^\s*Allow\b/ }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    const code = callback?.searchParams.get('code');
    expect(code).toBeTruthy();

    const oidc = await import('openid-client');
    const tokens = await oidc.authorizationCodeGrant(rp.config, callback ?? new URL(REDIRECT_URI), {
      pkceCodeVerifier: start.verifier,
      expectedState: start.state,
      expectedNonce: start.nonce,
    });
    const seen = await introspect(
      server.issuer,
      { clientId: api.client_id, clientSecret: api.client_secret ?? '' },
      tokens.access_token,
    );
    expect(String(seen.scope).split(' ').sort()).toEqual(['admin', 'write']);

    await page.goto(`${server.issuer}/account`);
    await page.waitForURL(`${server.issuer}/account**`);
    const account = await page.locator('body').innerText();
    expect(account).toContain('Notes');
    expect(account).toContain('Things API');
    expect(account).toContain('Manage every thing, including deleting them');
    await context.close();
  }, 60_000);
});
