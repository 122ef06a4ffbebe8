// @ts-check
// Keycloak from Maven Central (bench/peers/install.sh), in production mode (`start --optimized`) on the
// embedded H2 file database with local caches, HTTP on loopback, configured only through its admin REST
// API as an operator would: a realm, a confidential web client (code flow, PKCE S256 required, no
// consent screen), a service client with an optional client scope `read:things`, and users.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDIRECT_URI } from '../lib/http.mjs';
import { freePort, removeDir } from '../lib/proc.mjs';
import { PASSWORD } from '../lib/targets.mjs';
import { adminCall } from './admin-api.mjs';
import { answers, PEERS_HOME, startServer, stopServer, waitUntil } from './processes.mjs';

export const KC_VERSION = process.env.KC_VERSION ?? '26.7.3';
const REALM = 'bench';
const API_SCOPE = 'read:things';

/**
 * Keycloak's login form (its username field takes the email) and its consent form, should one show.
 * @type {import('./browser.mjs').FormFiller}
 */
function fillForm(html, user) {
  const unescape = (s) =>
    s
      .replace(/&amp;/g, '&')
      .replace(/&#x2F;/gi, '/')
      .replace(/&quot;/g, '"');
  const login = /<form[^>]*id="kc-form-login"[^>]*>/.exec(html)?.[0];
  const loginAction = login ? /action="([^"]+)"/.exec(login)?.[1] : undefined;
  if (loginAction)
    return {
      action: unescape(loginAction),
      fields: { username: user.email, password: user.password, credentialId: '' },
    };
  const consentAction = html.includes('name="accept"') ? /<form[^>]*action="([^"]+)"/.exec(html)?.[1] : undefined;
  if (consentAction)
    return {
      action: unescape(consentAction),
      fields: { code: /name="code" value="([^"]*)"/.exec(html)?.[1] ?? '', accept: 'Yes' },
    };
  return null;
}

/**
 * @param {import('./processes.mjs').PeerRun} run
 * @returns {Promise<import('./scenarios.mjs').PeerTarget>}
 */
export async function startKeycloak({ runDir, users, servers }) {
  const home = join(PEERS_HOME, 'keycloak', `keycloak-${KC_VERSION}`);
  const javaHome = readFileSync(join(PEERS_HOME, 'keycloak', 'java-home'), 'utf8').trim();
  const port = await freePort();
  const admin = { user: 'bench-admin', password: randomBytes(12).toString('base64url') };
  const server = startServer(
    'keycloak',
    join(home, 'bin', 'kc.sh'),
    [
      'start',
      '--optimized',
      '--cache=local',
      '--http-enabled=true',
      '--http-host=127.0.0.1',
      `--http-port=${port}`,
      '--hostname-strict=false',
      `--db-url=jdbc:h2:file:${join(runDir, 'keycloak-data', 'keycloakdb')};NON_KEYWORDS=VALUE`,
    ],
    {
      cwd: home,
      logFile: join(runDir, 'keycloak.log'),
      servers,
      env: {
        JAVA_HOME: javaHome,
        KC_BOOTSTRAP_ADMIN_USERNAME: admin.user,
        KC_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
        // Narayana's default process id binds a random loopback port; a UUID needs none.
        JAVA_OPTS_APPEND:
          '-DCoreEnvironmentBean.processImplementationClassName=com.arjuna.ats.internal.arjuna.utils.UuidProcessId',
      },
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopServer(server);
    await removeDir(join(runDir, 'keycloak-data'));
  };
  try {
    await waitUntil(
      'Keycloak',
      server,
      () => answers(`${origin}/realms/master/.well-known/openid-configuration`),
      300_000,
    );
    const configured = await configure(origin, admin, users);
    const base = `/realms/${REALM}/protocol/openid-connect`;
    return {
      kind: 'keycloak',
      label: `Keycloak ${KC_VERSION}`,
      origin,
      pid: server.pid,
      helpers: [],
      paths: {
        authorize: `${base}/auth`,
        token: `${base}/token`,
        userinfo: `${base}/userinfo`,
        discovery: `/realms/${REALM}/.well-known/openid-configuration`,
      },
      introspection: { origin, path: `${base}/token/introspect`, authenticated: true },
      web: configured.web,
      service: configured.service,
      clientCredentialsForm: { grant_type: 'client_credentials', scope: API_SCOPE },
      refreshAuthorize: { scope: 'openid email profile offline_access' },
      users: configured.users,
      fillForm,
      facts: {
        server: `Keycloak ${KC_VERSION} (Quarkus, production mode, ${javaHome.split('/').pop() ?? 'JDK'}, heap as kc.sh sets it)`,
        store: 'H2 file database (dev-file), local Infinispan caches; sessions persisted, codes in memory',
        passwordHash: configured.passwordHash,
        clientSecret: 'stored as given and compared',
        accessToken: 'JWT (RS256), not stored: introspection checks the signature and the session',
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function configure(origin, admin, count) {
  // An admin token lives 60 s: a set-up slowed by a busy machine asks for a fresh one every 30 s.
  let token = '';
  let tokenAt = -Infinity;
  const bearer = async () => {
    if (performance.now() - tokenAt > 30_000) {
      const form = { grant_type: 'password', client_id: 'admin-cli', username: admin.user, password: admin.password };
      token = (await adminCall('POST', `${origin}/realms/master/protocol/openid-connect/token`, { form })).body
        .access_token;
      tokenAt = performance.now();
    }
    return `Bearer ${token}`;
  };
  const call = async (method, path, json) =>
    adminCall(method, `${origin}/admin/realms${path}`, { json, headers: { authorization: await bearer() } });
  await call('POST', '', {
    realm: REALM,
    enabled: true,
    sslRequired: 'none',
    accessTokenLifespan: 600, // Signet's ACCESS_TOKEN_TTL
    accessCodeLifespan: 600, // codes live 600 s on every server of the run
    revokeRefreshToken: true, // refresh tokens rotate, as on Signet and Hydra
    refreshTokenMaxReuse: 0,
    loginWithEmailAllowed: true,
  });
  const scope = await call('POST', `/${REALM}/client-scopes`, {
    name: API_SCOPE,
    protocol: 'openid-connect',
    attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'false' },
  });
  const web = { id: 'bench-web', secret: randomBytes(32).toString('base64url') };
  const service = { id: 'bench-service', secret: randomBytes(32).toString('base64url') };
  const confidential = { protocol: 'openid-connect', publicClient: false, clientAuthenticatorType: 'client-secret' };
  await call('POST', `/${REALM}/clients`, {
    ...confidential,
    clientId: web.id,
    secret: web.secret,
    standardFlowEnabled: true,
    directAccessGrantsEnabled: false,
    consentRequired: false,
    redirectUris: [REDIRECT_URI],
    attributes: { 'pkce.code.challenge.method': 'S256' },
    // Keycloak introspects a token only for a client in its audience; the web client introspects its
    // own tokens, as on Signet.
    protocolMappers: [
      {
        name: 'audience-self',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-audience-mapper',
        config: {
          'included.client.audience': web.id,
          'access.token.claim': 'true',
          'introspection.token.claim': 'true',
        },
      },
    ],
  });
  const created = await call('POST', `/${REALM}/clients`, {
    ...confidential,
    clientId: service.id,
    secret: service.secret,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: true,
  });
  const idOf = (location) =>
    String(location ?? '')
      .split('/')
      .pop() ?? '';
  await call('PUT', `/${REALM}/clients/${idOf(created.location)}/optional-client-scopes/${idOf(scope.location)}`);
  const users = [];
  for (let i = 0; i < count; i++) {
    const email = `bench-user-${i}@example.com`;
    await call('POST', `/${REALM}/users`, {
      username: `bench-user-${i}`,
      email,
      emailVerified: true,
      enabled: true,
      firstName: 'Bench',
      lastName: `User ${i}`,
      credentials: [{ type: 'password', value: PASSWORD, temporary: false }],
    });
    users.push({ email, password: PASSWORD });
  }
  return { web, service, users, passwordHash: await storedHash(call) };
}

/** The hash Keycloak stored for the first user, read back through the admin API. */
async function storedHash(call) {
  const [user] = (await call('GET', `/${REALM}/users?username=bench-user-0&exact=true`)).body;
  const credentials = (await call('GET', `/${REALM}/users/${user.id}/credentials`)).body;
  const password = credentials.find((c) => c.type === 'password');
  const data = JSON.parse(password?.credentialData ?? '{}');
  const p = data.additionalParameters ?? {};
  const type = p.type ? ` (${p.type[0]})` : '';
  return `${data.algorithm}${type}: memory ${p.memory?.[0] ?? '?'} KiB, iterations ${data.hashIterations}, parallelism ${p.parallelism?.[0] ?? '?'}`;
}
