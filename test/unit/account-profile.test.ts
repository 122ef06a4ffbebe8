// The profile claims a person or an operator sets are checked against OIDC Core 5.1's formats before
// anything is stored, and each refusal reads as a sentence in the page's language.

import { describe, expect, test } from '@jest/globals';
import { ValidationError } from '../../src/errors.js';
import { applyProfileChanges, type ProfileChanges } from '../../src/accounts/profile.js';
import { sayReason } from '../../src/http/view-models/validation-text.js';
import { createTranslator, translateIn } from '../../src/i18n/translator.js';

function refusal(changes: ProfileChanges): string {
  try {
    applyProfileChanges({ givenName: 'Ada' }, changes);
  } catch (err) {
    if (err instanceof ValidationError) return err.message;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(changes)}`);
}

describe('the profile claims OIDC Core 5.4 adds to the profile scope', () => {
  test('well-formed values are kept, normalized as they are released', () => {
    expect(
      applyProfileChanges(
        { givenName: 'Ada' },
        {
          middleName: '  Augusta ',
          nickname: 'Countess  of\u200B Lovelace',
          profile: 'https://people.example.com/ada',
          website: 'https://ada.example.org',
          gender: ' female ',
          birthdate: '1815-12-10',
        },
      ),
    ).toEqual({
      givenName: 'Ada',
      middleName: 'Augusta',
      nickname: 'Countess of Lovelace',
      profile: 'https://people.example.com/ada',
      website: 'https://ada.example.org/',
      gender: 'female',
      birthdate: '1815-12-10',
    });
  });

  test('a gender is free text beyond the two values the spec names', () => {
    expect(applyProfileChanges(undefined, { gender: 'non-binary' })).toEqual({ gender: 'non-binary' });
    expect(applyProfileChanges(undefined, { gender: '여성' })).toEqual({ gender: '여성' });
  });

  test('a birthdate may be the year alone, or withhold the year', () => {
    for (const birthdate of ['1815', '0000-12-10', '0000-02-29', '2000-02-29', '1999-12-31']) {
      expect(applyProfileChanges(undefined, { birthdate })).toEqual({ birthdate });
    }
  });

  test('empty or null clears each of them', () => {
    const set = applyProfileChanges(undefined, {
      nickname: 'Ada',
      website: 'https://ada.example.org',
      birthdate: '1815',
    });
    expect(applyProfileChanges(set, { nickname: '', website: null, birthdate: ' ' })).toEqual({});
  });

  test.each([
    [{ middleName: 'x'.repeat(101) }, 'middle name must be at most 100 characters'],
    [{ nickname: 'x'.repeat(101) }, 'nickname must be at most 100 characters'],
    [{ profile: 'http://people.example.com/ada' }, 'profile page must be an https URL'],
    [{ profile: 'javascript:alert(1)' }, 'profile page must be an https URL'],
    [{ website: 'http://ada.example.org' }, 'website must be an https URL'],
    [{ website: 'https://ada:secret@ada.example.org' }, 'website must be an https URL'],
    [{ website: `https://ada.example.org/${'x'.repeat(2048)}` }, 'website must be an https URL of at most 2048'],
    [{ gender: 'x'.repeat(65) }, 'gender must be at most 64 characters, without control characters'],
    [{ gender: 'fe\u0000male' }, 'gender must be at most 64 characters'],
    [{ gender: 'male\u202Eelamef' }, 'gender must be at most 64 characters'],
    [{ birthdate: '1815-02-29' }, 'birthdate must be a real date'],
    [{ birthdate: '1815-13-01' }, 'birthdate must be a real date'],
    [{ birthdate: '1815-04-31' }, 'birthdate must be a real date'],
    [{ birthdate: '1815-00-10' }, 'birthdate must be a real date'],
    [{ birthdate: '0000' }, 'birthdate must be a real date'],
    [{ birthdate: '10/12/1815' }, 'birthdate must be a real date'],
    [{ birthdate: '1815-12' }, 'birthdate must be a real date'],
    [{ birthdate: '1815-12-10T00:00:00Z' }, 'birthdate must be a real date'],
  ])('%j is refused', (changes, message) => {
    expect(refusal(changes)).toContain(message);
  });

  test('each refusal has its sentence in both languages', () => {
    const translator = createTranslator();
    const bad: ProfileChanges[] = [
      { middleName: 'x'.repeat(101) },
      { nickname: 'x'.repeat(101) },
      { profile: 'http://a.example' },
      { website: 'http://a.example' },
      { gender: '\u0007' },
      { birthdate: '1815-02-30' },
    ];
    for (const changes of bad) {
      const message = refusal(changes);
      expect(sayReason(message, translateIn(translator, 'en'))).toBe(message);
      const korean = sayReason(message, translateIn(translator, 'ko'));
      expect(korean).not.toBe(message);
      expect(korean).toMatch(/\p{Script=Hangul}.*니다\.$/u);
    }
  });
});
