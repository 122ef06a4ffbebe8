import type { AccountProfile } from './store.js';

const FIELDS = [
  'givenName',
  'familyName',
  'middleName',
  'nickname',
  'preferredUsername',
  'profile',
  'picture',
  'website',
  'gender',
  'birthdate',
  'locale',
  'zoneinfo',
] as const satisfies ReadonlyArray<keyof AccountProfile>;

/**
 * A profile as read back from a store: only the known fields, only strings, undefined when none is
 * set, so a record written before profiles existed reads the same as one whose profile was cleared.
 */
export function storedProfile(value: unknown): AccountProfile | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const source = value as Record<string, unknown>;
  const profile: AccountProfile = {};
  for (const field of FIELDS) {
    const v = source[field];
    if (typeof v === 'string' && v.length > 0) profile[field] = v;
  }
  return Object.keys(profile).length > 0 ? profile : undefined;
}

/** The profile as SQLite keeps it: JSON text, or NULL when none is set. */
export function profileText(profile: AccountProfile | undefined): string | null {
  const kept = storedProfile(profile);
  return kept ? JSON.stringify(kept) : null;
}

export function profileFromText(text: string | null | undefined): AccountProfile | undefined {
  if (!text) return undefined;
  try {
    return storedProfile(JSON.parse(text));
  } catch {
    return undefined;
  }
}
