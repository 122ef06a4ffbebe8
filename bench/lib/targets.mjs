// @ts-check
// The two servers under test, each started as its own process on a fresh store: Signet (dist/main.js,
// set up through the admin CLI as an operator would) and the bare oidc-provider baseline.

import { randomBytes } from 'node:crypto';
import { cli, freePort, removeDir, ROOT, spawnNode, stopProcess, tempDir, waitForHttp } from './proc.mjs';
import { REDIRECT_URI } from './http.mjs';

export const API_RESOURCE = 'https://api.bench.example';
const API_SCOPE = 'read:things';
export const PASSWORD = 'correct horse battery staple';

function storeEnv(store, ferret, dataDir, label) {
  if (store !== 'mongodb') return { DATA_DIR: dataDir };
  // A database of its own per server: each starts from an empty store.
  return { DATA_DIR: dataDir, MONGODB_URI: ferret.uri(`bench_${label}_${randomBytes(4).toString('hex')}`) };
}

/**
 * Signet with WORKERS=1 (one process, one event loop: the per-core figure), unless `workers` says
 * otherwise (the side-by-side run with the peers runs it as `npm start` does, one worker per core). Codes live 600 s (the
 * maximum allowed) so that the codes produced before the exchange scenario are still valid when it
 * runs; that changes no code path. `root` may point at another checkout's build, to compare a change.
 */
export async function startSignet({ store, ferret, users = 4, env: extraEnv = {}, root = ROOT, workers = 1 }) {
  const port = await freePort();
  const dataDir = await tempDir('signet-bench-');
  const origin = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port),
    ISSUER: origin,
    LOG_LEVEL: 'silent',
    WORKERS: String(workers),
    KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
    AUTHORIZATION_CODE_TTL: '600',
    DEMO: 'false',
    ...storeEnv(store, ferret, dataDir, 'signet'),
    ...extraEnv,
  };
  const accounts = Array.from({ length: users }, (_, i) => ({
    email: `bench-user-${i}@example.com`,
    password: PASSWORD,
  }));
  // One command at a time: on a fresh SQLite store, concurrent CLI processes can fail with
  // "database is locked" (seen while creating the keys and clients of a new DATA_DIR).
  const name = (i) => `Bench User ${i}`;
  for (const [i, a] of accounts.entries()) {
    await cli(
      env,
      ['user', 'create', '--email', a.email, '--password-stdin', '--name', name(i)],
      `${PASSWORD}\n`,
      root,
    );
  }
  const web = await cli(
    env,
    ['client', 'create', '--name', 'Bench Web', '--redirect-uri', REDIRECT_URI],
    undefined,
    root,
  );
  await cli(
    env,
    [
      'client',
      'create',
      '--name',
      'Bench API',
      '--type',
      'resource-server',
      '--resource',
      API_RESOURCE,
      '--scope',
      API_SCOPE,
    ],
    undefined,
    root,
  );
  const service = await cli(
    env,
    ['client', 'create', '--name', 'Bench Service', '--type', 'service', '--scope', API_SCOPE],
    undefined,
    root,
  );

  const proc = spawnNode('dist/main.js', [], env, 'signet', root);
  try {
    await waitForHttp(`${origin}/readyz`, proc);
  } catch (err) {
    await stopProcess(proc);
    throw err;
  }
  return {
    kind: 'signet',
    store,
    origin,
    env,
    dataDir,
    pid: proc.child.pid,
    web: { id: web.client_id, secret: web.client_secret },
    service: { id: service.client_id, secret: service.client_secret },
    clientCredentialsForm: { grant_type: 'client_credentials', scope: API_SCOPE, resource: API_RESOURCE },
    users: accounts,
    output: proc.output,
    async stop() {
      await stopProcess(proc);
      await removeDir(dataDir);
    },
  };
}

/**
 * The bare provider. `clientsInStore`: its clients are read from the store on every request, as
 * registered clients are (Signet's always are), rather than held in its configuration.
 */
export async function startBaseline({ store, ferret, env: extraEnv = {}, clientsInStore = false }) {
  const port = await freePort();
  const dataDir = await tempDir('signet-bench-baseline-');
  const origin = `http://127.0.0.1:${port}`;
  const clients = {
    web: { id: 'baseline-web', secret: randomBytes(32).toString('base64url'), redirectUri: REDIRECT_URI },
    service: { id: 'baseline-service', secret: randomBytes(32).toString('base64url') },
  };
  const env = {
    PORT: String(port),
    ISSUER: origin,
    BASELINE_CLIENTS: JSON.stringify(clients),
    ...(clientsInStore ? { BASELINE_CLIENTS_IN_STORE: '1' } : {}),
    AUTHORIZATION_CODE_TTL: '600',
    ...storeEnv(store, ferret, dataDir, 'baseline'),
    ...extraEnv,
  };
  const proc = spawnNode('bench/baseline-server.mjs', [], env, clientsInStore ? 'baseline-stored-clients' : 'baseline');
  try {
    await waitForHttp(`${origin}/.well-known/openid-configuration`, proc);
  } catch (err) {
    await stopProcess(proc);
    throw err;
  }
  return {
    kind: clientsInStore ? 'baselineStoredClients' : 'baseline',
    store,
    origin,
    env,
    dataDir,
    pid: proc.child.pid,
    web: clients.web,
    service: clients.service,
    clientCredentialsForm: { grant_type: 'client_credentials' },
    // The baseline signs anyone in without a password; the walk never reaches a form.
    users: [{ email: 'unused', password: 'unused' }],
    output: proc.output,
    async stop() {
      await stopProcess(proc);
      await removeDir(dataDir);
    },
  };
}
