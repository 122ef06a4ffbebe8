import type { Context } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../../clients/first-party-clients.js';
import type { AccountRecord } from '../../storage/store.js';
import { admit } from '../../throttle/throttle-gate.js';
import { attemptFailed, attemptSucceeded, passwordAttempt } from '../password-attempts.js';
import { requestOrigin } from '../request-info.js';
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
