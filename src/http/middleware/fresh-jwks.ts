import type { Middleware } from 'koa';

/**
 * The JWKS is served from what this node last read of the key store; a key made current at once on
 * another node (keys rotate --now) must be published here as soon as a relying party may look for it,
 * so the store is re-read first (the refresher limits how often, see key-refresher.ts).
 */
export function freshJwks(reread: () => Promise<void>): Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/jwks' && (ctx.method === 'GET' || ctx.method === 'HEAD')) await reread();
    await next();
  };
}
