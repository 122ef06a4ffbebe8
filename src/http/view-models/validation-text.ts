import type { Translate } from '../../i18n/translator.js';

/**
 * What the account service says is wrong with a value (a ValidationError's message, written in English
 * where it is checked), in the page's language: each known sentence by its key in `account:reason`,
 * numbers carried over. A sentence not listed here is shown as it was written.
 */
const REASONS: Array<{ pattern: RegExp; key: string }> = [
  { pattern: /^password must not be blank$/, key: 'passwordBlank' },
  { pattern: /^password must be at least (\d+) characters$/, key: 'passwordShort' },
  { pattern: /^password must be at most (\d+) characters$/, key: 'passwordLong' },
  { pattern: /^preferred username must be at most 64 visible characters, without spaces$/, key: 'username' },
  { pattern: /^picture must be an https URL of at most (\d+) characters, without credentials$/, key: 'picture' },
  {
    pattern: /^profile page must be an https URL of at most (\d+) characters, without credentials$/,
    key: 'profileUrl',
  },
  { pattern: /^website must be an https URL of at most (\d+) characters, without credentials$/, key: 'website' },
  { pattern: /^gender must be at most (\d+) characters, without control characters$/, key: 'gender' },
  { pattern: /^birthdate must be a real date as YYYY-MM-DD, a year as YYYY, or 0000-MM-DD$/, key: 'birthdate' },
  { pattern: /^locale must be a BCP 47 language tag, e\.g\. en-US$/, key: 'locale' },
  { pattern: /^zoneinfo must be an IANA time zone, e\.g\. Europe\/Paris$/, key: 'zoneinfo' },
  { pattern: /^name must be at most (\d+) characters$/, key: 'nameLong' },
  { pattern: /^given name must be at most (\d+) characters$/, key: 'givenNameLong' },
  { pattern: /^family name must be at most (\d+) characters$/, key: 'familyNameLong' },
  { pattern: /^middle name must be at most (\d+) characters$/, key: 'middleNameLong' },
  { pattern: /^nickname must be at most (\d+) characters$/, key: 'nicknameLong' },
];

export function sayReason(message: string, t: Translate): string {
  for (const { pattern, key } of REASONS) {
    const m = pattern.exec(message);
    if (m) return t(`account:reason.${key}`, m[1] === undefined ? {} : { count: Number(m[1]) });
  }
  return message;
}
