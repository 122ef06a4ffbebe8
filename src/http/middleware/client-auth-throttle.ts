import type { Middleware } from 'koa';
import { clientAuthKeys, type Throttle } from '../../accounts/throttle.js';

const GUARDED = new Set(['/token', '/token/introspection', '/token/revocation']);

/** client_id from HTTP Basic (RFC 6749 2.3.1); client_secret_post bodies are left to the IP key. */
function basicClientId(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

/**
 * Brute force against client secrets at the token, introspection and revocation endpoints: failed
 * client authentications are counted per client and per IP in the store; past the policy, requests are
 * refused with 429 and Retry-After before the provider checks any secret.
 */
export function clientAuthThrottle(throttle: Throttle): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !GUARDED.has(ctx.path)) return next();
    const clientId = basicClientId(ctx.get('authorization') || undefined);
    const keys = clientAuthKeys(clientId, ctx.ip);
    const checked = await throttle.check(keys);
    const { wait } = checked;
    if (wait > 0) {
      ctx.status = 429;
      ctx.set('Retry-After', String(wait));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: `too many failed client authentications; retry after ${wait} seconds`,
      };
      return;
    }
    await next();
    const error = ctx.body && typeof ctx.body === 'object' ? (ctx.body as { error?: unknown }).error : undefined;
    if (ctx.status === 401 && error === 'invalid_client') {
      await throttle.fail(keys);
    } else if (ctx.status < 400 && clientId) {
      await throttle.succeed(keys.slice(0, 1), checked);
    }
  };
}
