import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AUDIT } from '../../audit/audit-log.js';
import type { PasskeyProof, Passkeys } from '../../factors/passkeys.js';
import { readAuthenticationResponse, WEBAUTHN_RESPONSE_MAX } from '../../factors/webauthn-input.js';
import { passkeyAuthentication } from '../../oidc/authentication-context.js';
import { admit, answerWait } from '../../throttle/throttle-gate.js';
import { passkeyKeys, secondFactorKeys } from '../../throttle/throttle.js';
import { guard } from '../guard.js';
import { formBody } from '../middleware/form-body.js';
import { requestOrigin } from '../request-info.js';
import { renderCodePage } from './interaction-two-step.js';
import { UidParams, wrongStep, type Interaction, type InteractionSteps } from './interaction-steps.js';

// Passkeys during sign-in: on the login page alone (a discoverable passkey, user verification required:
// it names its account itself, so no address is typed and none is revealed), and on the second step
// after a password, in place of an app's code. The browser fetches a ceremony's options with the form's
// CSRF token, then submits the authenticator's answer in an ordinary form post.

const atUid = guard({ params: UidParams });
const answerInput = guard({
  params: UidParams,
  body: z.object({ response: z.string().max(WEBAUTHN_RESPONSE_MAX).catch('') }),
});

/** The interaction in this browser, which must be at its login (the second step is still the login prompt). */
async function atLogin(steps: InteractionSteps, ctx: Context, uid: string): Promise<Interaction> {
  const interaction = await steps.details(ctx, uid);
  if (interaction.prompt.name !== 'login') throw wrongStep();
  return interaction;
}

async function finishWith(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  proof: PasskeyProof,
  afterPassword: boolean,
): Promise<void> {
  const clientId = interaction.params.client_id;
  const login = { accountId: proof.accountId, ...passkeyAuthentication(proof.synced, afterPassword) };
  await steps.deps.audit.record(AUDIT.loginSucceeded, {
    ...requestOrigin(ctx),
    accountId: proof.accountId,
    clientId: typeof clientId === 'string' ? clientId : null,
    details: { amr: login.amr },
  });
  await steps.finish(ctx, { login }, false);
}

/** A passkey alone, from the login page: throttled per address like wrong passwords, never telling why it failed. */
async function signIn(steps: InteractionSteps, passkeys: Passkeys, ctx: Context): Promise<void> {
  const { params, body } = answerInput.read(ctx);
  const interaction = await atLogin(steps, ctx, params.uid);
  const t = steps.translate(steps.language(ctx, interaction));
  const again = async (error: string) => {
    await steps.renderLogin(ctx, interaction, { error, email: '' });
  };
  const keys = passkeyKeys(ctx.ip);
  const checked = await admit(ctx, steps.deps.throttle, keys, { form: 'page', render: again, t });
  if (!checked) return;
  const answer = readAuthenticationResponse(body.response);
  const proof = answer ? await passkeys.verify(`login:${params.uid}`, answer) : undefined;
  const account = proof ? await steps.deps.accounts.findById(proof.accountId) : undefined;
  if (proof && account && !account.disabled) return finishWith(steps, ctx, interaction, proof, false);
  await steps.deps.audit.record(AUDIT.loginFailed, { ...requestOrigin(ctx), details: { method: 'passkey' } });
  const verdict = await steps.deps.throttle.fail(keys);
  if (verdict.retryAfter > 0) return answerWait(ctx, verdict.retryAfter, { form: 'page', render: again, t });
  ctx.status = 400;
  await again(t('passkeys:failed'));
}

/** The account that passed its password in this interaction and now owes its second step. */
async function owing(steps: InteractionSteps, ctx: Context, uid: string) {
  const interaction = await atLogin(steps, ctx, uid);
  const accountId = await steps.deps.twoStep?.challenges.accountOf(uid);
  const account = accountId ? await steps.deps.accounts.findById(accountId) : undefined;
  if (!account || account.disabled) throw wrongStep();
  return { interaction, account };
}

/** A passkey as the second step: counted with wrong codes on the account's second-factor throttle. */
async function secondStep(steps: InteractionSteps, passkeys: Passkeys, ctx: Context): Promise<void> {
  const { params, body } = answerInput.read(ctx);
  const { interaction, account } = await owing(steps, ctx, params.uid);
  const t = steps.translate(steps.language(ctx, interaction));
  const again = (error: string) => renderCodePage(steps, ctx, interaction, account.id, error);
  const keys = secondFactorKeys(account.id, ctx.ip);
  const checked = await admit(ctx, steps.deps.throttle, keys, { form: 'page', render: again, t });
  if (!checked) return;
  const answer = readAuthenticationResponse(body.response);
  const proof = answer ? await passkeys.verify(`second:${params.uid}`, answer) : undefined;
  if (proof?.accountId === account.id) {
    await steps.deps.throttle.succeed(keys.slice(0, 1), checked);
    // Two tabs finishing at once: the sign-in completes once.
    if (!(await steps.deps.twoStep?.challenges.close(params.uid))) throw wrongStep();
    return finishWith(steps, ctx, interaction, proof, true);
  }
  await steps.deps.audit.record(AUDIT.factorRejected, { ...requestOrigin(ctx), accountId: account.id });
  const verdict = await steps.deps.throttle.fail(keys);
  if (verdict.retryAfter > 0) return answerWait(ctx, verdict.retryAfter, { form: 'page', render: again, t });
  ctx.status = 400;
  await again(t('passkeys:secondFailed'));
}

/** The passkey routes of the interaction router (present only where passkeys are on). */
export function passkeyRoutes(router: Router, steps: InteractionSteps): void {
  const { passkeys } = steps.deps;
  if (!passkeys) return;
  const verify = [formBody, steps.verifyCsrf] as const;
  router.post('/passkey/options', ...verify, atUid, async (ctx) => {
    const { uid } = atUid.read(ctx).params;
    await atLogin(steps, ctx, uid);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await passkeys.signInOptions(`login:${uid}`);
  });
  router.post('/passkey', ...verify, answerInput, (ctx) => signIn(steps, passkeys, ctx));
  router.post('/two-step/passkey/options', ...verify, atUid, async (ctx) => {
    const { uid } = atUid.read(ctx).params;
    const { account } = await owing(steps, ctx, uid);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await passkeys.signInOptions(`second:${uid}`, account.id);
  });
  router.post('/two-step/passkey', ...verify, answerInput, (ctx) => secondStep(steps, passkeys, ctx));
}
