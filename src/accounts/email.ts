import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

/**
 * Emails are case-insensitive for login: one normalized form is stored, shown and compared. NFKC folds
 * compatibility look-alikes (fullwidth "ａlice" is "alice"), and a trailing dot on the domain names the
 * same host, so neither can make a second account for one mailbox.
 */
export function normalizeEmail(input: string): string {
  return input.normalize('NFKC').trim().toLowerCase().replace(/\.+$/, '');
}

/** Invisible and control characters have no place in an address and would make look-alikes. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** What is wrong with an address, or null when it is a valid one (already normalized). */
function emailProblem(email: string): string | null {
  if (INVISIBLE.test(email)) return 'email must not contain invisible or control characters';
  if (email.length > 320 || !EMAIL.test(email) || email.split('@')[1]?.includes('.') !== true) {
    return 'email is not a valid address';
  }
  return null;
}

export function parseEmail(input: unknown): string {
  if (typeof input !== 'string') throw new ValidationError('email is required');
  const email = normalizeEmail(input);
  const problem = emailProblem(email);
  if (problem) throw new ValidationError(problem);
  return email;
}

/** The normalized address, or undefined when it is not one (for forms that answer with their own page). */
export function validEmail(input: string): string | undefined {
  const email = normalizeEmail(input);
  return emailProblem(email) === null ? email : undefined;
}

/** Correlates attempts for one address (logins, codes) in the audit trail without writing the address down. */
export function emailFingerprint(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('hex').slice(0, 32);
}
