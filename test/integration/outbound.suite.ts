// Server-side requests Signet makes for a client (its jwks_uri for private_key_jwt, its back-channel logout
// endpoint), against a real listener on loopback: in production no spelling of loopback reaches it, whether
// registration let the URL in or the client was written to the store directly; outside production loopback
// is a developer's machine in every spelling; OUTBOUND_ALLOWED_HOSTS lets the operator's named host through.

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { generateKeyPair, SignJWT } from 'jose';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const IAT = 'initial-access-token-for-outbound-tests';

type Body = Record<string, unknown>;

/** A loopback listener that counts every TCP connection made to it and answers 200 to any HTTP request. */
async function countingListener(): Promise<{
  server: Server;
  port: number;
  connections: () => number;
  reset: () => void;
}> {
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    reset: () => (connections = 0),
  };
}

export function outboundSuite(store: StoreKind): void {
  let listener: Awaited<ReturnType<typeof countingListener>>;
  beforeAll(async () => {
    listener = await countingListener();
  });
  afterAll(async () => {
    listener.server.closeAllConnections();
    await new Promise((resolve) => listener.server.close(resolve));
  });
  beforeEach(() => listener.reset());

  const register = async (server: TestServer, body: Body) => {
    const res = await fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Body };
  };

  /** A machine client authenticating with private_key_jwt: Signet fetches its jwks_uri to check the assertion. */
  const machineClient = (jwksUri: string): Body => ({
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks_uri: jwksUri,
  });

  /** Writes a client to the store as is, past registration: the connect-time check must hold on its own. */
  const storeClient = async (server: TestServer, metadata: Body): Promise<string> => {
    const clientId = `outbound-${randomBytes(6).toString('hex')}`;
    await server.signet.store.oidc.upsert('Client', clientId, { client_id: clientId, ...metadata });
    return clientId;
  };

  /** A client_credentials request with a signed client assertion; Signet needs the client's keys for it. */
  const tokenWithAssertion = async (server: TestServer, clientId: string) => {
    const { privateKey } = await generateKeyPair('ES256');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(server.issuer)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
    const res = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }).toString(),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Body };
  };

  /** What oidc-provider does when a session ends: POST a logout token to the client's endpoint. */
  const backchannelLogout = async (server: TestServer, clientId: string): Promise<unknown> => {
    // Not in oidc-provider's published types, but what its own logout code calls (provider-events.ts too).
    const client = (await server.signet.provider.Client.find(clientId)) as unknown as
      { backchannelLogout(sub: string, sid: string): Promise<void> } | undefined;
    if (!client) throw new Error(`client ${clientId} did not load`);
    return client.backchannelLogout('some-account', 'some-sid').then(
      () => undefined,
      (err: unknown) => err,
    );
  };

  describe('production', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        store,
        env: {
          INITIAL_ACCESS_TOKEN: IAT,
          NODE_ENV: 'production',
          KEY_ENCRYPTION_SECRET: 's'.repeat(40),
          OUTBOUND_ALLOWED_HOSTS: `localhost:${listener.port}`,
        },
      });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    const loopbackSpellings = () => [
      `[::ffff:7f00:1]:${listener.port}`,
      `[::ffff:127.0.0.1]:${listener.port}`,
      `127.0.0.1:${listener.port}`,
      `2130706433:${listener.port}`,
    ];

    test('registration refuses a jwks_uri or backchannel_logout_uri at an IPv4-mapped loopback address', async () => {
      const jwks = await register(server, machineClient(`https://[::ffff:7f00:1]:${listener.port}/jwks`));
      expect(jwks.status).toBe(400);
      expect(jwks.json.error).toBe('invalid_client_metadata');
      expect(String(jwks.json.error_description)).toMatch(/jwks_uri/);
      const bcl = await register(server, {
        redirect_uris: ['https://rp.example.com/cb'],
        backchannel_logout_uri: `https://[::ffff:127.0.0.1]:${listener.port}/bcl`,
      });
      expect(bcl.status).toBe(400);
      expect(bcl.json.error).toBe('invalid_client_metadata');
      expect(String(bcl.json.error_description)).toMatch(/backchannel_logout_uri/);
      expect(listener.connections()).toBe(0);
    });

    test("a stored client's jwks_uri on loopback, in any spelling, is never contacted; the client gets a 401", async () => {
      for (const host of loopbackSpellings()) {
        const clientId = await storeClient(server, machineClient(`https://${host}/jwks`));
        const res = await tokenWithAssertion(server, clientId);
        expect(res.status).toBe(401);
        expect(res.json.error).toBe('invalid_client');
        expect(res.json.access_token).toBeUndefined();
      }
      expect(listener.connections()).toBe(0);
    });

    test("a stored client's back-channel logout endpoint on loopback, in any spelling, is never contacted", async () => {
      for (const host of loopbackSpellings()) {
        const clientId = await storeClient(server, {
          redirect_uris: ['https://rp.example.com/cb'],
          client_secret: server.signet.secrets.hash('s'.repeat(40)),
          backchannel_logout_uri: `https://${host}/bcl`,
          backchannel_logout_session_required: true,
        });
        const err = (await backchannelLogout(server, clientId)) as
          { cause?: { code?: string }; code?: string } | undefined;
        expect(err).toBeDefined();
        expect(err?.code ?? err?.cause?.code).toBe('outbound_refused');
      }
      expect(listener.connections()).toBe(0);
    });

    test('OUTBOUND_ALLOWED_HOSTS: the named loopback host registers and is contacted, for keys and for logout', async () => {
      const registered = await register(server, machineClient(`https://localhost:${listener.port}/jwks`));
      expect(registered.status).toBe(201);
      // The listener speaks plain HTTP, so TLS fails and the client is refused, but only after Signet connected.
      const res = await tokenWithAssertion(server, String(registered.json.client_id));
      expect(res.status).toBe(401);
      expect(listener.connections()).toBeGreaterThan(0);

      listener.reset();
      const rp = await register(server, {
        redirect_uris: ['https://rp.example.com/cb'],
        backchannel_logout_uri: `https://localhost:${listener.port}/bcl`,
      });
      expect(rp.status).toBe(201);
      await backchannelLogout(server, String(rp.json.client_id));
      expect(listener.connections()).toBeGreaterThan(0);
    });
  });

  describe('development', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ store, env: { INITIAL_ACCESS_TOKEN: IAT } });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    test("an IPv4-mapped loopback back-channel endpoint is a developer's machine like 127.0.0.1: registered and delivered", async () => {
      const rp = await register(server, {
        redirect_uris: ['https://rp.example.com/cb'],
        backchannel_logout_uri: `http://[::ffff:7f00:1]:${listener.port}/bcl`,
      });
      expect(rp.status).toBe(201);
      expect(await backchannelLogout(server, String(rp.json.client_id))).toBeUndefined();
      expect(listener.connections()).toBe(1);
    });

    test('a private address in IPv4-mapped form is refused outside production too', async () => {
      const rp = await register(server, {
        redirect_uris: ['https://rp.example.com/cb'],
        backchannel_logout_uri: 'https://[::ffff:a00:1]/bcl',
      });
      expect(rp.status).toBe(400);
      expect(rp.json.error).toBe('invalid_client_metadata');
      const jwks = await register(server, machineClient('https://[::ffff:a00:1]/jwks'));
      expect(jwks.status).toBe(400);
    });
  });
}
