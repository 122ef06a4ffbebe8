// What an account's email and display name may be: one mailbox is one account whatever look-alike
// spelling is typed, and a name shows what it is, at a size an id_token can carry.

import { describe, expect, test } from '@jest/globals';
import { MAX_NAME_LENGTH, parseDisplayName } from '../../src/accounts/display-name.js';
import { normalizeEmail, parseEmail } from '../../src/accounts/email.js';

describe('emails', () => {
  test.each([
    ['ａlice@example.com', 'alice@example.com'],
    ['ALICE@EXAMPLE.COM', 'alice@example.com'],
    ['alice@example.com.', 'alice@example.com'],
    ['  alice@example.com  ', 'alice@example.com'],
    ['alice@ｅxample.com', 'alice@example.com'],
  ])('%s is the same mailbox as %s', (typed, stored) => {
    expect(normalizeEmail(typed)).toBe(stored);
    expect(parseEmail(typed)).toBe(stored);
  });

  test.each([
    'ali\u202ece@example.com',
    'alice\u200b@example.com',
    'alice@exa\u0000mple.com',
    'al\u2066ice@example.com',
  ])('an address with invisible characters is refused: %j', (typed) => {
    expect(() => parseEmail(typed)).toThrow(/invisible|control/);
  });
});

describe('display names', () => {
  test('bidi overrides, isolates and other invisible characters are removed', () => {
    expect(parseDisplayName('Alice\u202Egnp.exe')).toBe('Alicegnp.exe');
    expect(parseDisplayName('\u2067Mallory\u2069 \u200eAdmin')).toBe('Mallory Admin');
    expect(parseDisplayName('Bob\u0007\u0000')).toBe('Bob');
  });

  test('right-to-left names themselves are kept', () => {
    expect(parseDisplayName('مريم')).toBe('مريم');
    expect(parseDisplayName('김민지')).toBe('김민지');
  });

  test('white space collapses; empty means no name', () => {
    expect(parseDisplayName('  Alice \n  Smith ')).toBe('Alice Smith');
    expect(parseDisplayName('\u202e ')).toBeNull();
    expect(parseDisplayName(undefined)).toBeNull();
  });

  test(`at most ${MAX_NAME_LENGTH} characters`, () => {
    expect(parseDisplayName('a'.repeat(MAX_NAME_LENGTH))).toHaveLength(MAX_NAME_LENGTH);
    expect(() => parseDisplayName('a'.repeat(100_000))).toThrow(/at most/);
  });
});
