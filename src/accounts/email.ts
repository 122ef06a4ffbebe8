import { ValidationError } from '../errors.js';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

/** Emails are case-insensitive for login: one normalized form is stored, shown and compared. */
export function normalizeEmail(input: string): string {
  return input.normalize('NFC').trim().toLowerCase();
}

export function parseEmail(input: unknown): string {
  if (typeof input !== 'string') throw new ValidationError('email is required');
  const email = normalizeEmail(input);
  if (email.length > 320 || !EMAIL.test(email) || email.split('@')[1]?.includes('.') !== true) {
    throw new ValidationError('email is not a valid address');
  }
  return email;
}
