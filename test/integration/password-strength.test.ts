// The password strength meter: its script and style are served as fixed assets, its question to the
// server (POST /password-strength) answers only this site's pages, reads only small JSON and is
// throttled per address; and in Chromium, under Signet's own CSP, the label under a password field goes
// from weak to strong as a password is typed.
//
// The route is not mounted in the app yet: a front server on its own port sends /password-strength to
// the route (built on the real store's throttle and the real policy) and everything else to a real
// Signet, so the page, the assets and the endpoint share one origin, as they will once it is mounted.

import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Koa from 'koa';
import type { Browser } from 'playwright-core';
import { createPasswordPolicy } from '../../src/accounts/password-policy.js';
import { passwordStrengthRoutes, STRENGTH_IP_POLICY } from '../../src/http/routes/password-strength-routes.js';
import { Throttle } from '../../src/throttle/throttle.js';
import { describeBrowser, launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';

let signet: TestServer;
let front: Server;
let origin: string;
let now = Date.parse('2030-01-01T00:00:00Z');

beforeAll(async () => {
  signet = await startTestServer({ store: 'sqlite' });
  front = createServer();
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const address = front.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const strength = new Koa({ proxy: false });
  const throttle = new Throttle(signet.signet.store.throttle, () => now);
  const policy = createPasswordPolicy();
  strength.use(passwordStrengthRoutes({ policy: () => Promise.resolve(policy), throttle, issuer: origin }).routes());
  const toRoute = strength.callback();
  const toSignet = signet.signet.app.callback();
  front.on('request', (req, res) => {
    void (req.url?.startsWith('/password-strength') ? toRoute(req, res) : toSignet(req, res));
  });
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => {
    front.close(() => resolve());
    front.closeAllConnections();
  });
  await signet.destroy();
});

const ask = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${origin}/password-strength`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, ...headers },
    body,
  });

describe('assets', () => {
  test.each([
    ['password-strength.js', 'text/javascript; charset=utf-8', 'data-password-strength'],
    ['password-strength.css', 'text/css; charset=utf-8', '.password-strength'],
  ])('%s is served as %s, cacheable', async (name, type, content) => {
    const response = await fetch(`${origin}/assets/${name}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain(content);
  });

  test.each([
    '/assets/password-strength.mjs',
    '/assets/..%2Fpackage.json',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/assets/..%2Fnode_modules%2F@zxcvbn-ts%2Fcore%2Fdist%2Findex.mjs',
    '/assets/password-strength.js%00.css',
  ])('%s is not served', async (path) => {
    expect((await fetch(`${origin}${path}`)).status).toBe(404);
  });
});

describe('POST /password-strength', () => {
  test('answers score and problem, never cached', async () => {
    const weak = await ask(JSON.stringify({ password: 'iloveyou' }));
    expect(weak.status).toBe(200);
    expect(weak.headers.get('content-type')).toMatch(/^application\/json/);
    expect(weak.headers.get('cache-control')).toBe('no-store');
    expect(await weak.json()).toEqual({ score: 0, problem: 'common' });
    const strong = await ask(JSON.stringify({ password: 'correct horse battery staple' }));
    expect(await strong.json()).toEqual({ score: 4, problem: null });
    const mine = await ask(JSON.stringify({ password: 'margaret.hamilton!', email: 'margaret.hamilton@example.com' }));
    expect(await mine.json()).toMatchObject({ problem: 'like_identity' });
  });

  test.each([
    ['no Origin', { origin: '' }],
    ['another origin', { origin: 'https://evil.example' }],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
  ])('refuses %s', async (_, headers) => {
    expect((await ask(JSON.stringify({ password: 'iloveyou' }), headers)).status).toBe(403);
  });

  test('reads only small JSON with a password in it', async () => {
    expect((await ask('password=iloveyou', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await ask(JSON.stringify({ password: 'x'.repeat(9000) }))).status).toBe(413);
    expect((await ask('{"password":')).status).toBe(400);
    expect((await ask(JSON.stringify({ email: 'a@example.com' }))).status).toBe(400);
    expect((await ask(JSON.stringify({ password: 42 }))).status).toBe(400);
  });

  test('an address that asks too often waits, then may ask again', async () => {
    now += STRENGTH_IP_POLICY.windowMs * 2; // nothing left from the tests above
    for (let i = 0; i < STRENGTH_IP_POLICY.free; i++) {
      expect((await ask(JSON.stringify({ password: 'short' }))).status).toBe(200);
    }
    const refused = await ask(JSON.stringify({ password: 'short' }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('cache-control')).toBe('no-store');
    now += STRENGTH_IP_POLICY.windowMs + 1;
    expect((await ask(JSON.stringify({ password: 'short' }))).status).toBe(200);
  }, 60_000);
});

const LABELS = {
  scores: ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'],
  too_short: 'Too short',
  common: 'Too common',
  like_identity: 'Too close to your email',
};

const page = (labels: string) => `<!doctype html>
<html lang="en"><head><title>Meter</title><link rel="stylesheet" href="/assets/password-strength.css"></head>
<body>
  <label for="email">Email</label> <input id="email" type="email" value="margaret.hamilton@example.com">
  <label for="pw">New password</label>
  <input id="pw" type="password" data-password-strength aria-describedby="pw-strength"
         data-strength-labels='${labels}' data-strength-email="email">
  <p id="pw-strength"></p>
  <script type="module" src="/assets/password-strength.js"></script>
</body></html>`;

describeBrowser('the meter in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser.close();
  });

  test('its label goes from weak to strong as a password is typed, under the site CSP', async () => {
    now += STRENGTH_IP_POLICY.windowMs * 2;
    // A page served from the same origin, with the exact CSP Signet sends on its own pages.
    const csp = (await fetch(`${origin}/`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    const tab = await browser.newPage();
    const violations: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });
    await tab.route(`${origin}/meter`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        headers: { 'content-security-policy': csp },
        body: page(JSON.stringify(LABELS)),
      }),
    );
    await tab.goto(`${origin}/meter`);
    const label = tab.locator('#pw-strength .password-strength-label');
    const field = tab.locator('#pw');
    const shows = (text: string) =>
      tab.waitForFunction(
        (expected) =>
          (
            globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
          ).document.querySelector('#pw-strength .password-strength-label')?.textContent === expected,
        text,
      );

    await field.pressSequentially('iloveyo');
    await shows('Too short');
    await field.pressSequentially('u');
    await shows('Too common');
    expect(await tab.locator('#pw-strength meter').getAttribute('aria-hidden')).toBe('true');

    await field.fill('');
    await field.pressSequentially('margaret.hamilton1');
    await shows('Too close to your email');

    await field.fill('');
    await field.pressSequentially('correct horse battery staple');
    await shows('Very strong');
    expect(await tab.locator('#pw-strength').getAttribute('data-score')).toBe('4');
    expect(await label.isVisible()).toBe(true);

    await field.fill('');
    await tab.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { getElementById(id: string): { hidden: boolean } | null } }
        ).document.getElementById('pw-strength')?.hidden === true,
    );
    expect(violations).toEqual([]);
    await tab.close();
  }, 60_000);
});
