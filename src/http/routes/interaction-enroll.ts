import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Enrollment } from '../../factors/factors.js';
import type { AccountRecord } from '../../storage/store.js';
import { admit, answerWait } from '../../throttle/throttle-gate.js';
import { guard } from '../guard.js';
import { formBody } from '../middleware/form-body.js';
import { attemptFailed, attemptSucceeded, passwordAttempt } from '../password-attempts.js';
import { requestOrigin } from '../request-info.js';
import { enrolling, mfaLogin, type TwoStep } from './interaction-enroll-policy.js';
import { UidParams, wrongStep, type Interaction, type InteractionSteps } from './interaction-steps.js';

// A client that requires a second factor, and an account without one: the account adds an authenticator
// app right there, in the same interaction (QR code, a first code, the recovery codes once), and the
// sign-in ends as one with the password and that app's code. A session alone (a step-up) is not enough
// to add a phone: its password is asked first, as /account does.

const atUid = guard({ params: UidParams });
const startInput = guard({ params: UidParams, body: z.object({ password: z.string().max(4096).catch('') }) });
const confirmInput = guard({
  params: UidParams,
  body: z.object({ factor: z.string().min(1).max(64).catch(''), code: z.string().max(64).catch('') }),
});

const texts = (steps: InteractionSteps, ctx: Context, interaction: Interaction) =>
  steps.translate(steps.language(ctx, interaction));

/** The offer to add an app (with the password field when the session alone names the account). */
export async function renderOffer(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  offer: { askPassword: boolean } | null,
  error: string | null = null,
): Promise<void> {
  const title = texts(steps, ctx, interaction)('two-step:requiredTitle');
  await steps.renderFor(ctx, interaction, 'two-step/required', { title, offer, error });
}

function renderApp(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  enrollment: Enrollment,
  error: string | null,
): Promise<void> {
  const title = texts(steps, ctx, interaction)('account:twoStep.add.title');
  return steps.renderFor(ctx, interaction, 'two-step/enroll-app', { title, ...enrollment, error });
}

/** The password asked again, guarded like the login form's (same counters, audit, lockout). */
async function passwordAgain(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  account: AccountRecord,
  password: string,
): Promise<boolean> {
  const t = texts(steps, ctx, interaction);
  const clientId = interaction.params.client_id;
  const attempt = passwordAttempt(ctx, account.email, typeof clientId === 'string' ? clientId : null);
  const again = (message: string) => renderOffer(steps, ctx, interaction, { askPassword: true }, message);
  const checked = await admit(ctx, steps.deps.throttle, attempt.keys, { form: 'page', render: again, t });
  if (!checked) return false;
  if (await steps.deps.accounts.verifyPassword(account.id, password)) {
    await attemptSucceeded(steps.deps.throttle, attempt, checked);
    return true;
  }
  await attemptFailed(steps.deps, ctx, attempt);
  ctx.status = 400;
  await again(t('two-step:enrollPasswordWrong'));
  return false;
}

async function start(steps: InteractionSteps, twoStep: TwoStep, ctx: Context): Promise<void> {
  const { params, body } = startInput.read(ctx);
  const { interaction, account, proven } = await enrolling(steps, twoStep, ctx, params.uid);
  if (!proven) {
    if (!(await passwordAgain(steps, ctx, interaction, account, body.password))) return;
    // From now on this interaction holds the account that proved its password, as after the login form.
    await twoStep.challenges.open(interaction.uid, account.id);
  }
  const name = texts(steps, ctx, interaction)('account:twoStep.defaultName');
  await renderApp(steps, ctx, interaction, await twoStep.factors.enroll(account, name), null);
}

async function confirm(steps: InteractionSteps, twoStep: TwoStep, ctx: Context): Promise<void> {
  const { params, body } = confirmInput.read(ctx);
  const { interaction, account, proven } = await enrolling(steps, twoStep, ctx, params.uid);
  if (!proven) throw wrongStep();
  const lang = steps.language(ctx, interaction);
  const who = { via: 'sign-in' as const, ...requestOrigin(ctx), lang };
  const result = await twoStep.factors.confirm(account, body.factor, body.code, who);
  if (result.ok === 'confirmed') {
    // Two tabs with right codes: the sign-in finishes once.
    if (!(await twoStep.challenges.close(interaction.uid))) throw wrongStep();
    const login = await mfaLogin(steps, ctx, interaction, account.id, 'otp');
    if (!result.recoveryCodes) return steps.finish(ctx, login, false);
    // The login is handed over now; the codes page only shows the way on, so it needs no form of its own.
    const provider = steps.deps.host.current;
    const continueTo = await provider.interactionResult(ctx.req, ctx.res, login, { mergeWithLastSubmission: false });
    const title = steps.translate(lang)('account:twoStep.codes.title');
    const codes = result.recoveryCodes;
    return steps.renderFor(ctx, interaction, 'two-step/enroll-codes', { title, codes, continueTo });
  }
  const enrollment = await twoStep.factors.pending(account, body.factor);
  // Expired, or never this account's: the offer again, where adding starts over.
  if (result.ok !== false || result.reason === 'gone' || !enrollment) {
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/enroll`);
    return;
  }
  const t = steps.translate(lang);
  const again = (message: string) => renderApp(steps, ctx, interaction, enrollment, message);
  if (result.reason === 'wait') return answerWait(ctx, result.seconds, { form: 'page', render: again, t });
  ctx.status = 400;
  await again(t('account:twoStep.add.wrong'));
}

/** GET and POST /interaction/:uid/enroll, and POST …/enroll/confirm (present only with second factors). */
export function enrollRoutes(router: Router, steps: InteractionSteps, twoStep: TwoStep): void {
  router.get('/enroll', atUid, async (ctx) => {
    const { interaction, proven } = await enrolling(steps, twoStep, ctx, atUid.read(ctx).params.uid);
    await renderOffer(steps, ctx, interaction, { askPassword: !proven });
  });
  router.post('/enroll', formBody, steps.verifyCsrf, startInput, (ctx) => start(steps, twoStep, ctx));
  router.post('/enroll/confirm', formBody, steps.verifyCsrf, confirmInput, (ctx) => confirm(steps, twoStep, ctx));
}
