import type { ClientType } from './client-types.js';
import type { NewClient } from './new-client.js';
import { actsForUsers } from './client-types.js';
import { FieldError } from '../errors.js';

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

/** The part of a new client this file decides on (private_key_jwt also needs jwksUri). */
export type ClientCreateOptions = Pick<
  NewClient,
  'public' | 'pkce' | 'tokenEndpointAuthMethod' | 'jwksUri' | 'backchannelLogoutUri'
>;

/** The method chosen over the type's default, refused where the type or the other options rule it out. */
function checkedMethod(input: ClientCreateOptions, type: ClientType, method: string): string {
  if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly string[]).includes(method)) {
    throw new FieldError(
      (f) => `${f('tokenEndpointAuthMethod')} must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`,
    );
  }
  if (input.public && method !== 'none')
    throw new FieldError((f) => `${f('public')} means ${f('tokenEndpointAuthMethod')} none`);
  if (type === 'native' && method !== 'none') {
    throw new FieldError((f) => `a native client is public (RFC 8252): its ${f('tokenEndpointAuthMethod')} is none`);
  }
  if (!actsForUsers(type) && method === 'none') {
    throw new FieldError(
      (f) => `a ${type} client must authenticate: ${f('tokenEndpointAuthMethod')} none does not apply`,
    );
  }
  if (method === 'none' && input.pkce === 'optional')
    throw new FieldError((f) => `${f('pkce')} optional needs a confidential client`);
  return method;
}

/** The metadata these options add over the type's own (which already chose a default method). */
export function authAndLogoutMetadata(input: ClientCreateOptions, type: ClientType): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const method = input.tokenEndpointAuthMethod;
  if (method !== undefined) out.token_endpoint_auth_method = checkedMethod(input, type, method);
  if (method === 'private_key_jwt' && input.jwksUri === undefined) {
    throw new FieldError(
      (f) =>
        `${f('tokenEndpointAuthMethod')} private_key_jwt needs ${f('jwksUri')} (where the client publishes its public keys)`,
    );
  }
  if (input.jwksUri !== undefined) {
    if (method !== 'private_key_jwt') {
      throw new FieldError((f) => `${f('jwksUri')} applies only with ${f('tokenEndpointAuthMethod')} private_key_jwt`);
    }
    out.jwks_uri = input.jwksUri;
  }
  if (input.backchannelLogoutUri !== undefined) {
    if (!actsForUsers(type)) {
      throw new FieldError(
        (f) =>
          `${f('backchannelLogoutUri')} applies only to web and native clients (a ${type} client has no user sessions)`,
      );
    }
    out.backchannel_logout_uri = input.backchannelLogoutUri;
    // The logout token then names the session that ended (its sid, also in the id_token), so the app
    // ends that session rather than every session of the user.
    out.backchannel_logout_session_required = true;
  }
  return out;
}
