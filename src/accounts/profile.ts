import { ValidationError } from '../errors.js';
import type { AccountProfile } from '../storage/store.js';
import { MAX_NAME_LENGTH, parseDisplayName } from './display-name.js';

/**
 * Changes to an account's standard profile claims (OIDC Core 5.1). A field left out stays as it is;
 * null (or an empty string) clears it. `name` is the display name the account already had.
 */
export interface ProfileChanges {
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  middleName?: string | null;
  nickname?: string | null;
  preferredUsername?: string | null;
  profile?: string | null;
  picture?: string | null;
  website?: string | null;
  gender?: string | null;
  birthdate?: string | null;
  locale?: string | null;
  zoneinfo?: string | null;
}

const MAX_URL_LENGTH = 2048;
const INVISIBLE_OR_SPACE = /[\s\p{Cc}\p{Cf}]/u;

function username(value: string): string {
  const v = value.normalize('NFC');
  if (v.length > 64 || INVISIBLE_OR_SPACE.test(v))
    throw new ValidationError('preferred username must be at most 64 visible characters, without spaces');
  return v;
}

/**
 * Relying parties load the picture into their pages and link the profile page and the web site from
 * theirs: https only, so none can be mixed content, a downgraded link, a local URL or a script.
 */
function httpsUrl(label: string): (value: string) => string {
  return (value) => {
    const url = URL.parse(value);
    if (!url || url.protocol !== 'https:' || value.length > MAX_URL_LENGTH || url.username || url.password) {
      throw new ValidationError(
        `${label} must be an https URL of at most ${MAX_URL_LENGTH} characters, without credentials`,
      );
    }
    return url.href;
  };
}

const MAX_GENDER_LENGTH = 64;
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** Free text (OIDC Core 5.1 names female and male, and allows any other), one line of visible characters. */
function gender(value: string): string {
  const v = value.normalize('NFC').replace(/\s+/g, ' ');
  if (v.length > MAX_GENDER_LENGTH || CONTROL.test(v)) {
    throw new ValidationError(`gender must be at most ${MAX_GENDER_LENGTH} characters, without control characters`);
  }
  return v;
}

/**
 * OIDC Core 5.1's birthdate: YYYY-MM-DD, the year alone, or 0000-MM-DD for a person who keeps the
 * year to themselves. A day that does not exist (02-30, or 02-29 of a common year) is refused.
 */
function birthdate(value: string): string {
  const m = /^(\d{4})(?:-(\d{2})-(\d{2}))?$/.exec(value);
  const [year, month, day] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  if (m && m[2] === undefined && year > 0) return value;
  // Year 0000 is a leap year of the proleptic Gregorian calendar: a withheld year allows 02-29.
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (m && m[2] !== undefined && real) return value;
  throw new ValidationError('birthdate must be a real date as YYYY-MM-DD, a year as YYYY, or 0000-MM-DD');
}

/** A BCP 47 tag in its canonical form (OIDC Core 5.1 locale), e.g. en-US. */
function locale(value: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    if (canonical) return canonical;
  } catch {
    // reported below
  }
  throw new ValidationError('locale must be a BCP 47 language tag, e.g. en-US');
}

/** A time zone of the IANA database (OIDC Core 5.1 zoneinfo), e.g. Europe/Paris. */
function zoneinfo(value: string): string {
  // A zone name, not a bare offset (which Intl also takes): relying parties expect the database's names.
  const named = /^[A-Za-z][A-Za-z_]*(\/[A-Za-z0-9_+-]+)*$/.test(value) && value.length <= 64;
  try {
    if (named) return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone && value;
  } catch {
    // reported below
  }
  throw new ValidationError('zoneinfo must be an IANA time zone, e.g. Europe/Paris');
}

function personName(value: string, label: string): string | undefined {
  try {
    return parseDisplayName(value) ?? undefined;
  } catch {
    throw new ValidationError(`${label} must be at most ${MAX_NAME_LENGTH} characters`);
  }
}

const PARSERS: Record<Exclude<keyof ProfileChanges, 'name'>, (value: string) => string | undefined> = {
  givenName: (v) => personName(v, 'given name'),
  familyName: (v) => personName(v, 'family name'),
  middleName: (v) => personName(v, 'middle name'),
  nickname: (v) => personName(v, 'nickname'),
  preferredUsername: username,
  profile: httpsUrl('profile page'),
  picture: httpsUrl('picture'),
  website: httpsUrl('website'),
  gender,
  birthdate,
  locale,
  zoneinfo,
};

/** The profile after the changes; every value checked, so only well-formed claims are ever released. */
export function applyProfileChanges(current: AccountProfile | undefined, changes: ProfileChanges): AccountProfile {
  const next: AccountProfile = { ...current };
  for (const [field, parse] of Object.entries(PARSERS) as Array<
    [keyof AccountProfile, (value: string) => string | undefined]
  >) {
    const value = changes[field];
    if (value === undefined) continue;
    const parsed = value === null || value.trim() === '' ? undefined : parse(value.trim());
    next[field] = parsed;
  }
  // A cleared claim is left out, not kept as undefined.
  return Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined));
}
