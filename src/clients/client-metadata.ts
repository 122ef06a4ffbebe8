import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { checkClientPolicy, ClientPolicyError } from './client-policy.js';
import { PKCE_POLICIES } from './client-types.js';

/** Client metadata of a resource server: "jwt" opts its access tokens in to RFC 9068 JWTs. */
export const ACCESS_TOKEN_FORMAT = 'signet_access_token_format';
/** Resource server metadata: the scopes it offers. */
export const RESOURCE_SCOPE = 'signet_resource_scope';
/** Client metadata: the resource scopes a machine client may ask for (client_credentials). */
export const ALLOWED_RESOURCE_SCOPE = 'signet_allowed_resource_scope';

/** Resource server metadata: what each offered scope lets a client do, in words the consent page shows. */
export const SCOPE_DESCRIPTIONS = 'signet_scope_descriptions';
/** Client metadata (OpenID Connect Registration 2): where the client publishes request objects by reference. */
export const REQUEST_URIS = 'request_uris';
/** Who put the client in the store: "operator" (the CLI) or "self" (dynamic registration). */
export const REGISTERED_BY = 'signet_registered_by';
/**
 * "optional": this confidential client may leave out PKCE (RFC 7636). Many relying-party libraries
 * still do not send it; RFC 9700 2.1.1 wants it everywhere, so only the operator may exempt a client,
 * and never a public one, for which PKCE is the only thing that binds a code to whoever asked for it.
 */
export const PKCE_POLICY = 'signet_pkce';
export { PKCE_POLICIES, type PkcePolicy } from './client-types.js';
/**
 * true: every sign-in to this client must show a second factor (acr urn:signet:acr:mfa). A session
 * signed in with a password alone is stepped up; an account without a second factor is told to add one
 * and is not signed in to this client. Only the operator decides this.
 */
export const MFA_REQUIRED = 'signet_require_mfa';
/**
 * true: every sign-in to this client must be phishing-resistant (a passkey: acr urn:signet:acr:phr).
 * A session that signed in otherwise is asked for a passkey; an account without one is told to add one
 * on /account and is not signed in to this client. Only the operator decides this.
 */
export const PASSKEY_REQUIRED = 'signet_require_passkey';
/**
 * Resource server metadata: the offered scopes an access token carries only when the sign-in behind it
 * showed a second factor (acr urn:signet:acr:mfa or stronger); never for a machine (client_credentials).
 */
export const MFA_SCOPES = 'signet_mfa_scopes';

/** The scopes of a resource server that need a multi-factor sign-in (none when unset). */
export function mfaScopesOf(client: object | undefined): string[] {
  const value = (client as Record<string, unknown> | undefined)?.[MFA_SCOPES];
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

/** Whether an operator requires a second factor for every sign-in to this client. */
export function mfaRequired(client: object | undefined): boolean {
  return (client as Record<string, unknown> | undefined)?.[MFA_REQUIRED] === true;
}

/** Whether an operator requires a passkey (a phishing-resistant sign-in) for every sign-in to this client. */
export function passkeyRequired(client: object | undefined): boolean {
  return (client as Record<string, unknown> | undefined)?.[PASSKEY_REQUIRED] === true;
}

/** Whether an operator exempted this client from PKCE; a public client never is (see PKCE_POLICY). */
export function pkceOptional(client: object | undefined): boolean {
  const metadata = client as Record<string, unknown> | undefined;
  const method = metadata?.tokenEndpointAuthMethod ?? metadata?.token_endpoint_auth_method;
  return metadata?.[PKCE_POLICY] === 'optional' && method !== 'none';
}

/**
 * Metadata only an operator decides (through the CLI): what a client may ask of an API and how its
 * tokens look. A client that could set these through dynamic registration could grant itself any
 * API's scopes. Everything under the `signet_` prefix is reserved for the operator likewise.
 */
export const OPERATOR_ONLY_METADATA = [
  ACCESS_TOKEN_FORMAT,
  RESOURCE_SCOPE,
  ALLOWED_RESOURCE_SCOPE,
  SCOPE_DESCRIPTIONS,
  REGISTERED_BY,
  PKCE_POLICY,
  MFA_REQUIRED,
  PASSKEY_REQUIRED,
  MFA_SCOPES,
] as const;
const OPERATOR_PREFIX = 'signet_';

const SCOPE_TOKENS = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

type Metadata = Record<string, unknown>;

/** The JSON body of a registration (RFC 7591) or an update (RFC 7592); undefined for anything else. */
function registrationBody(ctx: KoaContextWithOIDC | undefined): Metadata | undefined {
  const route = ctx?.oidc.route;
  if (route !== 'registration' && route !== 'client_update') return undefined;
  return (ctx?.oidc as { body?: Metadata } | undefined)?.body ?? {};
}

/**
 * The initial access token policy by which an operator lets the confidential clients registered with
 * that token leave out PKCE (`iat create --pkce optional`): the operator's decision, made once for the
 * relying parties the token is handed to, never the registering client's.
 */
export const PKCE_OPTIONAL_POLICY = 'signet:pkce-optional';

/** Operator-only fields the token a registration (or its update) presents grants, for this client. */
function grantedByToken(ctx: KoaContextWithOIDC, metadata: Metadata): Metadata {
  const { InitialAccessToken, RegistrationAccessToken } = ctx.oidc.entities;
  const policies = (InitialAccessToken ?? RegistrationAccessToken)?.policies ?? [];
  const confidential = metadata.token_endpoint_auth_method !== 'none';
  return policies.includes(PKCE_OPTIONAL_POLICY) && confidential ? { [PKCE_POLICY]: 'optional' } : {};
}

/**
 * A registration may not set operator-only fields; an update may repeat what is stored (a client
 * that sends back what it read) but not change it, and never drops what the operator set.
 */
function keepOperatorFields(ctx: KoaContextWithOIDC, body: Metadata, metadata: Metadata): void {
  const stored = (ctx.oidc.route === 'client_update' ? ctx.oidc.client : undefined) as unknown as Metadata | undefined;
  for (const key of Object.keys(body)) {
    if (!key.startsWith(OPERATOR_PREFIX)) continue;
    if (stored && Object.hasOwn(stored, key) && stored[key] === body[key]) continue;
    throw new errors.InvalidClientMetadata(`${key} is set by the operator only, never through registration`);
  }
  const granted = grantedByToken(ctx, metadata);
  for (const key of OPERATOR_ONLY_METADATA) {
    if (stored && stored[key] !== undefined) metadata[key] = stored[key];
    else if (granted[key] !== undefined) metadata[key] = granted[key];
    else Reflect.deleteProperty(metadata, key);
  }
  // Consent pages warn about clients that registered themselves: nobody vouched for their name.
  if (!stored) metadata[REGISTERED_BY] = 'self';
}

/** Descriptions are short plain text, one per scope token. */
function checkDescriptions(value: unknown): void {
  const entries = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : undefined;
  const ok = entries?.every(
    ([scope, text]) => SCOPE_TOKENS.test(scope) && typeof text === 'string' && text.length > 0 && text.length <= 200,
  );
  if (!entries || !ok || entries.length > 100) {
    throw new errors.InvalidClientMetadata(
      `${SCOPE_DESCRIPTIONS} must map scope tokens to texts of at most 200 characters`,
    );
  }
}

function checkFormat(key: string, metadata: Metadata): void {
  const value = metadata[key];
  if (value === undefined) return;
  if (key === ACCESS_TOKEN_FORMAT) {
    if (value !== 'opaque' && value !== 'jwt') throw new errors.InvalidClientMetadata(`${key} must be opaque or jwt`);
  } else if (key === REGISTERED_BY) {
    if (value !== 'operator' && value !== 'self')
      throw new errors.InvalidClientMetadata(`${key} must be operator or self`);
  } else if (key === SCOPE_DESCRIPTIONS) {
    checkDescriptions(value);
  } else if (key === MFA_REQUIRED || key === PASSKEY_REQUIRED) {
    if (value !== true) throw new errors.InvalidClientMetadata(`${key} must be true when set`);
  } else if (key === PKCE_POLICY) {
    if (!(PKCE_POLICIES as readonly unknown[]).includes(value))
      throw new errors.InvalidClientMetadata(`${key} must be required or optional`);
    if (value === 'optional' && metadata.token_endpoint_auth_method === 'none') {
      throw new errors.InvalidClientMetadata(
        `${key} optional needs a confidential client: a public client (token_endpoint_auth_method none) must use PKCE`,
      );
    }
  } else if (typeof value !== 'string' || !SCOPE_TOKENS.test(value)) {
    throw new errors.InvalidClientMetadata(`${key} must be a space-separated list of scope tokens (RFC 6749 3.3)`);
  }
}

/** Multi-factor scopes only on a resource server (one with no grants), and only among those it offers. */
function checkMfaScopes(metadata: Metadata): void {
  const wanted = mfaScopesOf(metadata);
  if (wanted.length === 0) return;
  if (!Array.isArray(metadata.grant_types) || metadata.grant_types.length > 0)
    throw new errors.InvalidClientMetadata(`${MFA_SCOPES} applies only to a resource server`);
  const offered = new Set(typeof metadata[RESOURCE_SCOPE] === 'string' ? metadata[RESOURCE_SCOPE].split(' ') : []);
  const unknown = wanted.filter((scope) => !offered.has(scope));
  if (unknown.length > 0)
    throw new errors.InvalidClientMetadata(`${MFA_SCOPES} names scopes the API does not offer: ${unknown.join(', ')}`);
}

/** RFC 6749 4.4: the client credentials grant is for clients that can keep a secret. */
function checkMachineClient(metadata: Metadata): void {
  const grants = Array.isArray(metadata.grant_types) ? metadata.grant_types : [];
  if (grants.includes('client_credentials') && metadata.token_endpoint_auth_method === 'none') {
    throw new errors.InvalidClientMetadata(
      'client_credentials requires client authentication: token_endpoint_auth_method none cannot use it',
    );
  }
}

/**
 * Signet's client metadata rules on top of oidc-provider's. The validator runs once per listed
 * property, with a ctx only for registration requests; stored and static clients are checked too
 * (a stored client that breaks a rule no longer loads, so it cannot be used either).
 */
export function clientMetadataRules(options: {
  production: boolean;
  outboundAllowedHosts?: readonly string[];
}): NonNullable<Configuration['extraClientMetadata']> {
  return {
    // request_uris: oidc-provider no longer knows it; kept so a request_uri is fetched only when registered.
    properties: ['redirect_uris', REQUEST_URIS, ...OPERATOR_ONLY_METADATA],
    validator: (ctx, key, _value, metadata) => {
      const data = metadata as unknown as Metadata;
      // Checked with the rest of the client's URLs at registration (client-policy.ts).
      if (key === REQUEST_URIS) return;
      if (key !== 'redirect_uris') {
        checkFormat(key, data);
        if (key === MFA_SCOPES) checkMfaScopes(data);
        return;
      }
      checkMachineClient(data);
      const body = registrationBody(ctx);
      if (!ctx || !body) return;
      // RFC 7591 section 2: metadata the server does not understand is ignored (oidc-provider drops it);
      // only the reserved prefix is refused, so nobody mistakes a silently dropped field for a granted one.
      keepOperatorFields(ctx, body, data);
      try {
        checkClientPolicy({ ...data, client_secret: body.client_secret }, options);
      } catch (err) {
        if (!(err instanceof ClientPolicyError)) throw err;
        // InvalidRedirectUri carries a fixed description meant for authorization requests.
        throw new errors.CustomOIDCProviderError(err.code, err.message);
      }
    },
  };
}
