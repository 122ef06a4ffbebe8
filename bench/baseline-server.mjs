// @ts-check
// The baseline: a bare oidc-provider on the same store implementation and the same adapter as Signet
// (imported from dist/), with opaque tokens and static clients, and none of Signet's middleware,
// pages, audit trail, throttling or account checks. Interactions are answered at once with a fixed
// account (no password check), so the authorization flow can be driven with the same walk as Signet's.
//
// Environment: PORT, ISSUER, DATA_DIR (SQLite) or MONGODB_URI, BASELINE_CLIENTS (JSON: web and service
// clients with their secrets), AUTHORIZATION_CODE_TTL.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { createAdapterClass } from '../dist/oidc/adapter.js';
import { ClientSecretHasher } from '../dist/clients/client-secret.js';
import { RefreshPolicy } from '../dist/tokens/refresh-policy.js';
import { RequestTokenLookups } from '../dist/tokens/token-lookups.js';
import { openMongoStore } from '../dist/storage/mongo/mongo-store.js';
import { openSqliteStore } from '../dist/storage/sqlite/sqlite-store.js';

const env = process.env;
const port = Number(env.PORT);
const issuer = env.ISSUER ?? `http://127.0.0.1:${port}`;
const clients = JSON.parse(env.BASELINE_CLIENTS ?? '{}');
const ACCOUNT_ID = 'baseline-account';

const store = env.MONGODB_URI
  ? await openMongoStore({ uri: env.MONGODB_URI })
  : await openSqliteStore({ dataDir: env.DATA_DIR });
// Store calls counted by name ("oidc.find"), as Signet's /metrics counts them, with the requests that
// made them: GET /__bench/store-ops reads both (bench/lib/store-ops.mjs).
/** @type {Record<string, number>} */
const operations = {};
let requests = 0;
const countedRecords = new Proxy(store.oidc, {
  get(target, prop) {
    const value = Reflect.get(target, prop, target);
    if (typeof value !== 'function') return value;
    const name = `oidc.${String(prop)}`;
    return (/** @type {unknown[]} */ ...args) => {
      operations[name] = (operations[name] ?? 0) + 1;
      return value.apply(target, args);
    };
  },
});

// The baseline's clients are never hashed (see below), so the pepper only has to exist.
const Adapter = createAdapterClass(
  countedRecords,
  new ClientSecretHasher(randomBytes(32)),
  new RefreshPolicy({ clock: Date.now, leeway: 0 }),
  // A plain adapter, one store read per lookup the provider asks for, as any bare provider's: Signet's
  // sparing of reads within a request (src/tokens/token-lookups.ts) is Signet's work, not the provider's.
  { lookups: new RequestTokenLookups(() => undefined) },
);

// The same kind of signing key Signet's id_tokens use by default (RS256, 2048 bits).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'baseline-rs256', alg: 'RS256', use: 'sig' };

/** @type {import('oidc-provider').ClientMetadata[]} */
const clientMetadata = [
  {
    client_id: clients.web.id,
    client_secret: clients.web.secret,
    redirect_uris: [clients.web.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    client_id: clients.service.id,
    client_secret: clients.service.secret,
    redirect_uris: [],
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
  },
];

// BASELINE_CLIENTS_IN_STORE=1: the clients live in the store, read through the adapter on every
// request as registered clients are (Signet's are), instead of in the provider's configuration.
// Written straight to the store with their secrets as given: a bare oidc-provider compares them as is.
const clientsInStore = env.BASELINE_CLIENTS_IN_STORE === '1';
if (clientsInStore)
  for (const metadata of clientMetadata) await store.oidc.upsert('Client', metadata.client_id, metadata);

const provider = new Provider(issuer, {
  adapter: Adapter,
  clients: clientsInStore ? [] : clientMetadata,
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, email: 'baseline@example.com', email_verified: true, name: 'Baseline User' }),
  }),
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'updated_at'] },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  responseTypes: ['code'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    clientCredentials: { enabled: true },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  issueRefreshToken: async (_ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 600,
    ClientCredentials: 600,
    AuthorizationCode: Number(env.AUTHORIZATION_CODE_TTL ?? 60),
    IdToken: 600,
    Interaction: 600,
    Session: 3 * 24 * 3600,
    Grant: 90 * 24 * 3600,
    RefreshToken: 14 * 24 * 3600,
  },
  conformIdTokenClaims: false,
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path !== '/__bench/store-ops') {
    requests += 1;
    return next();
  }
  ctx.body = { requests, operations };
});

// Login and consent answered without a page: the baseline measures the protocol engine and the store.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (details.prompt.name === 'login') {
    result = { login: { accountId: ACCOUNT_ID } };
  } else {
    if (!details.session) throw new Error('consent is asked after a login, within its session');
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new Error(`grant ${details.grantId} is gone`);
    const { missingOIDCScope, missingOIDCClaims } =
      /** @type {{ missingOIDCScope?: string[], missingOIDCClaims?: string[] }} */ (details.prompt.details);
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    result = { consent: { grantId: await grant.save() } };
  }
  const to = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: details.prompt.name !== 'login',
  });
  ctx.status = 303;
  ctx.redirect(to);
});

const server = provider.listen(port, '127.0.0.1');
const shutdown = () => {
  server.close(() => store.close().then(() => process.exit(0)));
  server.closeIdleConnections();
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
