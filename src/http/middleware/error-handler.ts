import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import type { Views } from '../views.js';
import { errorView } from '../view-models/error-view.js';

interface Described {
  status: number;
  code: string;
  description: string | null;
}

/** Our AppErrors, oidc-provider's OIDCProviderErrors (thrown from our routes), or anything else (a bug). */
function describe(err: unknown): Described {
  if (err instanceof AppError) {
    return { status: err.status, code: err.code, description: err.expose ? err.message : null };
  }
  const e = err as { status?: unknown; statusCode?: unknown; error?: unknown; error_description?: unknown; expose?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  if ((status < 500 || e.expose === true) && typeof e.error === 'string') {
    return { status, code: e.error, description: typeof e.error_description === 'string' ? e.error_description : null };
  }
  if (status < 500) return { status, code: 'invalid_request', description: null };
  return { status: 500, code: 'server_error', description: null };
}

/**
 * The one translator from errors to responses for our routes: a friendly page for browsers, OAuth-style
 * JSON for everything else. 5xx details go to the log, never to the client.
 */
export function errorHandler(views: Views, logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // oidc-provider answers a store outage itself (503 temporarily_unavailable); tell clients when to retry.
      if (ctx.status === 503 && !ctx.response.get('Retry-After')) ctx.set('Retry-After', '5');
    } catch (err) {
      const d = describe(err);
      // A 503 is an outage the store guard has already logged once; logging each request would flood.
      if (d.status >= 500 && d.status !== 503) logger.error({ err, path: ctx.path, requestId: ctx.state.requestId }, 'request failed');
      ctx.status = d.status;
      ctx.set('Cache-Control', 'no-store');
      if (d.status === 503) ctx.set('Retry-After', '5');
      if (ctx.accepts('html', 'json') === 'html') {
        const view = errorView(d.status, d.code, d.description);
        ctx.type = 'html';
        ctx.body = views.render('error', view);
      } else {
        ctx.body = { error: d.code, ...(d.description ? { error_description: d.description } : {}) };
      }
    }
  };
}
