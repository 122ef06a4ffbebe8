import { FieldError } from '../errors.js';
import { MFA_SCOPES, mfaScopesOf, RESOURCE_SCOPE } from './client-metadata.js';
import type { ClientType } from './client-types.js';

// An API's own second-factor policy, as the operator sets it: which of the scopes a resource server
// offers an access token carries only after a multi-factor sign-in (MFA_SCOPES).

function words(value: unknown): string[] {
  return typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : [];
}

/**
 * The stored form of `mfaScopes` for a client of this type offering `offered`: nothing when empty,
 * refused on anything but a resource server and for a scope the API does not offer.
 */
export function mfaScopesMetadata(value: string, type: ClientType, offered: unknown): Record<string, string> {
  const scopes = [...new Set(words(value))];
  if (type !== 'resource-server') {
    throw new FieldError(
      (f) => `${f('mfaScopes')} applies only to resource-server clients (an API's own scopes), not to a ${type} client`,
    );
  }
  if (scopes.length === 0) return {};
  const known = new Set(words(offered));
  const unknown = scopes.filter((scope) => !known.has(scope));
  if (unknown.length > 0) {
    throw new FieldError(
      (f) => `${f('mfaScopes')} names scopes the API does not offer (see ${f('scope')}): ${unknown.join(', ')}`,
    );
  }
  return { [MFA_SCOPES]: scopes.join(' ') };
}

/**
 * Applies a change of `mfaScopes` to the metadata being updated (whose scope may have changed too),
 * and refuses a new scope list that leaves out a stored multi-factor scope. True when it changed them.
 */
export function changeMfaScopes(next: Record<string, unknown>, value: string | undefined, type: ClientType): boolean {
  if (value !== undefined) {
    const stored = mfaScopesMetadata(value, type, next[RESOURCE_SCOPE]);
    Reflect.deleteProperty(next, MFA_SCOPES);
    Object.assign(next, stored);
    return true;
  }
  const offered = new Set(words(next[RESOURCE_SCOPE]));
  const dropped = mfaScopesOf(next).filter((scope) => !offered.has(scope));
  if (dropped.length > 0) {
    throw new FieldError(
      (f) =>
        `${f('scope')} leaves out scopes that need a second factor (${dropped.join(', ')}): change ${f('mfaScopes')} too`,
    );
  }
  return false;
}
