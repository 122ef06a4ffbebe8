import type { Middleware } from 'koa';

/**
 * With an https issuer every request is treated as https, whatever scheme it reached this process
 * with: every cookie (ours and the provider's) is then Secure, and nothing built from the request
 * can downgrade to http. A request that really came over plain http gets cookies it cannot send back
 * over http, which is the point.
 */
export function issuerScheme(issuer: string): Middleware | undefined {
  if (new URL(issuer).protocol !== 'https:') return undefined;
  return (ctx, next) => {
    Object.defineProperty(ctx.request, 'protocol', { value: 'https' });
    Object.defineProperty(ctx.request, 'secure', { value: true });
    return next();
  };
}
