// Passkeys in real Chromium, with its virtual authenticator standing in for a device's screen lock: one
// added on /account behind the password (the browser's ceremony, then the recovery codes), used alone from
// an app's login page (the id_token says phr), offered in the email field's suggestions (conditional UI),
// used as the second step after a password, and removed. axe checks the pages that show passkeys.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seriousViolations } from '../support/axe.js';
import { describeBrowser, launchChromium } from '../support/chromium.js';
import { startCallbackServer, TOUR_VARIANTS } from '../support/page-tour.js';
import { exchange, relyingParty, startAuthorization, type RelyingParty } from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { describeMongo } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';
import {
  addVirtualAuthenticator,
  type HeldCredential,
  type VirtualAuthenticator,
} from '../support/virtual-authenticator.js';

const TIMEOUT = 120_000;

/**
 * Every navigator.credentials.get of the page's scripts, passed through untouched and reported by its
 * mediation ('conditional' for the email field's suggestions, 'modal' for a button's dialog), both to
 * the test (across page loads) and to the page as window.passkeyRequests.
 */
async function watchSignInRequests(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('reportPasskeyRequest', (mediation: string) => {
    seen.push(mediation);
  });
  await page.addInitScript(`(() => {
    window.passkeyRequests = [];
    const credentials = navigator.credentials;
    const get = credentials.get.bind(credentials);
    credentials.get = (options) => {
      const mediation = (options && options.mediation) || 'modal';
      window.passkeyRequests.push(mediation);
      void window.reportPasskeyRequest(mediation);
      return get(options);
    };
  })();`);
  return seen;
}
const EMAIL = 'ada.passkey@example.test';
const PASSWORD = 'a lantern by the ferry landing';

/** The whole walk, on one store: the flows must hold on both. */
function passkeysInChromium(store: StoreKind): void {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  let callback: Awaited<ReturnType<typeof startCallbackServer>> | undefined;
  let rp: RelyingParty;
  /** The browser that added the passkey, still signed in to /account. */
  let owner: Page | undefined;
  /** The passkey as the owner's authenticator holds it, to carry to other browsers. */
  let passkey: HeldCredential | undefined;
  const contexts: BrowserContext[] = [];
  const findings: Record<string, string[]> = {};
  /** axe at a desktop and a phone width, light and dark: no serious or critical violation. */
  const check = async (page: Page, name: string) => {
    await seriousViolations(page, name, TOUR_VARIANTS, findings);
    expect(findings).toEqual({});
  };

  beforeAll(async () => {
    // A domain as the issuer's host: WebAuthn refuses IP addresses, and localhost is a secure context.
    server = await startTestServer({ store, issuerHost: 'localhost' });
    await server.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Ada', emailVerified: true });
    callback = await startCallbackServer();
    const client = await server.signet.clients.create({ name: 'Ferry', redirectUris: [callback.redirectUri] });
    rp = await relyingParty(server.issuer, client.client_id, client.client_secret ?? '');
    browser = await launchChromium();
  }, TIMEOUT);

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await stopIfStarted(server, (s) => s.destroy());
    await stopIfStarted(callback, (c) => c.close());
  }, TIMEOUT);

  /**
   * A new browser (its own cookies) with a virtual authenticator, holding the passkey when `carry`, touched
   * by the person when `present`. `requests` lists the page's WebAuthn sign-in requests by mediation.
   */
  const newBrowser = async (carry: boolean, present = true) => {
    if (!browser) throw new Error('setup failed');
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(page, present);
    if (carry) {
      if (!passkey) throw new Error('no passkey was added');
      await authenticator.add(passkey);
    }
    const requests = await watchSignInRequests(page);
    return { page, authenticator, requests };
  };

  /**
   * The passkey as it is after a sign-in in another browser: its signature counter moved on, and a copy
   * still at the old count would look cloned (and be refused, rightly).
   */
  const keepLatest = async (authenticator: VirtualAuthenticator) => {
    const held = await authenticator.credentials();
    expect(held).toHaveLength(1);
    passkey = held[0];
  };

  /** An authorization request of the app that asks for the phishing-resistant class (acr is released when asked). */
  const authorization = () => {
    if (!callback) throw new Error('setup failed');
    return startAuthorization(rp, 'openid email', 'consent', {
      redirect_uri: callback.redirectUri,
      acr_values: 'urn:signet:acr:phr',
    });
  };

  const atCallback = (url: URL) => url.href.startsWith(callback?.redirectUri ?? '\0');

  /** The consent page (prompt=consent always shows it), then the app's callback; the tokens it gets. */
  const allowAndExchange = async (page: Page, start: Awaited<ReturnType<typeof authorization>>) => {
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(atCallback);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('code')).toBeTruthy();
    return exchange(rp, start, landed);
  };

  const signInWithPassword = async (page: Page) => {
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForLoadState('load');
  };

  test(
    'added on /account behind the password: the browser makes it, the recovery codes follow, it is listed by name',
    async () => {
      const { page, authenticator } = await newBrowser(false);
      await page.goto(`${server?.issuer ?? ''}/account`);
      await signInWithPassword(page);
      const form = page.locator('#passkey-add-form');
      await form.getByLabel('Name of the passkey (optional)').fill('Laptop');
      await form.locator('input[type=password]').fill(PASSWORD);
      await form.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForLoadState('load');
      const create = page.getByRole('button', { name: 'Create the passkey' });
      await create.waitFor({ state: 'visible' });
      await check(page, 'account-passkey-add');
      expect(await authenticator.credentials()).toEqual([]);

      await create.click();
      // The first factor of the account: its recovery codes, shown once.
      await page.locator('li code').first().waitFor({ state: 'visible' });
      expect(await page.locator('li code').count()).toBe(10);

      const held = await authenticator.credentials();
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
      passkey = held[0];

      await page.goto(`${server?.issuer ?? ''}/account`);
      const section = page.locator('section', { has: page.getByRole('heading', { name: 'Passkeys' }) });
      await expect(section.locator('li strong').allTextContents()).resolves.toEqual(['Laptop']);
      await check(page, 'account-with-passkey');
      owner = page;
    },
    TIMEOUT,
  );

  test(
    "alone from an app's login page: the autofill request waits, the button signs in, and the id_token says phr",
    async () => {
      // Nobody touches the authenticator yet: the email field's conditional request stays pending.
      const { page, authenticator, requests } = await newBrowser(true, false);
      const start = await authorization();
      await page.goto(start.url);
      const button = page.getByRole('button', { name: 'Sign in with a passkey' });
      await button.waitFor({ state: 'visible' });
      await expect(page.getByLabel('Email').getAttribute('autocomplete')).resolves.toBe('username webauthn');
      await expect(page.evaluate('PublicKeyCredential.isConditionalMediationAvailable()')).resolves.toBe(true);
      await page.waitForFunction('window.passkeyRequests.includes("conditional")');
      await expect(page.locator('form[data-passkey] input[name=response]').inputValue()).resolves.toBe('');
      await check(page, 'login-with-passkey');

      // Chromium's authenticator takes the touch into account for requests made after it, never for one
      // already waiting: the pending autofill request cannot be the one that answers.
      await authenticator.setPresence(true);
      await button.click();
      const tokens = await allowAndExchange(page, start);
      expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:phr', amr: ['hwk', 'user', 'mfa'] });
      // The button's own request, after the pending one it replaced.
      expect(requests).toEqual(['conditional', 'modal']);
      await keepLatest(authenticator);
    },
    TIMEOUT,
  );

  test(
    "picked from the email field's suggestions (conditional UI): signed in without pressing anything",
    async () => {
      // Chromium's virtual authenticator answers a conditional request itself when it is touched, as
      // a person picking the passkey offered under the email field would.
      const { page, authenticator, requests } = await newBrowser(true);
      const start = await authorization();
      await page.goto(start.url);
      const tokens = await allowAndExchange(page, start);
      expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:phr', amr: ['hwk', 'user', 'mfa'] });
      // One request, answered the first time: no button, no error page and a second try.
      expect(requests).toEqual(['conditional']);
      await keepLatest(authenticator);
    },
    TIMEOUT,
  );

  test(
    'the second step after a password: "Use a passkey" in place of a code',
    async () => {
      const { page, authenticator, requests } = await newBrowser(true, false);
      const start = await authorization();
      await page.goto(start.url);
      await signInWithPassword(page);
      expect(new URL(page.url()).pathname).toMatch(/\/interaction\/[\w-]+\/two-step$/);
      const button = page.getByRole('button', { name: 'Use a passkey' });
      await button.waitFor({ state: 'visible' });
      await check(page, 'two-step-with-passkey');

      await authenticator.setPresence(true);
      await button.click();
      const tokens = await allowAndExchange(page, start);
      expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:phr', amr: ['pwd', 'hwk', 'mfa'] });
      expect(requests).toEqual(['conditional', 'modal']);
    },
    TIMEOUT,
  );

  test(
    'removed on /account behind the password: gone from the list',
    async () => {
      if (!owner || !server) throw new Error('no passkey was added');
      const page = owner;
      await page.goto(`${server.issuer}/account`);
      const section = page.locator('section', { has: page.getByRole('heading', { name: 'Passkeys' }) });
      const row = section.locator('li', { hasText: 'Laptop' });
      await row.locator('input[type=password]').fill(PASSWORD);
      await row.getByRole('button', { name: 'Remove' }).click();
      await page.waitForURL((url) => url.searchParams.get('done') === 'passkeyoff');
      await expect(section.locator('li').count()).resolves.toBe(0);
      await expect(section.getByText('No passkeys yet.').isVisible()).resolves.toBe(true);
    },
    TIMEOUT,
  );
}

describeBrowser('passkeys in Chromium, on SQLite', () => passkeysInChromium('sqlite'));
describeMongo('passkeys in Chromium, on MongoDB', () =>
  describeBrowser('passkeys in Chromium, on MongoDB', () => passkeysInChromium('mongodb')),
);
