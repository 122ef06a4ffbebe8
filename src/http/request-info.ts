import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { normalizeEmail } from '../accounts/email.js';

/** Where a request came from, for the audit trail (ctx.ip honours TRUST_PROXY through app.proxy). */
export function requestOrigin(ctx: Context): { ip: string; userAgent: string | null } {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || null };
}

/** Correlates failed logins for one address without writing the address down. */
export function emailFingerprint(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('hex').slice(0, 32);
}
