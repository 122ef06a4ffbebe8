import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors.js';

/** The token every form of ours carries; anything but one string (none, a repeated field) is no token. */
const CsrfField = z.object({ csrf: z.string() });

/**
 * What a form's token is bound to: the server-side session the form acts on (an interaction, an
 * account-page or demo session), or undefined when the request has none (then no token is valid).
 */
export type CsrfBinding = (ctx: Context & { params?: Record<string, string | undefined> }) => string | undefined;

export class CsrfError extends AppError {
  constructor() {
    super('invalid_csrf', 'This form has expired or was not sent from this site. Go back and try again.', 403);
  }
}

/** The app's cookie keys, newest first: they rotate, and a form rendered just before a rotation stays good. */
function keysOf(ctx: Context): string[] {
  const keys = ctx.app.keys;
  return Array.isArray(keys) ? keys : [];
}

/** 192 bits of the HMAC: beyond guessing, and a field no longer than the random tokens it replaces. */
function mac(key: string, binding: string): Buffer {
  return createHmac('sha256', key).update(`signet-csrf\0${binding}`).digest().subarray(0, 24);
}

/**
 * Synchronizer tokens without state: an HMAC, under the server's cookie keys, of the session the form
 * belongs to. Nobody without the key can compute one, and a token obtained for one session (an
 * anonymous one, or the attacker's own) is worth nothing in another, whatever cookies are planted
 * (OWASP CSRF Prevention Cheat Sheet, "Signed Double-Submit Cookie" bound to the session).
 */
export function csrfToken(ctx: Context, binding: string | undefined): string {
  const [key] = keysOf(ctx);
  if (!binding || !key) return '';
  return mac(key, binding).toString('base64url');
}

export function checkCsrf(ctx: Context, binding: string | undefined): void {
  const sent = CsrfField.safeParse((ctx.request as { body?: unknown }).body).data?.csrf;
  if (!binding || sent === undefined) throw new CsrfError();
  const given = Buffer.from(sent, 'base64url');
  const ok = keysOf(ctx).some((key) => {
    const expected = mac(key, binding);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  // base64url decoding skips stray characters: the text sent must be exactly the canonical one too.
  if (!ok || given.toString('base64url') !== sent) throw new CsrfError();
}

/** The token for a page and the check for its forms, both bound the same way. */
export function csrfFor(binding: CsrfBinding): { csrfToken: (ctx: Context) => string; verifyCsrf: Middleware } {
  return {
    csrfToken: (ctx) => csrfToken(ctx, binding(ctx)),
    verifyCsrf: async (ctx, next) => {
      checkCsrf(ctx, binding(ctx));
      await next();
    },
  };
}
