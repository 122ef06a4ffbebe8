// Dynamic registration (RFC 7591) bounded: what one registration may store is limited, URLs carry no user
// information and display names no bidi tricks. Each refusal is a 400 naming the field, and stores nothing.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { LIMITS } from '../../src/clients/client-policy.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const IAT = 'initial-access-token-for-limit-tests';
const OK_URI = 'https://rp.example.com/cb';

type Body = Record<string, unknown>;

const uris = (n: number, base = 'https://a.io/') => Array.from({ length: n }, (_, i) => `${base}${i}`);

export function registrationLimitsSuite(store: StoreKind): void {
  describe('registration limits', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        store,
        env: { INITIAL_ACCESS_TOKEN: IAT, NODE_ENV: 'production', KEY_ENCRYPTION_SECRET: 's'.repeat(40) },
      });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    const register = async (body: Body) => {
      const res = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as Body };
    };
    const count = async () => (await server.signet.clients.list()).length;

    const refused: Array<[string, Body, string, RegExp]> = [
      [
        'a 50 KB client_name',
        { redirect_uris: [OK_URI], client_name: 'x'.repeat(50_000) },
        'invalid_client_metadata',
        /client_name must not be longer than 100/,
      ],
      [
        'a client_name one character too long',
        { redirect_uris: [OK_URI], client_name: 'x'.repeat(LIMITS.nameLength + 1) },
        'invalid_client_metadata',
        /client_name/,
      ],
      [
        'a right-to-left override in client_name',
        { redirect_uris: [OK_URI], client_name: 'Pay\u202Egoogle' },
        'invalid_client_metadata',
        /client_name.*bidirectional/,
      ],
      [
        'a first-strong isolate in client_name',
        { redirect_uris: [OK_URI], client_name: 'A\u2068B\u2069' },
        'invalid_client_metadata',
        /client_name/,
      ],
      [
        'a line break in client_name',
        { redirect_uris: [OK_URI], client_name: 'Line\nBreak' },
        'invalid_client_metadata',
        /client_name/,
      ],
      [
        '21 redirect URIs',
        { redirect_uris: uris(LIMITS.redirectUris + 1) },
        'invalid_redirect_uri',
        /redirect_uris must not have more than 20/,
      ],
      [
        '2,000 redirect URIs',
        { redirect_uris: uris(2000) },
        'invalid_redirect_uri',
        /redirect_uris must not have more than 20/,
      ],
      [
        '21 post-logout redirect URIs',
        { redirect_uris: [OK_URI], post_logout_redirect_uris: uris(LIMITS.postLogoutRedirectUris + 1) },
        'invalid_client_metadata',
        /post_logout_redirect_uris must not have more than 20/,
      ],
      [
        'a 2,001-character redirect URI',
        { redirect_uris: [`${OK_URI}?${'a'.repeat(LIMITS.urlLength - OK_URI.length)}`] },
        'invalid_redirect_uri',
        /longer than 2000/,
      ],
      [
        'a 2,001-character logo_uri',
        { redirect_uris: [OK_URI], logo_uri: `https://cdn.example.com/?${'a'.repeat(LIMITS.urlLength)}` },
        'invalid_client_metadata',
        /logo_uri/,
      ],
      [
        '11 contacts',
        {
          redirect_uris: [OK_URI],
          contacts: Array.from({ length: LIMITS.contacts + 1 }, (_, i) => `ops${i}@rp.example.com`),
        },
        'invalid_client_metadata',
        /contacts/,
      ],
      [
        'userinfo in a redirect URI',
        { redirect_uris: ['https://evil.example@good.example/cb'] },
        'invalid_redirect_uri',
        /redirect_uris must not contain user information/,
      ],
      [
        'user and password in a redirect URI',
        { redirect_uris: ['https://u:p@good.example/cb'] },
        'invalid_redirect_uri',
        /user information/,
      ],
      [
        'userinfo in a post-logout URI',
        { redirect_uris: [OK_URI], post_logout_redirect_uris: ['https://evil.example@good.example/out'] },
        'invalid_client_metadata',
        /post_logout_redirect_uris must not contain user information/,
      ],
      [
        'userinfo in logo_uri',
        { redirect_uris: [OK_URI], logo_uri: 'https://evil.example@cdn.example.com/logo.png' },
        'invalid_client_metadata',
        /logo_uri must not contain user information/,
      ],
      [
        'userinfo in jwks_uri',
        { redirect_uris: [OK_URI], jwks_uri: 'https://evil.example@keys.example.com/jwks' },
        'invalid_client_metadata',
        /jwks_uri must not contain user information/,
      ],
      [
        'userinfo in backchannel_logout_uri',
        { redirect_uris: [OK_URI], backchannel_logout_uri: 'https://evil.example@rp.example.com/bcl' },
        'invalid_client_metadata',
        /backchannel_logout_uri must not contain user information/,
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

    test('everything at its limit is accepted and stored as sent', async () => {
      const name = 'N'.repeat(LIMITS.nameLength);
      const res = await register({
        client_name: name,
        redirect_uris: uris(LIMITS.redirectUris),
        post_logout_redirect_uris: uris(LIMITS.postLogoutRedirectUris, 'https://a.io/out/'),
        contacts: Array.from({ length: LIMITS.contacts }, (_, i) => `ops${i}@rp.example.com`),
        logo_uri: `https://cdn.example.com/?${'a'.repeat(LIMITS.urlLength - 'https://cdn.example.com/?'.length)}`,
      });
      expect(res.status).toBe(201);
      const stored = await server.signet.store.oidc.find('Client', String(res.json.client_id));
      expect(stored?.client_name).toBe(name);
      expect(stored?.redirect_uris).toHaveLength(LIMITS.redirectUris);
    });

    test('right-to-left names need no formatting characters and are accepted', async () => {
      const res = await register({ redirect_uris: [OK_URI], client_name: 'تطبيق المثال' });
      expect(res.status).toBe(201);
      expect(res.json.client_name).toBe('تطبيق المثال');
    });

    test('logo_uri, policy_uri, tos_uri and client_uri may point anywhere over https (Signet never fetches them)', async () => {
      const res = await register({
        redirect_uris: [OK_URI],
        logo_uri: 'https://127.0.0.1/logo.png',
        policy_uri: 'https://10.0.0.1/policy',
        tos_uri: 'https://[::ffff:7f00:1]/tos',
        client_uri: 'https://intranet/',
      });
      expect(res.status).toBe(201);
    });

    test('an RFC 7592 update is held to the same limits and leaves the client as it was', async () => {
      const created = await register({ redirect_uris: [OK_URI], client_name: 'Before' });
      const { client_id, registration_access_token, registration_client_uri, client_secret } = created.json as Record<
        string,
        string
      >;
      const update = await fetch(String(registration_client_uri), {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${registration_access_token}` },
        body: JSON.stringify({
          client_id,
          client_secret,
          redirect_uris: uris(LIMITS.redirectUris + 1),
          client_name: 'After\u202E',
        }),
      });
      expect(update.status).toBe(400);
      expect(((await update.json()) as Body).error).toMatch(/^invalid_(redirect_uri|client_metadata)$/);
      const stored = await server.signet.store.oidc.find('Client', client_id ?? '');
      expect(stored?.client_name).toBe('Before');
      expect(stored?.redirect_uris).toEqual([OK_URI]);
    });
  });
}
