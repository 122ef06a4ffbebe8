import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { RequestContext } from '../../observability/request-context.js';
import type { Metrics } from '../../observability/metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A name for the route that cannot explode the label space: ours from the router, the provider's own. */
function routeOf(ctx: Parameters<Middleware>[0]): string {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  const oidcRoute = (ctx as { oidc?: { route?: unknown } }).oidc?.route;
  return typeof oidcRoute === 'string' ? `oidc:${oidcRoute}` : 'other';
}

/**
 * Request ids (X-Request-Id: a caller's well-formed one, else a fresh UUID) on the response, in every
 * log line and audit event written while serving it (through the request context), and request counts
 * and latency for /metrics.
 */
export function observeRequests(metrics: Metrics, context: RequestContext): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const id = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    const stop = metrics.latency.startTimer();
    try {
      await context.run({ requestId: id }, next);
    } finally {
      const route = routeOf(ctx);
      stop({ route, method: ctx.method });
      metrics.requests.inc({ route, method: ctx.method, status: String(ctx.status) });
    }
  };
}
