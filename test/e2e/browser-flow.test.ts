// The sign-in of a real relying party, driven through Signet's own pages in headless Chromium.
// The account and the client come from the admin CLI (spawned, as an operator would run it); the relying
// party is a tiny node:http server that uses openid-client to build the request and redeem the code.

import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { type Browser } from 'playwright-core';
import { runCli } from '../support/run-cli.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';
import { cspOf, expectCookiesSafe, expectStrictCsp, watchPage } from '../support/page-watch.js';
import { describeBrowser, launchChromium, loginForm } from '../support/chromium.js';

const TIMEOUT = 60_000;

const ALICE_EMAIL = 'alice@example.com';
const ALICE_PASSWORD = 'correct horse battery staple';
const CLIENT_NAME = 'Acme Notes';
const DENY_CLIENT_NAME = 'Acme Photos';
const APPROVE = /^\s*(Allow|Continue|Approve|Authorize)\b/i;
const DENY = /^\s*(Deny|Decline|Reject|Cancel)\b/i;

async function cliJson(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Record<string, string>> {
  const result = await runCli(args, env, stdin);
  if (result.code !== 0)
    throw new Error(`signet cli ${args.slice(0, 2).join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, string>;
}

describeBrowser('sign-in through the real pages in Chromium', () => {
  let browser: Browser | undefined;
  let signet: TestServer | undefined;
  let rp: Server | undefined;
  let rpOrigin: string;
  let redirectUri: string;
  let aliceId: string;
  let client: { client_id: string; client_secret: string };
  let denyClient: { client_id: string; client_secret: string };
  const callbacks: URLSearchParams[] = [];

  /** One authorization request of the relying party, with fresh PKCE, state and nonce. */
  async function authorizationRequest(clientId: string, clientSecret: string) {
    if (!signet) throw new Error('signet is not running');
    const config = await oidc.discovery(new URL(signet.issuer), clientId, clientSecret, undefined, {
      // The test issuer is plain http on loopback; openid-client marks this deprecated only to make it stand out.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      execute: [oidc.allowInsecureRequests],
    });
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { config, url, pkceCodeVerifier, state, nonce };
  }

  beforeAll(async () => {
    rp = createServer((req, res) => {
      const url = new URL(req.url ?? '/', rpOrigin);
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/cb') {
        callbacks.push(url.searchParams);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test RP</title></head><body><h1>Callback received</h1></body></html>',
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    await new Promise<void>((resolve) => rp?.listen(0, '127.0.0.1', resolve));
    const address = rp.address();
    if (!address || typeof address !== 'object') throw new Error('relying party did not bind');
    rpOrigin = `http://127.0.0.1:${address.port}`;
    redirectUri = `${rpOrigin}/cb`;

    const dataDir = await mkdtemp(join(tmpdir(), 'signet-e2e-'));
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
    delete env.MONGODB_URI;
    const alice = await cliJson(
      ['user', 'create', '--email', 'Alice@Example.com', '--password-stdin', '--name', 'Alice Liddell'],
      env,
      `${ALICE_PASSWORD}\n`,
    );
    expect(alice.email).toBe(ALICE_EMAIL);
    aliceId = String(alice.id);
    client = (await cliJson(
      ['client', 'create', '--name', CLIENT_NAME, '--redirect-uri', redirectUri],
      env,
    )) as typeof client;
    denyClient = (await cliJson(
      ['client', 'create', '--name', DENY_CLIENT_NAME, '--redirect-uri', redirectUri],
      env,
    )) as typeof denyClient;
    expect(client.client_secret).toEqual(expect.any(String));

    signet = await startTestServer({ store: 'sqlite', dataDir });
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await signet?.destroy();
    await new Promise<void>((resolve) => (rp ? rp.close(() => resolve()) : resolve()));
    rp?.closeAllConnections();
  }, TIMEOUT);

  test(
    "login, consent, Allow: the relying party gets a code it can redeem for alice's tokens",
    async () => {
      if (!browser || !signet) throw new Error('setup failed');
      const issuer = signet.issuer;
      const request = await authorizationRequest(client.client_id, client.client_secret);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const w = watchPage(page, issuer);

        const loginResponse = await page.goto(request.url.href);
        expect(new URL(page.url()).origin).toBe(issuer);
        expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
        expect(loginResponse?.status()).toBe(200);
        expectStrictCsp(cspOf(loginResponse, 'login'));
        expect(await page.locator('body').innerText()).toContain(CLIENT_NAME);
        const login = await loginForm(page);
        await page.screenshot({ path: '/tmp/signet-login.png', fullPage: true });

        await login.email.fill(ALICE_EMAIL);
        await login.password.fill(ALICE_PASSWORD);
        const consentResponse = page.waitForResponse(
          (r) => r.request().resourceType() === 'document' && r.status() === 200 && new URL(r.url()).origin === issuer,
        );
        await login.submit.click();
        const approve = page.getByRole('button', { name: APPROVE });
        await approve.waitFor({ state: 'visible' });
        expectStrictCsp(cspOf(await consentResponse, 'consent'));

        const text = await page.locator('body').innerText();
        expect(text).toContain(CLIENT_NAME);
        for (const scope of ['openid', 'email', 'profile']) expect(text).toMatch(new RegExp(`\\b${scope}\\b`));
        expect(await approve.count()).toBe(1);
        expect(await page.getByRole('button', { name: DENY }).count()).toBe(1);
        await page.screenshot({ path: '/tmp/signet-consent.png', fullPage: true });

        await approve.click();
        await page.waitForURL((url) => url.origin === rpOrigin && url.pathname === '/cb');
        const callback = callbacks.at(-1);
        expect(callback?.get('code')).toEqual(expect.any(String));
        expect(callback?.get('state')).toBe(request.state);
        expect(callback?.get('iss')).toBe(issuer);
        expect(callback?.get('error')).toBeNull();
        expect(await page.locator('h1').innerText()).toBe('Callback received');

        const tokens = await oidc.authorizationCodeGrant(request.config, new URL(page.url()), {
          pkceCodeVerifier: request.pkceCodeVerifier,
          expectedState: request.state,
          expectedNonce: request.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        expect(claims?.sub).toBe(aliceId);
        expect(claims?.iss).toBe(issuer);
        expect(claims?.aud).toBe(client.client_id);
        expect(claims?.nonce).toBe(request.nonce);
        // OIDC Core 5.4: with an access token issued, email is read at userinfo, not from the id_token.
        expect(claims).not.toHaveProperty('email');
        const userinfo = await oidc.fetchUserInfo(request.config, tokens.access_token, aliceId);
        expect(userinfo.email).toBe(ALICE_EMAIL);
        expect(userinfo.name).toBe('Alice Liddell');

        await expectCookiesSafe(context, w, issuer);
        expect(w.failures).toEqual([]);
        expect(w.problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  test(
    'a wrong password gets the generic error and stays on the login page; Deny returns access_denied',
    async () => {
      if (!browser || !signet) throw new Error('setup failed');
      const issuer = signet.issuer;
      const request = await authorizationRequest(denyClient.client_id, denyClient.client_secret);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const w = watchPage(page, issuer);
        await page.goto(request.url.href);

        let login = await loginForm(page);
        await login.email.fill(ALICE_EMAIL);
        await login.password.fill('not the password');
        const failed = page.waitForResponse(
          (r) => r.request().method() === 'POST' && new URL(r.url()).origin === issuer,
        );
        await login.submit.click();
        expect((await failed).status()).toBe(200);
        await page.getByText('Invalid email or password.').waitFor({ state: 'visible' });
        expect(new URL(page.url()).origin).toBe(issuer);
        expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
        expect(callbacks.every((c) => c.get('state') !== request.state)).toBe(true);
        login = await loginForm(page);
        expect(await login.email.inputValue()).toBe(ALICE_EMAIL);
        expect(await login.password.inputValue()).toBe('');
        await page.screenshot({ path: '/tmp/signet-login-error.png', fullPage: true });

        await login.password.fill(ALICE_PASSWORD);
        await login.submit.click();
        const deny = page.getByRole('button', { name: DENY });
        await deny.waitFor({ state: 'visible' });
        expect(await page.locator('body').innerText()).toContain(DENY_CLIENT_NAME);
        await deny.click();
        await page.waitForURL((url) => url.origin === rpOrigin && url.pathname === '/cb');
        const callback = callbacks.at(-1);
        expect(callback?.get('error')).toBe('access_denied');
        expect(callback?.get('state')).toBe(request.state);
        expect(callback?.get('iss')).toBe(issuer);
        expect(callback?.get('code')).toBeNull();

        await expectCookiesSafe(context, w, issuer);
        expect(w.failures).toEqual([]);
        expect(w.problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );
});
