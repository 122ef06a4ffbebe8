import { createHmac, randomInt } from 'node:crypto';

/** How many recovery codes a set holds. */
export const RECOVERY_CODE_COUNT = 10;
/**
 * No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code copied by hand from paper reads back one way. 25 symbols, ten
 * of them per code: about 46 bits, far beyond what the sign-in throttle lets anyone guess.
 */
const ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
const GROUP = 5;

/** One code as shown: "xxxxx-xxxxx", lower case. */
function newCode(): string {
  let raw = '';
  for (let i = 0; i < GROUP * 2; i++) raw += ALPHABET[randomInt(ALPHABET.length)] ?? '';
  return `${raw.slice(0, GROUP)}-${raw.slice(GROUP)}`.toLowerCase();
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
}

/** A typed recovery code in the form it was hashed in: case, spaces and dashes do not matter. */
export function readRecoveryCode(typed: string): string | undefined {
  const raw = typed.replace(/[\s-]/g, '').toUpperCase();
  return new RegExp(`^[${ALPHABET}]{${GROUP * 2}}$`).test(raw) ? raw : undefined;
}

/**
 * Codes are kept only as keyed hashes (HMAC under a key derived from the store's sealed pepper): a copy
 * of the store alone cannot tell which codes exist, nor test guesses offline.
 */
export function recoveryCodeHasher(pepper: Buffer): (accountId: string, code: string) => string {
  const key = createHmac('sha256', pepper).update('signet recovery codes').digest();
  return (accountId, code) =>
    createHmac('sha256', key)
      .update(`${accountId}:${readRecoveryCode(code) ?? ''}`)
      .digest('base64url');
}
