// Dynamic registration (RFC 7591/7592) under Signet's policy. Every refusal is a 400 with
// the RFC 7591 error naming the field, and the client store is left as it was.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { textOf } from '../support/text.js';

const IAT = 'initial-access-token-for-tests-0123';
const OK_URI = 'https://rp.example.com/cb';

type Body = Record<string, unknown>;

export function registrationPolicySuite(store: StoreKind, mode: 'development' | 'production'): void {
  describe(`registration policy (${mode})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        store,
        env: {
          INITIAL_ACCESS_TOKEN: IAT,
          ...(mode === 'production' ? { NODE_ENV: 'production', KEY_ENCRYPTION_SECRET: 's'.repeat(40) } : {}),
        },
      });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    const register = async (body: Body | string, contentType = 'application/json') => {
      const res = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${IAT}` },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as Body };
    };
    const count = async () => (await server.signet.clients.list()).length;

    const refused: Array<[string, Body, string, RegExp]> = [
      [
        'http on a public host',
        { redirect_uris: ['http://rp.example.com/cb'] },
        'invalid_redirect_uri',
        /redirect_uris.*https/,
      ],
      ['javascript:', { redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', /redirect_uris/],
      ['data:', { redirect_uris: ['data:text/html,hi'] }, 'invalid_redirect_uri', /redirect_uris/],
      ['a wildcard', { redirect_uris: ['https://*.example.com/cb'] }, 'invalid_redirect_uri', /wildcard/],
      ['a fragment', { redirect_uris: ['https://rp.example.com/cb#x'] }, 'invalid_redirect_uri', /fragment/],
      ['a duplicate', { redirect_uris: [OK_URI, OK_URI] }, 'invalid_redirect_uri', /repeat/],
      [
        'a custom scheme for a web client',
        { redirect_uris: ['com.example.app:/cb'] },
        'invalid_redirect_uri',
        /redirect_uris/,
      ],
      [
        'the implicit grant',
        { redirect_uris: [OK_URI], grant_types: ['implicit'] },
        'invalid_client_metadata',
        /grant_types/,
      ],
      [
        'the password grant',
        { redirect_uris: [OK_URI], grant_types: ['password'] },
        'invalid_client_metadata',
        /grant_types/,
      ],
      [
        'alg none',
        { redirect_uris: [OK_URI], id_token_signed_response_alg: 'none' },
        'invalid_client_metadata',
        /id_token_signed_response_alg/,
      ],
      [
        'a symmetric alg',
        { redirect_uris: [OK_URI], id_token_signed_response_alg: 'HS256' },
        'invalid_client_metadata',
        /id_token_signed_response_alg/,
      ],
      [
        'an http jwks_uri',
        { redirect_uris: [OK_URI], jwks_uri: 'http://keys.example.com/jwks' },
        'invalid_client_metadata',
        /jwks_uri/,
      ],
      [
        'a loopback jwks_uri',
        { redirect_uris: [OK_URI], jwks_uri: 'https://127.0.0.1/jwks' },
        'invalid_client_metadata',
        /jwks_uri/,
      ],
      [
        'a private jwks_uri',
        { redirect_uris: [OK_URI], jwks_uri: 'https://10.1.2.3/jwks' },
        'invalid_client_metadata',
        /jwks_uri/,
      ],
      [
        'localhost sector_identifier_uri',
        { redirect_uris: [OK_URI], sector_identifier_uri: 'https://localhost/s.json' },
        'invalid_client_metadata',
        /sector_identifier_uri/,
      ],
      [
        'an http logo_uri',
        { redirect_uris: [OK_URI], logo_uri: 'http://cdn.example.com/logo.png' },
        'invalid_client_metadata',
        /logo_uri/,
      ],
      [
        'a link-local jwks_uri',
        { redirect_uris: [OK_URI], jwks_uri: 'https://169.254.169.254/latest' },
        'invalid_client_metadata',
        /jwks_uri/,
      ],
      [
        'an operator-only field',
        { redirect_uris: [OK_URI], signet_allowed_resource_scope: 'read write admin' },
        'invalid_client_metadata',
        /signet_allowed_resource_scope.*operator/,
      ],
      [
        "a resource server's scopes",
        { grant_types: [], response_types: [], redirect_uris: [], signet_resource_scope: 'admin' },
        'invalid_client_metadata',
        /signet_resource_scope.*operator/,
      ],
      [
        'a JWT access-token opt-in',
        { redirect_uris: [OK_URI], signet_access_token_format: 'jwt' },
        'invalid_client_metadata',
        /signet_access_token_format.*operator/,
      ],
      [
        'any field under the operator prefix',
        { redirect_uris: [OK_URI], signet_first_party: true },
        'invalid_client_metadata',
        /signet_first_party.*operator/,
      ],
      [
        'client_credentials without client authentication',
        {
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'none',
        },
        'invalid_client_metadata',
        /client_credentials/,
      ],
      [
        'a secret with auth method none',
        { redirect_uris: [OK_URI], token_endpoint_auth_method: 'none', client_secret: 'x' },
        'invalid_client_metadata',
        /client_secret/,
      ],
    ];

    test.each(refused)('refuses %s with a precise error, storing nothing', async (_label, body, error, mentions) => {
      const before = await count();
      const res = await register(body);
      expect(res.status).toBe(400);
      expect(res.json.error).toBe(error);
      expect(String(res.json.error_description)).toMatch(mentions);
      expect(await count()).toBe(before);
    });

    test('malformed JSON, a wrong content type and an oversize body: 400, nothing stored', async () => {
      const before = await count();
      for (const [body, type] of [
        ['{"redirect_uris": [', 'application/json'],
        ['redirect_uris=https://rp.example.com/cb', 'application/x-www-form-urlencoded'],
        ['hello', 'text/plain'],
        [JSON.stringify({ redirect_uris: [OK_URI], client_name: 'x'.repeat(100_000) }), 'application/json'],
      ] as const) {
        const res = await register(body, type);
        expect(res.status).toBe(400);
        expect(typeof res.json.error).toBe('string');
      }
      expect(await count()).toBe(before);
    });

    test('metadata Signet does not understand is ignored, never stored or echoed (RFC 7591 section 2)', async () => {
      const body = `{"redirect_uris":["${OK_URI}"],"favourite_colour":"blue","__proto__":{"polluted":1},"constructor":"x","toString":"y","frontchannel_logout_uri":"https://rp.example.com/fcl"}`;
      const res = await register(body);
      expect(res.status).toBe(201);
      for (const key of ['favourite_colour', 'constructor', 'toString', 'frontchannel_logout_uri', 'polluted'])
        expect(Object.hasOwn(res.json, key)).toBe(false);
      const stored = (await server.signet.store.oidc.find('Client', String(res.json.client_id))) ?? {};
      for (const key of ['favourite_colour', '__proto__', 'constructor', 'toString', 'polluted'])
        expect(Object.hasOwn(stored, key)).toBe(false);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    test("a self-registered machine client cannot reach an API's scopes, with or without a secret", async () => {
      const api = 'https://api-x.example.com';
      await server.signet.store.oidc.upsert('Client', api, {
        client_id: api,
        client_secret: server.signet.secrets.hash('s'.repeat(40)),
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        signet_resource_scope: 'read write admin',
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const machine = await register({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [] });
      expect(machine.status).toBe(201);
      const { client_id, client_secret } = machine.json as Record<string, string>;
      const token = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: api, scope: 'admin write' }).toString(),
      });
      const json = (await token.json()) as Body;
      expect(textOf(json.scope)).toBe('');
      if (typeof json.access_token === 'string') {
        const seen = await fetch(`${server.issuer}/token/introspection`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${api}:${'s'.repeat(40)}`).toString('base64')}`,
          },
          body: new URLSearchParams({ token: json.access_token }).toString(),
        });
        expect(textOf(((await seen.json()) as Body).scope)).toBe('');
      }
    });

    test('a stored public client with client_credentials gets no token at the token endpoint (RFC 6749 4.4)', async () => {
      await server.signet.store.oidc.upsert('Client', 'public-machine', {
        client_id: 'public-machine',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'none',
      });
      const res = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'public-machine' }).toString(),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const json = (await res.json()) as Body;
      expect(json.access_token).toBeUndefined();
      expect(typeof json.error).toBe('string');
    });

    test('RFC 7592: an update keeps what the operator set, may repeat it, and may not change it', async () => {
      const created = await register({
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        client_name: 'Machine',
      });
      const { client_id, client_secret, registration_client_uri } = created.json as Record<string, string>;
      let rat = String(created.json.registration_access_token);
      // The operator allows it two scopes (the CLI's `client update --scope`).
      await server.signet.clients.update(client_id ?? '', { scope: 'read write' });
      const update = async (body: Body) => {
        const res = await fetch(String(registration_client_uri), {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${rat}` },
          body: JSON.stringify({
            client_id,
            client_secret,
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            ...body,
          }),
        });
        const json = (await res.json()) as Body;
        if (typeof json.registration_access_token === 'string') rat = json.registration_access_token;
        return { status: res.status, json };
      };
      const allowed = async () =>
        (await server.signet.store.oidc.find('Client', client_id ?? ''))?.signet_allowed_resource_scope;
      expect((await update({ client_name: 'Renamed' })).status).toBe(200);
      expect(await allowed()).toBe('read write');
      expect((await update({ client_name: 'Again', signet_allowed_resource_scope: 'read write' })).status).toBe(200);
      const raised = await update({ signet_allowed_resource_scope: 'read write admin' });
      expect(raised.status).toBe(400);
      expect(raised.json.error).toBe('invalid_client_metadata');
      expect(await allowed()).toBe('read write');
    });

    test('accepted: https redirects, native loopback and private-use schemes (RFC 8252)', async () => {
      expect((await register({ redirect_uris: [OK_URI] })).status).toBe(201);
      const native = await register({
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1:43110/cb', 'com.example.app:/oauth'],
      });
      expect(native.status).toBe(201);
      expect(native.json.client_secret).toBeUndefined();
    });

    test(`loopback http for a web client is ${mode === 'production' ? 'refused in production' : 'accepted outside production'} (CONTRACT.md)`, async () => {
      const res = await register({ redirect_uris: ['http://localhost:8080/cb'] });
      if (mode === 'production') {
        expect(res.status).toBe(400);
        expect(res.json.error).toBe('invalid_redirect_uri');
      } else {
        expect(res.status).toBe(201);
      }
    });

    test('RFC 7592 update is held to the same policy and leaves the client as it was', async () => {
      const created = await register({ redirect_uris: [OK_URI], client_name: 'Before' });
      const { client_id, registration_access_token, registration_client_uri, client_secret } = created.json as Record<
        string,
        string
      >;
      const update = (body: Body) =>
        fetch(String(registration_client_uri), {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${registration_access_token}` },
          body: JSON.stringify({ client_id, client_secret, ...body }),
        });
      const bad = await update({ redirect_uris: ['javascript:alert(1)'], client_name: 'After' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as Body).error).toBe('invalid_redirect_uri');
      const stored = await server.signet.store.oidc.find('Client', client_id ?? '');
      expect(stored?.client_name).toBe('Before');
      expect(stored?.redirect_uris).toEqual([OK_URI]);
    });

    test('RFC 7592 read and update work with the real secret; the stored hash never leaves', async () => {
      const created = await register({ redirect_uris: [OK_URI], client_name: 'Managed' });
      const { client_id, registration_access_token, registration_client_uri, client_secret } = created.json as Record<
        string,
        string
      >;
      const auth = { authorization: `Bearer ${registration_access_token}` };
      const read = await fetch(String(registration_client_uri), { headers: auth });
      expect(read.status).toBe(200);
      const readJson = (await read.json()) as Body;
      expect(readJson.client_id).toBe(client_id);
      expect(readJson.client_secret).toBeUndefined();
      const nextToken = textOf(readJson.registration_access_token) || registration_access_token;
      const updated = await fetch(String(registration_client_uri), {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${nextToken}` },
        body: JSON.stringify({
          client_id,
          client_secret,
          redirect_uris: [OK_URI, 'https://rp.example.com/cb2'],
          client_name: 'Renamed',
        }),
      });
      expect(updated.status).toBe(200);
      const json = (await updated.json()) as Body;
      expect(json.client_name).toBe('Renamed');
      expect(json.client_secret).toBeUndefined();
      // The original secret still authenticates the client.
      const token = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}`,
        },
        body: 'grant_type=refresh_token&refresh_token=nope',
      });
      expect(((await token.json()) as Body).error).toBe('invalid_grant');
      // A wrong secret in an update is refused.
      const wrong = await fetch(String(registration_client_uri), {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${textOf(json.registration_access_token) || nextToken}`,
        },
        body: JSON.stringify({ client_id, client_secret: 'not-it', redirect_uris: [OK_URI] }),
      });
      expect(wrong.status).toBe(400);
    });
  });
}
