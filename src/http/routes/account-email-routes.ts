import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Requester } from '../../self-service/code-flow.js';
import type { EmailChange } from '../../self-service/email-change.js';
import type { LiveAppSession } from '../../sessions/app-sessions.js';
import { answerWait, markWait } from '../../throttle/throttle-gate.js';
import { guard } from '../guard.js';
import { csrfToken } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { requestOrigin } from '../request-info.js';
import { emailUndoRoutes } from './account-email-undo-routes.js';
import { checkPassword, seeOther, tr } from './account-forms.js';
import type { AccountPage } from './account-page.js';
import { CodeField, FlowId, refusalMessage, type Sentence } from './code-pages.js';

// "Change email" on /account: the new address and the password again, then the code mailed to the new
// address, on pages of their own (no script needed). The way back from the old address lives in
// account-email-undo-routes.ts.

/** A field left out reads as empty: the page then says what is wrong. */
const StartForm = guard({
  body: z.object({ email: z.string().max(1000).catch(''), password: z.string().max(4096).catch('') }),
});
const AtFlow = guard({ query: z.object({ flow: FlowId }) });
const VerifyForm = guard({ body: z.object({ flow: FlowId, code: CodeField }) });
const ResendForm = guard({ body: z.object({ flow: FlowId }) });

interface EmailPages {
  page: AccountPage;
  service: EmailChange;
}

/** Who asks; a flow is bound to this very account-page session, so another browser cannot finish it. */
function requester(page: AccountPage, ctx: Context, session: LiveAppSession): Requester {
  const lang = page.deps.views.language(ctx);
  return { ...requestOrigin(ctx), lang, bindTo: `account:${session.account.id}:${session.id}` };
}

function startPage(
  { page }: EmailPages,
  ctx: Context,
  session: LiveAppSession,
  shown: { error?: string; email?: string } = {},
): void {
  const { views } = page.deps;
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/email', {
    title: tr(views, ctx)('email-change:title'),
    current: session.account.email,
    email: shown.email ?? '',
    error: shown.error ?? null,
    csrf: csrfToken(ctx, page.guard.csrfBinding(session.id)),
  });
}

function verifyPage(
  { page }: EmailPages,
  ctx: Context,
  session: LiveAppSession,
  shown: { flow: string; email: string; error?: Sentence; notice?: Sentence },
): void {
  const { views } = page.deps;
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/email-verify', {
    title: tr(views, ctx)('email-change:title'),
    flow: shown.flow,
    email: shown.email,
    error: shown.error ?? null,
    notice: shown.notice ?? null,
    csrf: csrfToken(ctx, page.guard.csrfBinding(session.id)),
  });
}

async function openStart(pages: EmailPages, ctx: Context): Promise<void> {
  const session = await pages.page.guard.current(ctx);
  if (!session) return pages.page.signIn.start(ctx);
  startPage(pages, ctx, session);
}

/** The password first (counted like a sign-in), then the code or the notice, the same answer for both. */
async function begin(pages: EmailPages, ctx: Context): Promise<void> {
  const { page, service } = pages;
  const session = page.guard.signedIn(ctx);
  const form = StartForm.read(ctx).body;
  const t = tr(page.deps.views, ctx);
  const again = (error: string) => startPage(pages, ctx, session, { error, email: form.email });
  const verdict = await checkPassword(page, ctx, session.account, form.password, (m) => {
    again(m);
    return Promise.resolve();
  });
  if (verdict === 'waiting') return;
  if (verdict === 'wrong') {
    ctx.status = 400;
    again(t('email-change:wrongPassword'));
    return;
  }
  const started = await service.begin(session.account, form.email, requester(page, ctx, session));
  if (started.kind === 'refused') {
    ctx.status = 400;
    again(t(`email-change:refused.${started.reason}`));
    return;
  }
  if (started.kind === 'wait') {
    return answerWait(ctx, started.seconds, { form: 'page', render: again, t });
  }
  seeOther(ctx, `/account/email/verify?flow=${encodeURIComponent(started.flowId)}`);
}

async function openVerify(pages: EmailPages, ctx: Context): Promise<void> {
  const session = await pages.page.guard.current(ctx);
  if (!session) return pages.page.signIn.start(ctx);
  const { flow } = AtFlow.read(ctx).query;
  const email = await pages.service.pending(flow, requester(pages.page, ctx, session).bindTo);
  if (!email) {
    startPage(pages, ctx, session, { error: tr(pages.page.deps.views, ctx)('codes:expired') });
    return;
  }
  verifyPage(pages, ctx, session, { flow, email, notice: ['codes:sent', { email }] });
}

async function complete(pages: EmailPages, ctx: Context): Promise<void> {
  const { page, service } = pages;
  const session = page.guard.signedIn(ctx);
  const { flow, code } = VerifyForm.read(ctx).body;
  const who = requester(page, ctx, session);
  const email = (await service.pending(flow, who.bindTo)) ?? '';
  const outcome = await service.complete(session.account, flow, code, who);
  if (outcome.kind === 'changed') {
    seeOther(ctx, '/account?done=email');
    return;
  }
  if (outcome.kind === 'expired') {
    ctx.status = 400;
    startPage(pages, ctx, session, { error: tr(page.deps.views, ctx)('codes:expired') });
    return;
  }
  const { refusal } = outcome;
  const error = refusalMessage(refusal);
  if (refusal.reason === 'wait') {
    markWait(ctx, refusal.seconds);
    verifyPage(pages, ctx, session, { flow, email, error });
    return;
  }
  ctx.status = 400;
  verifyPage(pages, ctx, session, { flow, email, error });
}

async function resend(pages: EmailPages, ctx: Context): Promise<void> {
  const { page, service } = pages;
  const session = page.guard.signedIn(ctx);
  const { flow } = ResendForm.read(ctx).body;
  const who = requester(page, ctx, session);
  const email = (await service.pending(flow, who.bindTo)) ?? '';
  const again = await service.resend(flow, who);
  if (!again) {
    startPage(pages, ctx, session, { error: tr(page.deps.views, ctx)('codes:expired') });
    return;
  }
  if (again.kind === 'wait') {
    const error = refusalMessage({ ok: false, reason: 'wait', seconds: again.seconds });
    markWait(ctx, again.seconds);
    verifyPage(pages, ctx, session, { flow, email, error });
    return;
  }
  verifyPage(pages, ctx, session, { flow, email, notice: ['codes:resent', { email }] });
}

/** /account/email…: registered on the account page's router, behind its session and CSRF checks. */
export function emailRoutes(router: Router, page: AccountPage, service: EmailChange): void {
  const pages: EmailPages = { page, service };
  const { signedInForm } = page.guard;
  router.get('/email', (ctx) => openStart(pages, ctx));
  router.post('/email', formBody, signedInForm, StartForm, (ctx) => begin(pages, ctx));
  router.get('/email/verify', AtFlow, (ctx) => openVerify(pages, ctx));
  router.post('/email/verify', formBody, signedInForm, VerifyForm, (ctx) => complete(pages, ctx));
  router.post('/email/resend', formBody, signedInForm, ResendForm, (ctx) => resend(pages, ctx));
  emailUndoRoutes(router, page, service);
}
