import type { Context } from 'koa';
import type { LiveAppSession } from '../../sessions/app-sessions.js';
import type { AppCookie } from '../app-cookie.js';
import type { AppSessionGuard } from '../app-session-guard.js';
import { csrfToken } from '../middleware/csrf.js';
import type { Language, Translate } from '../../i18n/translator.js';
import { timeView } from '../view-models/time-view.js';
import type { DemoDeps } from './demo-routes.js';

/** What every /demo route works with: its deps and its session. */
export interface DemoApp {
  deps: DemoDeps;
  sessionCookie: AppCookie;
  guard: AppSessionGuard;
}

/** The id_token's times (seconds since the epoch), said as dates beside the raw claims (`demo:claimTime`). */
const TIME_CLAIMS = ['auth_time', 'iat', 'exp'] as const;
const claimTimes = (claims: Record<string, unknown>, now: number, lang: Language, t: Translate) =>
  TIME_CLAIMS.flatMap((claim) => {
    const seconds = claims[claim];
    return typeof seconds === 'number' && Number.isFinite(seconds)
      ? [{ claim, label: t(`demo:claimTime.${claim}`), t: timeView(seconds * 1000, now, lang, t) }]
      : [];
  });

/** The userinfo answer, pretty-printed, and the email in it when the id_token had none. */
async function userinfoOf(app: DemoApp, session: LiveAppSession | undefined, t: Translate) {
  // With an access token issued, the email is a userinfo claim, not an id_token one (OIDC Core 5.4).
  const email: unknown = session?.claims.email;
  if (!session?.tokens) return { userinfo: '', email };
  try {
    const answer = await app.deps.relyingParty.userinfo(session.tokens.accessToken, session.account.id);
    return { userinfo: JSON.stringify(answer, null, 2), email: email ?? answer.email };
  } catch (err) {
    return {
      userinfo: t('demo:tokenFailed', { reason: (err as Error).message }),
      email,
    };
  }
}

/** The demo app's one page: who is signed in, the id_token's claims, the userinfo answer. */
export async function demoPage(app: DemoApp, ctx: Context, done: 'refreshed' | undefined): Promise<void> {
  const { views } = app.deps;
  const session = await app.guard.current(ctx);
  const lang = views.language(ctx);
  const t = views.translate(lang);
  const { userinfo, email } = await userinfoOf(app, session, t);
  const sub = session?.claims.sub;
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'demo/index', {
    title: t('demo:title'),
    signedIn: Boolean(session),
    claims: session?.claims ?? {},
    who: typeof email === 'string' ? email : typeof sub === 'string' ? sub : '',
    userinfo,
    expiresAt: session?.tokens ? timeView(session.tokens.expiresAt, views.now(), lang, t) : null,
    claimTimes: claimTimes(session?.claims ?? {}, views.now(), lang, t),
    hasRefresh: Boolean(session?.tokens?.refreshToken),
    flash: done === 'refreshed' ? t('demo:refreshed') : null,
    csrf: session ? csrfToken(ctx, app.guard.csrfBinding(session.id)) : '',
  });
}
