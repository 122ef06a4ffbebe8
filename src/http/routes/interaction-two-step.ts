import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Factors } from '../../factors/factors.js';
import type { TwoStepChallenges } from '../../factors/two-step-challenges.js';
import { answerWait } from '../../throttle/throttle-gate.js';
import { guard } from '../guard.js';
import { formBody } from '../middleware/form-body.js';
import { requestOrigin } from '../request-info.js';
import { enrollRoutes, renderOffer } from './interaction-enroll.js';
import { findEnrollee, mfaLogin, strictClient, type TwoStep } from './interaction-enroll-policy.js';
import { passkeyOnly } from './interaction-passkey-policy.js';
import { UidParams, wrongStep, type Interaction, type InteractionSteps } from './interaction-steps.js';

// The sign-in's second step: after the right password, an account with an authenticator app is asked
// for a code (or a recovery code) in the same interaction, before the provider hears of any login.

const atUid = guard({ params: UidParams });
const codeInput = guard({ params: UidParams, body: z.object({ code: z.string().max(64).catch('') }) });

/**
 * A client that requires a second factor, and an account without one: the account is offered to add one
 * here (GET …/enroll), or, where it may not (a disabled account, no second factors configured), the page
 * says to add one on /account and this client is not signed in to. Resolves false when the sign-in may go on.
 */
export async function refuseWithoutSecondFactor(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
): Promise<boolean> {
  if (!(await strictClient(steps, interaction))) return false;
  const twoStep = steps.deps.twoStep;
  if (twoStep && (await findEnrollee(twoStep, steps, interaction))) {
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/enroll`);
    return true;
  }
  ctx.status = 403;
  await renderOffer(steps, ctx, interaction, null);
  return true;
}

/** Whether this account must pass a second factor; if so the interaction now waits for it. */
export async function askSecondFactor(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  accountId: string,
): Promise<boolean> {
  const twoStep = steps.deps.twoStep;
  if (!twoStep) return false;
  if (!(await twoStep.factors.required(accountId))) {
    // Only the login form's answer (a POST) proves the password; the prompt page names the session's
    // account. A proven account may then add a factor in this interaction, for a client that needs one.
    if (ctx.method === 'POST' && (await strictClient(steps, interaction))) {
      await twoStep.challenges.open(interaction.uid, accountId);
    }
    return false;
  }
  await twoStep.challenges.open(interaction.uid, accountId);
  ctx.status = 303;
  ctx.redirect(`/interaction/${interaction.uid}/two-step`);
  return true;
}

/** The second step's page; an account with a passkey is offered it beside the code field. */
export async function renderCodePage(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  accountId: string,
  error: string | null,
): Promise<void> {
  const t = steps.translate(steps.language(ctx, interaction));
  const passkeys = (await steps.deps.passkeys?.has(accountId)) ?? false;
  // An account with passkeys and no app types a recovery code there, if anything.
  const apps = passkeys ? ((await steps.deps.twoStep?.factors.summary(accountId))?.apps.length ?? 0) : 1;
  await steps.renderFor(ctx, interaction, 'two-step/verify', {
    title: t('two-step:title'),
    error,
    passkeys,
    codesOnly: apps === 0,
    passkeyOnly: passkeys && (await passkeyOnly(steps, interaction, accountId)),
    passkeyForms: passkeys,
  });
}

/** The interaction in this browser, still at the login, and the account that passed its password. */
async function pending(steps: InteractionSteps, challenges: TwoStepChallenges, ctx: Context, uid: string) {
  const interaction = await steps.details(ctx, uid);
  if (interaction.prompt.name !== 'login' && interaction.prompt.name !== 'consent') throw wrongStep();
  const accountId = await challenges.accountOf(uid);
  const account = accountId ? await steps.deps.accounts.findById(accountId) : undefined;
  if (!account || account.disabled) throw wrongStep();
  return { interaction, account };
}

async function checkCode(steps: InteractionSteps, twoStep: TwoStep, ctx: Context): Promise<void> {
  const { params, body } = codeInput.read(ctx);
  const { interaction, account } = await pending(steps, twoStep.challenges, ctx, params.uid);
  const lang = steps.language(ctx, interaction);
  const t = steps.translate(lang);
  const factors: Factors = twoStep.factors;
  const result = await factors.check(account, body.code, { via: 'sign-in', ...requestOrigin(ctx), lang });
  if (result.ok === false) {
    const again = (message: string) => renderCodePage(steps, ctx, interaction, account.id, message);
    if (result.reason === 'wait') return answerWait(ctx, result.seconds, { form: 'page', render: again, t });
    return again(t('two-step:wrong'));
  }
  // Two tabs with right codes: the sign-in finishes once.
  if (!(await twoStep.challenges.close(params.uid))) throw wrongStep();
  await steps.finish(ctx, await mfaLogin(steps, ctx, interaction, account.id, result.ok), false);
}

/** GET and POST /interaction/:uid/two-step, on the interaction router (present only with second factors). */
export function twoStepRoutes(router: Router, steps: InteractionSteps): void {
  const { twoStep } = steps.deps;
  if (!twoStep) return;
  router.get('/two-step', atUid, async (ctx) => {
    const { interaction, account } = await pending(steps, twoStep.challenges, ctx, atUid.read(ctx).params.uid);
    await renderCodePage(steps, ctx, interaction, account.id, null);
  });
  router.post('/two-step', formBody, steps.verifyCsrf, codeInput, (ctx) => checkCode(steps, twoStep, ctx));
  enrollRoutes(router, steps, twoStep);
}
