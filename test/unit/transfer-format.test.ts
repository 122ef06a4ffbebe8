// Account lines of the export file: what is written reads back the same, and lines written before a field
// existed still read, with the meaning that field had then.

import { describe, expect, test } from '@jest/globals';
import { parseLine, toLine } from '../../src/transfer/format.js';
import type { AccountRecord } from '../../src/storage/store.js';

const account: AccountRecord = {
  id: 'acc-1',
  email: 'ada@example.com',
  name: 'Ada',
  passwordHash: '$argon2id$x',
  disabled: false,
  emailVerified: false,
  createdAt: 1,
  updatedAt: 2,
};

const reread = (line: string) => parseLine(JSON.parse(line) as unknown);

describe('export account lines', () => {
  test('an unverified account and a verified one read back as written', () => {
    expect(reread(toLine({ account }))).toEqual({ account });
    const verified = { ...account, emailVerified: true };
    expect(reread(toLine({ account: verified }))).toEqual({ account: verified });
  });

  test('the profile is written and read back; an account without one has none', () => {
    const withProfile = {
      ...account,
      profile: {
        givenName: 'Ada',
        middleName: 'Augusta',
        nickname: 'Countess',
        profile: 'https://people.example.com/ada',
        website: 'https://ada.example.org/',
        gender: 'female',
        birthdate: '0000-12-10',
        locale: 'en-GB',
      },
    };
    expect(JSON.parse(toLine({ account: withProfile }))).toMatchObject({ account: { profile: withProfile.profile } });
    expect(reread(toLine({ account: withProfile }))).toEqual({ account: withProfile });
    expect(JSON.parse(toLine({ account }))).not.toHaveProperty('account.profile');
  });

  test('a line from before emailVerified existed reads as verified: such accounts were made by an operator', () => {
    const older: Partial<AccountRecord> = { ...account };
    delete older.emailVerified;
    expect(reread(JSON.stringify({ account: older }))).toEqual({ account: { ...account, emailVerified: true } });
  });

  test('a flag that is not a boolean is refused, naming the field', () => {
    expect(() => reread(JSON.stringify({ account: { ...account, emailVerified: 'yes' } }))).toThrow(
      /account\.emailVerified/,
    );
  });
});
