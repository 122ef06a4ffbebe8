import type { Context, Middleware } from 'koa';
import { AppError } from '../errors.js';
import type { AppKind, AppSessions, LiveAppSession } from '../sessions/app-sessions.js';
import type { AppCookie } from './app-cookie.js';
import { checkCsrf } from './middleware/csrf.js';

export interface AppSessionGuard {
  /** The signed-in session, or undefined (its cookie cleared) when there is none that still holds. */
  current: (ctx: Context) => Promise<LiveAppSession | undefined>;
  /**
   * Every form: first the session (an ended one gets the friendly "sign in again", whatever the form
   * sent), then a CSRF token bound to that very session.
   */
  signedInForm: Middleware;
  /** The session signedInForm found. */
  signedIn: (ctx: Context) => LiveAppSession;
  /** What a CSRF token of this page is bound to. */
  csrfBinding: (id: string) => string;
}

/** The session handling the account page and the demo app share: one cookie, one session, bound forms. */
export function appSessionGuard(
  kind: AppKind,
  sessions: AppSessions,
  cookie: AppCookie,
  ended: string,
): AppSessionGuard {
  const state = `${kind}Session`;
  const csrfBinding = (id: string) => `${kind}:${id}`;
  const current = async (ctx: Context) => {
    const id = cookie.get(ctx);
    const session = id ? await sessions.use(kind, id) : undefined;
    if (id && !session) cookie.clear(ctx);
    return session;
  };
  return {
    current,
    csrfBinding,
    async signedInForm(ctx, next) {
      const session = await current(ctx);
      if (!session) throw new AppError('login_required', ended, 401);
      checkCsrf(ctx, csrfBinding(session.id));
      ctx.state[state] = session;
      await next();
    },
    signedIn: (ctx) => ctx.state[state] as LiveAppSession,
  };
}
