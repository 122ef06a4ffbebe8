import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AccountService } from '../../accounts/account-service.js';
import { AppError, ValidationError } from '../../errors.js';
import type { AccountOverview } from '../../accounts/account-overview.js';
import { ACCOUNT_CLIENT_ID } from '../../clients/first-party-clients.js';
import type { AccountSecurity } from '../../accounts/account-security.js';
import type { AppSessions, LiveAppSession } from '../../sessions/app-sessions.js';
import type { InProcessRelyingParty } from '../../sessions/relying-party.js';
import { appCookie } from '../app-cookie.js';
import { appSessionGuard } from '../app-session-guard.js';
import { checkCsrf, csrfToken } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import { requestOrigin } from '../request-info.js';
import { accountView, revokeView, type AccountView } from '../view-models/account-view.js';
import { wayBack } from '../view-models/logout-view.js';
import type { Views } from '../views.js';

export interface AccountRouteDeps {
  accounts: AccountService;
  security: AccountSecurity;
  overview: AccountOverview;
  sessions: AppSessions;
  relyingParty: InProcessRelyingParty;
  views: Views;
  /** Decides the cookies' names and attributes (Secure and `__Host-` with an https issuer). */
  issuer: string;
}

/** A flash the page knows (`?done=`): carried across a sign-in that interrupted it, nothing else. */
const doneSchema = z.string().regex(/^[a-z]{1,20}$/);

const dismissForm = z.object({ up_to: z.coerce.number().int().nonnegative().catch(0) }).catch({ up_to: 0 });

const passwordForm = z
  .object({
    current_password: z.string().catch(''),
    new_password: z.string().catch(''),
    confirm_password: z.string().catch(''),
  })
  .catch({ current_password: '', new_password: '', confirm_password: '' });

/**
 * /account: a first-party relying party that signs in through Signet's own authorization endpoint.
 * The browser holds only an opaque, HttpOnly session cookie; the id_token stays on the server. The
 * session lives no longer than the provider session and the password it was signed in with
 * (sessions/app-sessions.ts): when either ends, the next request here starts a fresh sign-in.
 */
export function accountRoutes(deps: AccountRouteDeps): Router {
  const { views } = deps;
  const router = new Router({ prefix: '/account' });
  router.use(noStore);
  const sessionCookie = appCookie(deps.issuer, 'signet.account', '/account');
  const pendingCookie = appCookie(deps.issuer, 'signet.account.login', '/account');

  const { current, signedInForm, signedIn, csrfBinding } = appSessionGuard(
    'account',
    deps.sessions,
    sessionCookie,
    'Your account session has ended. Open your account page to sign in again.',
  );

  const signIn = async (ctx: Context, done: string | undefined) => {
    const { url, pending } = await deps.relyingParty.start();
    pendingCookie.set(ctx, await deps.sessions.savePending({ ...pending, ...(done ? { done } : {}) }), 600_000);
    ctx.status = 303;
    ctx.redirect(url);
  };

  const renderPage = async (
    ctx: Context,
    session: LiveAppSession,
    flash: string | undefined,
    passwordError: AccountView['passwordError'] = null,
  ) => {
    const { account } = session;
    const [sessions, apps, notices] = await Promise.all([
      deps.overview.sessions(account.id),
      deps.overview.apps(account.id),
      deps.overview.notices(account.id),
    ]);
    ctx.type = 'html';
    ctx.body = views.render(
      'account/index',
      accountView({
        account,
        sessions,
        // The provider session this page is bound to: the one this device signed in with.
        currentSessionId: session.providerSessionId,
        apps,
        notices,
        flash,
        passwordError,
        csrf: csrfToken(ctx, csrfBinding(session.id)),
        now: views.now(),
      }),
    );
  };

  router.get('/', async (ctx) => {
    const done = doneSchema.safeParse(ctx.query.done).data;
    const session = await current(ctx);
    if (!session) return signIn(ctx, done);
    await renderPage(ctx, session, done);
  });

  router.get('/callback', async (ctx) => {
    const pendingId = pendingCookie.get(ctx);
    pendingCookie.clear(ctx);
    const pending = pendingId ? await deps.sessions.takePending(pendingId) : undefined;
    if (!pending)
      throw new AppError(
        'invalid_request',
        'This sign-in link has expired or was already used. Open your account page again.',
        400,
      );
    if (typeof ctx.query.error === 'string') {
      throw new AppError(
        ctx.query.error === 'access_denied' ? 'access_denied' : 'login_required',
        'Signing in to your account page did not complete.',
        400,
      );
    }
    let result;
    try {
      result = await deps.relyingParty.finish(new URL(ctx.originalUrl, deps.relyingParty.redirectUri), pending);
    } catch {
      throw new AppError('invalid_grant', 'Signing in to your account page did not complete. Please try again.', 400);
    }
    const id = await deps.sessions.create('account', {
      accountId: result.sub,
      clientId: deps.relyingParty.clientId,
      idToken: result.idToken,
      claims: result.claims,
      accessToken: result.accessToken,
    });
    if (!id)
      throw new AppError(
        'login_required',
        'Your sign-in ended before the account page opened. Open your account page to sign in again.',
        401,
      );
    sessionCookie.set(ctx, id);
    ctx.status = 303;
    ctx.redirect(pending.done ? `/account?done=${pending.done}` : '/account');
  });

  router.post('/notices/dismiss', formBody, signedInForm, async (ctx) => {
    const { account } = signedIn(ctx);
    const { up_to: upTo } = dismissForm.parse(ctx.request.body ?? {});
    await deps.overview.dismissNotices(account.id, Math.min(upTo, views.now()), requestOrigin(ctx));
    ctx.status = 303;
    ctx.redirect('/account?done=notices');
  });

  // Before /sessions/:id/end, which would otherwise take "others" for a session id.
  router.post('/sessions/others/end', formBody, signedInForm, async (ctx) => {
    const { account, providerSessionId } = signedIn(ctx);
    for (const s of await deps.overview.sessions(account.id)) {
      if (s.id !== providerSessionId)
        await deps.security.endSession(account, s.id, { via: 'account-page', ...requestOrigin(ctx) });
    }
    ctx.status = 303;
    ctx.redirect('/account?done=others');
  });

  router.post('/sessions/:id/end', formBody, signedInForm, async (ctx) => {
    const { account } = signedIn(ctx);
    await deps.security.endSession(account, ctx.params.id ?? '', { via: 'account-page', ...requestOrigin(ctx) });
    ctx.status = 303;
    ctx.redirect('/account?done=session');
  });

  // "Revoke access?" first: a page of its own, so the confirmation needs no script.
  router.get('/apps/:clientId/revoke', async (ctx) => {
    const session = await current(ctx);
    if (!session) return signIn(ctx, undefined);
    const app = (await deps.overview.apps(session.account.id)).find((a) => a.clientId === ctx.params.clientId);
    if (!app) {
      ctx.status = 303;
      ctx.redirect('/account');
      return;
    }
    ctx.type = 'html';
    ctx.body = views.render('account/revoke', revokeView(app, csrfToken(ctx, csrfBinding(session.id)), views.now()));
  });

  router.post('/apps/:clientId/revoke', formBody, signedInForm, async (ctx) => {
    const { account } = signedIn(ctx);
    await deps.security.revokeApps(account, ctx.params.clientId ?? '', { via: 'account-page', ...requestOrigin(ctx) });
    ctx.status = 303;
    ctx.redirect('/account?done=app');
  });

  router.post('/password', formBody, signedInForm, async (ctx) => {
    const session = signedIn(ctx);
    const form = passwordForm.parse(ctx.request.body ?? {});
    // A refusal keeps the person on the page, the message beside the field it is about.
    const refuse = (field: 'current_password' | 'new_password' | 'confirm_password', message: string) => {
      ctx.status = 400;
      return renderPage(ctx, session, undefined, { field, message });
    };
    if (!(await deps.accounts.verifyPassword(session.account.id, form.current_password))) {
      return refuse('current_password', 'The current password is not correct. Nothing was changed.');
    }
    if (form.new_password !== form.confirm_password) {
      return refuse('confirm_password', 'The new passwords do not match. Nothing was changed.');
    }
    try {
      await deps.security.setPassword(session.account, form.new_password, {
        via: 'account-page',
        ...requestOrigin(ctx),
      });
    } catch (err) {
      if (err instanceof ValidationError) return refuse('new_password', `The new ${err.message}. Nothing was changed.`);
      throw err;
    }
    // A new password ends every session, this one included: the flash waits for the sign-in with it.
    await deps.sessions.destroy(session.id);
    sessionCookie.clear(ctx);
    ctx.status = 303;
    ctx.redirect('/account?done=password');
  });

  router.post('/logout', formBody, async (ctx) => {
    const session = await current(ctx);
    if (!session) {
      // Nothing to end here (maybe Signet's own session is still there: the end-session page asks).
      ctx.status = 303;
      ctx.redirect('/account/signed-out');
      return;
    }
    checkCsrf(ctx, csrfBinding(session.id));
    sessionCookie.clear(ctx);
    await deps.sessions.destroy(session.id);
    ctx.status = 303;
    ctx.redirect(await deps.relyingParty.logoutUrl(session.idToken));
  });

  router.get('/signed-out', (ctx) => {
    ctx.type = 'html';
    ctx.body = views.render('logged-out', {
      title: 'Signed out',
      clientName: null,
      back: wayBack({ clientId: ACCOUNT_CLIENT_ID }),
    });
  });

  return router;
}
