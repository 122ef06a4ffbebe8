// Black-box tests of the client-registration commands of the admin CLI: `client create
// --type ...`, show, update, rotate-secret, and initial access tokens (`iat ...`). The built dist/cli.js is
// spawned as an operator runs it, against the store of a real server that is running meanwhile; what
// the CLI wrote is then checked over HTTP: /token, /token/introspection and /reg.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { textOf } from '../support/text.js';
import { describeMongo, dropTestDatabase } from '../support/stores.js';
import { expectOneLineError, jsonLine, runCli } from '../support/run-cli.js';
import { basicAuth } from '../support/user-agent.js';

const TIMEOUT = 60_000;
const REDIRECT = 'https://rp.example.com/cb';

/** RFC 6749 2.3.1: id and secret are form-encoded before Basic (a resource server's id is a URL). */
const basic = (id: string, secret: string) => basicAuth(id, secret);

function cliClientsSuite(kind: StoreKind): void {
  let dataDir: string;
  const mongoDb = `cli_clients_${randomBytes(6).toString('hex')}`;
  let env: NodeJS.ProcessEnv;
  let server: TestServer;
  /** How far the server's clock runs ahead of the wall clock: expiry is tested by moving it, not by waiting. */
  let clockAheadMs = 0;
  const tag = randomBytes(4).toString('hex');
  const API = `https://api-${tag}.example.com`;
  /** Everything secret this suite saw: none may show up in show, list or the audit trail. */
  const secrets: string[] = [];

  const cli = (...args: string[]) => runCli(args, env);

  const post = async (path: string, auth: string | undefined, form: Record<string, string>) => {
    const res = await fetch(`${server.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const register = async (token: string | undefined, body: Record<string, unknown> = { redirect_uris: [REDIRECT] }) => {
    const res = await fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };

  const createClient = async (...args: string[]) => {
    const out = jsonLine(await cli('client', 'create', ...args));
    if (typeof out.client_secret === 'string') secrets.push(out.client_secret);
    return out as { client_id: string; client_secret?: string };
  };

  const show = async (clientId: string) => {
    const result = await cli('client', 'show', '--client-id', clientId);
    for (const secret of secrets) expect(result.stdout).not.toContain(secret);
    expect(result.stdout).not.toContain('hmac-sha256');
    const out = jsonLine(result);
    expect(out).not.toHaveProperty('client_secret');
    return out;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-cli-clients-'));
    env = { ...process.env, DATA_DIR: dataDir, REGISTRATION: 'token' };
    delete env.MONGODB_URI;
    delete env.INITIAL_ACCESS_TOKEN;
    if (kind === 'mongodb') env.MONGODB_URI = mongoTestUri(mongoDb);
    // The server runs on the CLI's store all along: what the CLI writes takes effect at the server's next
    // re-read of the client change counter (every CLIENT_REFRESH_INTERVAL), which the tests ask for at once.
    server = await startTestServer({
      store: kind,
      dataDir,
      mongoDb,
      env: { REGISTRATION: 'token' },
      overrides: { clock: () => Date.now() + clockAheadMs },
    });
  }, TIMEOUT);

  afterAll(async () => {
    await stopIfStarted(server, (s) => s.stop());
    if (kind === 'mongodb') await dropTestDatabase(mongoDb);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, TIMEOUT);

  describe('client create --type', () => {
    test(
      'web (the default) and --public keep working; native is public with loopback and private-use redirects',
      async () => {
        const web = await createClient('--name', 'Web', '--redirect-uri', REDIRECT);
        expect(Object.keys(web).sort()).toEqual(['client_id', 'client_secret']);
        expect(await show(web.client_id)).toMatchObject({
          client_id: web.client_id,
          client_name: 'Web',
          type: 'web',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        });
        const explicit = await createClient('--name', 'Web too', '--type', 'web', '--redirect-uri', REDIRECT);
        expect(Object.keys(explicit).sort()).toEqual(['client_id', 'client_secret']);

        const pub = await createClient('--name', 'SPA', '--redirect-uri', REDIRECT, '--public');
        expect(Object.keys(pub)).toEqual(['client_id']);
        expect(await show(pub.client_id)).toMatchObject({ type: 'web', token_endpoint_auth_method: 'none' });

        const native = await createClient(
          '--name',
          'Phone',
          '--type',
          'native',
          '--redirect-uri',
          'com.example.app:/cb',
          '--redirect-uri',
          'http://127.0.0.1/cb',
        );
        expect(Object.keys(native)).toEqual(['client_id']);
        expect(await show(native.client_id)).toMatchObject({
          type: 'native',
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          redirect_uris: ['com.example.app:/cb', 'http://127.0.0.1/cb'],
        });
        const loaded = await server.signet.provider.Client.find(native.client_id);
        expect(loaded?.tokenEndpointAuthMethod).toBe('none');
        expect(loaded?.applicationType).toBe('native');
      },
      TIMEOUT,
    );

    test(
      'service: client_credentials only, no redirects, confidential, with the scopes it may ask for',
      async () => {
        const svc = await createClient(
          '--name',
          'Nightly export',
          '--type',
          'service',
          '--scope',
          ' read:things  read:reports ',
        );
        expect(Object.keys(svc).sort()).toEqual(['client_id', 'client_secret']);
        expect(await show(svc.client_id)).toMatchObject({
          type: 'service',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
          signet_allowed_resource_scope: 'read:things read:reports',
        });
      },
      TIMEOUT,
    );

    test(
      'resource-server: no grants, no redirects, confidential; its client_id is its resource indicator',
      async () => {
        const rs = await createClient(
          '--name',
          'Things API',
          '--type',
          'resource-server',
          '--resource',
          API,
          '--scope',
          'read:things write:things',
        );
        expect(rs.client_id).toBe(API);
        expect(Object.keys(rs).sort()).toEqual(['client_id', 'client_secret']);
        expect(await show(API)).toMatchObject({
          client_id: API,
          type: 'resource-server',
          grant_types: [],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
          signet_resource_scope: 'read:things write:things',
        });
        const jwt = await createClient(
          '--name',
          'Reports',
          '--type',
          'resource-server',
          '--resource',
          `${API}/reports`,
          '--access-token-format',
          'jwt',
        );
        expect(await show(jwt.client_id)).toMatchObject({ type: 'resource-server', signet_access_token_format: 'jwt' });
      },
      TIMEOUT,
    );

    test(
      'refuses what a type does not take, unknown types and bad values, with one line',
      async () => {
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--type', 'daemon'),
          /--type must be one of web, native, service, resource-server/,
        );
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--type', 'service', '--redirect-uri', REDIRECT),
          /redirect-uri/,
        );
        expectOneLineError(await cli('client', 'create', '--name', 'X', '--type', 'service', '--public'), /public/);
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--type', 'service', '--scope', '   '),
          /scope/,
        );
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--redirect-uri', REDIRECT, '--scope', 'read:things'),
          /scope/,
        );
        expectOneLineError(await cli('client', 'create', '--name', 'X', '--type', 'native'), /redirect-uri/);
        // A private-use scheme is for native apps only.
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--redirect-uri', 'com.example.app:/cb'),
          /redirect_uris/,
        );
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--type', 'native', '--redirect-uri', 'javascript:alert(1)'),
          /redirect_uris/,
        );
        expectOneLineError(await cli('client', 'create', '--name', 'X', '--type', 'resource-server'), /--resource/);
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--type', 'resource-server', '--resource', 'not a uri'),
          /--resource/,
        );
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--type', 'resource-server', '--resource', `${API}/#frag`),
          /fragment/,
        );
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--type', 'resource-server', '--resource', API),
          /already exists/,
        );
        expectOneLineError(
          await cli('client', 'create', '--name', 'X', '--type', 'service', '--resource', API),
          /--resource/,
        );
        expectOneLineError(
          await cli(
            'client',
            'create',
            '--name',
            'X',
            '--type',
            'resource-server',
            '--resource',
            `${API}/x`,
            '--access-token-format',
            'paseto',
          ),
          /access-token-format/,
        );
        expectOneLineError(await cli('client', 'create', '--type', 'service'), /name/);
        // The API that already exists is unchanged (same secret still works: checked by the token tests).
        expect(await show(API)).toMatchObject({ client_name: 'Things API' });
      },
      2 * TIMEOUT,
    );
  });

  describe('service and resource-server clients at the token endpoints', () => {
    let svc: { client_id: string; client_secret: string };
    let api: { client_id: string; client_secret: string };

    beforeAll(async () => {
      const s = await createClient('--name', 'Worker', '--type', 'service', '--scope', 'read:things');
      const a = await createClient(
        '--name',
        'Widgets API',
        '--type',
        'resource-server',
        '--resource',
        `${API}/widgets`,
        '--scope',
        'read:things write:things',
      );
      svc = { client_id: s.client_id, client_secret: s.client_secret ?? '' };
      api = { client_id: a.client_id, client_secret: a.client_secret ?? '' };
    }, TIMEOUT);

    test(
      'a service client gets a token for a resource with client_credentials, limited to its scope; the resource server introspects it',
      async () => {
        const issued = await post('/token', basic(svc.client_id, svc.client_secret), {
          grant_type: 'client_credentials',
          resource: api.client_id,
          scope: 'read:things',
        });
        expect(issued.status).toBe(200);
        expect(issued.body).toMatchObject({
          access_token: expect.any(String),
          token_type: 'Bearer',
          scope: 'read:things',
        });
        const token = String(issued.body.access_token);
        secrets.push(token);
        const seen = await post('/token/introspection', basic(api.client_id, api.client_secret), { token });
        expect(seen.status).toBe(200);
        expect(seen.body).toMatchObject({
          active: true,
          client_id: svc.client_id,
          aud: api.client_id,
          scope: 'read:things',
        });

        // write:things is offered by the API but not allowed to this client: not granted.
        const wider = await post('/token', basic(svc.client_id, svc.client_secret), {
          grant_type: 'client_credentials',
          resource: api.client_id,
          scope: 'read:things write:things',
        });
        expect(textOf(wider.body.scope)).not.toContain('write:things');
      },
      TIMEOUT,
    );

    test(
      'a resource server can call introspection but cannot use any grant',
      async () => {
        const inactive = await post('/token/introspection', basic(api.client_id, api.client_secret), {
          token: 'not-a-token',
        });
        expect(inactive).toEqual({ status: 200, body: { active: false } });
        const forms: Array<Record<string, string>> = [
          { grant_type: 'client_credentials', resource: api.client_id },
          { grant_type: 'client_credentials' },
          { grant_type: 'refresh_token', refresh_token: 'x' },
          { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, code_verifier: 'x'.repeat(43) },
        ];
        for (const form of forms) {
          const res = await post('/token', basic(api.client_id, api.client_secret), form);
          expect({ grant: form.grant_type, status: res.status }).toEqual({ grant: form.grant_type, status: 400 });
          // oidc-provider answers invalid_request rather than RFC 6749's unauthorized_client; the point is the refusal.
          expect(res.body).toMatchObject({
            error: 'invalid_request',
            error_description: expect.stringMatching(/grant type is not allowed for this client/),
          });
          expect(res.body.access_token).toBeUndefined();
        }
      },
      TIMEOUT,
    );

    test(
      'rotate-secret: prints a new secret once; the old one fails with 401 invalid_client from the next client re-read, the new one works',
      async () => {
        const grant = (secret: string) =>
          post('/token', basic(svc.client_id, secret), {
            grant_type: 'client_credentials',
            resource: api.client_id,
            scope: 'read:things',
          });
        expect((await grant(svc.client_secret)).status).toBe(200);

        const rotated = jsonLine(await cli('client', 'rotate-secret', '--client-id', svc.client_id));
        await server.signet.refreshClients();
        expect(Object.keys(rotated).sort()).toEqual(['client_id', 'client_secret']);
        expect(rotated.client_id).toBe(svc.client_id);
        const fresh = String(rotated.client_secret);
        secrets.push(fresh);
        expect(fresh).not.toBe(svc.client_secret);
        expect(fresh.length).toBeGreaterThanOrEqual(43);

        const old = await grant(svc.client_secret);
        expect(old.status).toBe(401);
        expect(old.body.error).toBe('invalid_client');
        expect((await grant(fresh)).status).toBe(200);
        // The resource server's own secret can be rotated the same way (introspection authenticates with it).
        const apiRotated = jsonLine(await cli('client', 'rotate-secret', '--client-id', api.client_id));
        await server.signet.refreshClients();
        secrets.push(String(apiRotated.client_secret));
        expect(
          (await post('/token/introspection', basic(api.client_id, api.client_secret), { token: 'x' })).status,
        ).toBe(401);
        expect(
          (await post('/token/introspection', basic(api.client_id, String(apiRotated.client_secret)), { token: 'x' }))
            .status,
        ).toBe(200);

        const audit = jsonLine(await cli('audit', 'list', '--limit', '10'));
        const events = audit.events as Array<{ type: string; client_id: string; details: Record<string, unknown> }>;
        expect(events).toContainEqual(
          expect.objectContaining({
            type: 'client.updated',
            client_id: svc.client_id,
            details: { via: 'cli', fields: ['client_secret'] },
          }),
        );
      },
      2 * TIMEOUT,
    );

    test(
      'rotate-secret refuses public clients, unknown clients and a missing --client-id',
      async () => {
        const pub = await createClient('--name', 'Public', '--redirect-uri', REDIRECT, '--public');
        expectOneLineError(await cli('client', 'rotate-secret', '--client-id', pub.client_id), /public/);
        const native = await createClient('--name', 'App', '--type', 'native', '--redirect-uri', 'http://127.0.0.1/cb');
        expectOneLineError(await cli('client', 'rotate-secret', '--client-id', native.client_id), /public/);
        expectOneLineError(await cli('client', 'rotate-secret', '--client-id', `nope-${tag}`), /no client/);
        expectOneLineError(await cli('client', 'rotate-secret'), /client-id/);
        expect(await show(pub.client_id)).toMatchObject({ token_endpoint_auth_method: 'none' });
      },
      TIMEOUT,
    );
  });

  describe('client show, list and update', () => {
    test(
      'show: the metadata without any secret or hash; list gives every client with its type',
      async () => {
        const svc = await createClient('--name', 'Lister', '--type', 'service');
        const shown = await show(svc.client_id);
        expect(shown).toMatchObject({
          client_id: svc.client_id,
          client_name: 'Lister',
          type: 'service',
          client_secret_expires_at: 0,
        });
        expect(JSON.stringify(shown)).not.toContain(svc.client_secret ?? '!');

        const listed = jsonLine(await cli('client', 'list'));
        const clients = listed.clients as Array<Record<string, unknown>>;
        expect(clients).toContainEqual({
          client_id: svc.client_id,
          client_name: 'Lister',
          type: 'service',
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
        });
        expect(clients).toContainEqual(expect.objectContaining({ client_id: API, type: 'resource-server' }));
        for (const secret of secrets) expect(JSON.stringify(listed)).not.toContain(secret);

        expectOneLineError(await cli('client', 'show', '--client-id', `nope-${tag}`), /no client/);
        expectOneLineError(await cli('client', 'show'), /client-id/);
      },
      TIMEOUT,
    );

    test(
      'update replaces the given fields, is checked like create, audited, and the running server sees it from its next client re-read',
      async () => {
        const web = await createClient(
          '--name',
          'Before',
          '--redirect-uri',
          REDIRECT,
          '--post-logout-redirect-uri',
          'https://rp.example.com/bye',
        );
        const out = jsonLine(
          await cli(
            'client',
            'update',
            '--client-id',
            web.client_id,
            '--name',
            'After',
            '--redirect-uri',
            'https://rp.example.com/a',
            '--redirect-uri',
            'http://127.0.0.1:9000/cb',
          ),
        );
        expect(out).toEqual({ client_id: web.client_id, updated: ['client_name', 'redirect_uris'] });
        expect(await show(web.client_id)).toMatchObject({
          client_name: 'After',
          redirect_uris: ['https://rp.example.com/a', 'http://127.0.0.1:9000/cb'],
          post_logout_redirect_uris: ['https://rp.example.com/bye'],
          token_endpoint_auth_method: 'client_secret_basic',
        });
        await server.signet.refreshClients();
        const loaded = await server.signet.provider.Client.find(web.client_id);
        expect(loaded?.clientName).toBe('After');
        expect(loaded?.redirectUris).toEqual(['https://rp.example.com/a', 'http://127.0.0.1:9000/cb']);

        const logout = jsonLine(
          await cli(
            'client',
            'update',
            '--client-id',
            web.client_id,
            '--post-logout-redirect-uri',
            'https://rp.example.com/later',
          ),
        );
        expect(logout).toEqual({ client_id: web.client_id, updated: ['post_logout_redirect_uris'] });
        await server.signet.refreshClients();
        expect((await server.signet.provider.Client.find(web.client_id))?.postLogoutRedirectUris).toEqual([
          'https://rp.example.com/later',
        ]);

        // The secret survives an update: the client still authenticates with it.
        const auth = await post('/token/introspection', basic(web.client_id, web.client_secret ?? ''), { token: 'x' });
        expect(auth.status).toBe(200);

        const audit = jsonLine(await cli('audit', 'list', '--limit', '5'));
        expect(audit.events).toContainEqual(
          expect.objectContaining({
            type: 'client.updated',
            client_id: web.client_id,
            details: { via: 'cli', fields: ['client_name', 'redirect_uris'] },
          }),
        );

        const api = jsonLine(
          await cli('client', 'update', '--client-id', API, '--scope', 'read:things write:things admin'),
        );
        expect(api).toEqual({ client_id: API, updated: ['signet_resource_scope'] });
        expect(await show(API)).toMatchObject({ signet_resource_scope: 'read:things write:things admin' });
      },
      2 * TIMEOUT,
    );

    test(
      'update refuses bad values and changes nothing',
      async () => {
        const web = await createClient('--name', 'Steady', '--redirect-uri', REDIRECT);
        const native = await createClient(
          '--name',
          'Steady app',
          '--type',
          'native',
          '--redirect-uri',
          'http://127.0.0.1/cb',
        );
        const svc = await createClient('--name', 'Steady worker', '--type', 'service');
        const id = web.client_id;
        expectOneLineError(
          await cli('client', 'update', '--client-id', id, '--redirect-uri', 'javascript:alert(1)'),
          /redirect_uris/,
        );
        expectOneLineError(
          await cli('client', 'update', '--client-id', id, '--redirect-uri', 'https://rp.example.com/cb#x'),
          /fragment/,
        );
        expectOneLineError(
          await cli('client', 'update', '--client-id', id, '--redirect-uri', 'com.example.app:/cb'),
          /redirect_uris/,
        );
        expectOneLineError(
          await cli('client', 'update', '--client-id', id, '--post-logout-redirect-uri', 'data:text/html,hi'),
          /post_logout_redirect_uris/,
        );
        expectOneLineError(await cli('client', 'update', '--client-id', id, '--name', '  '), /name/);
        expectOneLineError(await cli('client', 'update', '--client-id', id, '--scope', 'read:things'), /scope/);
        expectOneLineError(await cli('client', 'update', '--client-id', id), /nothing to update/);
        expectOneLineError(
          await cli('client', 'update', '--client-id', svc.client_id, '--redirect-uri', REDIRECT),
          /redirect-uri/,
        );
        expectOneLineError(await cli('client', 'update', '--client-id', `nope-${tag}`, '--name', 'x'), /no client/);
        expectOneLineError(await cli('client', 'update', '--name', 'x'), /client-id/);
        expect(await show(id)).toMatchObject({ client_name: 'Steady', redirect_uris: [REDIRECT] });
        // A native client may move to a private-use scheme.
        jsonLine(
          await cli('client', 'update', '--client-id', native.client_id, '--redirect-uri', 'com.example.app:/cb'),
        );
        expect(await show(native.client_id)).toMatchObject({ redirect_uris: ['com.example.app:/cb'] });
      },
      2 * TIMEOUT,
    );
  });

  describe('initial access tokens', () => {
    let expiring: { initial_access_token: string; expires_at: string };
    const iatCreate = async (...args: string[]) => {
      const out = jsonLine(await cli('iat', 'create', ...args));
      expect(Object.keys(out).sort()).toEqual(['expires_at', 'id', 'initial_access_token', 'max_uses', 'pkce']);
      expect(out.initial_access_token).toEqual(expect.stringMatching(/^[\w-]{32,}$/));
      secrets.push(String(out.initial_access_token));
      return out as {
        id: string;
        initial_access_token: string;
        expires_at: string | null;
        max_uses: number | null;
        pkce: string;
      };
    };

    beforeAll(async () => {
      // Ten minutes: still good on the wall clock when the test below moves the server's clock past it.
      const out = await iatCreate('--expires-in', '600');
      expiring = { initial_access_token: out.initial_access_token, expires_at: out.expires_at ?? '' };
    }, TIMEOUT);

    test(
      'iat create prints the token once; /reg accepts it as a Bearer token and refuses anything else',
      async () => {
        const before = Date.now();
        const timed = await iatCreate('--expires-in', '3600');
        expect(timed.max_uses).toBeNull();
        const expires = Date.parse(timed.expires_at ?? '');
        expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3_600_000);
        expect(expires).toBeLessThanOrEqual(Date.now() + 3_601_000);
        expect(new Date(expires).toISOString()).toBe(timed.expires_at);

        const forever = await iatCreate();
        expect(forever.expires_at).toBeNull();
        expect(forever.max_uses).toBeNull();

        for (const token of [timed.initial_access_token, forever.initial_access_token]) {
          const res = await register(token);
          expect(res.status).toBe(201);
          expect(res.body).toMatchObject({ client_id: expect.any(String), redirect_uris: [REDIRECT] });
          secrets.push(textOf(res.body.client_secret), textOf(res.body.registration_access_token));
          // Without a use limit the token stays good.
          expect((await register(token)).status).toBe(201);
        }
        expect((await register(undefined)).status).toBe(401);
        expect((await register(randomBytes(32).toString('base64url'))).status).toBe(401);
        // The store keeps a hash: its id is no token.
        expect((await register(timed.id)).status).toBe(401);
      },
      TIMEOUT,
    );

    test(
      '--max-uses: exactly that many registrations, even in parallel; a refused request spends no use',
      async () => {
        const two = await iatCreate('--max-uses', '2', '--expires-in', '600');
        expect(two.max_uses).toBe(2);
        // Bad metadata is refused before a use is spent.
        expect((await register(two.initial_access_token, { redirect_uris: ['javascript:alert(1)'] })).status).toBe(400);
        expect((await register(two.initial_access_token)).status).toBe(201);
        expect((await register(two.initial_access_token)).status).toBe(201);
        const third = await register(two.initial_access_token);
        expect(third.status).toBe(401);
        expect(third.body.error).toBe('invalid_token');

        const three = await iatCreate('--max-uses', '3');
        const results = await Promise.all(Array.from({ length: 8 }, () => register(three.initial_access_token)));
        expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 401, 401, 401, 401, 401]);

        const listed = jsonLine(await cli('iat', 'list'));
        const tokens = listed.initial_access_tokens as Array<Record<string, unknown>>;
        expect(tokens).toContainEqual({
          id: two.id,
          issued_at: expect.any(String),
          expires_at: two.expires_at,
          max_uses: 2,
          uses_left: 0,
          pkce: 'required',
        });
        expect(tokens).toContainEqual({
          id: three.id,
          issued_at: expect.any(String),
          expires_at: null,
          max_uses: 3,
          uses_left: 0,
          pkce: 'required',
        });
        for (const secret of secrets) expect(JSON.stringify(listed)).not.toContain(secret);
      },
      2 * TIMEOUT,
    );

    test(
      'iat list and iat revoke: a revoked token is refused at once',
      async () => {
        const one = await iatCreate('--max-uses', '5');
        const before = jsonLine(await cli('iat', 'list')).initial_access_tokens as Array<Record<string, unknown>>;
        expect(before).toContainEqual({
          id: one.id,
          issued_at: expect.any(String),
          expires_at: null,
          max_uses: 5,
          uses_left: 5,
          pkce: 'required',
        });
        expect((await register(one.initial_access_token)).status).toBe(201);
        const after = jsonLine(await cli('iat', 'list')).initial_access_tokens as Array<Record<string, unknown>>;
        expect(after).toContainEqual(expect.objectContaining({ id: one.id, uses_left: 4 }));

        expect(jsonLine(await cli('iat', 'revoke', '--id', one.id))).toEqual({ id: one.id, revoked: true });
        expect((await register(one.initial_access_token)).status).toBe(401);
        const gone = jsonLine(await cli('iat', 'list')).initial_access_tokens as Array<Record<string, unknown>>;
        expect(gone.map((t) => t.id)).not.toContain(one.id);

        expectOneLineError(await cli('iat', 'revoke', '--id', one.id), /no initial access token/);
        expectOneLineError(await cli('iat', 'revoke', '--id', one.initial_access_token), /no initial access token/);
        expectOneLineError(await cli('iat', 'revoke'), /id/);
      },
      TIMEOUT,
    );

    test(
      'bad --expires-in and --max-uses fail with one line',
      async () => {
        for (const value of ['0', '-5', 'ten', '1.5', '', '99999999999'])
          expectOneLineError(await cli('iat', 'create', '--expires-in', value), /expires-in/);
        for (const value of ['0', '-1', 'two', '2.5', '', '1001'])
          expectOneLineError(await cli('iat', 'create', '--max-uses', value), /max-uses/);
        expectOneLineError(await cli('iat', 'create', '--uses', '2'), /uses/);
        expectOneLineError(await cli('iat', 'create', '--pkce', 'sometimes'), /pkce/);
        // A valid one says what it grants: an exemption from PKCE for the confidential clients it registers.
        expect((await iatCreate('--pkce', 'optional')).pkce).toBe('optional');
        expect((await iatCreate()).pkce).toBe('required');
      },
      TIMEOUT,
    );

    test(
      'an expired token is refused',
      async () => {
        // The CLI wrote the token with its own (wall) clock; the server's store reads it a second after expiry.
        clockAheadMs = Date.parse(expiring.expires_at) + 1_000 - Date.now();
        try {
          const res = await register(expiring.initial_access_token);
          expect(res.status).toBe(401);
          expect(res.body.error).toBe('invalid_token');
        } finally {
          clockAheadMs = 0;
        }
        // Back on the wall clock, within its ten minutes, the same token still registers: the clock decided.
        expect((await register(expiring.initial_access_token)).status).toBe(201);
      },
      TIMEOUT,
    );
  });

  describe('usage', () => {
    test(
      '--help lists every client and iat command with its flags',
      async () => {
        const tool = await cli('--help');
        expect(tool.code).toBe(0);
        for (const command of [
          'client create',
          'client list',
          'client show',
          'client update',
          'client rotate-secret',
          'client delete',
          'iat create',
          'iat list',
          'iat revoke',
        ]) {
          expect(tool.stdout).toContain(command);
        }
        const create = await cli('client', 'create', '--help');
        for (const flag of [
          '--name',
          '--type',
          '--redirect-uri',
          '--post-logout-redirect-uri',
          '--public',
          '--scope',
          '--resource',
        ])
          expect(create.stdout).toContain(flag);
        const iat = await cli('iat', 'create', '--help');
        for (const flag of ['--expires-in', '--max-uses']) expect(iat.stdout).toContain(flag);
      },
      TIMEOUT,
    );

    test(
      'no secret this suite handled shows up in the audit trail',
      async () => {
        const trail = (await cli('audit', 'list', '--limit', '10000')).stdout;
        expect(trail).toContain('client.registered');
        for (const secret of secrets.filter(Boolean))
          expect({ secret, found: trail.includes(secret) }).toEqual({ secret, found: false });
      },
      TIMEOUT,
    );
  });
}

describe('client registration CLI on SQLite (DATA_DIR)', () => cliClientsSuite('sqlite'));
describeMongo('client registration CLI on MongoDB (FerretDB)', () => cliClientsSuite('mongodb'));
