import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { PROFILE_CLAIMS } from '../accounts/claims.js';
import type { OidcAccount } from '../accounts/find-account.js';
import type { Config } from '../config/schema.js';
import type { OidcRecordStore } from '../storage/store.js';
import { acrValuesSupported, signInClaims } from './authentication-context.js';
import { clientMetadataRules, pkceOptional } from '../clients/client-metadata.js';
import type { FirstPartyClient } from '../clients/first-party-clients.js';
import { ROTATE_REFRESH_TOKENS } from '../tokens/refresh-policy.js';
import { guardedFetch } from '../net/guarded-fetch.js';
import { SIGNING_ALGS, type LoadedKeys } from '../keys/key-manager.js';
import { discovery, interactions, type AccountFactors } from './interaction-policy.js';
import { loadExistingGrant } from './load-existing-grant.js';
import { providerFeatures } from './provider-features.js';
import { ttlPolicy } from './provider-ttl.js';

/** The three pages oidc-provider renders itself; the http layer supplies them (views live there). */
export interface ProviderPages {
  renderError: (
    ctx: KoaContextWithOIDC,
    out: { error: string; error_description?: string },
    error: Error,
  ) => Promise<void>;
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => Promise<void>;
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => Promise<void>;
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
  /** What an account has to be asked for (a relying party's acr_values, or a client's policy, may ask for it). */
  factors?: AccountFactors;
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

/**
 * Asymmetric only: an HS256 id_token would be forgeable by anyone holding the client secret. The
 * algorithms the key store keeps a key of, so every one offered can be signed with.
 */
const ID_TOKEN_ALGS = SIGNING_ALGS;
const CLIENT_AUTH_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

const ENABLED_JWA: Configuration['enabledJWA'] = {
  idTokenSigningAlgValues: ID_TOKEN_ALGS,
  userinfoSigningAlgValues: ID_TOKEN_ALGS,
  introspectionSigningAlgValues: ID_TOKEN_ALGS,
  authorizationSigningAlgValues: ID_TOKEN_ALGS,
  clientAuthSigningAlgValues: CLIENT_AUTH_ALGS,
  requestObjectSigningAlgValues: CLIENT_AUTH_ALGS,
};

const CLAIMS: Configuration['claims'] = {
  // amr rides with openid so every id_token says how the user signed in (RFC 8176); userinfo never
  // has it (it is not an account claim). acr comes only when asked for (acr_values or claims).
  openid: ['sub', 'amr'],
  email: ['email', 'email_verified'],
  // OIDC Core 5.4: the standard profile claims an account can hold (claims.ts).
  profile: [...PROFILE_CLAIMS],
  acr: null,
  sid: null,
  auth_time: null,
  iss: null,
};

function cookies(issuer: string, keys: LoadedKeys): Configuration['cookies'] {
  return {
    keys: keys.cookie,
    names: { session: providerSessionCookie(issuer), interaction: 'signet.interaction', resume: 'signet.resume' },
    long: { httpOnly: true, sameSite: 'lax' },
    short: { httpOnly: true, sameSite: 'lax' },
  };
}

/** What clients may register and what they get by default, on top of oidc-provider's rules. */
function clientRules(deps: ProviderConfigDeps): Partial<Configuration> {
  const { production, outboundAllowedHosts } = deps.config;
  return {
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    clients: deps.firstParty.map((c) => c.metadata),
    // RFC 9700 2.1.1: PKCE for every client, confidential ones included, unless the operator exempted a
    // confidential client (client-metadata.ts refuses the exemption for public ones, and /reg refuses it).
    pkce: { required: (_ctx, client) => !pkceOptional(client) },
    // Signet's registration policy and operator-only fields (client-metadata.ts) on top of oidc-provider's.
    extraClientMetadata: clientMetadataRules({ production, outboundAllowedHosts }),
    fetch: guardedFetch({ production, outboundAllowedHosts }),
  };
}

export function buildProviderConfig(deps: ProviderConfigDeps): Configuration {
  const { config, keys, records } = deps;
  const prompts = interactions(config, deps.factors);
  return {
    adapter: deps.adapter,
    findAccount: deps.findAccount as Configuration['findAccount'],
    jwks: { keys: keys.signing },
    cookies: cookies(config.issuer, keys),
    claims: CLAIMS,
    acrValues: acrValuesSupported(config.passkeys),
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    enabledJWA: ENABLED_JWA,
    ...clientRules(deps),
    interactions: prompts,
    discovery: discovery(prompts.policy),
    features: providerFeatures(deps),
    extraTokenClaims: (ctx) => signInClaims(ctx.oidc.entities),
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // Rotation, races, reuse and leeway are decided in tokens/refresh-policy.ts.
    rotateRefreshToken: ROTATE_REFRESH_TOKENS,
    loadExistingGrant: (ctx) => loadExistingGrant(ctx, records, deps.firstParty),
    // Measured on the wall clock, not the injected one: the TTLs compare against oidc-provider's own
    // timestamps (a session's loginTs, a grant's exp), which it always takes from Date.now.
    ttl: ttlPolicy(config.ttl, Date.now),
    renderError: deps.pages.renderError,
    // OIDC Core 5.4: when an access token is issued, scope claims (email, profile) are read at userinfo;
    // the id_token carries them only when asked for by the claims parameter, or when the access token is
    // for an API and so cannot reach userinfo.
    conformIdTokenClaims: true,
  };
}
