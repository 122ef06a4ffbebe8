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
  preferredUsername?: string | null;
  picture?: string | null;
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

/** Relying parties load it into their pages: https only, so it cannot be a mixed-content or local URL. */
function picture(value: string): string {
  const url = URL.parse(value);
  if (!url || url.protocol !== 'https:' || value.length > MAX_URL_LENGTH || url.username || url.password) {
    throw new ValidationError(
      `picture must be an https URL of at most ${MAX_URL_LENGTH} characters, without credentials`,
    );
  }
  return url.href;
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
  preferredUsername: username,
  picture,
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
