import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Enrollment, FactorActor, Factors } from '../../factors/factors.js';
import { FACTOR_NAME_MAX } from '../../factors/factors.js';
import type { LiveAppSession } from '../../sessions/app-sessions.js';
import { answerWait } from '../../throttle/throttle-gate.js';
import { guard } from '../guard.js';
import { csrfToken } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { passwordAgain as checkAgain, seeOther, tr, via } from './account-forms.js';
import type { AccountPage } from './account-page.js';

// "Two-step verification" on /account: add an authenticator app (QR code, secret, a first code to
// confirm it), remove one, make new recovery codes. Each asks for the password again: a session left
// open on a shared computer must not be enough to add someone else's phone or to take the owner's away.

const AddForm = guard({
  body: z.object({ name: z.string().max(200).catch(''), password: z.string().max(4096).catch('') }),
});
const ConfirmForm = guard({
  body: z.object({ factor: z.string().min(1).max(64), code: z.string().max(64).catch('') }),
});
const PasswordForm = guard({ body: z.object({ password: z.string().max(4096).catch('') }) });
const FactorParams = guard({ params: z.object({ id: z.string().min(1).max(64) }) });

interface TwoStepPages {
  page: AccountPage;
  factors: Factors;
}

const actor = (pages: TwoStepPages, ctx: Context): FactorActor => ({
  ...via(ctx),
  lang: pages.page.deps.views.language(ctx),
});

const passwordAgain = (pages: TwoStepPages, ctx: Context, session: LiveAppSession, password: string) =>
  checkAgain(pages.page, ctx, session, password, 'factor_password');

function addPage(pages: TwoStepPages, ctx: Context, session: LiveAppSession, enrollment: Enrollment, error?: string) {
  const { views } = pages.page.deps;
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/two-step-add', {
    title: tr(views, ctx)('account:twoStep.add.title'),
    ...enrollment,
    error: error ?? null,
    csrf: csrfToken(ctx, pages.page.guard.csrfBinding(session.id)),
  });
}

function codesPage(pages: TwoStepPages, ctx: Context, codes: string[]) {
  const { views } = pages.page.deps;
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/two-step-codes', { title: tr(views, ctx)('account:twoStep.codes.title'), codes });
}

async function add(pages: TwoStepPages, ctx: Context): Promise<void> {
  const session = pages.page.guard.signedIn(ctx);
  const { name, password } = AddForm.read(ctx).body;
  if (!(await passwordAgain(pages, ctx, session, password))) return;
  const label = name.trim() || tr(pages.page.deps.views, ctx)('account:twoStep.defaultName');
  addPage(pages, ctx, session, await pages.factors.enroll(session.account, label.slice(0, FACTOR_NAME_MAX)));
}

async function confirm(pages: TwoStepPages, ctx: Context): Promise<void> {
  const session = pages.page.guard.signedIn(ctx);
  const { factor, code } = ConfirmForm.read(ctx).body;
  const result = await pages.factors.confirm(session.account, factor, code, actor(pages, ctx));
  if (result.ok === 'confirmed') {
    if (result.recoveryCodes) codesPage(pages, ctx, result.recoveryCodes);
    else seeOther(ctx, '/account?done=twostep');
    return;
  }
  const enrollment = await pages.factors.pending(session.account, factor);
  // Expired (or never this account's): the account page, where adding starts again.
  if (result.ok !== false || result.reason === 'gone' || !enrollment) {
    seeOther(ctx, '/account');
    return;
  }
  const t = tr(pages.page.deps.views, ctx);
  const again = (message: string) => addPage(pages, ctx, session, enrollment, message);
  if (result.reason === 'wait') return answerWait(ctx, result.seconds, { form: 'page', render: again, t });
  ctx.status = 400;
  again(t('account:twoStep.add.wrong'));
}

async function remove(pages: TwoStepPages, ctx: Context): Promise<void> {
  const session = pages.page.guard.signedIn(ctx);
  if (!(await passwordAgain(pages, ctx, session, PasswordForm.read(ctx).body.password))) return;
  await pages.factors.remove(session.account, FactorParams.read(ctx).params.id, actor(pages, ctx));
  seeOther(ctx, '/account?done=twostepoff');
}

async function regenerate(pages: TwoStepPages, ctx: Context): Promise<void> {
  const session = pages.page.guard.signedIn(ctx);
  if (!(await passwordAgain(pages, ctx, session, PasswordForm.read(ctx).body.password))) return;
  // New codes only guard something next to an app.
  if (!(await pages.factors.required(session.account.id))) {
    seeOther(ctx, '/account');
    return;
  }
  codesPage(pages, ctx, await pages.factors.regenerate(session.account, actor(pages, ctx)));
}

/** The two-step routes, on the /account router. */
export function twoStepAccountRoutes(router: Router, page: AccountPage, factors: Factors): void {
  const pages = { page, factors };
  const { signedInForm } = page.guard;
  router.post('/two-step/add', formBody, signedInForm, AddForm, (ctx) => add(pages, ctx));
  router.post('/two-step/confirm', formBody, signedInForm, ConfirmForm, (ctx) => confirm(pages, ctx));
  router.post('/two-step/recovery', formBody, signedInForm, PasswordForm, (ctx) => regenerate(pages, ctx));
  router.post('/two-step/:id/remove', formBody, signedInForm, FactorParams, PasswordForm, (ctx) => remove(pages, ctx));
}
