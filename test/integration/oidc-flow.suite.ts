// The relying party's whole journey, over HTTP against a started server; run once per store.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
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
import { stopIfStarted } from '../support/teardown.js';

const EMAIL = 'alice@example.com';
const PASSWORD = 'correct horse battery staple';
const LOGGED_OUT_URI = 'http://127.0.0.1:8787/bye';

export function oidcFlowSuite(store: StoreKind): void {
  let server: TestServer;
  let rp: RelyingParty;
  let accountId: string;

  beforeAll(async () => {
    server = await startTestServer({ store });
    accountId = (
      await server.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Alice', emailVerified: true })
    ).id;
    const client = await server.signet.clients.create({
      name: 'Test RP',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [LOGGED_OUT_URI],
    });
    rp = await relyingParty(server.issuer, client.client_id, client.client_secret ?? '');
  });

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  const signIn = async () => {
    const start = await startAuthorization(rp);
    const browser = new BrowserSession(server.issuer);
    const callback = await authorize(browser, start, EMAIL, PASSWORD);
    return { start, callback, browser, tokens: await exchange(rp, start, callback) };
  };

  test('code + PKCE: id_token verifies against jwks_uri, userinfo answers, introspection sees the token', async () => {
    const { start, callback, tokens } = await signIn();
    expect(callback.searchParams.get('iss')).toBe(server.issuer);

    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token ?? '', jwks, {
      issuer: server.issuer,
      audience: rp.clientId,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe(accountId);
    expect(payload.nonce).toBe(start.nonce);
    // OIDC Core 5.4: with an access token issued, the scope claims are read at userinfo (below).
    expect(payload).not.toHaveProperty('email');
    expect(typeof payload.exp).toBe('number');
    expect((payload.exp ?? 0) * 1000).toBeGreaterThan(Date.now());

    // Access and refresh tokens are opaque references, not JWTs.
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(tokens.refresh_token?.split('.')).toHaveLength(1);

    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, accountId);
    expect(info).toMatchObject({ sub: accountId, email: EMAIL, email_verified: true, name: 'Alice' });

    const active = await introspect(server.issuer, rp, tokens.access_token);
    expect(active).toMatchObject({ active: true, sub: accountId, client_id: rp.clientId });
  });

  test('an account whose address nobody vouched for is released as email_verified: false, in the id_token and at userinfo', async () => {
    const email = 'unproven@example.com';
    const unproven = await server.signet.accounts.create({ email, password: PASSWORD });
    // The claims parameter puts the email claims into the id_token too, beside the access token's userinfo.
    const claims = JSON.stringify({ id_token: { email: null, email_verified: null } });
    const start = await startAuthorization(rp, 'openid email', 'consent', { claims });
    const callback = await authorize(new BrowserSession(server.issuer), start, email, PASSWORD);
    const tokens = await exchange(rp, start, callback);

    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload } = await jwtVerify(tokens.id_token ?? '', jwks, { issuer: server.issuer, audience: rp.clientId });
    expect(payload).toMatchObject({ sub: unproven.id, email, email_verified: false });
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, unproven.id);
    expect(info).toMatchObject({ sub: unproven.id, email, email_verified: false });
  });

  test('the store holds no usable token: bearer ids are kept only as hashes', async () => {
    const { tokens } = await signIn();
    const stored = JSON.stringify(
      await Promise.all(
        (['AccessToken', 'RefreshToken', 'AuthorizationCode'] as const).map((m) =>
          server.signet.store.oidc.list(m, 1000),
        ),
      ),
    );
    expect(stored).toContain('sha256.');
    expect(stored).not.toContain(tokens.access_token);
    expect(stored).not.toContain(tokens.refresh_token ?? '!');
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(true);
  });

  test('refresh rotates; a rotated token presented again revokes the whole grant', async () => {
    const { tokens } = await signIn();
    const first = tokens.refresh_token ?? '';
    const rotated = await oidc.refreshTokenGrant(rp.config, first);
    expect(rotated.refresh_token).toBeDefined();
    expect(rotated.refresh_token).not.toBe(first);
    expect((await introspect(server.issuer, rp, rotated.access_token)).active).toBe(true);

    const reuse = await tokenRequest(server.issuer, rp, { grant_type: 'refresh_token', refresh_token: first });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');

    // Theft assumed: everything issued from that grant is dead.
    expect((await introspect(server.issuer, rp, rotated.access_token)).active).toBe(false);
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
    const after = await tokenRequest(server.issuer, rp, {
      grant_type: 'refresh_token',
      refresh_token: rotated.refresh_token ?? '',
    });
    expect(after.body.error).toBe('invalid_grant');
  });

  test('a replayed authorization code is refused and the tokens it gave are revoked', async () => {
    const { start, callback, tokens } = await signIn();
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(true);
    const replay = await tokenRequest(server.issuer, rp, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT_URI,
      code_verifier: start.verifier,
    });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
  });

  test('revocation (RFC 7009) shows at introspection at once', async () => {
    const { tokens } = await signIn();
    await oidc.tokenRevocation(rp.config, tokens.access_token);
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
    await oidc.tokenRevocation(rp.config, tokens.refresh_token ?? '');
    const refresh = await tokenRequest(server.issuer, rp, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  test('20 parallel redemptions of one code: exactly one gets tokens', async () => {
    const start = await startAuthorization(rp);
    const callback = await authorize(new BrowserSession(server.issuer), start, EMAIL, PASSWORD);
    const form = {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT_URI,
      code_verifier: start.verifier,
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(server.issuer, rp, form)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('invalid_grant');
    }
  });

  test('20 parallel refreshes with one token: exactly one succeeds', async () => {
    const { tokens } = await signIn();
    const form = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' };
    const results = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(server.issuer, rp, form)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.every((r) => r.status === 200 || r.body.error === 'invalid_grant')).toBe(true);
  });

  test('consent is remembered for the same client and scopes', async () => {
    await signIn();
    const start = await startAuthorization(rp, 'openid email');
    const url = new URL(start.url);
    url.searchParams.delete('prompt');
    const browser = new BrowserSession(server.issuer);
    const login = await browser.follow(url.toString());
    const after = await browser.request(formAction(login.body, '/login'), {
      form: { email: EMAIL, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    const landing = await browser.follow(after.location ?? '');
    // Straight back to the client: no consent page this time.
    expect(landing.status).toBe(303);
    expect(landing.location).toContain(`${REDIRECT_URI}?code=`);
  });

  test('a wrong password gets the one generic message, the form again, and no redirect', async () => {
    const start = await startAuthorization(rp);
    const browser = new BrowserSession(server.issuer);
    const login = await browser.follow(start.url);
    for (const [email, password] of [
      [EMAIL, 'wrong password!'],
      ['nobody@example.com', PASSWORD],
      ['', ''],
      [EMAIL, 'x'.repeat(5000)],
    ] as const) {
      const res = await browser.request(formAction(login.body, '/login'), {
        form: { email, password, csrf: csrfFrom(login.body) },
      });
      expect(res.status).toBe(200);
      expect(res.location).toBeNull();
      expect(res.body).toContain('Invalid email or password.');
    }
  });

  test('a login POST without the CSRF token is refused with a page, not a 500', async () => {
    const start = await startAuthorization(rp);
    const browser = new BrowserSession(server.issuer);
    const login = await browser.follow(start.url);
    const res = await browser.request(formAction(login.body, '/login'), { form: { email: EMAIL, password: PASSWORD } });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<h1>');
  });

  test('unknown client and unregistered redirect_uri: an error page, never a redirect', async () => {
    const browser = new BrowserSession(server.issuer);
    const unknown = await browser.request(
      `/auth?client_id=nope&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.location).toBeNull();
    expect(unknown.body).toContain('invalid_client');

    const evil = await browser.request(
      `/auth?client_id=${rp.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
    );
    expect(evil.status).toBe(400);
    expect(evil.location).toBeNull();
    expect(evil.body).toContain('redirect_uri');
  });

  test('PKCE is required even for confidential clients', async () => {
    const browser = new BrowserSession(server.issuer);
    const res = await browser.request(
      `/auth?client_id=${rp.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=s1`,
    );
    // The client is known and the redirect registered, so the error goes back to it.
    expect(res.status).toBe(303);
    const back = new URL(res.location ?? '');
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  test('malformed token requests get OAuth error JSON, never a 500', async () => {
    const cases: Array<{ body: string; type: string; auth?: string }> = [
      { body: 'grant_type=authorization_code', type: 'application/x-www-form-urlencoded' },
      { body: 'grant_type=password&username=a&password=b', type: 'application/x-www-form-urlencoded' },
      { body: 'grant_type=refresh_token&refresh_token=not-a-token', type: 'application/x-www-form-urlencoded' },
      { body: '{"grant_type":"authorization_code"}', type: 'application/json' },
      { body: '%%%&&&=', type: 'application/x-www-form-urlencoded' },
      {
        body: 'grant_type=authorization_code&code=x',
        type: 'application/x-www-form-urlencoded',
        auth: 'Basic !!!notbase64',
      },
    ];
    for (const c of cases) {
      const res = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': c.type,
          authorization: c.auth ?? `Basic ${Buffer.from(`${rp.clientId}:${rp.clientSecret}`).toString('base64')}`,
        },
        body: c.body,
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const json = (await res.json()) as { error?: string };
      expect(typeof json.error).toBe('string');
    }
    const badSecret = await tokenRequest(
      server.issuer,
      { clientId: rp.clientId, clientSecret: 'wrong' },
      { grant_type: 'refresh_token', refresh_token: 'x' },
    );
    expect(badSecret.status).toBe(401);
    expect(badSecret.body.error).toBe('invalid_client');
  });

  test('RP-initiated logout: our confirmation page, then back to the registered URI; the session is gone', async () => {
    const { browser, tokens } = await signIn();
    const end = new URL(`${server.issuer}/session/end`);
    end.searchParams.set('id_token_hint', tokens.id_token ?? '');
    end.searchParams.set('post_logout_redirect_uri', LOGGED_OUT_URI);
    end.searchParams.set('state', 'bye-state');
    const confirm = await browser.request(end.toString());
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Sign out?');
    expect(confirm.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const done = await browser.request(action, { form: { xsrf, logout: 'yes' } });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${LOGGED_OUT_URI}?state=bye-state`);

    // Signed out: the next authorization asks for the password again.
    const again = await browser.follow((await startAuthorization(rp)).url);
    expect(again.body).toContain('type="password"');
  });

  test('pages carry the security headers and no-store', async () => {
    const start = await startAuthorization(rp);
    const login = await new BrowserSession(server.issuer).follow(start.url);
    const csp = login.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(login.headers.get('x-content-type-options')).toBe('nosniff');
    expect(login.headers.get('referrer-policy')).toBe('no-referrer');
    expect(login.headers.get('cache-control')).toBe('no-store');
  });

  test('health and readiness', async () => {
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200);
  });
}

export function restartSuite(store: StoreKind): void {
  test('users, clients, keys and refresh tokens survive a restart on the same store', async () => {
    const first = await startTestServer({ store });
    await first.signet.accounts.create({ email: EMAIL, password: PASSWORD });
    const client = await first.signet.clients.create({ name: 'Survivor', redirectUris: [REDIRECT_URI] });
    let rp = await relyingParty(first.issuer, client.client_id, client.client_secret ?? '');
    const start = await startAuthorization(rp);
    const tokens = await exchange(rp, start, await authorize(new BrowserSession(first.issuer), start, EMAIL, PASSWORD));
    const jwksBefore = await (await fetch(`${first.issuer}/jwks`)).json();
    await first.stop();

    const second = await startTestServer({ store, dataDir: first.dataDir, mongoDb: first.mongoDb, port: first.port });
    try {
      expect(await (await fetch(`${second.issuer}/jwks`)).json()).toEqual(jwksBefore);
      rp = await relyingParty(second.issuer, client.client_id, client.client_secret ?? '');
      const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token ?? '');
      expect(refreshed.access_token).toBeDefined();
      expect(await second.signet.accounts.authenticate(EMAIL, PASSWORD)).toBeDefined();
    } finally {
      await second.destroy();
    }
  });
}

export function registrationSuite(store: StoreKind): void {
  describe('dynamic registration', () => {
    let server: TestServer;
    const iat = 'initial-access-token-0123456789';
    beforeAll(async () => {
      server = await startTestServer({ store, env: { INITIAL_ACCESS_TOKEN: iat } });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    const register = (body: unknown, token: string | null = iat) =>
      fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    test('requires the initial access token, then registers a confidential client that can sign in', async () => {
      expect((await register({ redirect_uris: [REDIRECT_URI] }, null)).status).toBe(401);
      expect((await register({ redirect_uris: [REDIRECT_URI] }, 'wrong-token-0123456789')).status).toBe(401);
      const res = await register({ redirect_uris: [REDIRECT_URI], client_name: 'Dyn' });
      expect(res.status).toBe(201);
      const meta = (await res.json()) as { client_id: string; client_secret: string };
      await server.signet.accounts.create({ email: 'dyn@example.com', password: PASSWORD });
      const rp = await relyingParty(server.issuer, meta.client_id, meta.client_secret);
      const start = await startAuthorization(rp);
      const tokens = await exchange(
        rp,
        start,
        await authorize(new BrowserSession(server.issuer), start, 'dyn@example.com', PASSWORD),
      );
      expect(tokens.id_token).toBeDefined();
      // The secret is stored as a keyed hash, never in the clear.
      const stored = await server.signet.store.oidc.find('Client', meta.client_id);
      expect(stored?.client_secret).not.toBe(meta.client_secret);
    });

    test('invalid metadata is refused with a precise error and nothing is stored', async () => {
      const before = (await server.signet.clients.list()).length;
      const bad: Array<[unknown, string]> = [
        [{ redirect_uris: ['https://rp.example/cb#frag'] }, 'invalid_redirect_uri'],
        [{ redirect_uris: 'not-an-array' }, 'invalid_redirect_uri'],
        [{ redirect_uris: [REDIRECT_URI], id_token_signed_response_alg: 'none' }, 'invalid_client_metadata'],
        [{ redirect_uris: [REDIRECT_URI], id_token_signed_response_alg: 'HS256' }, 'invalid_client_metadata'],
        [{ redirect_uris: [REDIRECT_URI], response_types: ['token'] }, 'invalid_client_metadata'],
      ];
      for (const [body, error] of bad) {
        const res = await register(body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: string }).error).toBe(error);
      }
      const malformed = await register('{not json');
      expect(malformed.status).toBe(400);
      expect((await server.signet.clients.list()).length).toBe(before);
    });
  });
}
