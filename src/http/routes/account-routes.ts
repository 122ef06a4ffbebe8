import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { ACCOUNT_CLIENT_ID } from '../../clients/first-party-clients.js';
import { CallbackQuery } from '../app-sign-in.js';
import { guard } from '../guard.js';
import { checkCsrf, csrfToken } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import { requestOrigin } from '../request-info.js';
import { PROFILE_FIELDS, profileChanges, revokeView, type ProfileForm } from '../view-models/account-view.js';
import { wayBack } from '../view-models/logout-view.js';
import { sayReason } from '../view-models/validation-text.js';
import { emailRoutes } from './account-email-routes.js';
import { passkeyAccountRoutes } from './account-passkey-routes.js';
import { twoStepAccountRoutes } from './account-two-step-routes.js';
import { checkPassword, seeOther, tr, via } from './account-forms.js';
import { accountPage, type AccountPage, type AccountRouteDeps } from './account-page.js';

export type { AccountRouteDeps } from './account-page.js';

/** A flash the page knows (`?done=`): carried across a sign-in that interrupted it; anything else is no flash. */
const pageInput = guard({
  query: z.object({
    done: z
      .string()
      .regex(/^[a-z]{1,20}$/)
      .optional()
      .catch(undefined),
  }),
});
const callbackInput = guard({ query: CallbackQuery });
const dismissInput = guard({
  body: z.object({ up_to: z.coerce.number().int().nonnegative().catch(0) }),
});
const sessionInput = guard({ params: z.object({ id: z.string().min(1) }) });
const appInput = guard({ params: z.object({ clientId: z.string().min(1) }) });
/** A field left out reads as empty: the page then says which one is wrong, beside it. */
const passwordInput = guard({
  body: z.object({
    current_password: z.string().catch(''),
    new_password: z.string().catch(''),
    confirm_password: z.string().catch(''),
  }),
});

/** Every profile field as text; one left out or sent twice reads as empty (not set). */
const profileInput = guard({
  body: z.object(
    Object.fromEntries(PROFILE_FIELDS.map((f) => [f, z.string().max(4096).catch('')])) as {
      [K in (typeof PROFILE_FIELDS)[number]]: z.ZodCatch<z.ZodString>;
    },
  ),
});

const deleteInput = guard({ body: z.object({ password: z.string().catch('') }) });

async function openPage(page: AccountPage, ctx: Context): Promise<void> {
  const { done } = pageInput.read(ctx).query;
  const session = await page.guard.current(ctx);
  if (!session) return page.signIn.start(ctx, { done });
  await page.render(ctx, session, done);
}

async function callback(page: AccountPage, ctx: Context): Promise<void> {
  const { done } = await page.signIn.finish(ctx, callbackInput.read(ctx).query);
  seeOther(ctx, done ? `/account?done=${done}` : '/account');
}

async function dismissNotices(page: AccountPage, ctx: Context): Promise<void> {
  const { account } = page.guard.signedIn(ctx);
  const { up_to: upTo } = dismissInput.read(ctx).body;
  const { overview, views } = page.deps;
  await overview.dismissNotices(account.id, Math.min(upTo, views.now()), requestOrigin(ctx));
  seeOther(ctx, '/account?done=notices');
}

async function endOtherSessions(page: AccountPage, ctx: Context): Promise<void> {
  const { account, providerSessionId } = page.guard.signedIn(ctx);
  for (const s of await page.deps.overview.sessions(account.id)) {
    if (s.id !== providerSessionId) await page.deps.security.endSession(account, s.id, via(ctx));
  }
  seeOther(ctx, '/account?done=others');
}

async function endSession(page: AccountPage, ctx: Context): Promise<void> {
  const { account } = page.guard.signedIn(ctx);
  await page.deps.security.endSession(account, sessionInput.read(ctx).params.id, via(ctx));
  seeOther(ctx, '/account?done=session');
}

/** "Revoke access?" first: a page of its own, so the confirmation needs no script. */
async function revokePage(page: AccountPage, ctx: Context): Promise<void> {
  const session = await page.guard.current(ctx);
  if (!session) return page.signIn.start(ctx);
  const { clientId } = appInput.read(ctx).params;
  const app = (await page.deps.overview.apps(session.account.id)).find((a) => a.clientId === clientId);
  if (!app) {
    seeOther(ctx, '/account');
    return;
  }
  const { views } = page.deps;
  const lang = views.language(ctx);
  const csrf = csrfToken(ctx, page.guard.csrfBinding(session.id));
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/revoke', revokeView(app, csrf, views.now(), lang, views.translate(lang)));
}

async function revokeApp(page: AccountPage, ctx: Context): Promise<void> {
  const { account } = page.guard.signedIn(ctx);
  await page.deps.security.revokeApps(account, appInput.read(ctx).params.clientId, via(ctx));
  seeOther(ctx, '/account?done=app');
}

async function changePassword(page: AccountPage, ctx: Context): Promise<void> {
  const session = page.guard.signedIn(ctx);
  const form = passwordInput.read(ctx).body;
  const t = tr(page.deps.views, ctx);
  // A refusal keeps the person on the page, the message beside the field it is about.
  const refuse = (field: 'current_password' | 'new_password' | 'confirm_password', message: string) => {
    ctx.status = 400;
    return page.render(ctx, session, undefined, { field, message });
  };
  const showWait = (message: string) => page.render(ctx, session, undefined, { field: 'current_password', message });
  const verdict = await checkPassword(page, ctx, session.account, form.current_password, showWait);
  if (verdict === 'waiting') return;
  if (verdict === 'wrong') return refuse('current_password', t('account:password.wrong'));
  if (form.new_password !== form.confirm_password) return refuse('confirm_password', t('account:password.mismatch'));
  const { account } = session;
  const problem = await page.deps.judgePassword(form.new_password, {
    email: account.email,
    ...(account.name ? { name: account.name } : {}),
  });
  if (problem) return refuse('new_password', t(`codes:password.${problem}`));
  try {
    await page.deps.security.setPassword(session.account, form.new_password, via(ctx));
  } catch (err) {
    if (err instanceof ValidationError) {
      return refuse('new_password', t('account:password.refused', { reason: sayReason(err.message, t) }));
    }
    throw err;
  }
  // A new password ends every session, this one included: the flash waits for the sign-in with it.
  await page.deps.sessions.destroy(session.id);
  page.sessionCookie.clear(ctx);
  seeOther(ctx, '/account?done=password');
}

async function updateProfile(page: AccountPage, ctx: Context): Promise<void> {
  const session = page.guard.signedIn(ctx);
  const form: ProfileForm = profileInput.read(ctx).body;
  try {
    await page.deps.security.updateProfile(session.account, profileChanges(form), via(ctx));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    // Nothing was saved: the page comes back with what was typed and what is wrong with it.
    ctx.status = 400;
    const t = tr(page.deps.views, ctx);
    const message = t('account:profile.refused', { reason: sayReason(err.message, t) });
    return page.render(ctx, session, undefined, null, { form, message });
  }
  seeOther(ctx, '/account?done=profile');
}

/** "Download my data": one JSON file, saved by the browser, never cached on the way. */
async function downloadData(page: AccountPage, ctx: Context): Promise<void> {
  const { account } = page.guard.signedIn(ctx);
  const data = await page.deps.overview.personalData(account, page.deps.views.now());
  const day = new Date(page.deps.views.now()).toISOString().slice(0, 10);
  ctx.set('Content-Disposition', `attachment; filename="signet-my-data-${day}.json"`);
  ctx.type = 'application/json';
  ctx.body = `${JSON.stringify(data, null, 2)}\n`;
}

async function deletePage(page: AccountPage, ctx: Context, error: string | null = null): Promise<void> {
  const session = await page.guard.current(ctx);
  if (!session) return page.signIn.start(ctx);
  const { views } = page.deps;
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/delete', {
    title: tr(views, ctx)('account:delete.title'),
    email: session.account.email,
    csrf: csrfToken(ctx, page.guard.csrfBinding(session.id)),
    error,
  });
}

/** Deleting asks for the password again: a session left open on a shared computer must not be enough. */
async function deleteAccount(page: AccountPage, ctx: Context): Promise<void> {
  const session = page.guard.signedIn(ctx);
  const { password } = deleteInput.read(ctx).body;
  const showWait = (message: string) => deletePage(page, ctx, message);
  const verdict = await checkPassword(page, ctx, session.account, password, showWait);
  if (verdict === 'waiting') return;
  if (verdict === 'wrong') {
    ctx.status = 400;
    return deletePage(page, ctx, tr(page.deps.views, ctx)('account:delete.wrong'));
  }
  await page.deps.security.delete(session.account, via(ctx));
  await page.deps.sessions.destroy(session.id);
  page.sessionCookie.clear(ctx);
  seeOther(ctx, '/account/deleted');
}

async function logOut(page: AccountPage, ctx: Context): Promise<void> {
  const session = await page.guard.current(ctx);
  // Nothing to end here (maybe Signet's own session is still there: the end-session page asks).
  if (!session) {
    seeOther(ctx, '/account/signed-out');
    return;
  }
  checkCsrf(ctx, page.guard.csrfBinding(session.id));
  page.sessionCookie.clear(ctx);
  await page.deps.sessions.destroy(session.id);
  seeOther(ctx, await page.deps.relyingParty.logoutUrl(session.idToken));
}

/**
 * /account: the account page. Its session lives no longer than the provider session and the password it
 * was signed in with (sessions/app-sessions.ts): when either ends, the next request here starts a fresh
 * sign-in.
 */
export function accountRoutes(deps: AccountRouteDeps): Router {
  const page = accountPage(deps);
  const { signedInForm } = page.guard;
  const router = new Router({ prefix: '/account' });
  router.use(noStore);
  router.get('/', pageInput, (ctx) => openPage(page, ctx));
  router.get('/callback', callbackInput, (ctx) => callback(page, ctx));
  router.post('/notices/dismiss', formBody, signedInForm, dismissInput, (ctx) => dismissNotices(page, ctx));
  // Before /sessions/:id/end, which would otherwise take "others" for a session id.
  router.post('/sessions/others/end', formBody, signedInForm, (ctx) => endOtherSessions(page, ctx));
  router.post('/sessions/:id/end', formBody, signedInForm, sessionInput, (ctx) => endSession(page, ctx));
  router.get('/apps/:clientId/revoke', appInput, (ctx) => revokePage(page, ctx));
  router.post('/apps/:clientId/revoke', formBody, signedInForm, appInput, (ctx) => revokeApp(page, ctx));
  router.post('/password', formBody, signedInForm, passwordInput, (ctx) => changePassword(page, ctx));
  router.post('/profile', formBody, signedInForm, profileInput, (ctx) => updateProfile(page, ctx));
  router.post('/data', formBody, signedInForm, (ctx) => downloadData(page, ctx));
  router.get('/delete', (ctx) => deletePage(page, ctx));
  router.post('/delete', formBody, signedInForm, deleteInput, (ctx) => deleteAccount(page, ctx));
  if (deps.emailChange) emailRoutes(router, page, deps.emailChange);
  if (deps.factors) twoStepAccountRoutes(router, page, deps.factors);
  if (deps.factors && deps.passkeys) passkeyAccountRoutes(router, page, deps.factors, deps.passkeys);
  router.get('/deleted', (ctx) => {
    ctx.type = 'html';
    ctx.body = deps.views.page(ctx, 'account/deleted', { title: tr(deps.views, ctx)('account:deleted.title') });
  });
  router.post('/logout', formBody, (ctx) => logOut(page, ctx));
  router.get('/signed-out', (ctx) => {
    ctx.type = 'html';
    const t = tr(deps.views, ctx);
    ctx.body = deps.views.page(ctx, 'logged-out', {
      title: t('logout:signedOutTitle'),
      clientName: null,
      back: wayBack({ clientId: ACCOUNT_CLIENT_ID }, t),
    });
  });
  return router;
}
