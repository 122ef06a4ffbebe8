// A user consents to a registered API's scopes (RFC 8707 resource indicator) and the API sees them on
// introspection. The Grant keys its resources by the API's URI, which holds dots: a MongoDB-wire store
// that refuses such keys broke this at the consent step. Consent is driven through its form, not its
// wording.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BrowserSession } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  introspect,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  tokenRequest,
  type AuthorizationStart,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { textOf } from '../support/text.js';

const API = 'https://api-x.example';
const PASSWORD = 'correct horse battery staple';

export function resourceConsentSuite(store: StoreKind): void {
  let server: TestServer;
  let api: { clientId: string; clientSecret: string };
  let rp: RelyingParty;
  const email = `consent-${store}@example.com`;

  beforeAll(async () => {
    server = await startTestServer({ store });
    const registered = await server.signet.clients.create({
      name: 'API X',
      type: 'resource-server',
      resource: API,
      scope: 'read write',
    });
    api = { clientId: registered.client_id, clientSecret: registered.client_secret ?? '' };
    const web = await server.signet.clients.create({ name: 'Web', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, web.client_id, web.client_secret ?? '');
    await server.signet.accounts.create({ email, password: PASSWORD });
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  /** An authorization request for the API's scopes; `prompt` as given, or none at all (consent only when needed). */
  const forApi = async (scope: string, prompt: 'consent' | undefined): Promise<AuthorizationStart> => {
    const start = await startAuthorization(rp, scope);
    const url = new URL(start.url);
    url.searchParams.set('resource', API);
    if (!prompt) url.searchParams.delete('prompt');
    return { ...start, url: url.toString() };
  };

  const scopesSeenByApi = async (token: string): Promise<string[]> => {
    const seen = await introspect(server.issuer, api, token);
    expect(seen).toMatchObject({ active: true, aud: API, client_id: rp.clientId });
    return textOf(seen.scope).split(' ').sort();
  };

  test('consent to the API scopes yields an access token the API introspects with them, also after a refresh', async () => {
    const start = await forApi('openid offline_access read write', 'consent');
    const tokens = await exchange(
      rp,
      start,
      await authorize(new BrowserSession(server.issuer), start, email, PASSWORD),
    );
    expect(await scopesSeenByApi(tokens.access_token)).toEqual(expect.arrayContaining(['read', 'write']));

    // The refresh reads the stored Grant back, resources and all.
    const refreshed = await tokenRequest(server.issuer, rp, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    expect(await scopesSeenByApi(String(refreshed.body.access_token))).toEqual(
      expect.arrayContaining(['read', 'write']),
    );
  });

  test('a later sign-in in another browser reuses the consented grant without asking again', async () => {
    const start = await forApi('openid read write', undefined);
    const browser = new BrowserSession(server.issuer);
    // Which forms the browser posts tells whether consent was asked, whatever the pages say.
    const posted: string[] = [];
    const request = browser.request.bind(browser);
    browser.request = (url, init) => {
      if (init?.form) posted.push(new URL(url, server.issuer).pathname.split('/').pop() ?? '');
      return request(url, init);
    };
    const tokens = await exchange(rp, start, await authorize(browser, start, email, PASSWORD));
    expect(posted).toEqual(['login']);
    expect(await scopesSeenByApi(tokens.access_token)).toEqual(expect.arrayContaining(['read', 'write']));
  });
}
