import type Router from '@koa/router';
import type { AllowedMethodsOptions } from '@koa/router';
import compose from 'koa-compose';
import type { Middleware } from 'koa';

/** The first path segment of a route, or undefined when it is a pattern (which the gate refuses). */
function literalFirstSegment(path: string | RegExp): string | undefined {
  if (typeof path !== 'string') return undefined;
  const segment = path.split('/')[1] ?? '';
  return /[:(*{?]/.test(segment) ? undefined : segment;
}

function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

/**
 * Our routers in one middleware that only requests for our paths enter. Everything else (the token,
 * introspection and userinfo endpoints above all, the busiest of all) goes straight on to the provider
 * instead of walking every router's route matching and allowedMethods first. The segments are read
 * from the routers themselves, so a new route is gated correctly without a list to keep in step.
 *
 * A route whose first segment is a pattern could match any path, and the gate would have to let every
 * request in: the slowdown would be silent, so such a route is refused when the app is built instead.
 */
export function routeGate(routers: readonly Router[], allowedMethods: AllowedMethodsOptions): Middleware {
  const chain = compose(
    routers.flatMap((router) => [router.routes(), router.allowedMethods(allowedMethods)]),
  ) as Middleware;
  const segments = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      // A router's own middleware (router.use) runs only for a request one of its routes matches, so
      // it never widens the paths the router answers; its path, under a prefix, is a regular
      // expression (`/account(?:\/|$)`) that would otherwise read as a pattern.
      if (layer.methods.length === 0) continue;
      const segment = literalFirstSegment(layer.path);
      if (segment === undefined) {
        throw new Error(`route ${String(layer.path)}: its first path segment must be literal for the route gate`);
      }
      segments.add(segment);
    }
  }
  return async (ctx, next) => {
    if (segments.has(firstSegment(ctx.path))) await chain(ctx, next);
    else await next();
  };
}
