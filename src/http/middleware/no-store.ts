import type { Middleware } from 'koa';

/** Pages that show or carry credentials must never be cached by a browser or proxy. */
export const noStore: Middleware = async (ctx, next) => {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  await next();
};
