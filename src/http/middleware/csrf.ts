import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../errors.js';

const COOKIE = 'signet.csrf';

/**
 * Secure whenever the request is (directly, or through a proxy trusted with TRUST_PROXY).
 * Double-submit token: a random value in a signed, HttpOnly, SameSite cookie, repeated in every form.
 * Another origin can neither read the cookie nor forge its signature, so it cannot build a valid form.
 */
export function csrfToken(ctx: Context): string {
  const existing = ctx.cookies.get(COOKIE, { signed: true });
  if (existing) return existing;
  const token = randomBytes(24).toString('base64url');
  ctx.cookies.set(COOKIE, token, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, overwrite: true, path: '/' });
  return token;
}

export class CsrfError extends AppError {
  constructor() {
    super('invalid_csrf', 'This form has expired or was not sent from this site. Go back and try again.', 403);
  }
}

export const verifyCsrf: Middleware = async (ctx, next) => {
  const expected = ctx.cookies.get(COOKIE, { signed: true });
  const body = (ctx.request as { body?: unknown }).body;
  const sent = body && typeof body === 'object' ? (body as Record<string, unknown>).csrf : undefined;
  if (!expected || typeof sent !== 'string' || sent.length !== expected.length) throw new CsrfError();
  if (!timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) throw new CsrfError();
  await next();
};
