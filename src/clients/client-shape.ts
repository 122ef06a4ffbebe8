import type { ClientMetadata } from 'oidc-provider';
import { FieldError } from '../errors.js';
import {
  ACCESS_TOKEN_FORMAT,
  ALLOWED_RESOURCE_SCOPE,
  PKCE_POLICY,
  MFA_REQUIRED,
  PASSKEY_REQUIRED,
  RESOURCE_SCOPE,
  SCOPE_DESCRIPTIONS,
} from './client-metadata.js';
import { actsForUsers, PKCE_POLICIES, type ClientType } from './client-types.js';
import type { NewClient } from './new-client.js';

// The metadata a client type stands for, and the checks of the type-specific fields: shared by
// registration (ClientAdmin.create) and updates (ClientAdmin.update).

/** Where a client type keeps its scope: what a service may ask for, what a resource server offers. */
export const SCOPE_FIELD: Partial<Record<ClientType, string>> = {
  service: ALLOWED_RESOURCE_SCOPE,
  'resource-server': RESOURCE_SCOPE,
};

export function scopeList(value: string): string {
  const scope = value.trim().split(/\s+/).filter(Boolean).join(' ');
  if (!scope) throw new FieldError((f) => `${f('scope')} must name at least one scope`);
  return scope;
}

/** RFC 8707 section 2: an absolute URI without a fragment; https, or http outside production. */
export function resourceIndicator(value: string | undefined, production: boolean): string {
  if (!value) {
    throw new FieldError(
      (f) => `${f('resource')} is required for a resource-server (its URI, e.g. https://api.example.com)`,
    );
  }
  const url = URL.parse(value);
  const allowed = url?.protocol === 'https:' || (url?.protocol === 'http:' && !production);
  if (!url || !allowed || value.includes('#')) {
    throw new FieldError(
      (f) =>
        `${f('resource')} must be an absolute ${production ? 'https' : 'http(s)'} URI without a fragment: ${value}`,
    );
  }
  return value;
}

/** Descriptions only for scopes the API offers, so none can dress up a scope it does not have. */
export function describedScopes(
  descriptions: Record<string, string>,
  offered: string | undefined,
): Record<string, string> {
  const scopes = new Set((offered ?? '').split(/\s+/).filter(Boolean));
  const unknown = Object.keys(descriptions).filter((scope) => !scopes.has(scope));
  if (unknown.length > 0) {
    throw new FieldError((f) => `${f('scopeDescriptions')} names scopes the API does not offer: ${unknown.join(', ')}`);
  }
  return descriptions;
}

/**
 * The PKCE policy as stored: only "optional" is written ("required" is the default and removes the field).
 * A public client is refused: without a secret, PKCE is all that ties a code to whoever asked for it.
 */
export function pkceMetadata(policy: string, type: ClientType, authMethod: unknown): Record<string, string> {
  if (!(PKCE_POLICIES as readonly string[]).includes(policy))
    throw new FieldError((f) => `${f('pkce')} must be one of ${PKCE_POLICIES.join(', ')}`);
  if (!actsForUsers(type)) {
    throw new FieldError(
      (f) => `${f('pkce')} applies only to web clients, not to a ${type} client (it has no authorization code)`,
    );
  }
  if (policy === 'optional' && (authMethod === 'none' || type === 'native')) {
    throw new FieldError(
      (f) =>
        `${f('pkce')} optional is only for a confidential client: a public client (${f('public')}, native) must always use PKCE`,
    );
  }
  return policy === 'optional' ? { [PKCE_POLICY]: 'optional' } : {};
}

/** Fields that belong to other client types than this one. */
function refuseForeignFields(input: NewClient, type: ClientType): void {
  if (input.public && !actsForUsers(type))
    throw new FieldError((f) => `${f('public')} does not apply to a ${type} client (it is confidential)`);
  if (input.scope !== undefined && !SCOPE_FIELD[type])
    throw new FieldError((f) => `${f('scope')} applies only to ${f('type')} service or resource-server`);
  const serverOnly = [
    ['resource', input.resource],
    ['accessTokenFormat', input.accessTokenFormat],
    ['scopeDescriptions', input.scopeDescriptions],
  ] as const;
  for (const [field, value] of serverOnly) {
    if (value !== undefined && type !== 'resource-server')
      throw new FieldError((f) => `${f(field)} applies only to ${f('type')} resource-server`);
  }
  if (input.pkce !== undefined && !actsForUsers(type)) pkceMetadata(input.pkce, type, undefined);
  for (const field of ['requireMfa', 'requirePasskey'] as const) {
    if (input[field] && !actsForUsers(type))
      throw new FieldError((f) => `${f(field)} applies only to clients people sign in to (web, native)`);
  }
}

/** A client that acts for users: code flow with PKCE, a secret unless it is public. */
function userFacingMetadata(input: NewClient, type: ClientType): Partial<ClientMetadata> {
  if ((input.redirectUris ?? []).length === 0)
    throw new FieldError((f) => `at least one ${f('redirectUris')} is required`);
  const method = input.public || type === 'native' ? 'none' : 'client_secret_basic';
  return {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...(type === 'native' ? { application_type: 'native' } : {}),
    token_endpoint_auth_method: method,
    ...(input.pkce !== undefined ? pkceMetadata(input.pkce, type, method) : {}),
    ...(input.requireMfa ? { [MFA_REQUIRED]: true } : {}),
    ...(input.requirePasskey ? { [PASSKEY_REQUIRED]: true } : {}),
  };
}

/** A redirect in a client of a type that has none (a service or a resource server). */
export function redirectlessError(type: ClientType): FieldError {
  return new FieldError((f) => `a ${type} client takes no ${f('redirectUris')} or ${f('postLogoutRedirectUris')}`);
}

/** The metadata a new client of this type starts from, checked against what the type allows. */
export function typeMetadata(input: NewClient, type: ClientType): Partial<ClientMetadata> {
  refuseForeignFields(input, type);
  if (actsForUsers(type)) return userFacingMetadata(input, type);
  if ((input.redirectUris ?? []).length + (input.postLogoutRedirectUris ?? []).length > 0)
    throw redirectlessError(type);
  const scopeField = SCOPE_FIELD[type];
  return {
    grant_types: type === 'service' ? ['client_credentials'] : [],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    ...(input.scope !== undefined && scopeField ? { [scopeField]: scopeList(input.scope) } : {}),
    ...(input.accessTokenFormat ? { [ACCESS_TOKEN_FORMAT]: input.accessTokenFormat } : {}),
    ...(input.scopeDescriptions ? { [SCOPE_DESCRIPTIONS]: describedScopes(input.scopeDescriptions, input.scope) } : {}),
  };
}
