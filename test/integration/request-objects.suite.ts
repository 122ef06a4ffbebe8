// Request objects (OIDC Core 6, RFC 9101): an authorization request a client signed with its own key.
// Signet takes them signed with an asymmetric key the client registered, and nothing else: client
// secrets are stored hashed, so an HS256 object could never be checked, and an unsigned one proves
// nothing that the plain query string does not. `request_uri` stays unsupported (Signet would have to
// fetch a URL a client names on every sign-in); pushed authorization requests cover that need.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { BrowserSession } from '../support/browser-session.js';
import { authorize, REDIRECT_URI, relyingParty, tokenRequest, type RelyingParty } from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';

const EMAIL = 'request-objects@example.com';
const PASSWORD = 'correct horse battery staple';
const IAT = 'request-objects-initial-access-token-0123';

type Json = Record<string, unknown>;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export function requestObjectsSuite(store: StoreKind): void {
  let server: TestServer;
  let rp: RelyingParty;
  let privateKey: PrivateKey;
  let strangerKey: PrivateKey;
  let accountId: string;

  const register = async (metadata: Json) =>
    fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], ...metadata }),
    });

  beforeAll(async () => {
    server = await startTestServer({ store, env: { INITIAL_ACCESS_TOKEN: IAT } });
    accountId = (await server.signet.accounts.create({ email: EMAIL, password: PASSWORD })).id;
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'rp-key-1', use: 'sig', alg: 'RS256' };
    const res = await register({ jwks: { keys: [publicJwk] }, request_object_signing_alg: 'RS256' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Json;
    rp = await relyingParty(server.issuer, String(body.client_id), String(body.client_secret));
  });

  afterAll(async () => {
    await server.destroy();
  });

  /** The claims of an authorization request, with PKCE (still required for this client) and a fresh nonce. */
  const requestClaims = async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const claims = {
      iss: rp.clientId,
      aud: server.issuer,
      jti: randomUUID(),
      client_id: rp.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    return { claims, verifier };
  };

  const sign = (claims: Json, key: PrivateKey, kid = 'rp-key-1') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'oauth-authz-req+jwt' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  /** Only client_id (and what OAuth 2.0 needs outside the object) travels in the query; the rest is signed. */
  const authorizationUrl = (request: string, extra: Record<string, string> = {}) => {
    const url = new URL(`${server.issuer}/auth`);
    url.searchParams.set('client_id', rp.clientId);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'openid');
    url.searchParams.set('request', request);
    for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
    return url.toString();
  };

  /** The error an authorization request ends in, whether redirected to the client or shown as a page. */
  const refusal = async (url: string) => {
    const res = await new BrowserSession(server.issuer).follow(url);
    if (res.status === 303 && res.location?.startsWith(REDIRECT_URI)) {
      return new URL(res.location).searchParams.get('error');
    }
    expect(res.status).toBe(400);
    return /invalid_request_object|request_uri_not_supported|invalid_request/.exec(res.body)?.[0] ?? res.body;
  };

  test('discovery says what is taken: signed request objects with asymmetric algs, request_uri only registered', async () => {
    const meta = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Json;
    expect(meta.request_parameter_supported).toBe(true);
    expect(meta.request_uri_parameter_supported).toBe(true);
    expect(meta.require_request_uri_registration).toBe(true);
    // Optional for a client; but when one is sent, it is signed (no `none` among the algs).
    expect(meta.require_signed_request_object).not.toBe(true);
    const algs = meta.request_object_signing_alg_values_supported as string[];
    expect(algs).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA']));
    expect(algs.filter((alg) => alg === 'none' || alg.startsWith('HS'))).toEqual([]);
  });

  test('a signed request object is honoured: its state, nonce and PKCE challenge are the ones that count', async () => {
    const { claims, verifier } = await requestClaims();
    const url = authorizationUrl(await sign(claims, privateKey));
    const callback = await authorize(
      new BrowserSession(server.issuer),
      { url, verifier, state: '', nonce: '' },
      EMAIL,
      PASSWORD,
    );
    expect(callback.searchParams.get('state')).toBe(claims.state);
    const res = await tokenRequest(server.issuer, rp, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    });
    expect(res.status).toBe(200);
    const { payload } = await jwtVerify(
      String(res.body.id_token),
      createRemoteJWKSet(new URL(`${server.issuer}/jwks`)),
      {
        issuer: server.issuer,
        audience: rp.clientId,
      },
    );
    expect(payload).toMatchObject({ sub: accountId, nonce: claims.nonce });
  });

  test('an unsigned request object is refused', async () => {
    const { claims } = await requestClaims();
    const unsigned = new UnsecuredJWT(claims).setIssuedAt().setExpirationTime('5m').encode();
    expect(await refusal(authorizationUrl(unsigned))).toBe('invalid_request_object');
  });

  test('a request object signed with a key the client never registered is refused', async () => {
    const { claims } = await requestClaims();
    expect(await refusal(authorizationUrl(await sign(claims, strangerKey)))).toBe('invalid_request_object');
  });

  test('a request object for another client is refused', async () => {
    const { claims } = await requestClaims();
    const forged = await sign({ ...claims, client_id: 'someone-else', iss: 'someone-else' }, privateKey);
    expect(await refusal(authorizationUrl(forged))).toMatch(/invalid_request_object|invalid_request/);
  });

  test('a request_uri the client did not register is refused, and never fetched', async () => {
    const url = new URL(`${server.issuer}/auth`);
    url.searchParams.set('client_id', rp.clientId);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', 'openid');
    url.searchParams.set('request_uri', 'https://rp.example.com/request.jwt');
    const res = await new BrowserSession(server.issuer).follow(url.toString());
    expect(res.status).toBe(400);
    expect(res.body).toContain('the client did not register it (request_uris)');
  });

  test('registration refuses a symmetric or absent request object alg, since secrets are stored hashed', async () => {
    for (const alg of ['HS256', 'none']) {
      const res = await register({ request_object_signing_alg: alg });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata' });
    }
  });
}
