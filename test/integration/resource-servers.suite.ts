// Machine clients (client_credentials), resource servers (RFC 8707) and what introspection
// tells them; JWT access tokens only for a resource server that opted in.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { BrowserSession } from '../support/browser-session.js';
import { authorize, exchange, REDIRECT_URI, relyingParty, startAuthorization } from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { textOf } from '../support/text.js';
import { basicAuth } from '../support/user-agent.js';

const API = 'https://api.example.com';
const REPORTS = 'https://reports.example.com';
const PASSWORD = 'correct horse battery staple';

export function resourceServerSuite(store: StoreKind): void {
  let server: TestServer;
  const secret = 'resource-server-secret-0123456789abcdef';
  const basic = (id: string, s: string) => basicAuth(id, s);

  beforeAll(async () => {
    server = await startTestServer({ store });
    const records = server.signet.store.oidc;
    const hashed = server.signet.secrets.hash(secret);
    // Resource servers: no grants, client_id = resource indicator. (The CLI's --type resource-server makes these.)
    await records.upsert('Client', API, {
      client_id: API,
      client_secret: hashed,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      signet_resource_scope: 'read:things write:things',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    await records.upsert('Client', REPORTS, {
      client_id: REPORTS,
      client_secret: hashed,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      signet_resource_scope: 'read:reports',
      token_endpoint_auth_method: 'client_secret_basic',
      signet_access_token_format: 'jwt',
    });
    await records.upsert('Client', 'svc', {
      client_id: 'svc',
      client_secret: hashed,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      signet_allowed_resource_scope: 'read:things read:reports',
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  const post = async (path: string, auth: string, form: Record<string, string>) => {
    const res = await fetch(`${server.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('client credentials for a resource: an opaque token its resource server can introspect, and no other can', async () => {
    const issued = await post('/token', basic('svc', secret), {
      grant_type: 'client_credentials',
      scope: 'read:things',
      resource: API,
    });
    expect(issued.body).toMatchObject({ access_token: expect.any(String) });
    const token = String(issued.body.access_token);
    expect(token.split('.')).toHaveLength(1);
    const seen = await post('/token/introspection', basic(API, secret), { token });
    expect(seen.body).toMatchObject({
      active: true,
      aud: API,
      scope: 'read:things',
      client_id: 'svc',
      token_type: 'Bearer',
    });
    expect(typeof seen.body.exp).toBe('number');
    expect(typeof seen.body.iat).toBe('number');
    expect((await post('/token/introspection', basic(REPORTS, secret), { token })).body).toEqual({ active: false });
  });

  test('scopes outside the resource server or the client are refused', async () => {
    // Scopes the client was not allowed are not granted (RFC 6749 3.3 lets the server narrow the scope).
    const res = await post('/token', basic('svc', secret), {
      grant_type: 'client_credentials',
      scope: 'write:things',
      resource: API,
    });
    expect(textOf(res.body.scope)).not.toContain('write:things');
    if (typeof res.body.access_token === 'string') {
      const seen = await post('/token/introspection', basic(API, secret), { token: res.body.access_token });
      expect(textOf(seen.body.scope)).not.toContain('write:things');
    }
    const unknown = await post('/token', basic('svc', secret), {
      grant_type: 'client_credentials',
      scope: 'read:things',
      resource: 'https://nowhere.example.com',
    });
    expect(unknown.body.error).toBe('invalid_target');
  });

  test('a resource server may not use any grant', async () => {
    const res = await post('/token', basic(API, secret), { grant_type: 'client_credentials', resource: API });
    expect(res.status).toBe(400);
    expect(String(res.body.error_description)).toMatch(/grant|not allowed/i);
    expect(res.body.access_token).toBeUndefined();
  });

  test('JWT access tokens only for the resource server that opted in, and short-lived', async () => {
    const jwt = await post('/token', basic('svc', secret), {
      grant_type: 'client_credentials',
      scope: 'read:reports',
      resource: REPORTS,
    });
    const token = String(jwt.body.access_token);
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    const claims = decodeJwt(token);
    expect(claims.aud).toBe(REPORTS);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(300);

    // The user-facing flow too: a code exchange for the opted-in resource gives a JWT, the default stays opaque.
    await server.signet.accounts.create({ email: `rs-${store}@example.com`, password: PASSWORD });
    const c = await server.signet.clients.create({ name: 'Web', redirectUris: [REDIRECT_URI] });
    const rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
    const start = await startAuthorization(rp, 'openid');
    const url = new URL(start.url);
    url.searchParams.set('resource', API);
    const tokens = await exchange(
      rp,
      start,
      await authorize(
        new BrowserSession(server.issuer),
        { ...start, url: url.toString() },
        `rs-${store}@example.com`,
        PASSWORD,
      ),
    );
    expect(tokens.access_token.split('.')).toHaveLength(1);
  });
}
