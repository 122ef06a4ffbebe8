import Router from '@koa/router';
import { z } from 'zod';
import { LANGUAGES } from '../../i18n/translator.js';
import { guard } from '../guard.js';
import { rememberLanguage } from '../middleware/language.js';

/** The longest way back that is kept; a longer one is not a page of ours. */
const RETURN_TO_MAX = 2000;

const LanguageQuery = z.object({
  lang: z.enum(LANGUAGES),
  return_to: z.string().max(RETURN_TO_MAX).optional().catch(undefined),
});

/**
 * Where the switcher may send the browser back to: a path of this origin only. `//host`, `/\host`,
 * a scheme or control characters would let a link through /language lead off-site (an open
 * redirect), so anything but a plain absolute path is home instead.
 */
export function sameSitePath(returnTo: string | undefined, issuer: string): string {
  if (!returnTo?.startsWith('/') || returnTo.startsWith('//')) return '/';
  // Printable ASCII without a backslash: a URL's path as the browser sent it is percent-encoded anyway.
  if (!/^\/[\x21-\x5b\x5d-\x7e]*$/.test(returnTo)) return '/';
  const origin = new URL(issuer).origin;
  const resolved = new URL(returnTo, origin);
  if (resolved.origin !== origin) return '/';
  return `${resolved.pathname}${resolved.search}`;
}

/** GET /language?lang=ko&return_to=/path: the switcher on every page sets its cookie and goes back. */
export function languageRoutes(issuer: string): Router {
  const router = new Router();
  const secure = new URL(issuer).protocol === 'https:';
  const input = guard({ query: LanguageQuery });
  router.get('/language', input, (ctx) => {
    const { lang, return_to } = input.read(ctx).query;
    rememberLanguage(ctx, lang, secure);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    ctx.redirect(sameSitePath(return_to, issuer));
  });
  return router;
}
