// An API's own second-factor policy: the operator keeps some of a resource server's scopes for a
// multi-factor sign-in (client create --mfa-scope). A password session asking for one is asked for its
// code alone, in the same authorization request; an account without a second factor gets its token
// without those scopes; a refresh and a machine client follow the same rule; only the operator sets it.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Secret, TOTP } from 'otpauth';
import { addAuthenticatorApp } from '../support/two-step.js';
import { BrowserSession, csrfFrom, formAction } from '../support/browser-session.js';
import { expectOneLineError, jsonLine, runCli } from '../support/run-cli.js';
import {
  authorize,
  exchange,
  introspect,
  relyingParty,
  REDIRECT_URI,
  startAuthorization,
  tokenRequest,
  toCallback,
  walkThroughSignIn,
  type RelyingParty,
} from '../support/sign-in.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { manualClock, type ManualClock } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';
import { textOf } from '../support/text.js';
import { basicAuth } from '../support/user-agent.js';

const API = 'https://api.example';
const PASSWORD = 'a ledger in the left drawer';
const IAT = 'initial-access-token-for-api-acr';
const STEP_MS = 30_000;
const MFA = 'urn:signet:acr:mfa';

export function apiAcrSuite(store: StoreKind): void {
  let smtp: TestSmtpServer;
  let server: TestServer & { mongoDb: string };
  let clock: ManualClock;
  let rp: RelyingParty;
  let api: { clientId: string; clientSecret: string };
  let n = 0;
  const fresh = (tag: string) => `${tag}-${++n}-${store}@example.test`;
  const newBrowser = () => new BrowserSession(server.issuer, { 'x-forwarded-for': `203.0.113.${++n}` });
  const codeNow = (secret: string) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now() });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    clock = manualClock(Date.now());
    server = await startTestServer({
      store,
      env: {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Signet <signet@example.test>',
        TRUST_PROXY: '1',
        INITIAL_ACCESS_TOKEN: IAT,
      },
      overrides: { clock: clock.now },
    });
    const registered = await server.signet.clients.create({
      name: 'Ledger API',
      type: 'resource-server',
      resource: API,
      scope: 'read write',
      mfaScopes: 'write',
    });
    api = { clientId: registered.client_id, clientSecret: registered.client_secret ?? '' };
    const web = await server.signet.clients.create({ name: 'Ledger', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, web.client_id, web.client_secret ?? '');
  }, 60_000);
  afterAll(async () => {
    await stopIfStarted(server, (s) => s.destroy());
    await stopIfStarted(smtp, (s) => s.close());
  });

  /** What the API learns of a token: its scopes (sorted) and the sign-in behind it. */
  const seenByApi = async (token: string, by = api) => {
    const seen = await introspect(server.issuer, by, token);
    expect(seen).toMatchObject({ active: true });
    return { scopes: textOf(seen.scope).split(' ').sort(), acr: seen.acr };
  };

  /** A request to the API for `scope`, through the relying party. */
  const forApi = (scope: string, resource = API) =>
    startAuthorization(rp, `openid offline_access ${scope}`, 'consent', { resource });

  /**
   * An account that signed in on /account with its password, then added an app there: its browser's
   * session stays a password sign-in (the app came after it).
   */
  const enrolled = async () => {
    const email = fresh('ledger');
    await server.signet.accounts.create({ email, password: PASSWORD, emailVerified: true });
    const browser = newBrowser();
    const home = await walkThroughSignIn(browser, `${server.issuer}/account`, email, PASSWORD);
    const { secret, confirmed } = await addAuthenticatorApp(browser, server.issuer, home, PASSWORD, codeNow);
    expect(confirmed.status).toBe(200);
    // The confirming code's step is spent.
    clock.advance(STEP_MS);
    return { secret, browser };
  };

  test('a password session asking for an mfa scope is asked for its code only, then the API sees write and acr mfa', async () => {
    const { secret, browser } = await enrolled();
    const start = await forApi('read write');
    const page = await browser.follow(start.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('/two-step"');
    expect(page.body).not.toContain('/login"');
    const answered = await browser.request(formAction(page.body, '/two-step'), {
      form: { csrf: csrfFrom(page.body), code: codeNow(secret) },
    });
    expect(answered.status).toBe(303);
    const tokens = await exchange(rp, start, await toCallback(browser, answered.location ?? ''));
    expect(tokens.claims()).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
    const seen = await introspect(server.issuer, api, tokens.access_token);
    expect(seen).toMatchObject({ active: true, aud: API, acr: MFA, auth_time: expect.any(Number) });
    expect(textOf(seen.scope).split(' ')).toEqual(expect.arrayContaining(['read', 'write']));
    // A refresh keeps the sign-in's class, and so the scope.
    const refreshed = await tokenRequest(server.issuer, rp, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.refresh_token),
    });
    expect(await seenByApi(String(refreshed.body.access_token))).toEqual({ scopes: ['read', 'write'], acr: MFA });
  });

  test('asking only for scopes without the rule, the same kind of session is not stepped up', async () => {
    const { browser } = await enrolled();
    const start = await forApi('read');
    const page = await browser.follow(start.url);
    expect(page.body).not.toContain('/two-step"');
    const tokens = await exchange(rp, start, await toCallback(browser, start.url));
    expect(await seenByApi(tokens.access_token)).toEqual({ scopes: ['read'], acr: 'urn:signet:acr:pwd' });
  });

  test('an account without a second factor signs in with its password and its token lacks the mfa scope', async () => {
    const email = fresh('plain');
    await server.signet.accounts.create({ email, password: PASSWORD });
    const start = await forApi('read write');
    const tokens = await exchange(rp, start, await authorize(newBrowser(), start, email, PASSWORD));
    expect(await seenByApi(tokens.access_token)).toEqual({ scopes: ['read'], acr: 'urn:signet:acr:pwd' });
    // A refresh cannot widen it: the refresh token never had the scope.
    const refreshed = await tokenRequest(server.issuer, rp, {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.refresh_token),
      scope: 'openid offline_access read write',
    });
    expect(refreshed.body).toMatchObject({ error: 'invalid_scope' });
  });

  test('a rule added later holds at the next refresh and sign-in, even where write was consented; cleared, it is back', async () => {
    const reports = 'https://reports.example';
    const email = fresh('before');
    await server.signet.accounts.create({ email, password: PASSWORD });
    await server.signet.clients.create({
      name: 'Reports',
      type: 'resource-server',
      resource: reports,
      scope: 'read write',
    });
    const start = await forApi('read write', reports);
    const tokens = await exchange(rp, start, await authorize(newBrowser(), start, email, PASSWORD));
    expect(textOf(tokens.scope).split(' ')).toContain('write');

    await server.signet.clients.update(reports, { mfaScopes: 'write' });
    const refresh = async (token: unknown) =>
      tokenRequest(server.issuer, rp, { grant_type: 'refresh_token', refresh_token: String(token) });
    const refreshed = await refresh(tokens.refresh_token);
    expect(refreshed.status).toBe(200);
    expect(textOf(refreshed.body.scope).split(' ')).not.toContain('write');
    // The consent remembered for write does not bring it back in another browser's password sign-in.
    const again = await forApi('read write', reports);
    const later = await exchange(rp, again, await authorize(newBrowser(), again, email, PASSWORD));
    expect(textOf(later.scope).split(' ')).toEqual(expect.arrayContaining(['read']));
    expect(textOf(later.scope).split(' ')).not.toContain('write');

    await server.signet.clients.update(reports, { mfaScopes: '' });
    const cleared = await refresh(refreshed.body.refresh_token ?? tokens.refresh_token);
    expect(textOf(cleared.body.scope).split(' ')).toContain('write');
  });

  test('a machine client never gets an mfa scope, whatever it was allowed', async () => {
    const svc = await server.signet.clients.create({ name: 'Batch', type: 'service', scope: 'read write' });
    const res = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(svc.client_id, svc.client_secret ?? ''),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read write', resource: API }).toString(),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(await seenByApi(String(body.access_token))).toEqual({ scopes: ['read'], acr: undefined });
  });

  test('dynamic registration cannot set the rule', async () => {
    for (const body of [
      { redirect_uris: [REDIRECT_URI], signet_mfa_scopes: 'write' },
      { grant_types: [], response_types: [], redirect_uris: [], signet_mfa_scopes: 'write' },
    ]) {
      const res = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      const refused = (await res.json()) as Record<string, unknown>;
      expect(refused.error).toBe('invalid_client_metadata');
      expect(textOf(refused.error_description)).toMatch(/signet_mfa_scopes.*operator/);
    }
  });

  test('the CLI sets, shows, clears and refuses the rule in its own flags', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: server.dataDir,
      ISSUER: server.issuer,
      LOG_LEVEL: 'silent',
    };
    delete env.MONGODB_URI;
    if (store === 'mongodb') env.MONGODB_URI = mongoTestUri(server.mongoDb);
    const cli = (...args: string[]) => runCli(args, env);
    const vault = 'https://vault.example';
    const created = jsonLine(
      await cli(
        'client',
        'create',
        '--name',
        'Vault',
        '--type',
        'resource-server',
        '--resource',
        vault,
        '--scope',
        'read write admin',
        '--mfa-scope',
        'write admin',
      ),
    );
    expect(created.client_id).toBe(vault);
    expect(jsonLine(await cli('client', 'show', '--client-id', vault))).toMatchObject({
      mfa_scopes: 'write admin',
      signet_mfa_scopes: 'write admin',
    });
    expectOneLineError(
      await cli('client', 'update', '--client-id', vault, '--mfa-scope', 'delete'),
      /--mfa-scope names scopes the API does not offer.*delete/,
    );
    expectOneLineError(
      await cli('client', 'update', '--client-id', vault, '--scope', 'read write'),
      /--scope leaves out .*admin.*--mfa-scope/,
    );
    expectOneLineError(
      await cli('client', 'create', '--name', 'Batch', '--type', 'service', '--scope', 'read', '--mfa-scope', 'read'),
      /--mfa-scope applies only to resource-server/,
    );
    expect(jsonLine(await cli('client', 'update', '--client-id', vault, '--mfa-scope', ''))).toMatchObject({
      updated: ['signet_mfa_scopes'],
    });
    const shown = jsonLine(await cli('client', 'show', '--client-id', vault));
    expect(shown.mfa_scopes).toBe('');
    expect(shown).not.toHaveProperty('signet_mfa_scopes');
    const trail = await server.signet.audit.list({ types: ['client.registered', 'client.updated'], limit: 50 });
    expect(trail.filter((e) => e.clientId === vault).map((e) => [e.type, e.details.mfa_scopes])).toEqual(
      expect.arrayContaining([
        ['client.registered', 'write admin'],
        ['client.updated', ''],
      ]),
    );
  }, 60_000);
}
