import { ValidationError } from '../errors.js';
import type { ClientType } from './client-admin.js';

// How an operator-registered client authenticates at the token endpoint, and where it hears of logouts
// (OpenID Back-Channel Logout 1.0), checked against what its type allows.

export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** Methods that use no client secret: none gets no secret, private_key_jwt proves itself with its own key. */
export const SECRETLESS_METHODS: ReadonlySet<string> = new Set(['none', 'private_key_jwt']);

export interface ClientCreateOptions {
  public?: boolean;
  pkce?: string;
  tokenEndpointAuthMethod?: string;
  /** private_key_jwt only: where the client publishes the public keys it signs its assertions with. */
  jwksUri?: string;
  backchannelLogoutUri?: string;
}

/** The metadata these options add over the type's own (which already chose a default method). */
export function authAndLogoutMetadata(input: ClientCreateOptions, type: ClientType): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const method = input.tokenEndpointAuthMethod;
  if (method !== undefined) {
    if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly string[]).includes(method)) {
      throw new ValidationError(
        `--token-endpoint-auth-method must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`,
      );
    }
    if (input.public && method !== 'none')
      throw new ValidationError('--public means --token-endpoint-auth-method none');
    if (type === 'native' && method !== 'none')
      throw new ValidationError('a native client is public (RFC 8252): its --token-endpoint-auth-method is none');
    if ((type === 'service' || type === 'resource-server') && method === 'none') {
      throw new ValidationError(`a ${type} client must authenticate: --token-endpoint-auth-method none does not apply`);
    }
    if (method === 'none' && input.pkce === 'optional')
      throw new ValidationError('--pkce optional needs a confidential client');
    out.token_endpoint_auth_method = method;
  }
  if (method === 'private_key_jwt' && input.jwksUri === undefined) {
    throw new ValidationError(
      '--token-endpoint-auth-method private_key_jwt needs --jwks-uri (where the client publishes its public keys)',
    );
  }
  if (input.jwksUri !== undefined) {
    if (method !== 'private_key_jwt')
      throw new ValidationError('--jwks-uri applies only with --token-endpoint-auth-method private_key_jwt');
    out.jwks_uri = input.jwksUri;
  }
  if (input.backchannelLogoutUri !== undefined) {
    if (type !== 'web' && type !== 'native') {
      throw new ValidationError(
        `--backchannel-logout-uri applies only to web and native clients (a ${type} client has no user sessions)`,
      );
    }
    out.backchannel_logout_uri = input.backchannelLogoutUri;
  }
  return out;
}
