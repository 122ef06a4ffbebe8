import type { Middleware } from 'koa';

const DISCOVERY = '/.well-known/openid-configuration';

/**
 * Discovery is the same for every request now that its URLs come from ISSUER alone, so a shared cache
 * may keep it; five minutes keeps a configuration change visible soon after a restart.
 */
export const discoveryCache: Middleware = async (ctx, next) => {
  await next();
  if (ctx.path === DISCOVERY && ctx.method === 'GET' && ctx.status === 200) {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.remove('Pragma');
  }
};
