import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';

/** RFC 6238's defaults, which every authenticator app reads: 30-second steps, six digits, HMAC-SHA-1. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** One step either side of now: a phone clock a little off, or a code typed as it changed (RFC 6238 5.2). */
export const TOTP_WINDOW = 1;
/** 160 bits, the HMAC-SHA-1 block's own size (RFC 4226 4, R6). */
const SECRET_BYTES = 20;

/** A new shared secret, as the base32 text an authenticator app takes. */
export function newTotpSecret(): string {
  return new Secret({ buffer: new Uint8Array(randomBytes(SECRET_BYTES)).buffer }).base32;
}

/** The otpauth:// URI an authenticator app scans: the issuer names the service, the label the account. */
export function totpUri(secret: string, issuer: string, label: string): string {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secret),
    period: TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
  }).toString();
}

/** The time step `now` falls in (RFC 6238 4.2: T = floor(unix time / period)). */
export function stepAt(now: number): number {
  return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
}

/** Six digits, spaces and dashes allowed between them (as apps show "123 456"); anything else is no code. */
export function readTotpCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

/**
 * The step a code belongs to within the window around `now`, or undefined. Steps at or before
 * `lastStep` are not looked at: a code once accepted, or an older one, never opens again. Every step of
 * the window is computed and compared in constant time, so timing tells nothing about which one matched.
 */
export function matchingStep(secret: string, code: string, now: number, lastStep: number | null): number | undefined {
  const current = stepAt(now);
  const key = Secret.fromBase32(secret);
  let found: number | undefined;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    const expected = Buffer.from(HOTP.generate({ secret: key, counter: step, digits: TOTP_DIGITS }));
    const given = Buffer.from(code.padEnd(TOTP_DIGITS, ' ').slice(0, TOTP_DIGITS));
    const equal = timingSafeEqual(expected, given);
    if (equal && (lastStep === null || step > lastStep) && found === undefined) found = step;
  }
  return found;
}
