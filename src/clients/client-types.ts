// What kinds of client an operator registers, and the PKCE policies one may have. Kept free of
// oidc-provider, so the CLI can read its flags against these lists without loading the provider.

/**
 * web: a browser-facing relying party (code + PKCE, refresh tokens); confidential unless `public`.
 * native: an app on a device (RFC 8252): public (PKCE), loopback and private-use redirects allowed.
 * service: machine to machine, client_credentials only, no user and no redirects.
 * resource-server: an API (RFC 8707 resource) that only introspects tokens; it may use no grant at all,
 * and its client_id is its resource indicator, the `resource` clients ask tokens for.
 */
export const CLIENT_TYPES = ['web', 'native', 'service', 'resource-server'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const PKCE_POLICIES = ['required', 'optional'] as const;
export type PkcePolicy = (typeof PKCE_POLICIES)[number];

export const ACCESS_TOKEN_FORMATS = ['opaque', 'jwt'] as const;
export type AccessTokenFormat = (typeof ACCESS_TOKEN_FORMATS)[number];

export const isClientType = (value: unknown): value is ClientType =>
  (CLIENT_TYPES as readonly unknown[]).includes(value);

/** Web and native clients act for users: they have redirects, sessions and authorization codes. */
export const actsForUsers = (type: ClientType): boolean => type === 'web' || type === 'native';

export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** How a stored client authenticates at the token endpoint (oidc-provider's default when unset). */
export const authMethodOf = (metadata: Record<string, unknown>): string =>
  typeof metadata.token_endpoint_auth_method === 'string' ? metadata.token_endpoint_auth_method : 'client_secret_basic';

/** What a stored client is, read back from its metadata. */
export function clientType(metadata: Record<string, unknown>): ClientType {
  const grants = strings(metadata.grant_types);
  if (metadata.grant_types !== undefined && grants.length === 0) return 'resource-server';
  if (grants.length > 0 && grants.every((g) => g === 'client_credentials')) return 'service';
  return metadata.application_type === 'native' ? 'native' : 'web';
}
