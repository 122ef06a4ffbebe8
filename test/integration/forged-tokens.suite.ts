// Forged tokens are refused wherever Signet reads one: id_token_hint (logout and authorization),
// client assertions (private_key_jwt), bearer tokens (userinfo, introspection, registration).
// Every forgery is built with jose against the running server's real keys and real claims; each case
// has a genuine twin that is accepted, so a refusal proves the check, not a broken setup.

import { createPublicKey, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import * as oidc from 'openid-client';
import { BrowserSession } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { basicAuth } from '../support/user-agent.js';

const EMAIL = 'forger-target@example.com';
const PASSWORD = 'correct horse battery staple';
const LOGGED_OUT_A = 'http://127.0.0.1:8787/bye-a';
const LOGGED_OUT_B = 'http://127.0.0.1:8787/bye-b';
const INITIAL_ACCESS_TOKEN = 'forged-tokens-initial-access-token-0123';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
const text = (s: string) => new TextEncoder().encode(s);
/** An unsecured JWT (RFC 7519 section 6): header and payload, empty signature. */
const unsigned = (header: Record<string, unknown>, payload: unknown, signature = '') =>
  `${enc(header)}.${enc(payload)}.${signature}`;

interface Forgery {
  name: string;
  token: string;
}

/** Signed by the attacker, but shaped to pass as the server's own: the classic JWT attacks. */
async function forgeAsServer(
  claims: JWTPayload,
  genuine: string,
  serverJwk: JWK & { kid: string },
  attackerJwksUrl: string,
): Promise<Forgery[]> {
  const attacker = await generateKeyPair('RS256', { extractable: true });
  const attackerEc = await generateKeyPair('ES256');
  const attackerPublic = await exportJWK(attacker.publicKey);
  const pem = createPublicKey({ key: serverJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  const pkcs1 = createPublicKey({ key: serverJwk, format: 'jwk' }).export({ type: 'pkcs1', format: 'pem' }).toString();
  const kid = serverJwk.kid;
  const hs = (secret: Uint8Array, header: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid, ...header }).sign(secret);
  const [, genuinePayload, genuineSignature] = genuine.split('.');
  return [
    { name: 'alg none', token: unsigned({ alg: 'none', typ: 'JWT' }, claims) },
    { name: 'alg none with the real kid', token: unsigned({ alg: 'none', kid }, claims) },
    { name: 'alg None (case variant)', token: unsigned({ alg: 'None', kid }, claims) },
    {
      name: 'alg none keeping the genuine signature',
      token: `${enc({ alg: 'none', kid })}.${genuinePayload}.${genuineSignature}`,
    },
    {
      name: 'HS256 keyed with the public modulus bytes (key confusion)',
      token: await hs(base64url.decode(serverJwk.n ?? '')),
    },
    { name: 'HS256 keyed with the SPKI PEM (key confusion)', token: await hs(text(pem)) },
    { name: 'HS256 keyed with the PKCS#1 PEM (key confusion)', token: await hs(text(pkcs1)) },
    { name: 'HS256 keyed with the public JWK JSON (key confusion)', token: await hs(text(JSON.stringify(serverJwk))) },
    { name: 'HS256 keyed with the n string (key confusion)', token: await hs(text(serverJwk.n ?? '')) },
    {
      name: 'RS256 by a fresh key, real kid',
      token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(attacker.privateKey),
    },
    {
      name: 'RS256 by a fresh key, unknown kid',
      token: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'attacker-key-1' })
        .sign(attacker.privateKey),
    },
    {
      name: 'ES256 by a fresh key, real kid',
      token: await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(attackerEc.privateKey),
    },
    {
      name: 'RS256 by a fresh key embedded as the jwk header',
      token: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', jwk: attackerPublic })
        .sign(attacker.privateKey),
    },
    {
      name: 'RS256 by a fresh key published at a jku URL',
      token: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'jku-key', jku: attackerJwksUrl })
        .sign(attacker.privateKey),
    },
    {
      name: 'tampered payload (genuine header and signature)',
      token: `${genuine.split('.')[0]}.${enc({ ...claims, sub: `${String(claims.sub)}-admin` })}.${genuineSignature}`,
    },
    {
      name: 'tampered payload: exp pushed out (genuine header and signature)',
      token: `${genuine.split('.')[0]}.${enc({ ...claims, exp: (claims.exp ?? 0) + 86_400 })}.${genuineSignature}`,
    },
    {
      name: 'genuine signature over another payload',
      token: `${genuine.split('.')[0]}.${enc(claims)}.${base64url.encode(new Uint8Array(256))}`,
    },
  ];
}

export function forgedTokensSuite(store: StoreKind): void {
  let server: TestServer;
  let rpA: RelyingParty;
  let rpB: RelyingParty;
  let browser: BrowserSession;
  let tokensA: Awaited<ReturnType<typeof exchange>>;
  let tokensB: Awaited<ReturnType<typeof exchange>>;
  let serverJwk: JWK & { kid: string };
  let attackerJwks: Server;
  let attackerJwksUrl = '';
  let attackerJwksHits = 0;

  beforeAll(async () => {
    // A JWKS the attacker controls, to see whether a jku header would make the provider fetch it.
    attackerJwks = createServer((_req, res) => {
      attackerJwksHits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [] }));
    });
    await new Promise<void>((resolve) => attackerJwks.listen(0, '127.0.0.1', resolve));
    const address = attackerJwks.address();
    attackerJwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks`;

    server = await startTestServer({ store, env: { INITIAL_ACCESS_TOKEN, TRUST_PROXY: '1' } });
    await server.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Target' });
    const a = await server.signet.clients.create({
      name: 'RP A',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [LOGGED_OUT_A],
    });
    const b = await server.signet.clients.create({
      name: 'RP B',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [LOGGED_OUT_B],
    });
    rpA = await relyingParty(server.issuer, a.client_id, a.client_secret ?? '');
    rpB = await relyingParty(server.issuer, b.client_id, b.client_secret ?? '');

    // One browser, signed in, with a genuine id_token for each client.
    browser = new BrowserSession(server.issuer);
    const startA = await startAuthorization(rpA);
    tokensA = await exchange(rpA, startA, await authorize(browser, startA, EMAIL, PASSWORD));
    const startB = await startAuthorization(rpB);
    tokensB = await exchange(rpB, startB, await authorize(browser, startB, EMAIL, PASSWORD));

    const kid = decodeProtectedHeader(tokensA.id_token ?? '').kid;
    const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Array<JWK & { kid: string }> };
    const found = jwks.keys.find((k) => k.kid === kid);
    if (!found) throw new Error(`kid ${String(kid)} of the id_token is not in /jwks`);
    serverJwk = found;
  }, 60_000);

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
    await stopIfStarted(attackerJwks, (jwks) => new Promise((resolve) => jwks.close(resolve)));
  });

  describe('id_token_hint at /session/end (RP-initiated logout)', () => {
    const endSession = (hint: string, extra: Record<string, string> = {}) => {
      const url = new URL(`${server.issuer}/session/end`);
      url.searchParams.set('id_token_hint', hint);
      url.searchParams.set('post_logout_redirect_uri', LOGGED_OUT_A);
      url.searchParams.set('state', 'forged-state');
      for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
      return browser.request(url.toString());
    };

    const expectRefused = (name: string, res: Awaited<ReturnType<typeof endSession>>) => {
      const seen = {
        name,
        status: res.status,
        location: res.location,
        errorPage: /Error code: <code>invalid_(request|client)<\/code>/.test(res.body),
        confirmation: res.body.includes('Sign out?') || res.body.includes('xsrf'),
      };
      expect(seen).toEqual({ name, status: 400, location: null, errorPage: true, confirmation: false });
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    };

    test('control: the genuine id_token gets the sign-out confirmation', async () => {
      const res = await endSession(tokensA.id_token ?? '');
      expect(res.status).toBe(200);
      expect(res.body).toContain('Sign out?');
      expect(res.body).toContain('name="xsrf"');
    });

    test('every forged hint gets a 400 error page: no confirmation, no redirect, never a 5xx', async () => {
      const claims = decodeJwt(tokensA.id_token ?? '');
      const forgeries = await forgeAsServer(claims, tokensA.id_token ?? '', serverJwk, attackerJwksUrl);
      for (const { name, token } of forgeries) expectRefused(name, await endSession(token));
      expect(attackerJwksHits).toBe(0);
    });

    test("another client's genuine id_token is refused for this client (wrong aud)", async () => {
      // B's own token, presented for A: client_id says A, aud says B.
      expectRefused('aud B, client_id A', await endSession(tokensB.id_token ?? '', { client_id: rpA.clientId }));
      // B's own token with A's post-logout URI: B never registered that URI.
      expectRefused("aud B, A's post_logout_redirect_uri", await endSession(tokensB.id_token ?? ''));
    });

    test('after all that, the session is still there: nothing was logged out', async () => {
      const page = await browser.follow((await startAuthorization(rpA)).url);
      expect(page.body).not.toContain('type="password"');
    });
  });

  describe('id_token_hint at /auth (prompt=none)', () => {
    const silentAuth = async (hint: string) => {
      const start = await startAuthorization(rpA, 'openid');
      const url = new URL(start.url);
      url.searchParams.set('prompt', 'none');
      url.searchParams.set('id_token_hint', hint);
      const res = await browser.request(url.toString());
      return { status: res.status, back: res.location ? new URL(res.location) : undefined };
    };

    test('the genuine hint gets a code; each forged hint gets an error back, never a code', async () => {
      const control = await silentAuth(tokensA.id_token ?? '');
      expect(control.status).toBe(303);
      expect(control.back?.searchParams.get('code')).toBeTruthy();

      const forgeries = await forgeAsServer(
        decodeJwt(tokensA.id_token ?? ''),
        tokensA.id_token ?? '',
        serverJwk,
        attackerJwksUrl,
      );
      for (const { name, token } of forgeries) {
        const res = await silentAuth(token);
        expect({
          name,
          status: res.status,
          to: res.back ? res.back.origin + res.back.pathname : undefined,
          code: res.back?.searchParams.get('code') ?? null,
        }).toEqual({
          name,
          status: 303,
          to: REDIRECT_URI,
          code: null,
        });
        expect([name, res.back?.searchParams.get('error')]).toEqual([name, 'invalid_request']);
      }
      expect(attackerJwksHits).toBe(0);
    });
  });

  describe('client assertions at /token (private_key_jwt)', () => {
    let clientId = '';
    let registrationAccessToken = '';
    let registrationClientUri = '';
    let rpKey: { privateKey: CryptoKey; publicKey: CryptoKey };
    let rpPublic: JWK;
    let tokenEndpoint = '';
    let refreshToken = '';

    /** A client assertion; `claims` override the correct ones (jose's setters would override them back). */
    const assertion = (
      opts: { claims?: JWTPayload; header?: Record<string, unknown>; key?: CryptoKey | Uint8Array; alg?: string } = {},
    ) => {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: clientId,
        sub: clientId,
        aud: tokenEndpoint,
        jti: randomUUID(),
        iat: now,
        exp: now + 120,
        ...opts.claims,
      };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: 'rp-key-1', ...opts.header })
        .sign(opts.key ?? rpKey.privateKey);
    };

    // Each forgery comes from an address of its own: the client-authentication throttle would
    // otherwise answer 429 after ten failures from one address, before the assertion is even read.
    let from = 0;
    const token = async (clientAssertion: string, form: Record<string, string>) => {
      const res = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': `198.51.100.${(from += 1)}`,
        },
        body: new URLSearchParams({
          ...form,
          client_id: clientId,
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: clientAssertion,
        }).toString(),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    beforeAll(async () => {
      rpKey = await generateKeyPair('RS256', { extractable: true });
      rpPublic = { ...(await exportJWK(rpKey.publicKey)), kid: 'rp-key-1', alg: 'RS256', use: 'sig' };
      const res = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INITIAL_ACCESS_TOKEN}` },
        body: JSON.stringify({
          client_name: 'Key-bound RP',
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [rpPublic] },
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        }),
      });
      expect(res.status).toBe(201);
      const meta = (await res.json()) as {
        client_id: string;
        registration_access_token: string;
        registration_client_uri: string;
        client_secret?: string;
      };
      expect(meta.client_secret).toBeUndefined();
      clientId = meta.client_id;
      registrationAccessToken = meta.registration_access_token;
      registrationClientUri = meta.registration_client_uri;
      const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as {
        token_endpoint: string;
      };
      tokenEndpoint = discovery.token_endpoint;

      // A full sign-in authenticated by the key, through openid-client: the genuine path works end to end.
      const config = await oidc.discovery(
        new URL(server.issuer),
        clientId,
        {},
        oidc.PrivateKeyJwt({ key: rpKey.privateKey, kid: 'rp-key-1' }),
        {
          // The test issuer is plain http on loopback; openid-client marks this deprecated only to make it stand out.
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          execute: [oidc.allowInsecureRequests],
        },
      );
      const rp: RelyingParty = { config, clientId, clientSecret: '' };
      const start = await startAuthorization(rp);
      const tokens = await exchange(
        rp,
        start,
        await authorize(new BrowserSession(server.issuer), start, EMAIL, PASSWORD),
      );
      refreshToken = tokens.refresh_token ?? '';
      expect(refreshToken).not.toBe('');
    }, 30_000);

    test('a correctly signed assertion authenticates (an unknown refresh token is then invalid_grant); its jti cannot be replayed', async () => {
      const genuine = await assertion();
      const first = await token(genuine, { grant_type: 'refresh_token', refresh_token: 'not-a-real-refresh-token' });
      expect(first).toEqual({ status: 400, body: expect.objectContaining({ error: 'invalid_grant' }) });
      const replay = await token(genuine, { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(replay).toEqual({ status: 401, body: expect.objectContaining({ error: 'invalid_client' }) });
    });

    test('forged assertions are refused with 401 invalid_client, even with a valid refresh token', async () => {
      const other = await generateKeyPair('RS256');
      const rpPem = createPublicKey({ key: rpPublic, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: clientId, sub: clientId, aud: tokenEndpoint, jti: randomUUID(), iat: now, exp: now + 120 };
      const forged: Forgery[] = [
        { name: 'alg none', token: unsigned({ alg: 'none' }, claims) },
        {
          name: 'alg none with the kid',
          token: unsigned({ alg: 'none', kid: 'rp-key-1' }, { ...claims, jti: randomUUID() }),
        },
        {
          name: "HS256 keyed with the client's public modulus",
          token: await assertion({ alg: 'HS256', key: base64url.decode(rpPublic.n ?? '') }),
        },
        {
          name: "HS256 keyed with the client's public key PEM",
          token: await assertion({ alg: 'HS256', key: text(rpPem) }),
        },
        { name: 'another key under the registered kid', token: await assertion({ key: other.privateKey }) },
        {
          name: 'another key under an unknown kid',
          token: await assertion({ key: other.privateKey, header: { kid: 'unknown-kid' } }),
        },
        {
          name: 'another key embedded as the jwk header',
          token: await assertion({
            key: other.privateKey,
            header: { kid: undefined, jwk: await exportJWK(other.publicKey) },
          }),
        },
        {
          name: 'wrong aud (another server)',
          token: await assertion({ claims: { aud: 'https://evil.example/token' } }),
        },
        {
          name: 'wrong aud (the introspection endpoint)',
          token: await assertion({ claims: { aud: `${server.issuer}/token/introspection` } }),
        },
        { name: 'expired exp', token: await assertion({ claims: { iat: now - 3700, exp: now - 3600 } }) },
        { name: 'no jti', token: await assertion({ claims: { jti: undefined } }) },
        {
          name: 'tampered payload (genuine header and signature)',
          token: await (async () => {
            const [h, , s] = (await assertion()).split('.');
            return `${h}.${enc({ ...claims, exp: now + 86_400 })}.${s}`;
          })(),
        },
      ];
      for (const { name, token: forgedAssertion } of forged) {
        const res = await token(forgedAssertion, { grant_type: 'refresh_token', refresh_token: refreshToken });
        expect({ name, status: res.status, error: res.body.error }).toEqual({
          name,
          status: 401,
          error: 'invalid_client',
        });
      }
      // Another client's identity in iss/sub: refused before any key is looked at, as a mismatch with client_id.
      const impostor = await token(await assertion({ claims: { iss: rpA.clientId, sub: rpA.clientId } }), {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
      expect({ status: impostor.status, error: impostor.body.error }).toEqual({
        status: 400,
        error: 'invalid_request',
      });
      // None of them consumed the refresh token: the genuine key still can.
      const ok = await token(await assertion(), { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(ok.status).toBe(200);
      expect(typeof ok.body.access_token).toBe('string');
    });

    test('registration management reads its bearer token: JWT-shaped forgeries get 401, the real one 200', async () => {
      const read = (bearer: string) => fetch(registrationClientUri, { headers: { authorization: `Bearer ${bearer}` } });
      expect((await read(registrationAccessToken)).status).toBe(200);
      for (const bearer of [
        unsigned({ alg: 'none' }, { sub: clientId }),
        'a.b.c',
        await assertion(),
        tokensA.id_token ?? '',
      ]) {
        expect([bearer.slice(0, 20), (await read(bearer)).status]).toEqual([bearer.slice(0, 20), 401]);
      }
      // And the initial access token at /reg is not a JWT either.
      const reg = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${unsigned({ alg: 'none' }, { scope: 'registration' })}`,
        },
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }),
      });
      expect(reg.status).toBe(401);
    });
  });

  describe('bearer tokens at /token/introspection and /me', () => {
    const basicA = () => basicAuth(rpA.clientId, rpA.clientSecret);
    const jwtShaped = async (): Promise<Forgery[]> => {
      const now = Math.floor(Date.now() / 1000);
      const accessClaims = {
        iss: server.issuer,
        sub: decodeJwt(tokensA.id_token ?? '').sub,
        aud: rpA.clientId,
        client_id: rpA.clientId,
        scope: 'openid email profile',
        jti: randomUUID(),
        iat: now,
        exp: now + 600,
      };
      const random = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
      return [
        ...(await forgeAsServer(accessClaims, tokensA.id_token ?? '', serverJwk, attackerJwksUrl)),
        { name: 'the genuine id_token (not an access token)', token: tokensA.id_token ?? '' },
        { name: 'a.b.c', token: 'a.b.c' },
        { name: 'random base64url triple', token: `${random()}.${random()}.${random()}` },
        { name: 'empty alg none', token: 'eyJhbGciOiJub25lIn0.e30.' },
        { name: 'access token with a signature appended', token: `${tokensA.access_token}.${random()}` },
      ];
    };

    test('control: the genuine access token is active and reads userinfo', async () => {
      const res = await fetch(`${server.issuer}/token/introspection`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicA() },
        body: new URLSearchParams({ token: tokensA.access_token }).toString(),
      });
      expect(((await res.json()) as { active: boolean }).active).toBe(true);
      expect(
        (await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${tokensA.access_token}` } })).status,
      ).toBe(200);
    });

    test('introspection: every JWT-shaped forgery is refused: {"active": false} and nothing more, or unsupported_token_type', async () => {
      for (const { name, token } of await jwtShaped()) {
        const res = await fetch(`${server.issuer}/token/introspection`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicA() },
          body: new URLSearchParams({ token }).toString(),
        });
        // RFC 7662 2.2 asks for {"active": false}; oidc-provider answers any token with a decodable JWS
        // header with 400 unsupported_token_type instead (reject_structured_tokens.js). Both refuse.
        const body = (await res.json()) as Record<string, unknown>;
        const refused =
          (res.status === 200 && JSON.stringify(body) === '{"active":false}') ||
          (res.status === 400 && body.error === 'unsupported_token_type');
        expect({ name, refused, status: res.status, body }).toEqual({ name, refused: true, status: res.status, body });
      }
      expect(attackerJwksHits).toBe(0);
    });

    test('userinfo: every JWT-shaped forgery gets 401 invalid_token (header and form body)', async () => {
      for (const { name, token } of await jwtShaped()) {
        const viaHeader = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
        const challenge = viaHeader.headers.get('www-authenticate') ?? '';
        expect({ name, status: viaHeader.status, challenge: challenge.includes('invalid_token') }).toEqual({
          name,
          status: 401,
          challenge: true,
        });
        const viaBody = await fetch(`${server.issuer}/me`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ access_token: token }).toString(),
        });
        expect({ name, status: viaBody.status }).toEqual({ name, status: 401 });
      }
    });
  });
}
