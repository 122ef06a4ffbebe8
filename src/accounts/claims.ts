import type { AccountProfile, AccountRecord } from '../storage/store.js';

/** The claims the profile scope asks for (OIDC Core 5.4), in the spec's order. */
export const PROFILE_CLAIMS = [
  'name',
  'family_name',
  'given_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'updated_at',
] as const;

export type ProfileClaim = (typeof PROFILE_CLAIMS)[number];

/**
 * Where each profile claim is kept in an account's profile; the others are the account's own name
 * and the time it last changed.
 */
export const PROFILE_CLAIM_FIELDS = {
  family_name: 'familyName',
  given_name: 'givenName',
  middle_name: 'middleName',
  nickname: 'nickname',
  preferred_username: 'preferredUsername',
  profile: 'profile',
  picture: 'picture',
  website: 'website',
  gender: 'gender',
  birthdate: 'birthdate',
  zoneinfo: 'zoneinfo',
  locale: 'locale',
} as const satisfies Record<Exclude<ProfileClaim, 'name' | 'updated_at'>, keyof AccountProfile>;

/**
 * The claims an account can release. oidc-provider filters them by the granted scopes and claims
 * (openid → sub, email → email/email_verified, profile → name and the standard profile claims of
 * OIDC Core 5.1), so this returns them all; a claim that is not set is left out, never sent empty.
 */
export function accountClaims(account: AccountRecord): Record<string, unknown> {
  const profile = account.profile ?? {};
  const set = (claim: string, value: string | null | undefined) => (value ? { [claim]: value } : {});
  const kept = Object.entries(PROFILE_CLAIM_FIELDS).flatMap(([claim, field]) => {
    const value = profile[field];
    return value ? [[claim, value] as const] : [];
  });
  return {
    sub: account.id,
    email: account.email,
    // As stored: set when an operator vouched for the address or it was proven, cleared when it changed.
    email_verified: account.emailVerified,
    ...set('name', account.name),
    ...Object.fromEntries(kept),
    updated_at: Math.floor(account.updatedAt / 1000),
  };
}
