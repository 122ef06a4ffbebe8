// The claims an account releases: email_verified is what the store holds about the address, never assumed.

import { describe, expect, test } from '@jest/globals';
import { accountClaims, PROFILE_CLAIMS } from '../../src/accounts/claims.js';
import type { AccountRecord } from '../../src/storage/store.js';

const UPDATED = Date.UTC(2030, 0, 1, 12, 0, 0, 500);

function account(overrides: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id: 'acc-1',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    passwordHash: '$argon2id$x',
    disabled: false,
    emailVerified: true,
    createdAt: UPDATED - 1000,
    updatedAt: UPDATED,
    ...overrides,
  };
}

describe('accountClaims', () => {
  test('a verified address is released as email_verified: true', () => {
    expect(accountClaims(account())).toEqual({
      sub: 'acc-1',
      email: 'ada@example.com',
      email_verified: true,
      name: 'Ada Lovelace',
      updated_at: Math.floor(UPDATED / 1000),
    });
  });

  test('an unverified address is released as email_verified: false, a boolean and not left out', () => {
    const claims = accountClaims(account({ emailVerified: false, name: null }));
    expect(claims).toHaveProperty('email_verified', false);
    expect(claims).toEqual({
      sub: 'acc-1',
      email: 'ada@example.com',
      email_verified: false,
      updated_at: Math.floor(UPDATED / 1000),
    });
  });

  test('every profile claim set is released under its claim name, and none unset', () => {
    const claims = accountClaims(
      account({
        profile: {
          givenName: 'Ada',
          familyName: 'Lovelace',
          middleName: 'Augusta',
          nickname: 'Countess',
          preferredUsername: 'ada',
          profile: 'https://people.example.com/ada',
          picture: 'https://pics.example.com/ada.png',
          website: 'https://ada.example.org/',
          gender: 'female',
          birthdate: '0000-12-10',
          zoneinfo: 'Europe/London',
          locale: 'en-GB',
        },
      }),
    );
    expect(claims).toEqual({
      sub: 'acc-1',
      email: 'ada@example.com',
      email_verified: true,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      middle_name: 'Augusta',
      nickname: 'Countess',
      preferred_username: 'ada',
      profile: 'https://people.example.com/ada',
      picture: 'https://pics.example.com/ada.png',
      website: 'https://ada.example.org/',
      gender: 'female',
      birthdate: '0000-12-10',
      zoneinfo: 'Europe/London',
      locale: 'en-GB',
      updated_at: Math.floor(UPDATED / 1000),
    });
    // Every claim of the profile scope (OIDC Core 5.4) but name and updated_at comes from the stored profile.
    expect(Object.keys(claims).filter((c) => !(PROFILE_CLAIMS as readonly string[]).includes(c))).toEqual([
      'sub',
      'email',
      'email_verified',
    ]);
  });
});
