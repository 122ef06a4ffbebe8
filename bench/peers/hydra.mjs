// @ts-check
// ORY Hydra built from the Go module proxy (bench/peers/install.sh), `serve all --dev` (plain HTTP) on
// loopback, on a private PostgreSQL, with the login and consent app it needs (login-consent.mjs) as a
// third process. Configured as Hydra documents it: environment variables, `migrate sql up`, clients
// through the admin API. Access tokens are Hydra's default, opaque; introspection is an admin endpoint.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { REDIRECT_URI } from '../lib/http.mjs';
import { freePort, NODE } from '../lib/proc.mjs';
import { API_RESOURCE, PASSWORD } from '../lib/targets.mjs';
import { adminCall } from './admin-api.mjs';
import { startPostgres } from './postgres.mjs';
import { answers, PEERS_HOME, startServer, stopServer, waitUntil } from './processes.mjs';

const API_SCOPE = 'read:things';
const LOGIN_APP = new URL('login-consent.mjs', import.meta.url).pathname;

/** The login app's password form (the walk's form filler for Hydra). */
function fillForm(html, user) {
  if (!html.includes('id="hydra-login"')) return null;
  const challenge = /name="challenge" value="([^"]*)"/.exec(html)?.[1] ?? '';
  return { action: '/login', fields: { challenge, email: user.email, password: user.password } };
}

/** The module and Go versions the binary was built from. */
function buildInfo(bin) {
  const text = execFileSync('go', ['version', '-m', bin], { encoding: 'utf8' });
  return {
    version: /\bmod\s+github\.com\/ory\/hydra\/v2\s+(\S+)/.exec(text)?.[1] ?? '?',
    go: /:\s*go(\S+)/.exec(text)?.[1] ?? '?',
  };
}

async function createClients(adminOrigin) {
  const client = async (fields) =>
    (
      await adminCall('POST', `${adminOrigin}/admin/clients`, {
        json: {
          client_secret: randomBytes(32).toString('base64url'),
          token_endpoint_auth_method: 'client_secret_basic',
          ...fields,
        },
      })
    ).body;
  const web = await client({
    client_name: 'Bench Web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
    scope: 'openid email profile offline_access',
  });
  const service = await client({
    client_name: 'Bench Service',
    grant_types: ['client_credentials'],
    response_types: [],
    scope: API_SCOPE,
    audience: [API_RESOURCE],
  });
  return {
    web: { id: String(web.client_id), secret: String(web.client_secret) },
    service: { id: String(service.client_id), secret: String(service.client_secret) },
  };
}

/**
 * @param {import('./processes.mjs').PeerRun} run
 * @returns {Promise<import('./scenarios.mjs').PeerTarget>}
 */
export async function startHydra({ runDir, users: count, servers: started }) {
  const bin = join(PEERS_HOME, 'bin', 'hydra');
  const { version, go } = buildInfo(bin);
  const pg = await startPostgres({ runDir, servers: started });
  const [port, adminPort, appPort] = [await freePort(), await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${port}`;
  const adminOrigin = `http://127.0.0.1:${adminPort}`;
  const env = {
    DSN: pg.dsn,
    SECRETS_SYSTEM: randomBytes(24).toString('base64url'),
    URLS_SELF_ISSUER: origin,
    URLS_SELF_PUBLIC: origin,
    URLS_LOGIN: `http://127.0.0.1:${appPort}/login`,
    URLS_CONSENT: `http://127.0.0.1:${appPort}/consent`,
    SERVE_PUBLIC_HOST: '127.0.0.1',
    SERVE_PUBLIC_PORT: String(port),
    SERVE_ADMIN_HOST: '127.0.0.1',
    SERVE_ADMIN_PORT: String(adminPort),
    LOG_LEVEL: 'error',
    SQA_OPT_OUT: 'true',
    OAUTH2_PKCE_ENFORCED: 'true',
    STRATEGIES_ACCESS_TOKEN: 'opaque',
    // Signet's lifetimes: access tokens 10 min, codes 600 s (as the bench sets), refresh tokens 14 days.
    TTL_ACCESS_TOKEN: '10m',
    TTL_AUTH_CODE: '10m',
    TTL_ID_TOKEN: '10m',
    TTL_REFRESH_TOKEN: '336h',
  };
  const users = Array.from({ length: count }, (_, i) => ({ email: `bench-user-${i}@example.com`, password: PASSWORD }));
  /** @type {import('./processes.mjs').Server[]} */
  const servers = [];
  const stop = async () => {
    for (const server of servers.reverse()) await stopServer(server);
    await pg.stop();
  };
  try {
    execFileSync(bin, ['migrate', 'sql', 'up', '-e', '--yes'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const hydra = startServer('hydra', bin, ['serve', 'all', '--dev', '--sqa-opt-out'], {
      env,
      logFile: join(runDir, 'hydra.log'),
      servers: started,
    });
    servers.push(hydra);
    const app = startServer('hydra-login-consent', NODE, ['--disable-warning=ExperimentalWarning', LOGIN_APP], {
      env: { PORT: String(appPort), HYDRA_ADMIN: adminOrigin, USERS: JSON.stringify(users) },
      logFile: join(runDir, 'hydra-login-consent.log'),
      servers: started,
    });
    servers.push(app);
    await waitUntil('Hydra', hydra, () => answers(`${adminOrigin}/health/ready`), 120_000);
    await waitUntil('Hydra login app', app, () => answers(`http://127.0.0.1:${appPort}/health`), 60_000);
    const { web, service } = await createClients(adminOrigin);
    return {
      kind: 'hydra',
      label: `Hydra ${version}`,
      origin,
      pid: hydra.pid,
      helpers: [
        { name: 'login app', pid: app.pid },
        { name: 'PostgreSQL', pid: pg.pid },
      ],
      paths: {
        authorize: '/oauth2/auth',
        token: '/oauth2/token',
        userinfo: '/userinfo',
        discovery: '/.well-known/openid-configuration',
      },
      introspection: { origin: adminOrigin, path: '/admin/oauth2/introspect', authenticated: false },
      web,
      service,
      clientCredentialsForm: { grant_type: 'client_credentials', scope: API_SCOPE, audience: API_RESOURCE },
      refreshAuthorize: { scope: 'openid email profile offline_access' },
      users,
      fillForm,
      facts: {
        server: `ORY Hydra ${version} (Go ${go}, serve all --dev) + a Node login/consent app`,
        store: `PostgreSQL ${pg.version} (Debian), fsync=on, synchronous_commit=on: every commit on disk before the answer`,
        passwordHash:
          "none in Hydra; its login app verifies with Signet's PasswordHasher (argon2id, Signet's parameters)",
        clientSecret: 'PBKDF2-SHA256, Hydra’s default 25,000 iterations, recomputed at every client authentication',
        accessToken: 'opaque, HMAC signature stored (introspection reads the store)',
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
