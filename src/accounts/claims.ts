import type { AccountRecord } from '../storage/store.js';

/**
 * The claims an account can release. oidc-provider filters them by the granted scopes and claims
 * (openid → sub, email → email/email_verified, profile → name and the standard profile claims of
 * OIDC Core 5.1), so this returns them all; a claim that is not set is left out, never sent empty.
 */
export function accountClaims(account: AccountRecord): Record<string, unknown> {
  const profile = account.profile ?? {};
  const set = (claim: string, value: string | null | undefined) => (value ? { [claim]: value } : {});
  return {
    sub: account.id,
    email: account.email,
    // As stored: set when an operator vouched for the address or it was proven, cleared when it changed.
    email_verified: account.emailVerified,
    ...set('name', account.name),
    ...set('given_name', profile.givenName),
    ...set('family_name', profile.familyName),
    ...set('preferred_username', profile.preferredUsername),
    ...set('picture', profile.picture),
    ...set('locale', profile.locale),
    ...set('zoneinfo', profile.zoneinfo),
    updated_at: Math.floor(account.updatedAt / 1000),
  };
}
