// What the OpenID Foundation's conformance plans check, held by Signet's own suite: a per-client PKCE
// exemption set only by the operator, POST at the authorization and end-session endpoints, the claims
// request parameter, acr/amr, scope claims at userinfo (OIDC Core 5.4), the standard profile claims,
// registration metadata the plans send, and a key rotation that takes effect at once.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import * as oidc from 'openid-client';
import { ValidationError } from '../../src/errors.js';
import { BrowserSession } from '../support/browser-session.js';
import { expectOneLineError, jsonLine, runCli } from '../support/run-cli.js';
import { authorize, REDIRECT_URI, relyingParty, tokenRequest, type RelyingParty } from '../support/sign-in.js';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const EMAIL = 'conformance@example.com';
const PASSWORD = 'correct horse battery staple';
const LOGGED_OUT_URI = 'http://127.0.0.1:8787/bye';
const IAT = 'conformance-initial-access-token-0123';
const PASSWORD_ACR = 'urn:signet:acr:pwd';
const CLI_TIMEOUT = 60_000;

type Json = Record<string, unknown>;

export function conformanceSuite(store: StoreKind): void {
  let server: TestServer & { mongoDb: string };
  let accountId: string;
  /** A confidential client with the default policy: PKCE required. */
  let strict: RelyingParty;
  /** A confidential client the operator exempted from PKCE. */
  let exempt: RelyingParty;
  let cliEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await startTestServer({ store, env: { INITIAL_ACCESS_TOKEN: IAT } });
    accountId = (
      await server.signet.accounts.create({
        email: EMAIL,
        password: PASSWORD,
        name: 'Conny Formance',
        emailVerified: true,
      })
    ).id;
    const make = async (name: string, pkce?: 'optional') => {
      const c = await server.signet.clients.create({
        name,
        redirectUris: [REDIRECT_URI],
        postLogoutRedirectUris: [LOGGED_OUT_URI],
        ...(pkce ? { pkce } : {}),
      });
      return relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
    };
    strict = await make('Strict RP');
    exempt = await make('Legacy RP', 'optional');
    cliEnv = { ...process.env, DATA_DIR: server.dataDir };
    delete cliEnv.MONGODB_URI;
    delete cliEnv.INITIAL_ACCESS_TOKEN;
    if (store === 'mongodb') cliEnv.MONGODB_URI = mongoTestUri(server.mongoDb);
  });

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  /** An authorization URL without PKCE, as the conformance plans and many relying-party libraries send. */
  const plainRequest = (rp: RelyingParty, params: Record<string, string> = {}) => {
    const url = new URL(`${server.issuer}/auth`);
    const all = {
      client_id: rp.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      ...params,
    };
    for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
    return { url: url.toString(), params: all };
  };

  /** The same with PKCE, for the default (strict) client: `redeem` it with `{ code_verifier: verifier }`. */
  const pkceRequest = async (rp: RelyingParty, params: Record<string, string> = {}) => {
    const verifier = oidc.randomPKCECodeVerifier();
    const request = plainRequest(rp, {
      ...params,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { ...request, pkce: { code_verifier: verifier } };
  };

  const start = (url: string) => ({ url, verifier: '', state: '', nonce: '' });

  /** Code for tokens without a code_verifier; resolves with the verified id_token claims and the tokens. */
  const redeem = async (rp: RelyingParty, callback: URL, extra: Record<string, string> = {}) => {
    const code = callback.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    const res = await tokenRequest(server.issuer, rp, {
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: REDIRECT_URI,
      ...extra,
    });
    expect(res.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload } = await jwtVerify(String(res.body.id_token), jwks, {
      issuer: server.issuer,
      audience: rp.clientId,
    });
    return { idToken: payload, accessToken: String(res.body.access_token), body: res.body };
  };

  const userinfo = async (accessToken: string): Promise<Json> => {
    const res = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };

  /** A fresh browser signs in and consents to whatever the request asks; resolves with the callback. */
  const signIn = (url: string, browser = new BrowserSession(server.issuer)) =>
    authorize(browser, start(url), EMAIL, PASSWORD);

  describe('PKCE: required by default, an operator may exempt a confidential client', () => {
    test('an exempted confidential client completes the code flow without code_challenge', async () => {
      const request = plainRequest(exempt);
      const callback = await signIn(request.url);
      expect(callback.searchParams.get('state')).toBe(request.params.state);
      const { idToken } = await redeem(exempt, callback);
      expect(idToken.sub).toBe(accountId);
      expect(idToken.nonce).toBe(request.params.nonce);
    });

    test('prompt=none without a session answers login_required for it, not a PKCE error', async () => {
      const request = plainRequest(exempt, { prompt: 'none' });
      const res = await new BrowserSession(server.issuer).follow(request.url);
      expect(res.status).toBe(303);
      const callback = new URL(res.location ?? '');
      expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
      expect(callback.searchParams.get('error')).toBe('login_required');
    });

    test('a PKCE an exempted client does send is still checked', async () => {
      const verifier = oidc.randomPKCECodeVerifier();
      const request = plainRequest(exempt, {
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const callback = await signIn(request.url);
      const res = await tokenRequest(server.issuer, exempt, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT_URI,
        code_verifier: oidc.randomPKCECodeVerifier(),
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    });

    test('without the exemption nothing changed: a request without PKCE is refused', async () => {
      const res = await new BrowserSession(server.issuer).follow(plainRequest(strict).url);
      const callback = new URL(res.location ?? '');
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
    });

    test('a public client cannot be exempted: a clear refusal, nothing stored', async () => {
      const before = (await server.signet.clients.list()).length;
      const attempt = server.signet.clients.create({
        name: 'Public',
        redirectUris: [REDIRECT_URI],
        public: true,
        pkce: 'optional',
      });
      await expect(attempt).rejects.toThrow(ValidationError);
      await expect(attempt).rejects.toThrow(/confidential.*PKCE/);
      const native = server.signet.clients.create({
        name: 'App',
        type: 'native',
        redirectUris: ['http://127.0.0.1/cb'],
        pkce: 'optional',
      });
      await expect(native).rejects.toThrow(/confidential/);
      expect((await server.signet.clients.list()).length).toBe(before);
    });

    test('an operator token may carry the exemption (iat create --pkce optional): for the confidential clients it registers only', async () => {
      const issued = await server.signet.clients.initialAccessTokens.create({ pkce: 'optional' });
      expect(issued.pkce).toBe('optional');
      const listed = await server.signet.clients.initialAccessTokens.list();
      expect(listed.find((t) => t.id === issued.id)?.pkce).toBe('optional');
      const register = (body: Json) =>
        fetch(`${server.issuer}/reg`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${issued.initial_access_token}` },
          body: JSON.stringify(body),
        });
      const confidential = (await (await register({ redirect_uris: [REDIRECT_URI] })).json()) as Json;
      const clientId = String(confidential.client_id);
      expect((await server.signet.store.oidc.find('Client', clientId))?.signet_pkce).toBe('optional');
      const rp = await relyingParty(server.issuer, clientId, String(confidential.client_secret));
      await redeem(rp, await signIn(plainRequest(rp).url));
      const events = await server.signet.audit.list({ types: ['client.registered'], limit: 50 });
      expect(events.find((e) => e.clientId === clientId)?.details).toMatchObject({
        via: 'registration',
        pkce: 'optional',
      });
      // A public client registered with the same token still needs PKCE: the token grants nothing to it.
      const pub = (await (
        await register({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' })
      ).json()) as Json;
      expect((await server.signet.store.oidc.find('Client', String(pub.client_id)))?.signet_pkce).toBeUndefined();
      // The default token grants nothing either.
      const plain = (await (
        await fetch(`${server.issuer}/reg`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
          body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }),
        })
      ).json()) as Json;
      expect((await server.signet.store.oidc.find('Client', String(plain.client_id)))?.signet_pkce).toBeUndefined();
    });

    test('never through registration; an RFC 7592 update keeps what the operator set', async () => {
      const register = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI], signet_pkce: 'optional' }),
      });
      expect(register.status).toBe(400);
      expect(await register.json()).toMatchObject({
        error: 'invalid_client_metadata',
        error_description: expect.stringMatching(/signet_pkce.*operator/),
      });

      const created = (await (
        await fetch(`${server.issuer}/reg`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
          body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }),
        })
      ).json()) as Json;
      const clientId = String(created.client_id);
      await server.signet.clients.update(clientId, { pkce: 'optional' });
      const { registration_access_token: rat, registration_client_uri: uri, client_secret: secret } = created;
      const update = await fetch(String(uri), {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${String(rat)}` },
        body: JSON.stringify({
          client_id: clientId,
          client_secret: secret,
          redirect_uris: [REDIRECT_URI],
          client_name: 'Renamed',
        }),
      });
      expect(update.status).toBe(200);
      expect((await server.signet.store.oidc.find('Client', clientId))?.signet_pkce).toBe('optional');
      const rp = await relyingParty(server.issuer, clientId, String(secret));
      await redeem(rp, await signIn(plainRequest(rp).url));
    });

    test(
      'the CLI sets it (--pkce), shows it, audits it, and refuses it for a public client',
      async () => {
        const created = jsonLine(
          await runCli(
            ['client', 'create', '--name', 'CLI legacy', '--redirect-uri', REDIRECT_URI, '--pkce', 'optional'],
            cliEnv,
          ),
        );
        const clientId = String(created.client_id);
        expect(jsonLine(await runCli(['client', 'show', '--client-id', clientId], cliEnv))).toMatchObject({
          pkce: 'optional',
          signet_pkce: 'optional',
        });
        const rp = await relyingParty(server.issuer, clientId, String(created.client_secret));
        await redeem(rp, await signIn(plainRequest(rp).url));

        expect(
          jsonLine(await runCli(['client', 'update', '--client-id', clientId, '--pkce', 'required'], cliEnv)),
        ).toMatchObject({ updated: ['signet_pkce'] });
        expect(jsonLine(await runCli(['client', 'show', '--client-id', clientId], cliEnv))).toMatchObject({
          pkce: 'required',
        });
        // The running server applies a CLI change at its next re-read of its clients, asked for here at once.
        await server.signet.refreshClients();
        const refused = await new BrowserSession(server.issuer).follow(plainRequest(rp).url);
        expect(new URL(refused.location ?? '').searchParams.get('error')).toBe('invalid_request');

        const events = await server.signet.audit.list({ types: ['client.registered', 'client.updated'], limit: 50 });
        const mine = events.filter((e) => e.clientId === clientId).map((e) => ({ type: e.type, pkce: e.details.pkce }));
        expect(mine).toEqual(
          expect.arrayContaining([
            { type: 'client.registered', pkce: 'optional' },
            { type: 'client.updated', pkce: 'required' },
          ]),
        );

        expectOneLineError(
          await runCli(
            ['client', 'create', '--name', 'P', '--redirect-uri', REDIRECT_URI, '--public', '--pkce', 'optional'],
            cliEnv,
          ),
          /confidential/,
        );
        expectOneLineError(
          await runCli(
            ['client', 'create', '--name', 'P', '--redirect-uri', REDIRECT_URI, '--pkce', 'sometimes'],
            cliEnv,
          ),
          /--pkce/,
        );
      },
      CLI_TIMEOUT,
    );
  });

  describe('POST at the authorization and end-session endpoints (OIDC Core 3.1.2.1, RP-Initiated Logout 1.0 section 2)', () => {
    test('a form-POSTed authorization request signs in and returns a code', async () => {
      const browser = new BrowserSession(server.issuer);
      const { params, pkce } = await pkceRequest(strict, { scope: 'openid email' });
      const posted = await browser.request(`${server.issuer}/auth`, { form: params });
      expect(posted.status).toBe(303);
      const callback = await authorize(browser, start(posted.location ?? ''), EMAIL, PASSWORD);
      expect(callback.searchParams.get('state')).toBe(params.state);
      const { idToken } = await redeem(strict, callback, pkce);
      expect(idToken.nonce).toBe(params.nonce);
    });

    test('a POST that is not a form is refused with a clear 4xx', async () => {
      const res = await fetch(`${server.issuer}/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(415);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    });

    test('a POST whose parameters would not fit in a URL is refused with 413, never an oversize redirect', async () => {
      // 5.4 kB of body, three times that once percent-encoded.
      const body = new URLSearchParams({ client_id: strict.clientId, login_hint: 'é'.repeat(2700) })
        .toString()
        .replace(/%C3%A9/g, 'é');
      const res = await fetch(`${server.issuer}/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        redirect: 'manual',
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({
        error: 'invalid_request',
        error_description: expect.stringMatching(/PAR/),
      });
    });

    test('POST to end_session shows the logout confirmation', async () => {
      const browser = new BrowserSession(server.issuer);
      const request = await pkceRequest(strict);
      const { body } = await redeem(strict, await signIn(request.url, browser), request.pkce);
      const posted = await browser.request(`${server.issuer}/session/end`, {
        form: { id_token_hint: String(body.id_token), post_logout_redirect_uri: LOGGED_OUT_URI, state: 'bye' },
      });
      expect(posted.status).toBe(303);
      const page = await browser.follow(posted.location ?? '');
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/action="[^"]*\/session\/end\/confirm"/);
      // The confirmation ends the session it was shown for: the browser's own.
      const confirm = await browser.request(`${server.issuer}/session/end/confirm`, {
        form: {
          ...Object.fromEntries(
            [...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
              m[1] ?? '',
              m[2] ?? '',
            ]),
          ),
          logout: 'yes',
        },
      });
      expect(confirm.status).toBe(303);
      expect(confirm.location).toContain(`${LOGGED_OUT_URI}?state=bye`);
      const after = await browser.follow((await pkceRequest(strict, { prompt: 'none' })).url);
      expect(new URL(after.location ?? '').searchParams.get('error')).toBe('login_required');
    });
  });

  describe('claims: scope claims at userinfo, the claims parameter, acr and amr', () => {
    test('with an access token, email and profile claims are at userinfo, not in the id_token (OIDC Core 5.4)', async () => {
      const request = await pkceRequest(strict, { scope: 'openid email profile' });
      const { idToken, accessToken } = await redeem(strict, await signIn(request.url), request.pkce);
      expect(idToken).not.toHaveProperty('email');
      expect(idToken).not.toHaveProperty('name');
      expect(await userinfo(accessToken)).toMatchObject({
        sub: accountId,
        email: EMAIL,
        email_verified: true,
        name: 'Conny Formance',
      });
    });

    test('the claims parameter (OIDC Core 5.5): asked claims are shown at consent, granted, and released where asked', async () => {
      const claims = JSON.stringify({ id_token: { email: { essential: true } }, userinfo: { name: null } });
      const browser = new BrowserSession(server.issuer);
      const request = await pkceRequest(strict, { claims });
      const login = await browser.follow(request.url);
      const loggedIn = await browser.request(
        new URL(/action="([^"]*\/login)"/.exec(login.body)?.[1] ?? '', server.issuer).toString(),
        {
          form: { email: EMAIL, password: PASSWORD, csrf: /name="csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? '' },
        },
      );
      const consent = await browser.follow(loggedIn.location ?? '');
      expect(consent.body).toContain('Your email address');
      expect(consent.body).toContain('Your name');
      const callback = await authorize(browser, start(consent.url), EMAIL, PASSWORD);
      const { idToken, accessToken } = await redeem(strict, callback, request.pkce);
      expect(idToken.email).toBe(EMAIL);
      expect(idToken).not.toHaveProperty('name');
      const info = await userinfo(accessToken);
      expect(info).toMatchObject({ sub: accountId, name: 'Conny Formance' });
      expect(info).not.toHaveProperty('email');
    });

    test('acr_values: the id_token names the authentication that happened; amr says password', async () => {
      const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Json;
      expect(discovery.acr_values_supported).toEqual([PASSWORD_ACR, 'urn:signet:acr:mfa']);
      expect(discovery.claims_parameter_supported).toBe(true);
      expect(discovery.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr']));

      const request = await pkceRequest(strict, { acr_values: `urn:example:gold ${PASSWORD_ACR}` });
      const asked = await redeem(strict, await signIn(request.url), request.pkce);
      expect(asked.idToken.acr).toBe(PASSWORD_ACR);
      expect(asked.idToken.amr).toEqual(['pwd']);
      const without = await pkceRequest(strict);
      const plain = await redeem(strict, await signIn(without.url), without.pkce);
      expect(plain.idToken.amr).toEqual(['pwd']);
    });
  });

  describe('profile claims (OIDC Core 5.1)', () => {
    test('the profile scope releases the standard profile claims the operator set, and only those set', async () => {
      const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Json;
      expect(discovery.claims_supported).toEqual(
        expect.arrayContaining([
          'given_name',
          'family_name',
          'middle_name',
          'nickname',
          'preferred_username',
          'profile',
          'picture',
          'website',
          'gender',
          'birthdate',
          'locale',
          'zoneinfo',
          'updated_at',
        ]),
      );
      const other = await server.signet.accounts.create({
        email: `p-${randomBytes(3).toString('hex')}@example.com`,
        password: PASSWORD,
      });
      const updated = await server.signet.accounts.updateProfile(other.id, {
        name: 'Ada Lovelace',
        givenName: 'Ada',
        familyName: 'Lovelace',
        middleName: 'Augusta',
        nickname: 'Countess',
        preferredUsername: 'ada',
        profile: 'https://people.example.com/ada',
        picture: 'https://pics.example.com/ada.png',
        website: 'https://ada.example.org',
        gender: 'female',
        birthdate: '1815-12-10',
        locale: 'en-gb',
        zoneinfo: 'Europe/London',
      });
      const browser = new BrowserSession(server.issuer);
      const first = await pkceRequest(strict, { scope: 'openid profile' });
      const callback = await authorize(browser, start(first.url), other.email, PASSWORD);
      const info = await userinfo((await redeem(strict, callback, first.pkce)).accessToken);
      expect(info).toEqual({
        sub: other.id,
        name: 'Ada Lovelace',
        given_name: 'Ada',
        family_name: 'Lovelace',
        middle_name: 'Augusta',
        nickname: 'Countess',
        preferred_username: 'ada',
        profile: 'https://people.example.com/ada',
        picture: 'https://pics.example.com/ada.png',
        website: 'https://ada.example.org/',
        gender: 'female',
        birthdate: '1815-12-10',
        locale: 'en-GB',
        zoneinfo: 'Europe/London',
        updated_at: Math.floor(updated.updatedAt / 1000),
      });

      // Cleared fields are gone; the rest stays.
      await server.signet.accounts.updateProfile(other.id, {
        picture: null,
        zoneinfo: '',
        birthdate: null,
        gender: '',
      });
      const second = await pkceRequest(strict, { scope: 'openid profile' });
      const again = await authorize(browser, start(second.url), other.email, PASSWORD);
      const after = await userinfo((await redeem(strict, again, second.pkce)).accessToken);
      expect(after).not.toHaveProperty('picture');
      expect(after).not.toHaveProperty('zoneinfo');
      expect(after).not.toHaveProperty('birthdate');
      expect(after).not.toHaveProperty('gender');
      expect(after).toMatchObject({ given_name: 'Ada', locale: 'en-GB', nickname: 'Countess' });
    });

    test('asked for by the claims parameter, the newer profile claims are named at consent and put in the id_token', async () => {
      const other = await server.signet.accounts.create({
        email: `q-${randomBytes(3).toString('hex')}@example.com`,
        password: PASSWORD,
      });
      await server.signet.accounts.updateProfile(other.id, {
        nickname: 'Countess',
        website: 'https://ada.example.org/',
        birthdate: '0000-12-10',
      });
      const claims = JSON.stringify({ id_token: { nickname: null, website: null, birthdate: null, gender: null } });
      const browser = new BrowserSession(server.issuer);
      const request = await pkceRequest(strict, { scope: 'openid', claims });
      const login = await browser.follow(request.url);
      const loggedIn = await browser.request(
        new URL(/action="([^"]*\/login)"/.exec(login.body)?.[1] ?? '', server.issuer).toString(),
        {
          form: {
            email: other.email,
            password: PASSWORD,
            csrf: /name="csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? '',
          },
        },
      );
      const consent = await browser.follow(loggedIn.location ?? '');
      for (const words of ['Your nickname', 'Your website', 'Your birthday', 'Your gender']) {
        expect(consent.body).toContain(words);
      }
      const callback = await authorize(browser, start(consent.url), other.email, PASSWORD);
      const { idToken } = await redeem(strict, callback, request.pkce);
      expect(idToken).toMatchObject({
        nickname: 'Countess',
        website: 'https://ada.example.org/',
        birthdate: '0000-12-10',
      });
      expect(idToken).not.toHaveProperty('gender');
    });

    test('bad profile values are refused and nothing is written', async () => {
      const before = await server.signet.accounts.findById(accountId);
      for (const changes of [
        { picture: 'http://pics.example.com/a.png' },
        { picture: 'javascript:alert(1)' },
        { locale: 'not a locale!' },
        { zoneinfo: 'Mars/Olympus' },
        { zoneinfo: '+01:00' },
        { preferredUsername: 'two words' },
        { givenName: 'x'.repeat(101), familyName: 'Fine' },
        { middleName: 'x'.repeat(101) },
        { nickname: 'x'.repeat(101), givenName: 'Fine' },
        { profile: 'http://people.example.com/ada' },
        { website: 'ftp://ada.example.org/' },
        { gender: 'fe\nmale\u0000' },
        { birthdate: '1815-02-29' },
        { birthdate: '1815-12' },
      ]) {
        await expect(server.signet.accounts.updateProfile(accountId, changes)).rejects.toThrow(ValidationError);
      }
      expect(await server.signet.accounts.findById(accountId)).toEqual(before);
    });
  });

  describe('registration metadata the plans send (RFC 7591 section 2)', () => {
    test('request_uris, request_object_signing_alg and userinfo_signed_response_alg register; a signed userinfo is honoured', async () => {
      const res = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
        body: JSON.stringify({
          redirect_uris: [REDIRECT_URI],
          request_uris: ['https://rp.example.com/request'],
          // A request object alg needs the key it is checked with (the plans register theirs).
          jwks: { keys: [{ ...(await exportJWK((await generateKeyPair('RS256')).publicKey)), use: 'sig' }] },
          request_object_signing_alg: 'RS256',
          userinfo_signed_response_alg: 'RS256',
        }),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as Json;
      expect(body.userinfo_signed_response_alg).toBe('RS256');
      expect(body.request_uris).toEqual(['https://rp.example.com/request']);

      const rp = await relyingParty(server.issuer, String(body.client_id), String(body.client_secret));
      const request = await pkceRequest(rp, { scope: 'openid email' });
      const { accessToken } = await redeem(rp, await signIn(request.url), request.pkce);
      const info = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(info.headers.get('content-type')).toMatch(/application\/jwt/);
      const { payload } = await jwtVerify(await info.text(), createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), {
        issuer: server.issuer,
        audience: rp.clientId,
      });
      expect(payload).toMatchObject({ sub: accountId, email: EMAIL });
    });

    test('a symmetric or unknown userinfo signing alg is still refused', async () => {
      const res = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI], userinfo_signed_response_alg: 'HS256' }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata' });
    });
  });

  describe('request objects by reference (OIDC Core 6.2: request_uri)', () => {
    let objects: Server;
    let base: string;
    /** What the relying party's server hands out, by path. */
    const served = new Map<string, string>();

    beforeAll(async () => {
      objects = createServer((req, res) => {
        const body = served.get(req.url ?? '');
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/oauth-authz-req+jwt' });
        res.end(body ?? 'not here');
      });
      await new Promise<void>((resolve) => objects.listen(0, '127.0.0.1', resolve));
      const address = objects.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    afterAll(() => new Promise((resolve) => objects.close(resolve)));

    /** A client that publishes signed request objects at `paths` of the server above. */
    const publisher = async (paths: string[]) => {
      const { publicKey, privateKey } = await generateKeyPair('RS256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'ro-1', use: 'sig' };
      const res = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
        body: JSON.stringify({
          redirect_uris: [REDIRECT_URI],
          request_uris: paths.map((p) => base + p),
          jwks: { keys: [jwk] },
          request_object_signing_alg: 'RS256',
        }),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as Json;
      const rp = await relyingParty(server.issuer, String(body.client_id), String(body.client_secret));
      const sign = (claims: JWTPayload) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'ro-1' })
          .setIssuer(rp.clientId)
          .setAudience(server.issuer)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
      return { rp, sign };
    };
    const byReference = (rp: RelyingParty, uri: string) =>
      `${server.issuer}/auth?${new URLSearchParams({ client_id: rp.clientId, response_type: 'code', scope: 'openid', request_uri: uri }).toString()}`;

    test('a registered request_uri is fetched and its signed object is the request; discovery says so', async () => {
      const path = `/ro-${randomBytes(4).toString('hex')}.jwt`;
      // Registered with a fragment, as OIDC Core 6.2 suggests for the object's hash.
      const { rp, sign } = await publisher([`${path}#registered-hash`]);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      served.set(
        path,
        await sign({
          client_id: rp.clientId,
          response_type: 'code',
          redirect_uri: REDIRECT_URI,
          scope: 'openid email',
          state,
          nonce: oidc.randomNonce(),
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }),
      );
      // A fragment (the object's hash, as OIDC Core suggests) is allowed and not part of the match.
      const callback = await signIn(byReference(rp, `${base}${path}#abc`));
      expect(callback.searchParams.get('state')).toBe(state);
      const { idToken } = await redeem(rp, callback, { code_verifier: verifier });
      expect(idToken.sub).toBe(accountId);
      const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Json;
      expect(discovery).toMatchObject({
        request_uri_parameter_supported: true,
        require_request_uri_registration: true,
      });
    });

    test('an unregistered URI is never fetched; one that answers nothing useful is refused with a clear page', async () => {
      const path = `/ro-${randomBytes(4).toString('hex')}.jwt`;
      const { rp } = await publisher([path]);
      const browser = new BrowserSession(server.issuer);
      const unregistered = await browser.follow(byReference(rp, `${base}/elsewhere.jwt`));
      expect(unregistered.status).toBe(400);
      expect(unregistered.body).toContain('did not register it');
      const missing = await browser.follow(byReference(rp, `${base}${path}`));
      expect(missing.status).toBe(400);
      expect(missing.body).toContain('it answered 404');
      served.set(path, '<html>not a request object</html>');
      const junk = await browser.follow(byReference(rp, `${base}${path}`));
      expect(junk.status).toBe(400);
      expect(junk.body).toContain('does not hold a request object');
    });

    test('registration refuses request_uris Signet must not fetch', async () => {
      for (const uri of [
        'http://10.0.0.7/ro.jwt',
        'ftp://rp.example.com/ro.jwt',
        `https://rp.example.com/${'x'.repeat(520)}`,
      ]) {
        const res = await fetch(`${server.issuer}/reg`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
          body: JSON.stringify({ redirect_uris: [REDIRECT_URI], request_uris: [uri] }),
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata' });
      }
    });
  });

  describe('keys rotate --now', () => {
    const jwks = async () => (await (await fetch(`${server.issuer}/jwks`)).json()) as JSONWebKeySet;
    const signedKid = async () => {
      const request = await pkceRequest(strict);
      const { body } = await redeem(strict, await signIn(request.url), request.pkce);
      return { kid: decodeProtectedHeader(String(body.id_token)).kid, idToken: String(body.id_token) };
    };

    test(
      'the new key is published and signs at once, on a node that has not re-read; the old one still verifies',
      async () => {
        const before = await signedKid();
        const rotated = jsonLine(await runCli(['keys', 'rotate', '--now'], cliEnv)) as {
          rotated: Array<{ kid: string; alg: string; state: string }>;
        };
        const next = rotated.rotated.find((k) => k.alg === 'RS256');
        expect(next?.state).toBe('current');
        // The server was told nothing: its JWKS request makes it read the store.
        const published = await jwks();
        expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before.kid, next?.kid]));
        const after = await signedKid();
        expect(after.kid).toBe(next?.kid);
        const set = createLocalJWKSet(published);
        const verify = (jwt: string): Promise<{ payload: JWTPayload }> =>
          jwtVerify(jwt, set, { issuer: server.issuer, audience: strict.clientId });
        await verify(before.idToken);
        await verify(after.idToken);
        const audited = await server.signet.audit.list({ types: ['keys.rotated'], limit: 5 });
        expect(audited[0]?.details).toMatchObject({ kind: 'signing', immediate: true });

        expectOneLineError(await runCli(['keys', 'rotate', '--kind', 'cookie', '--now'], cliEnv), /signing keys only/);
      },
      CLI_TIMEOUT,
    );
  });
}
