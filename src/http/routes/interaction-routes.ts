import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AUDIT } from '../../audit/audit-log.js';
import { passwordAuthentication } from '../../oidc/authentication-context.js';
import { admit } from '../../throttle/throttle-gate.js';
import type { ThrottleCheck } from '../../throttle/throttle.js';
import { guard } from '../guard.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import { attemptFailed, attemptSucceeded, passwordAttempt, type PasswordAttempt } from '../password-attempts.js';
import { requestOrigin } from '../request-info.js';
import { ConsentForm, confirmConsent, renderConsent } from './interaction-consent.js';
import { askSecondFactor, refuseWithoutSecondFactor, twoStepRoutes } from './interaction-two-step.js';
import { askPasskey } from './interaction-passkey-policy.js';
import { passkeyRoutes } from './interaction-passkey.js';
import { STEP_UP_REASONS } from '../../oidc/interaction-policy.js';
import {
  interactionSteps,
  UidParams,
  wrongStep,
  type Interaction,
  type InteractionDeps,
  type InteractionSteps,
} from './interaction-steps.js';

export type { InteractionDeps } from './interaction-steps.js';

/**
 * The only message for any failed login: it must not tell which part was wrong (no enumeration).
 * This is its English; the page says `login:failed` in the interaction's language.
 */
export const LOGIN_FAILED = 'Invalid email or password.';

const LoginForm = z.object({ email: z.string(), password: z.string() });

const atUid = guard({ params: UidParams });
const loginInput = guard({ params: UidParams, body: LoginForm });
const consentInput = guard({ params: UidParams, body: ConsentForm });

/** The prompt oidc-provider stopped at: the login form, the consent page, or sign-up. */
async function showPrompt(steps: InteractionSteps, ctx: Context): Promise<void> {
  const interaction = await steps.details(ctx, atUid.read(ctx).params.uid);
  const { prompt, params } = interaction;
  // Step-up: the session's own account, asked only for the factor the relying party wants on top.
  const signedIn = interaction.session?.accountId;
  const needsMore = prompt.reasons.some((reason) => STEP_UP_REASONS.includes(reason));
  if (prompt.name === 'login' && needsMore && signedIn) {
    if (await askPasskey(steps, ctx, interaction, signedIn)) return;
    if (await askSecondFactor(steps, ctx, interaction, signedIn)) return;
    if (await refuseWithoutSecondFactor(steps, ctx, interaction)) return;
  }
  if (prompt.name === 'login') {
    const hint = typeof params.login_hint === 'string' ? params.login_hint : '';
    return steps.renderLogin(ctx, interaction, { error: null, email: hint });
  }
  if (prompt.name === 'consent') return renderConsent(steps, ctx, interaction);
  // A relying party asked for sign-up (prompt=create): its first page, in this same interaction.
  if (prompt.name === 'create') {
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/signup`);
    return;
  }
  throw wrongStep();
}

/**
 * The right password: the account's failures cleared (not the address's), then either the second step
 * (an account with a second factor) or the login audited and the prompt ended.
 */
async function loggedIn(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  accountId: string,
  attempt: { password: PasswordAttempt; checked: ThrottleCheck },
): Promise<void> {
  await attemptSucceeded(steps.deps.throttle, attempt.password, attempt.checked);
  if (await askPasskey(steps, ctx, interaction, accountId)) return;
  if (await askSecondFactor(steps, ctx, interaction, accountId)) return;
  if (await refuseWithoutSecondFactor(steps, ctx, interaction)) return;
  await steps.deps.audit.record(AUDIT.loginSucceeded, {
    ...requestOrigin(ctx),
    accountId,
    clientId: attempt.password.clientId,
  });
  await steps.finish(ctx, { login: { accountId, ...passwordAuthentication() } }, false);
}

/** The password check, behind the login throttle (checked first: during a lockout even the right one waits). */
async function logIn(steps: InteractionSteps, ctx: Context): Promise<void> {
  const { params, body } = loginInput.read(ctx);
  const interaction = await steps.details(ctx, params.uid);
  // A login during consent is the "Not you?" switch (GET /switch).
  if (interaction.prompt.name !== 'login' && interaction.prompt.name !== 'consent') throw wrongStep();
  const clientId = interaction.params.client_id;
  const attempt = passwordAttempt(ctx, body.email, typeof clientId === 'string' ? clientId : null);
  const again = (error: string) => steps.renderLogin(ctx, interaction, { error, email: body.email });
  const t = steps.translate(steps.language(ctx, interaction));
  const checked = await admit(ctx, steps.deps.throttle, attempt.keys, { form: 'page', render: again, t });
  if (!checked) return;
  const account = await steps.deps.accounts.authenticate(body.email, body.password);
  if (account) return loggedIn(steps, ctx, interaction, account.id, { password: attempt, checked });
  await attemptFailed(steps.deps, ctx, attempt);
  // 200 with the form again, as login pages do: the page itself is the answer, not an HTTP auth challenge.
  await again(t('login:failed'));
}

/** Login, consent and abort pages for oidc-provider interactions (anchor: oidc-provider example/routes/koa.js). */
export function interactionRoutes(deps: InteractionDeps): Router {
  const steps = interactionSteps(deps);
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(noStore);
  router.get('/', atUid, (ctx) => showPrompt(steps, ctx));
  // "Not you?" on the consent page: the login form again, within this same interaction, so the
  // authorization request (state, nonce, PKCE, even a pushed one) is kept. A login as another account
  // makes oidc-provider end the current session first (its resume step), then continue as the new one.
  router.get('/switch', atUid, async (ctx) => {
    const interaction = await steps.details(ctx, atUid.read(ctx).params.uid);
    if (interaction.prompt.name !== 'consent') throw wrongStep();
    await steps.renderLogin(ctx, interaction, { error: null, email: '' });
  });
  router.post('/login', formBody, steps.verifyCsrf, loginInput, (ctx) => logIn(steps, ctx));
  twoStepRoutes(router, steps);
  passkeyRoutes(router, steps);
  router.post('/confirm', formBody, steps.verifyCsrf, consentInput, async (ctx) => {
    const { params, body } = consentInput.read(ctx);
    await confirmConsent(steps, ctx, await steps.details(ctx, params.uid), body);
  });
  router.post('/abort', formBody, steps.verifyCsrf, atUid, async (ctx) => {
    await steps.details(ctx, atUid.read(ctx).params.uid);
    await steps.finish(ctx, { error: 'access_denied', error_description: 'The user denied the request.' }, false);
  });
  return router;
}
