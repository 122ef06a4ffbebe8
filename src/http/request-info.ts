import type { Context } from 'koa';

export { emailFingerprint } from '../accounts/email.js';

/** Where a request came from, for the audit trail (ctx.ip honours TRUST_PROXY through app.proxy). */
export function requestOrigin(ctx: Context): { ip: string; userAgent: string | null } {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || null };
}
