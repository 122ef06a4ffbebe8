import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountService } from '../../accounts/account-service.js';
import { AppError } from '../../errors.js';
import type { AccountOverview } from '../../oidc/account-overview.js';
import type { AccountSecurity } from '../../oidc/account-security.js';
import type { AppSessions } from '../../oidc/app-sessions.js';
import type { InProcessRelyingParty } from '../relying-party.js';
import { csrfToken, verifyCsrf } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import { requestOrigin } from '../request-info.js';
import { accountView } from '../view-models/account-view.js';
import type { Views } from '../views.js';

export interface AccountRouteDeps {
  accounts: AccountService;
  security: AccountSecurity;
  overview: AccountOverview;
  sessions: AppSessions;
  relyingParty: InProcessRelyingParty;
  views: Views;
  /** The provider's session cookie name, to mark "this device" in the list. */
  providerSessionCookie: string;
}

const SESSION_COOKIE = 'signet.account';
const PENDING_COOKIE = 'signet.account.login';

/**
 * /account: a first-party relying party that signs in through Signet's own authorization endpoint.
 * The browser holds only an opaque, HttpOnly session cookie; the id_token stays on the server.
 */
export function accountRoutes(deps: AccountRouteDeps): Router {
  const { views } = deps;
  const router = new Router({ prefix: '/account' });
  router.use(noStore);
  const cookie = (ctx: Context) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/account', overwrite: true });

  /** The signed-in account, or undefined after clearing a session that no longer holds. */
  const current = async (ctx: Context) => {
    const id = ctx.cookies.get(SESSION_COOKIE, { signed: true });
    const session = id ? await deps.sessions.use('account', id) : undefined;
    const account = session ? await deps.accounts.findById(session.accountId) : undefined;
    if (!id || !session || !account || account.disabled) {
      if (id) await deps.sessions.destroy(id);
      return undefined;
    }
    return { id, session, account };
  };

  const requireSignedIn = async (ctx: Context) => {
    const signedIn = await current(ctx);
    if (!signedIn) throw new AppError('login_required', 'Your account session has ended. Open your account page to sign in again.', 401);
    return signedIn;
  };

  const signIn = async (ctx: Context) => {
    const { url, pending } = await deps.relyingParty.start();
    ctx.cookies.set(PENDING_COOKIE, await deps.sessions.savePending(pending), { ...cookie(ctx), maxAge: 600_000 });
    ctx.status = 303;
    ctx.redirect(url);
  };

  router.get('/', async (ctx) => {
    const signedIn = await current(ctx);
    if (!signedIn) return signIn(ctx);
    const { account } = signedIn;
    const [sessions, apps, notices] = await Promise.all([
      deps.overview.sessions(account.id),
      deps.overview.apps(account.id),
      deps.overview.notices(account.id),
    ]);
    const flash = typeof ctx.query.done === 'string' ? ctx.query.done : undefined;
    ctx.type = 'html';
    ctx.body = views.render(
      'account/index',
      accountView({
        account,
        sessions,
        currentSessionId: ctx.cookies.get(deps.providerSessionCookie) ?? undefined,
        apps,
        notices,
        flash,
        csrf: csrfToken(ctx),
      }),
    );
  });

  router.get('/callback', async (ctx) => {
    const pendingId = ctx.cookies.get(PENDING_COOKIE, { signed: true });
    ctx.cookies.set(PENDING_COOKIE, null, cookie(ctx));
    const pending = pendingId ? await deps.sessions.takePending(pendingId) : undefined;
    if (!pending) throw new AppError('invalid_request', 'This sign-in link has expired or was already used. Open your account page again.', 400);
    if (typeof ctx.query.error === 'string') {
      throw new AppError(ctx.query.error, 'Signing in to your account page did not complete.', 400);
    }
    let result;
    try {
      result = await deps.relyingParty.finish(new URL(ctx.originalUrl, deps.relyingParty.redirectUri), pending);
    } catch {
      throw new AppError('invalid_grant', 'Signing in to your account page did not complete. Please try again.', 400);
    }
    const id = await deps.sessions.create('account', { accountId: result.sub, idToken: result.idToken });
    ctx.cookies.set(SESSION_COOKIE, id, cookie(ctx));
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/sessions/:id/end', formBody, verifyCsrf, async (ctx) => {
    const { account } = await requireSignedIn(ctx);
    await deps.security.endSession(account, ctx.params.id ?? '', { via: 'account-page', ...requestOrigin(ctx) });
    ctx.status = 303;
    ctx.redirect('/account?done=session');
  });

  router.post('/apps/:clientId/revoke', formBody, verifyCsrf, async (ctx) => {
    const { account } = await requireSignedIn(ctx);
    await deps.security.revokeApps(account, ctx.params.clientId ?? '', { via: 'account-page', ...requestOrigin(ctx) });
    ctx.status = 303;
    ctx.redirect('/account?done=app');
  });

  router.post('/password', formBody, verifyCsrf, async (ctx) => {
    const { account } = await requireSignedIn(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
    if (!(await deps.accounts.verifyPassword(account.id, text('current_password')))) {
      throw new AppError('invalid_request', 'The current password is not correct. Nothing was changed.', 400);
    }
    if (text('new_password') !== text('confirm_password')) {
      throw new AppError('invalid_request', 'The new passwords do not match. Nothing was changed.', 400);
    }
    await deps.security.setPassword(account, text('new_password'), { via: 'account-page', ...requestOrigin(ctx) });
    ctx.status = 303;
    ctx.redirect('/account?done=password');
  });

  router.post('/logout', formBody, verifyCsrf, async (ctx) => {
    const signedIn = await current(ctx);
    ctx.cookies.set(SESSION_COOKIE, null, cookie(ctx));
    if (!signedIn) {
      ctx.status = 303;
      ctx.redirect('/account/signed-out');
      return;
    }
    await deps.sessions.destroy(signedIn.id);
    ctx.status = 303;
    ctx.redirect(await deps.relyingParty.logoutUrl(signedIn.session.idToken));
  });

  router.get('/signed-out', (ctx) => {
    ctx.type = 'html';
    ctx.body = views.render('logged-out', { title: 'Signed out', clientName: null });
  });

  return router;
}
