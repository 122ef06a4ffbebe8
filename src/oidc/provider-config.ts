import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { OidcAccount } from '../accounts/find-account.js';
import type { Config } from '../config/schema.js';
import type { OidcRecordStore } from '../storage/store.js';
import { ACR_VALUES_SUPPORTED } from './authentication-context.js';
import {
  ACCESS_TOKEN_FORMAT,
  ALLOWED_RESOURCE_SCOPE,
  clientMetadataRules,
  pkceOptional,
  RESOURCE_SCOPE,
} from '../clients/client-metadata.js';
import { initialAccessTokenPolicies } from '../clients/initial-access-tokens.js';
import type { FirstPartyClient } from '../clients/first-party-clients.js';
import { ROTATE_REFRESH_TOKENS } from '../tokens/refresh-policy.js';
import { guardedFetch } from '../net/guarded-fetch.js';
import type { LoadedKeys } from '../keys/key-manager.js';
import { loadExistingGrant } from './load-existing-grant.js';

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
  /** Signet's own relying parties (the account page): registered statically, consent implied. */
  firstParty: FirstPartyClient[];
}

export const PROVIDER_SESSION_COOKIE = 'signet.session';

/**
 * With an https issuer the session cookie takes the __Host- prefix: browsers then accept it only
 * Secure, for the whole host and no domain, so a sibling subdomain can neither set nor shadow it. The
 * interaction and resume cookies are scoped to their paths, which the prefix forbids.
 */
export function providerSessionCookie(issuer: string): string {
  return new URL(issuer).protocol === 'https:' ? `__Host-${PROVIDER_SESSION_COOKIE}` : PROVIDER_SESSION_COOKIE;
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
      names: {
        session: providerSessionCookie(config.issuer),
        interaction: 'signet.interaction',
        resume: 'signet.resume',
      },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      // amr rides with openid so every id_token says how the user signed in (RFC 8176); userinfo never
      // has it (it is not an account claim). acr comes only when asked for (acr_values or claims).
      openid: ['sub', 'amr'],
      email: ['email', 'email_verified'],
      // OIDC Core 5.4: the standard profile claims an account can hold (claims.ts).
      profile: [
        'name',
        'given_name',
        'family_name',
        'preferred_username',
        'picture',
        'locale',
        'zoneinfo',
        'updated_at',
      ],
      acr: null,
      sid: null,
      auth_time: null,
      iss: null,
    },
    acrValues: [...ACR_VALUES_SUPPORTED],
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    // RFC 9700 2.1.1: PKCE for every client, confidential ones included, unless the operator exempted a
    // confidential client (client-metadata.ts refuses the exemption for public ones, and /reg refuses it).
    pkce: { required: (_ctx, client) => !pkceOptional(client) },
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
    clients: deps.firstParty.map((c) => c.metadata),
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      // OIDC Core 5.5: a client may ask for single claims; consent lists them and grants only those shown.
      claimsParameter: { enabled: true },
      // A client that registers userinfo_signed_response_alg gets a signed userinfo (OIDC Core 5.3.2),
      // with the id_token's asymmetric algorithms only (enabledJWA below).
      jwtUserinfo: { enabled: true },
      // A client learns about its own tokens, or tokens issued for it as an audience (a resource
      // server); anyone else gets {"active": false}, as RFC 7662 section 4 advises.
      introspection: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => {
          const mayAsk =
            token.clientId === client.clientId ||
            ('aud' in token && [token.aud ?? []].flat().includes(client.clientId));
          // oidc-provider does not look at the account here; we do, so that a disabled or deleted account's
          // tokens read as inactive at once (no cache between the store and this answer).
          const accountId = 'accountId' in token ? token.accountId : undefined;
          if (!mayAsk || !accountId) return mayAsk;
          return (await deps.findAccount(ctx, accountId)) !== undefined;
        },
      },
      // Only the client a token was issued to may revoke it (RFC 7009 section 2.1).
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: deps.pages.logoutSource,
        postLogoutSuccessSource: deps.pages.postLogoutSuccessSource,
      },
      // With a token required, every initial access token is a stored InitialAccessToken (hashed, like all
      // bearer tokens): the fixed one from INITIAL_ACCESS_TOKEN is written at start (app.ts), CLI ones by `iat create`.
      registration: {
        enabled: config.registration.enabled,
        initialAccessToken: config.registration.requireToken,
        // oidc-provider allows policies only with stored initial access tokens (not in open mode).
        ...(config.registration.requireToken ? { policies: initialAccessTokenPolicies(records) } : {}),
      },
      registrationManagement: { enabled: config.registration.enabled, rotateRegistrationAccessToken: true },
      clientCredentials: { enabled: true },
      // OpenID Back-Channel Logout 1.0: on logout, relying parties that asked are told server to server;
      // failed deliveries are retried and every attempt audited (provider-events.ts).
      backchannelLogout: { enabled: true },
      // RFC 8707. A resource server is a client with no grants whose client_id is its resource indicator
      // (an https URI). Its tokens are opaque unless it opted in to JWT access tokens, which then live at
      // most 5 minutes: a JWT cannot be recalled before it expires (see README).
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: async (ctx, indicator, client) => {
          const rs = await ctx.oidc.provider.Client.find(indicator);
          if (!rs || rs.grantTypes?.length || rs.responseTypes?.length) {
            throw new errors.InvalidTarget(`${indicator} is not a registered resource server`);
          }
          const extra = (c: unknown, key: string) => (c as Record<string, unknown>)[key];
          const offered = String(extra(rs, RESOURCE_SCOPE) ?? '')
            .split(' ')
            .filter(Boolean);
          // A machine client gets only what it was allowed; a user-facing client what the user consents to.
          const allowed = extra(client, ALLOWED_RESOURCE_SCOPE);
          const machine = ctx.oidc.params?.grant_type === 'client_credentials';
          const permitted =
            typeof allowed === 'string' ? new Set(allowed.split(' ')) : machine ? new Set<string>() : undefined;
          const jwt = extra(rs, ACCESS_TOKEN_FORMAT) === 'jwt';
          return {
            audience: indicator,
            scope: offered.filter((s) => !permitted || permitted.has(s)).join(' '),
            accessTokenFormat: jwt ? 'jwt' : 'opaque',
            accessTokenTTL: jwt ? Math.min(300, ttl.accessToken) : ttl.accessToken,
            ...(jwt ? { jwt: { sign: { alg: 'RS256' } } } : {}),
          };
        },
      },
      // RFC 9207: lets clients detect mix-up attacks.
      // (oidc-provider always sends iss in authorization responses.)
    },
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // Rotation, races, reuse and leeway are decided in tokens/refresh-policy.ts.
    rotateRefreshToken: ROTATE_REFRESH_TOKENS,
    loadExistingGrant: (ctx) => loadExistingGrant(ctx, records, deps.firstParty),
    ttl: {
      // A resource server's own TTL wins (JWT access tokens are capped shorter, see resourceIndicators).
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessToken,
      AuthorizationCode: ttl.authorizationCode,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttl.accessToken,
      IdToken: ttl.idToken,
      Interaction: ttl.interaction,
      // Sliding idle expiry (renewed whenever the session is saved), never past the absolute cap.
      // A session nobody signed in to (e.g. a bare logout request) lives only as long as an interaction:
      // anonymous requests must not be able to fill the store.
      Session: (_ctx, session) => {
        if (!session.accountId) return ttl.interaction;
        const loginTs = typeof session.loginTs === 'number' ? session.loginTs : Math.floor(Date.now() / 1000);
        const left = loginTs + ttl.sessionAbsolute - Math.floor(Date.now() / 1000);
        return Math.max(1, Math.min(ttl.sessionIdle, left));
      },
      Grant: ttl.grant,
      // Sliding idle expiry (a fresh one at every rotation), capped by what is left of the grant.
      RefreshToken: (ctx) => {
        const grantExp = ctx?.oidc?.entities?.Grant?.exp;
        const left = typeof grantExp === 'number' ? grantExp - Math.floor(Date.now() / 1000) : ttl.refreshToken;
        return Math.max(1, Math.min(ttl.refreshToken, left));
      },
    },
    renderError: deps.pages.renderError,
    fetch: guardedFetch({ production: config.production, outboundAllowedHosts: config.outboundAllowedHosts }),
    // Signet's registration policy and operator-only fields (client-metadata.ts) on top of oidc-provider's.
    extraClientMetadata: clientMetadataRules({
      production: config.production,
      outboundAllowedHosts: config.outboundAllowedHosts,
    }),
    // OIDC Core 5.4: when an access token is issued, scope claims (email, profile) are read at userinfo;
    // the id_token carries them only when asked for by the claims parameter, or when the access token is
    // for an API and so cannot reach userinfo.
    conformIdTokenClaims: true,
  };
}
