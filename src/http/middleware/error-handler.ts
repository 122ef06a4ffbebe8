import { HttpError, type Context, type Middleware } from 'koa';
import { errors } from 'oidc-provider';
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import type { Translate } from '../../i18n/translator.js';
import type { Views } from '../views.js';
import { errorView, type ErrorView } from '../view-models/error-view.js';

export interface Described {
  status: number;
  code: string;
  description: string | null;
  /** The description is one of our sentences for people, not a library's technical text. */
  plainWords?: boolean;
}

/**
 * Our AppErrors, oidc-provider's OIDCProviderErrors (its calls from our routes), Koa's HTTP errors (a
 * router's 405, a parser's 413), or anything else: a bug, told to nobody but the log.
 */
export function describeError(err: unknown): Described {
  if (err instanceof AppError) {
    return {
      status: err.status,
      code: err.code,
      description: err.expose ? err.description : null,
      plainWords: err.expose,
    };
  }
  if (err instanceof errors.OIDCProviderError) {
    if (!err.expose) return { status: 500, code: 'server_error', description: null };
    return { status: err.statusCode, code: err.error, description: err.error_description ?? null };
  }
  if (err instanceof HttpError && err.status < 500) {
    return { status: err.status, code: 'invalid_request', description: null };
  }
  return { status: 500, code: 'server_error', description: null };
}

/**
 * HTML only for a client that prefers it (a browser's navigation lists text/html first); a wildcard
 * Accept, none at all, or application/json get JSON. The one rule for every error page Signet draws.
 */
export function wantsHtml(ctx: Pick<Context, 'accepts'>): boolean {
  return ctx.accepts('json', 'html') === 'html';
}

/** Where a person can go on from an error on this path. */
function wayForward(path: string, t: Translate): ErrorView['action'] {
  if (path === '/account' || path.startsWith('/account/'))
    return { href: '/account', label: t('common:accountPageLink') };
  if (path === '/demo' || path.startsWith('/demo/')) return { href: '/demo', label: t('common:backToDemo') };
  return { href: '/', label: t('common:homePage') };
}

/** An error as a page (for browsers) or OAuth-style JSON (for everything else). */
export function respondWithError(ctx: Context, views: Views, d: Described): void {
  ctx.status = d.status;
  ctx.set('Cache-Control', 'no-store');
  if (wantsHtml(ctx)) {
    ctx.type = 'html';
    const t = views.translate(views.language(ctx));
    ctx.body = views.page(ctx, 'error', errorView({ ...d, action: wayForward(ctx.path, t) }, t, views.translate('en')));
  } else {
    ctx.body = { error: d.code, ...(d.description ? { error_description: d.description } : {}) };
  }
}

/**
 * The one translator from errors to responses for our routes: a friendly page for browsers, OAuth-style
 * JSON for everything else. 5xx details go to the log, never to the client. A path nobody answered is
 * a 404 in the same two forms.
 */
export function errorHandler(views: Views, logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // oidc-provider answers a store outage itself (503 temporarily_unavailable); tell clients when to retry.
      if (ctx.status === 503 && !ctx.response.get('Retry-After')) ctx.set('Retry-After', '5');
      if (ctx.status === 404 && ctx.body == null) {
        respondWithError(ctx, views, {
          status: 404,
          code: 'not_found',
          description: 'No page or endpoint at this address.',
        });
      }
    } catch (err) {
      const d = describeError(err);
      // A 503 is an outage the store guard has already logged once; logging each request would flood.
      if (d.status >= 500 && d.status !== 503)
        logger.error({ err, path: ctx.path, requestId: ctx.state.requestId }, 'request failed');
      respondWithError(ctx, views, d);
      if (d.status === 503) ctx.set('Retry-After', '5');
    }
  };
}
