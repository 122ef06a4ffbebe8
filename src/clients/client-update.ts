import { changeMfaScopes } from './api-mfa-scopes.js';
import {
  MFA_REQUIRED,
  MFA_SCOPES,
  PASSKEY_REQUIRED,
  PKCE_POLICY,
  RESOURCE_SCOPE,
  SCOPE_DESCRIPTIONS,
} from './client-metadata.js';
import { describedScopes, pkceMetadata, redirectlessError, SCOPE_FIELD, scopeList } from './client-shape.js';
import { actsForUsers, clientType, type ClientType } from './client-types.js';
import { FieldError } from '../errors.js';
import type { ClientChanges } from './new-client.js';

type Metadata = Record<string, unknown>;

const UPDATABLE = [
  'name',
  'redirectUris',
  'postLogoutRedirectUris',
  'scope',
  'scopeDescriptions',
  'pkce',
  'requireMfa',
  'requirePasskey',
];

/** The operator's "require multi-factor" and "require a passkey" switches, on clients people sign in to only. */
function changeRequirement(
  next: Metadata,
  field: 'requireMfa' | 'requirePasskey',
  on: boolean,
  type: ClientType,
): string {
  if (!actsForUsers(type))
    throw new FieldError((f) => `${f(field)} applies only to clients people sign in to (web, native)`);
  const key = field === 'requireMfa' ? MFA_REQUIRED : PASSKEY_REQUIRED;
  if (on) next[key] = true;
  else Reflect.deleteProperty(next, key);
  return key;
}

/** The stored metadata with the changes applied (not yet validated), and the metadata fields they touched. */
export function changedMetadata(current: Metadata, changes: ClientChanges): { next: Metadata; updated: string[] } {
  const next: Metadata = { ...current };
  const updated: string[] = [];
  const set = (field: string, value: unknown) => {
    next[field] = value;
    updated.push(field);
  };
  const type = clientType(current);
  if (changes.name !== undefined) {
    if (!changes.name.trim()) throw new FieldError((f) => `${f('name')} must not be empty`);
    set('client_name', changes.name.trim());
  }
  for (const [field, value] of [
    ['redirect_uris', changes.redirectUris],
    ['post_logout_redirect_uris', changes.postLogoutRedirectUris],
  ] as const) {
    if (value === undefined || value.length === 0) continue;
    if (!actsForUsers(type)) throw redirectlessError(type);
    set(field, value);
  }
  if (changes.scope !== undefined) {
    const field = SCOPE_FIELD[type];
    if (!field) {
      throw new FieldError(
        (f) => `${f('scope')} applies only to service and resource-server clients, not to a ${type} client`,
      );
    }
    set(field, scopeList(changes.scope));
  }
  if (changes.scopeDescriptions !== undefined) {
    if (type !== 'resource-server') {
      throw new FieldError(
        (f) => `${f('scopeDescriptions')} applies only to resource-server clients, not to a ${type} client`,
      );
    }
    set(
      SCOPE_DESCRIPTIONS,
      describedScopes(changes.scopeDescriptions, typeof next[RESOURCE_SCOPE] === 'string' ? next[RESOURCE_SCOPE] : ''),
    );
  }
  if (changes.pkce !== undefined) {
    Reflect.deleteProperty(next, PKCE_POLICY);
    Object.assign(next, pkceMetadata(changes.pkce, type, current.token_endpoint_auth_method));
    updated.push(PKCE_POLICY);
  }
  for (const field of ['requireMfa', 'requirePasskey'] as const) {
    const on = changes[field];
    if (on !== undefined) updated.push(changeRequirement(next, field, on, type));
  }
  if (changeMfaScopes(next, changes.mfaScopes, type)) updated.push(MFA_SCOPES);
  if (updated.length === 0)
    throw new FieldError((f) => `nothing to update: give ${UPDATABLE.map(f).join(', ')} or ${f('mfaScopes')}`);
  return { next, updated };
}
