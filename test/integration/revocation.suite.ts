// Tokens that can be recalled. Every change to an account or grant shows at introspection,
// userinfo and the token endpoint at once; theft of a refresh token is detected, audited and shown.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Actor } from '../../src/accounts/account-security.js';
import { BrowserSession, csrfFrom, formAction } from '../support/browser-session.js';
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
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { manualClock } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';

const PASSWORD = 'correct horse battery staple';
const OPERATOR: Actor = { via: 'cli' };

export function revocationSuite(store: StoreKind): void {
  let server: TestServer;
  let rp: RelyingParty;
  let other: RelyingParty;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer({ store });
    const a = await server.signet.clients.create({ name: 'Notes', redirectUris: [REDIRECT_URI] });
    const b = await server.signet.clients.create({ name: 'Photos', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, a.client_id, a.client_secret ?? '');
    other = await relyingParty(server.issuer, b.client_id, b.client_secret ?? '');
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  /** A fresh user per test, so one test's revocations cannot help another pass. */
  const newUser = async () => {
    const email = `user${++n}-${store}@example.com`;
    const account = await server.signet.accounts.create({ email, password: PASSWORD });
    return { email, account };
  };

  const signIn = async (email: string, client = rp, scope?: string) => {
    const start = await startAuthorization(client, scope);
    const browser = new BrowserSession(server.issuer);
    const tokens = await exchange(client, start, await authorize(browser, start, email, PASSWORD));
    return { browser, tokens };
  };

  const userinfoStatus = async (accessToken: string) =>
    (await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;

  const refresh = (client: RelyingParty, refreshToken: string) =>
    tokenRequest(server.issuer, client, { grant_type: 'refresh_token', refresh_token: refreshToken });

  const expectDead = async (tokens: { access_token: string; refresh_token?: string }, client = rp) => {
    expect((await introspect(server.issuer, client, tokens.access_token)).active).toBe(false);
    expect(await userinfoStatus(tokens.access_token)).toBe(401);
    expect((await refresh(client, tokens.refresh_token ?? '')).body.error).toBe('invalid_grant');
  };

  /** Signs in to /account through Signet itself; resolves with the account page's HTML. */
  const openAccountPage = async (browser: BrowserSession, email: string) => {
    let page = await browser.follow(`${server.issuer}/account`);
    if (page.body.includes('type="password"') && page.body.includes('/login"')) {
      const posted = await browser.request(formAction(page.body, '/login'), {
        form: { email, password: PASSWORD, csrf: csrfFrom(page.body) },
      });
      page = await browser.follow(posted.location ?? '');
    }
    expect(page.status).toBe(200);
    expect(page.body).toContain('Your account');
    return page.body;
  };

  test('disabling an account: introspection, userinfo and refresh all refuse its tokens at once', async () => {
    const { email, account } = await newUser();
    const { tokens } = await signIn(email);
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(true);
    await server.signet.security.disable(account, OPERATOR);
    await expectDead(tokens);
    // Enabling again brings nothing back: the user signs in afresh.
    await server.signet.security.enable(account, OPERATOR);
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
  });

  test('a disabled account is refused even before any revocation runs (findAccount reads the store)', async () => {
    const { email, account } = await newUser();
    const { tokens } = await signIn(email);
    // Only the flag, no revocation: the store read on every call is what refuses.
    await server.signet.store.accounts.update(account.id, { disabled: true }, Date.now());
    await expectDead(tokens);
  });

  test('deleting an account and changing its password end its tokens at once', async () => {
    const first = await newUser();
    const a = await signIn(first.email);
    await server.signet.security.delete(first.account, OPERATOR);
    await expectDead(a.tokens);

    const second = await newUser();
    const b = await signIn(second.email);
    await server.signet.security.setPassword(second.account, 'a brand new passphrase', OPERATOR);
    await expectDead(b.tokens);
    expect(await server.signet.accounts.authenticate(second.email, 'a brand new passphrase')).toBeDefined();
  });

  test('grant revoke by user and client kills only that client', async () => {
    const { email, account } = await newUser();
    const notes = await signIn(email, rp);
    const photos = await signIn(email, other);
    expect(await server.signet.security.revokeApps(account, rp.clientId, OPERATOR)).toEqual([rp.clientId]);
    await expectDead(notes.tokens, rp);
    expect((await introspect(server.issuer, other, photos.tokens.access_token)).active).toBe(true);
  });

  test('reuse of a rotated refresh token: grant revoked, audit event with client, account, IP and UA, notice on the account page', async () => {
    const { email, account } = await newUser();
    const { tokens } = await signIn(email);
    const rotated = await refresh(rp, tokens.refresh_token ?? '');
    expect(rotated.status).toBe(200);
    const reuse = await refresh(rp, tokens.refresh_token ?? '');
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await introspect(server.issuer, rp, String(rotated.body.access_token))).active).toBe(false);
    expect((await refresh(rp, String(rotated.body.refresh_token))).body.error).toBe('invalid_grant');

    const events = await server.signet.audit.list({
      accountId: account.id,
      types: ['refresh_token.reuse_detected'],
      limit: 5,
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ clientId: rp.clientId, accountId: account.id });
    expect(events[0]?.ip).toMatch(/127\.0\.0\.1/);
    expect(events[0]?.userAgent).toBeTruthy();
    expect(JSON.stringify(events[0])).not.toContain(tokens.refresh_token ?? '!');

    const page = await openAccountPage(new BrowserSession(server.issuer), email);
    expect(page).toContain('already been used was presented again');
  });

  test('50 parallel refreshes with one token: exactly one success, every loser invalid_grant', async () => {
    const { email } = await newUser();
    const { tokens } = await signIn(email);
    const results = await Promise.all(Array.from({ length: 50 }, () => refresh(rp, tokens.refresh_token ?? '')));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'invalid_grant')).toBe(true);
    // With no leeway (the default), the old token presented once more is theft: everything goes.
    expect((await refresh(rp, tokens.refresh_token ?? '')).body.error).toBe('invalid_grant');
    expect((await introspect(server.issuer, rp, String(winners[0]?.body.access_token))).active).toBe(false);
  });

  test('the account page: sessions, connected apps; revoking an app makes its tokens inactive at introspection', async () => {
    const { email } = await newUser();
    const { tokens } = await signIn(email);
    const browser = new BrowserSession(server.issuer);
    let page = await openAccountPage(browser, email);
    expect(page).toContain(email);
    expect(page).toContain('Notes');
    expect(page).toContain('this device');
    // No token ever reaches the browser: only opaque cookies.
    expect(browser.cookieNames()).toContain('signet.account');
    expect(page).not.toContain(tokens.access_token);

    // Revoking asks first: the link leads to a confirmation page whose form does it.
    const confirm = (await browser.follow(`${server.issuer}/account/apps/${encodeURIComponent(rp.clientId)}/revoke`))
      .body;
    const action = formAction(confirm, `/account/apps/${encodeURIComponent(rp.clientId)}/revoke`);
    const revoked = await browser.request(action, { form: { csrf: csrfFrom(confirm) } });
    expect(revoked.status).toBe(303);
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
    page = (await browser.follow(revoked.location ?? '')).body;
    expect(page).toContain('Access was revoked');
    expect(page).not.toContain('<strong>Notes</strong>');

    // Without the CSRF token nothing happens.
    const again = await signIn(email);
    const forged = await browser.request(action, { form: {} });
    expect(forged.status).toBe(403);
    expect((await introspect(server.issuer, rp, again.tokens.access_token)).active).toBe(true);
  });

  test('the account page: ending a session and changing the password', async () => {
    const { email } = await newUser();
    const laptop = await signIn(email, rp, 'openid email');
    const browser = new BrowserSession(server.issuer);
    let page = await openAccountPage(browser, email);
    // Every session's own form; "others" is the sign-out-everywhere-else form.
    const sessionIds = [...page.matchAll(/action="\/account\/sessions\/([^/]+)\/end"/g)]
      .map((m) => decodeURIComponent(m[1] ?? ''))
      .filter((id) => id !== 'others');
    expect(sessionIds.length).toBe(2);
    // The laptop's session-bound access token (no offline_access) dies with its session.
    const here = browser.cookieValue('signet.session');
    expect(sessionIds).toContain(here);
    const other = sessionIds.find((id) => id !== here) ?? '';
    const ended = await browser.request(`/account/sessions/${encodeURIComponent(other)}/end`, {
      form: { csrf: csrfFrom(page) },
    });
    expect(ended.status).toBe(303);
    expect((await introspect(server.issuer, rp, laptop.tokens.access_token)).active).toBe(false);

    page = (await browser.follow(ended.location ?? '')).body;
    const wrong = await browser.request('/account/password', {
      form: {
        csrf: csrfFrom(page),
        current_password: 'not it',
        new_password: 'another passphrase',
        confirm_password: 'another passphrase',
      },
    });
    expect(wrong.status).toBe(400);
    const ok = await browser.request('/account/password', {
      form: {
        csrf: csrfFrom(page),
        current_password: PASSWORD,
        new_password: 'another passphrase',
        confirm_password: 'another passphrase',
      },
    });
    expect(ok.status).toBe(303);
    expect(await server.signet.accounts.authenticate(email, 'another passphrase')).toBeDefined();
    expect(await server.signet.accounts.authenticate(email, PASSWORD)).toBeUndefined();
    // A new password ends every session, this page's own included: it asks for a sign-in again.
    page = (await browser.follow(ok.location ?? '')).body;
    expect(page).toContain('/login"');
    expect(page).not.toContain(email);
  });

  test('logout ends the session and the tokens tied to it', async () => {
    const { email } = await newUser();
    const { browser, tokens } = await signIn(email, rp, 'openid email');
    const end = new URL(`${server.issuer}/session/end`);
    end.searchParams.set('id_token_hint', tokens.id_token ?? '');
    const confirm = await browser.request(end.toString());
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    await browser.request(action, { form: { xsrf, logout: 'yes' } });
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
  });

  test('the audit trail records logins, failures, consent and token issuance without secrets', async () => {
    const { email, account } = await newUser();
    const start = await startAuthorization(rp);
    const browser = new BrowserSession(server.issuer);
    const login = await browser.follow(start.url);
    await browser.request(formAction(login.body, '/login'), {
      form: { email, password: 'wrong password', csrf: csrfFrom(login.body) },
    });
    const tokens = await exchange(rp, start, await authorize(browser, start, email, PASSWORD));
    await oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '');
    const types = (await server.signet.audit.list({ accountId: account.id, limit: 50 })).map((e) => e.type);
    for (const t of ['login.succeeded', 'consent.granted', 'token.issued', 'token.refreshed'])
      expect(types).toContain(t);
    const failures = await server.signet.audit.list({ types: ['login.failed'], limit: 50 });
    expect(failures.length).toBeGreaterThan(0);
    const everything = JSON.stringify(await server.signet.audit.list({ limit: 1000 }));
    for (const secret of [PASSWORD, 'wrong password', tokens.access_token, tokens.refresh_token ?? '!', email]) {
      expect(everything).not.toContain(secret);
    }
  });
}

/** Expiry is enforced by store reads (an injected clock), not by TTL indexes or sweeps. */
export function expirySuite(store: StoreKind): void {
  test('expired codes, access tokens and sessions are refused while the store still holds them', async () => {
    const clock = manualClock(Date.now());
    const server = await startTestServer({ store, overrides: { clock: clock.now, sweepIntervalMs: 3_600_000 } });
    try {
      const c = await server.signet.clients.create({ name: 'Clocked', redirectUris: [REDIRECT_URI] });
      const rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
      await server.signet.accounts.create({ email: 'clock@example.com', password: PASSWORD });

      const first = await startAuthorization(rp);
      const browser = new BrowserSession(server.issuer);
      const tokens = await exchange(rp, first, await authorize(browser, first, 'clock@example.com', PASSWORD));

      const second = await startAuthorization(rp);
      const callback = await authorize(browser, second, 'clock@example.com', PASSWORD);
      clock.advance(61_000); // authorization codes live 60 s
      const late = await tokenRequest(server.issuer, rp, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT_URI,
        code_verifier: second.verifier,
      });
      expect(late.body.error).toBe('invalid_grant');

      clock.advance(600_000); // access tokens live 10 min
      expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
      const stillStored = await server.signet.store.oidc.list('AccessToken', 10);
      expect(stillStored).toHaveLength(0); // reads refuse it...
      // ...and the refresh token (14 days) still works.
      expect(
        (
          await tokenRequest(server.issuer, rp, {
            grant_type: 'refresh_token',
            refresh_token: tokens.refresh_token ?? '',
          })
        ).status,
      ).toBe(200);

      clock.advance(4 * 24 * 3600_000); // past the 3-day session idle limit
      const again = await browser.follow((await startAuthorization(rp)).url);
      expect(again.body).toContain('type="password"');
    } finally {
      await server.destroy();
    }
  });

  test('with a reuse leeway, two tabs racing keep the grant; after the leeway, reuse is theft', async () => {
    const clock = manualClock(Date.now());
    const server = await startTestServer({
      store,
      env: { REFRESH_TOKEN_REUSE_LEEWAY: '10' },
      overrides: { clock: clock.now },
    });
    try {
      const c = await server.signet.clients.create({ name: 'Tabs', redirectUris: [REDIRECT_URI] });
      const rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
      await server.signet.accounts.create({ email: 'tabs@example.com', password: PASSWORD });
      const start = await startAuthorization(rp);
      const tokens = await exchange(
        rp,
        start,
        await authorize(new BrowserSession(server.issuer), start, 'tabs@example.com', PASSWORD),
      );
      const form = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' };
      const results = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(server.issuer, rp, form)));
      const winner = results.find((r) => r.status === 200);
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      // A second tab a moment later: refused, but the grant (and the winner's tokens) live on.
      clock.advance(5_000);
      expect((await tokenRequest(server.issuer, rp, form)).body.error).toBe('invalid_grant');
      expect((await introspect(server.issuer, rp, String(winner?.body.access_token))).active).toBe(true);
      // Past the leeway the same presentation is theft.
      clock.advance(6_000);
      expect((await tokenRequest(server.issuer, rp, form)).body.error).toBe('invalid_grant');
      expect((await introspect(server.issuer, rp, String(winner?.body.access_token))).active).toBe(false);
    } finally {
      await server.destroy();
    }
  });

  test('the concurrent-session cap ends the oldest session first', async () => {
    const server = await startTestServer({ store, env: { MAX_SESSIONS_PER_ACCOUNT: '2' } });
    try {
      const c = await server.signet.clients.create({ name: 'Capped', redirectUris: [REDIRECT_URI] });
      const rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
      const account = await server.signet.accounts.create({ email: 'cap@example.com', password: PASSWORD });
      const browsers = [
        new BrowserSession(server.issuer),
        new BrowserSession(server.issuer),
        new BrowserSession(server.issuer),
      ];
      const sessions: string[] = [];
      for (const browser of browsers) {
        const start = await startAuthorization(rp, 'openid');
        await exchange(rp, start, await authorize(browser, start, 'cap@example.com', PASSWORD));
        sessions.push(browser.cookieValue('signet.session') ?? '');
      }
      const live = (await server.signet.store.oidc.findByAccount('Session', account.id)).map((s) => s.id);
      expect(live.sort()).toEqual([sessions[1], sessions[2]].sort());
    } finally {
      await server.destroy();
    }
  });
}
