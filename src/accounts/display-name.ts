import { ValidationError } from '../errors.js';

/** Long enough for any real name; short enough that an id_token carrying it stays small. */
export const MAX_NAME_LENGTH = 100;

/**
 * Bidirectional overrides and isolates (and the other invisible format characters) let a name read
 * differently from what it is: "Alice\u202Eevil" shows as something else in every list it appears in.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** A person's display name as stored: visible characters only, single spaces, bounded. */
export function parseDisplayName(input: string | null | undefined): string | null {
  if (input === undefined || input === null) return null;
  const name = input.normalize('NFC').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  if (name.length > MAX_NAME_LENGTH) throw new ValidationError(`name must be at most ${MAX_NAME_LENGTH} characters`);
  return name || null;
}
