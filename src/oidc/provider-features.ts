import type {
  AccessToken,
  Client,
  ClientCredentials,
  Configuration,
  KoaContextWithOIDC,
  RefreshToken,
} from 'oidc-provider';

type IntrospectedToken = AccessToken | ClientCredentials | RefreshToken;
import { initialAccessTokenPolicies } from '../clients/initial-access-tokens.js';
import type { ProviderConfigDeps } from './provider-config.js';
import { resourceServerInfo } from './resource-servers.js';

type Features = NonNullable<Configuration['features']>;

/**
 * A client learns about its own tokens, or tokens issued for it as an audience (a resource server);
 * anyone else gets {"active": false}, as RFC 7662 section 4 advises.
 */
function introspection(deps: ProviderConfigDeps) {
  return {
    enabled: true as const,
    allowedPolicy: async (ctx: KoaContextWithOIDC, client: Client, token: IntrospectedToken) => {
      const mayAsk =
        token.clientId === client.clientId || ('aud' in token && [token.aud ?? []].flat().includes(client.clientId));
      // oidc-provider does not look at the account here; we do, so that a disabled or deleted account's
      // tokens read as inactive at once (no cache between the store and this answer).
      const accountId = 'accountId' in token ? token.accountId : undefined;
      if (!mayAsk || !accountId) return mayAsk;
      return (await deps.findAccount(ctx, accountId)) !== undefined;
    },
  };
}

/**
 * With a token required, every initial access token is a stored InitialAccessToken (hashed, like all
 * bearer tokens): the fixed one from INITIAL_ACCESS_TOKEN is written at start (app.ts), CLI ones by `iat create`.
 */
function registration({ config, records }: ProviderConfigDeps): Features['registration'] {
  return {
    enabled: config.registration.enabled,
    initialAccessToken: config.registration.requireToken,
    // oidc-provider allows policies only with stored initial access tokens (not in open mode).
    ...(config.registration.requireToken ? { policies: initialAccessTokenPolicies(records) } : {}),
  };
}

/** The oidc-provider features Signet turns on, and how each is configured. */
export function providerFeatures(deps: ProviderConfigDeps): Features {
  const { config, pages } = deps;
  return {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    // OIDC Core 5.5: a client may ask for single claims; consent lists them and grants only those shown.
    claimsParameter: { enabled: true },
    // A client that registers userinfo_signed_response_alg gets a signed userinfo (OIDC Core 5.3.2),
    // with the id_token's asymmetric algorithms only (enabledJWA in provider-config.ts).
    jwtUserinfo: { enabled: true },
    // Request objects (RFC 9101) are optional, and taken only when signed with a key the client registered
    // (the allowed algs in provider-config.ts leave out `none` and HS*: a client's secret is stored hashed,
    // so an HS256 object could not be checked). request_uri stays off (a URL fetched per sign-in); PAR
    // serves that need.
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    introspection: introspection(deps),
    // Only the client a token was issued to may revoke it (RFC 7009 section 2.1).
    revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: pages.logoutSource,
      postLogoutSuccessSource: pages.postLogoutSuccessSource,
    },
    registration: registration(deps),
    registrationManagement: { enabled: config.registration.enabled, rotateRegistrationAccessToken: true },
    clientCredentials: { enabled: true },
    // OpenID Back-Channel Logout 1.0: on logout, relying parties that asked are told server to server;
    // failed deliveries are retried and every attempt audited (provider-events.ts).
    backchannelLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      useGrantedResource: () => true,
      getResourceServerInfo: resourceServerInfo(config.ttl.accessToken),
    },
    // RFC 9207: lets clients detect mix-up attacks.
    // (oidc-provider always sends iss in authorization responses.)
  };
}
