// Client registrations kept in memory by a serving node, a real server beside the admin CLI in a process
// of its own on the same store (as another node would be). The node reads a client once, then serves it
// from memory; a change the CLI makes reaches it at its next re-read of the store's client change
// counter, a change made on the node itself at once, and a node with the cache off reads the client on
// every request.

import { afterEach, expect, test } from '@jest/globals';
import { jsonLine, runCli } from '../support/run-cli.js';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { basicAuth } from '../support/user-agent.js';

const API = 'https://api.example.com';
const CLIENT_READS = 'signet_store_operation_duration_seconds_count{operation="oidc.find",outcome="ok"}';

/** The value of one series of a node's /metrics, 0 when absent. */
async function series(server: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.issuer}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

async function grant(server: TestServer, clientId: string, secret: string) {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'read' }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The store reads of one grant on `server` (the grant itself must succeed). */
async function readsOfOneGrant(server: TestServer, clientId: string, secret: string): Promise<number> {
  const before = await series(server, CLIENT_READS);
  expect((await grant(server, clientId, secret)).status).toBe(200);
  return (await series(server, CLIENT_READS)) - before;
}

export function clientCacheSuite(store: StoreKind): void {
  let server: TestServer | undefined;
  afterEach(async () => {
    await stopIfStarted(server, (s) => s.destroy());
    server = undefined;
  });

  /** A node with `env`, a resource server and a service client on its store, and the CLI on that store. */
  async function nodeAndCli(env: Record<string, string>) {
    const node = await startTestServer({ store, env });
    server = node;
    const cliEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: node.dataDir };
    delete cliEnv.MONGODB_URI;
    if (store === 'mongodb') cliEnv.MONGODB_URI = mongoTestUri(node.mongoDb);
    const cli = async (...args: string[]) => jsonLine(await runCli(args, cliEnv));
    await node.signet.clients.create({ type: 'resource-server', name: 'API', resource: API, scope: 'read' });
    const svc = await node.signet.clients.create({ type: 'service', name: 'Worker', scope: 'read' });
    return { node, cli, id: svc.client_id, secret: svc.client_secret ?? '' };
  }

  test('a node reads a client and its resource server once, then serves them from memory until they change', async () => {
    const { node, cli, id, secret } = await nodeAndCli({ CLIENT_REFRESH_INTERVAL: '60' });
    // The first grant reads the client and the resource server it names; the next reads neither.
    expect(await readsOfOneGrant(node, id, secret)).toBe(2);
    expect(await readsOfOneGrant(node, id, secret)).toBe(0);

    // A change made elsewhere applies at the node's next re-read of the change counter, which its
    // interval brings (asked for here at once).
    const rotated = String((await cli('client', 'rotate-secret', '--client-id', id)).client_secret);
    await node.signet.refreshClients();
    expect(await readsOfOneGrant(node, id, rotated)).toBe(2);
    const old = await grant(node, id, secret);
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('invalid_client');

    // A change made on the node itself applies at once.
    const again = await node.signet.clients.rotateSecret(id);
    expect((await grant(node, id, rotated)).body.error).toBe('invalid_client');
    expect((await grant(node, id, again.client_secret)).status).toBe(200);

    await cli('client', 'delete', '--client-id', id);
    await node.signet.refreshClients();
    expect((await grant(node, id, again.client_secret)).body.error).toBe('invalid_client');
  });

  test('a change made elsewhere reaches a node within its CLIENT_REFRESH_INTERVAL, with no request asking', async () => {
    const { node, cli, id, secret } = await nodeAndCli({ CLIENT_REFRESH_INTERVAL: '0.05' });
    expect((await grant(node, id, secret)).status).toBe(200);
    await cli('client', 'rotate-secret', '--client-id', id);
    // Bounded: the interval is 50 ms; five seconds is a hundred intervals on a loaded machine.
    const deadline = Date.now() + 5_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await grant(node, id, secret)).status;
    }
    expect(status).toBe(401);
  });

  test('CLIENT_REFRESH_INTERVAL=0 keeps no client: every grant reads the client and its resource server', async () => {
    const { node, cli, id, secret } = await nodeAndCli({ CLIENT_REFRESH_INTERVAL: '0' });
    expect(await readsOfOneGrant(node, id, secret)).toBe(2);
    expect(await readsOfOneGrant(node, id, secret)).toBe(2);
    await cli('client', 'rotate-secret', '--client-id', id);
    expect((await grant(node, id, secret)).body.error).toBe('invalid_client');
  });

  test('a client registered elsewhere is usable at once: an unknown id is never kept', async () => {
    const { node } = await nodeAndCli({ CLIENT_REFRESH_INTERVAL: '60' });
    const secret = 'later-secret-0123456789abcdef0123456789';
    expect((await grant(node, 'later', secret)).body.error).toBe('invalid_client');
    // Written to the store past the node's adapter, as another node or an import writes it.
    await node.signet.store.oidc.upsert('Client', 'later', {
      client_id: 'later',
      client_secret: node.signet.secrets.hash(secret),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      signet_allowed_resource_scope: 'read',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect((await grant(node, 'later', secret)).status).toBe(200);
  });
}
