import type { AccessTokenFormat, ClientType, PkcePolicy } from './client-types.js';

// What an operator gives to register or change a client; the field names are the words a refusal
// uses (see FieldError), whatever the caller calls them.

export interface NewClient {
  name: string;
  type?: ClientType;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** A web client without a secret (token_endpoint_auth_method none). */
  public?: boolean;
  /**
   * Space-separated scopes: those a service client may ask for, or those a resource server offers
   * (provider-config.ts: ALLOWED_RESOURCE_SCOPE, RESOURCE_SCOPE).
   */
  scope?: string;
  /** resource-server only: its resource indicator, which becomes its client_id. */
  resource?: string;
  /** resource-server only: "jwt" opts its access tokens in to short-lived RFC 9068 JWTs. */
  accessTokenFormat?: AccessTokenFormat;
  /** resource-server only: what each offered scope allows, shown on consent pages. */
  scopeDescriptions?: Record<string, string>;
  /** Confidential web clients only: "optional" lets the client leave out PKCE (see PKCE_POLICY). */
  pkce?: PkcePolicy;
  /** web and native: every sign-in to this client needs a second factor (see MFA_REQUIRED). */
  requireMfa?: boolean;
  /** web and native: every sign-in to this client needs a passkey (see PASSKEY_REQUIRED). */
  requirePasskey?: boolean;
  /** resource-server only: the offered scopes a token carries only after a multi-factor sign-in (space-separated). */
  mfaScopes?: string;
  /** Overrides the type's default (client-create-options.ts); private_key_jwt needs jwksUri. */
  tokenEndpointAuthMethod?: string;
  jwksUri?: string;
  /** web and native: where the client is told of logouts (OpenID Back-Channel Logout 1.0). */
  backchannelLogoutUri?: string;
}

export interface ClientChanges {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** service and resource-server clients: replaces the scopes (see NewClient.scope). */
  scope?: string;
  /** resource-server clients: replaces the scope descriptions. */
  scopeDescriptions?: Record<string, string>;
  /** web and native clients: whether PKCE may be left out (optional only for a confidential one). */
  pkce?: PkcePolicy;
  /** web and native clients: whether every sign-in needs a second factor. */
  requireMfa?: boolean;
  /** web and native clients: whether every sign-in needs a passkey. */
  requirePasskey?: boolean;
  /** resource-server clients: replaces the scopes that need a multi-factor sign-in ("" for none). */
  mfaScopes?: string;
}

export interface ClientSummary {
  client_id: string;
  client_name: string | null;
  type: ClientType;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
}
