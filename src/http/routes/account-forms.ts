import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../../clients/first-party-clients.js';
import type { LiveAppSession } from '../../sessions/app-sessions.js';
import type { AccountRecord } from '../../storage/store.js';
import { admit } from '../../throttle/throttle-gate.js';
import { attemptFailed, attemptSucceeded, passwordAttempt } from '../password-attempts.js';
import { requestOrigin } from '../request-info.js';
import type { PasswordField } from '../view-models/account-view.js';
import type { Views } from '../views.js';
import type { AccountPage } from './account-page.js';

// What the account page's forms share: who acted, the page's language, the answer that sends the
// browser on, and the password the page asks again before a change that matters.

export const via = (ctx: Context) => ({ via: 'account-page' as const, ...requestOrigin(ctx) });

/** This request's translation: sentences the routes build (refusals) are said in the page's language. */
export const tr = (views: Views, ctx: Context) => views.translate(views.language(ctx));

export function seeOther(ctx: Context, to: string): void {
  ctx.status = 303;
  ctx.redirect(to);
}

/**
 * The password this page asks again is guarded like a login (password-attempts.ts): the same counters
 * and audit (a wrong one here counts as a failed sign-in), and during a lockout even the right one
 * waits. 'waiting' means the page has already been answered with a 429.
 */
export async function checkPassword(
  page: AccountPage,
  ctx: Context,
  account: AccountRecord,
  password: string,
  showWait: (message: string) => Promise<void>,
): Promise<'right' | 'wrong' | 'waiting'> {
  const { deps } = page;
  const attempt = passwordAttempt(ctx, account.email, ACCOUNT_CLIENT_ID);
  const t = tr(deps.views, ctx);
  const checked = await admit(ctx, deps.throttle, attempt.keys, { form: 'page', render: showWait, t });
  if (!checked) return 'waiting';
  if (await deps.accounts.verifyPassword(account.id, password)) {
    await attemptSucceeded(deps.throttle, attempt, checked);
    return 'right';
  }
  await attemptFailed(deps, ctx, attempt);
  return 'wrong';
}

/**
 * The password asked again before a change to how the account signs in, right: true. Wrong, or a
 * lockout: the account page is already answered, with the message beside the form named by `field`.
 */
export async function passwordAgain(
  page: AccountPage,
  ctx: Context,
  session: LiveAppSession,
  password: string,
  field: PasswordField,
): Promise<boolean> {
  const refuse = (message: string) => page.render(ctx, session, undefined, { field, message });
  const verdict = await checkPassword(page, ctx, session.account, password, refuse);
  if (verdict === 'wrong') {
    ctx.status = 400;
    await refuse(tr(page.deps.views, ctx)('account:password.wrong'));
  }
  return verdict === 'right';
}
