import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { OidcAccount } from '../accounts/find-account.js';
import type { Config } from '../config/schema.js';
import type { OidcRecordStore } from '../storage/store.js';
import type { LoadedKeys } from './key-manager.js';

/** The three pages oidc-provider renders itself; the http layer supplies them (views live there). */
export interface ProviderPages {
  renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, error: Error): Promise<void>;
  logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
}

export interface ProviderConfigDeps {
  config: Readonly<Config>;
  keys: LoadedKeys;
  records: OidcRecordStore;
  adapter: NonNullable<Configuration['adapter']>;
  findAccount: (ctx: KoaContextWithOIDC, sub: string) => Promise<OidcAccount | undefined>;
  pages: ProviderPages;
}

/** Asymmetric only: an HS256 id_token would be forgeable by anyone holding the client secret. */
const ID_TOKEN_ALGS = ['RS256', 'ES256'] as const;
const CLIENT_AUTH_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

export function buildProviderConfig(deps: ProviderConfigDeps): Configuration {
  const { config, keys, records } = deps;
  const ttl = config.ttl;
  return {
    adapter: deps.adapter,
    findAccount: deps.findAccount as Configuration['findAccount'],
    jwks: { keys: keys.signing as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: keys.cookie,
      names: { session: 'signet.session', interaction: 'signet.interaction', resume: 'signet.resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'updated_at'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    // RFC 9700 2.1.1: PKCE for every client, confidential ones included.
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: ID_TOKEN_ALGS,
      userinfoSigningAlgValues: ID_TOKEN_ALGS,
      introspectionSigningAlgValues: ID_TOKEN_ALGS,
      authorizationSigningAlgValues: ID_TOKEN_ALGS,
      clientAuthSigningAlgValues: CLIENT_AUTH_ALGS,
      requestObjectSigningAlgValues: CLIENT_AUTH_ALGS,
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      // A client learns about its own tokens, or tokens issued for it as an audience (a resource
      // server); anyone else gets {"active": false}, as RFC 7662 section 4 advises.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) =>
          token.clientId === client.clientId ||
          ('aud' in token && [token.aud ?? []].flat().includes(client.clientId)),
      },
      // Only the client a token was issued to may revoke it (RFC 7009 section 2.1).
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: deps.pages.logoutSource,
        postLogoutSuccessSource: deps.pages.postLogoutSuccessSource,
      },
      registration: {
        enabled: config.registration.open,
        initialAccessToken: config.registration.initialAccessToken ?? false,
      },
      registrationManagement: { enabled: config.registration.open, rotateRegistrationAccessToken: true },
      // RFC 9207: lets clients detect mix-up attacks.
      // (oidc-provider always sends iss in authorization responses.)
    },
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // Every refresh returns a new refresh token; presenting a rotated one revokes the grant.
    rotateRefreshToken: true,
    // Consent is remembered per account and client, across sessions, until the grant is revoked.
    loadExistingGrant: async (ctx) => {
      const clientId = ctx.oidc.client?.clientId;
      const session = ctx.oidc.session;
      if (!clientId || !session) return undefined;
      const grantId =
        ctx.oidc.result?.consent?.grantId ||
        session.grantIdFor(clientId) ||
        (session.accountId ? await records.findLatestGrantId(session.accountId, clientId) : undefined);
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    ttl: {
      AccessToken: ttl.accessToken,
      AuthorizationCode: ttl.authorizationCode,
      ClientCredentials: ttl.accessToken,
      IdToken: ttl.idToken,
      Interaction: ttl.interaction,
      Session: ttl.session,
      Grant: ttl.grant,
      // Sliding idle expiry (a fresh one at every rotation), capped by what is left of the grant.
      RefreshToken: (ctx) => {
        const grantExp = ctx?.oidc?.entities?.Grant?.exp;
        const left = typeof grantExp === 'number' ? grantExp - Math.floor(Date.now() / 1000) : ttl.refreshToken;
        return Math.max(1, Math.min(ttl.refreshToken, left));
      },
    },
    renderError: deps.pages.renderError,
    // Put the granted claims (email, name) in the id_token too, as most relying parties expect.
    conformIdTokenClaims: false,
  };
}
