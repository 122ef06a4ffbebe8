import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { FactorActor, Factors } from '../../factors/factors.js';
import { FACTOR_NAME_MAX } from '../../factors/factors.js';
import type { Passkeys } from '../../factors/passkeys.js';
import { readRegistrationResponse, WEBAUTHN_RESPONSE_MAX } from '../../factors/webauthn-input.js';
import type { LiveAppSession } from '../../sessions/app-sessions.js';
import { guard } from '../guard.js';
import { csrfToken } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { passwordAgain, seeOther, tr, via } from './account-forms.js';
import type { AccountPage } from './account-page.js';

// "Passkeys" on /account: add one (the password again, then the browser's ceremony), remove one (the
// password again). The registration's challenge is bound to this account session and kept server-side.

const AddForm = guard({
  body: z.object({ name: z.string().max(200).catch(''), password: z.string().max(4096).catch('') }),
});
const ConfirmForm = guard({ body: z.object({ response: z.string().max(WEBAUTHN_RESPONSE_MAX).catch('') }) });
const PasswordForm = guard({ body: z.object({ password: z.string().max(4096).catch('') }) });
const PasskeyParams = guard({ params: z.object({ id: z.string().min(1).max(64) }) });

interface PasskeyPages {
  page: AccountPage;
  factors: Factors;
  passkeys: Passkeys;
}

const actor = (pages: PasskeyPages, ctx: Context): FactorActor => ({
  ...via(ctx),
  lang: pages.page.deps.views.language(ctx),
});

const binding = (session: LiveAppSession) => `register:${session.id}`;

async function createPage(pages: PasskeyPages, ctx: Context, session: LiveAppSession, name: string, error?: string) {
  const { views } = pages.page.deps;
  const options = await pages.passkeys.registrationOptions(session.account, binding(session), name);
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/passkey-add', {
    title: tr(views, ctx)('passkeys:create.title'),
    options: JSON.stringify(options),
    name,
    error: error ?? null,
    passkeyForms: true,
    csrf: csrfToken(ctx, pages.page.guard.csrfBinding(session.id)),
  });
}

async function add(pages: PasskeyPages, ctx: Context): Promise<void> {
  const session = pages.page.guard.signedIn(ctx);
  const { name, password } = AddForm.read(ctx).body;
  if (!(await passwordAgain(pages.page, ctx, session, password, 'passkey_password'))) return;
  const label = name.trim() || tr(pages.page.deps.views, ctx)('passkeys:defaultName');
  await createPage(pages, ctx, session, label.slice(0, FACTOR_NAME_MAX));
}

async function confirm(pages: PasskeyPages, ctx: Context): Promise<void> {
  const session = pages.page.guard.signedIn(ctx);
  const answer = readRegistrationResponse(ConfirmForm.read(ctx).body.response);
  const added = answer
    ? await pages.passkeys.register(session.account, binding(session), answer, actor(pages, ctx))
    : undefined;
  if (!added) {
    // The ceremony is spent either way; its page again with a fresh one (the password was just asked).
    ctx.status = 400;
    const t = tr(pages.page.deps.views, ctx);
    await createPage(pages, ctx, session, t('passkeys:defaultName'), t('passkeys:create.failed'));
    return;
  }
  if (!added.recoveryCodes) {
    seeOther(ctx, '/account?done=passkey');
    return;
  }
  const { views } = pages.page.deps;
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/two-step-codes', {
    title: tr(views, ctx)('account:twoStep.codes.title'),
    codes: added.recoveryCodes,
  });
}

async function remove(pages: PasskeyPages, ctx: Context): Promise<void> {
  const session = pages.page.guard.signedIn(ctx);
  const { password } = PasswordForm.read(ctx).body;
  if (!(await passwordAgain(pages.page, ctx, session, password, 'passkey_password'))) return;
  const removed = await pages.factors.remove(session.account, PasskeyParams.read(ctx).params.id, actor(pages, ctx));
  seeOther(ctx, removed ? '/account?done=passkeyoff' : '/account');
}

/** The passkey routes, on the /account router. */
export function passkeyAccountRoutes(router: Router, page: AccountPage, factors: Factors, passkeys: Passkeys): void {
  const pages = { page, factors, passkeys };
  const { signedInForm } = page.guard;
  router.post('/passkeys/add', formBody, signedInForm, AddForm, (ctx) => add(pages, ctx));
  router.post('/passkeys/confirm', formBody, signedInForm, ConfirmForm, (ctx) => confirm(pages, ctx));
  router.post('/passkeys/:id/remove', formBody, signedInForm, PasskeyParams, PasswordForm, (ctx) => remove(pages, ctx));
}
