import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { chooseLanguage } from '../../i18n/negotiate.js';
import { isLanguage, type Language } from '../../i18n/translator.js';

/** The language switcher's cookie: a preference, not a secret, so plain (a forged one picks a language). */
export const LANGUAGE_COOKIE = 'signet_lang';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** Only a single short string is a hint; anything else (a repeated parameter, a huge header) is none. */
const Hint = z.string().max(500).optional().catch(undefined);

/** The language a request's page is drawn in, once the language middleware has run. */
export function languageOf(ctx: Pick<Context, 'state'>): Language {
  const lang: unknown = (ctx.state as { lang?: unknown }).lang;
  return isLanguage(lang) ? lang : 'en';
}

/**
 * Sets ctx.state.lang for every request: an explicit `ui_locales` in the query, then the switcher's
 * cookie, then Accept-Language. Interaction pages put the OIDC request's own ui_locales first where
 * they render (the authorization request is not this request).
 */
export function language(): Middleware {
  return async (ctx, next) => {
    (ctx.state as { lang?: Language }).lang = chooseLanguage({
      uiLocales: Hint.parse(ctx.query.ui_locales),
      cookie: Hint.parse(ctx.cookies.get(LANGUAGE_COOKIE)),
      acceptLanguage: Hint.parse(ctx.get('Accept-Language') || undefined),
    });
    await next();
  };
}

/** Remembers a person's choice for a year, on every path of this origin. */
export function rememberLanguage(ctx: Context, lang: Language, secure: boolean): void {
  // The cookies module refuses Secure on a request it believes is plain http; the issuer decides here.
  if (secure) ctx.cookies.secure = true;
  ctx.cookies.set(LANGUAGE_COOKIE, lang, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: ONE_YEAR_MS,
    overwrite: true,
    signed: false,
  });
}
