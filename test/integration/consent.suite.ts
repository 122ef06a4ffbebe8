// The consent page names every scope and API a grant would carry, in words, beside the raw names; the
// form carries a digest of what it showed, and nothing else is granted. Clients that registered
// themselves are marked, and /account lists each app's APIs and scopes.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BrowserSession, csrfFrom, formAction, hiddenFields } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  introspect,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const API = 'https://api-x.example.com';
const PASSWORD = 'correct horse battery staple';

export function consentSuite(store: StoreKind): void {
  let server: TestServer;
  let api: { clientId: string; clientSecret: string };
  let rp: RelyingParty;
  let email = '';
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer({ store, env: { REGISTRATION: 'open' } });
    const created = await server.signet.clients.create({
      name: 'Things API',
      type: 'resource-server',
      resource: API,
      scope: 'read write admin',
      scopeDescriptions: { admin: 'Manage every thing, including deleting them' },
    });
    api = { clientId: created.client_id, clientSecret: created.client_secret ?? '' };
    const web = await server.signet.clients.create({ name: 'Operator App', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, web.client_id, web.client_secret ?? '');
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  const newUser = async () => {
    email = `consent-${store}-${(n += 1)}@example.com`;
    await server.signet.accounts.create({ email, password: PASSWORD });
  };

  /** Signs in and stops at the consent page. */
  const consentPage = async (client: RelyingParty, scope: string) => {
    const start = await startAuthorization(client, scope, 'consent', { resource: API });
    const browser = new BrowserSession(server.issuer);
    const login = await browser.follow(start.url);
    const posted = await browser.request(formAction(login.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    const page = await browser.follow(posted.location ?? '');
    expect(page.body).toContain('/confirm"');
    return { browser, page, start };
  };

  test('every OpenID scope, every API and every API scope is on the page, in words and by name', async () => {
    await newUser();
    const { page } = await consentPage(rp, 'openid email admin write');
    const text = page.body;
    expect(text).toContain('Operator App');
    expect(text).toContain('127.0.0.1:8787'); // where the browser will be sent back
    expect(text).toContain('See your email address');
    expect(text).toContain('Things API');
    expect(text).toContain('api-x.example.com');
    expect(text).toContain('Manage every thing, including deleting them');
    expect(text).toMatch(/<code class="scope-name">admin<\/code>/);
    expect(text).toMatch(/<code class="scope-name">write<\/code>/);
    expect(text).toContain('Use the &#34;write&#34; permission at Things API');
    expect(text).not.toContain('registered itself');
    expect(text).not.toMatch(/<code class="scope-name">read<\/code>/);
  });

  test('after Allow, the API sees exactly the scopes the page listed, and /account lists them per app', async () => {
    await newUser();
    const start = await startAuthorization(rp, 'openid email admin write', 'consent', { resource: API });
    const browser = new BrowserSession(server.issuer);
    const tokens = await exchange(rp, start, await authorize(browser, start, email, PASSWORD));
    const seen = await introspect(server.issuer, api, tokens.access_token);
    expect(String(seen.scope).split(' ').sort()).toEqual(['admin', 'write']);

    const account = await browser.follow(`${server.issuer}/account`);
    const page = account.status === 200 ? account : await browser.follow(account.location ?? '');
    expect(page.body).toContain('Operator App');
    expect(page.body).toContain('Things API');
    expect(page.body).toContain('Manage every thing, including deleting them');
    expect(page.body).toMatch(/<code class="scope-name">write<\/code>/);
  });

  test('a grant that differs from what the page showed is refused, and nothing is granted', async () => {
    await newUser();
    const { browser, page } = await consentPage(rp, 'openid email admin write');
    const fields = hiddenFields(page.body, '/confirm');
    const before = (
      await server.signet.store.oidc.findByAccount('Grant', (await server.signet.accounts.lookup(email))?.id ?? '')
    ).length;
    for (const shown of ['', 'x'.repeat(43), undefined]) {
      const form: Record<string, string> = { ...fields };
      if (shown === undefined) delete form.shown;
      else form.shown = shown;
      const res = await browser.request(formAction(page.body, '/confirm'), { form });
      expect(res.status).toBe(400);
    }
    const after = (
      await server.signet.store.oidc.findByAccount('Grant', (await server.signet.accounts.lookup(email))?.id ?? '')
    ).length;
    expect(after).toBe(before);
  });

  test('a client that registered itself is marked as such', async () => {
    await newUser();
    const res = await fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], client_name: 'Operator App' }),
    });
    const registered = (await res.json()) as { client_id: string; client_secret: string };
    expect(res.status).toBe(201);
    const self = await relyingParty(server.issuer, registered.client_id, registered.client_secret);
    const { page } = await consentPage(self, 'openid email');
    expect(page.body).toContain('This app registered itself');
    expect(page.body).toContain('127.0.0.1:8787');
  });
}
