import type { Context } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { AUDIT } from '../../audit/audit-log.js';
import { mfaRequired } from '../../clients/client-metadata.js';
import { mfaAuthentication, type SecondFactorMethod } from '../../oidc/authentication-context.js';
import type { AccountRecord } from '../../storage/store.js';
import { requestOrigin } from '../request-info.js';
import { wrongStep, type Interaction, type InteractionSteps } from './interaction-steps.js';

// Who may add a second factor in the middle of a sign-in, and how such a sign-in ends. Only a client
// that requires a second factor offers it, only to an account that has none (else the sign-in would let
// a password add a phone in place of the factor it should ask for), and never to a disabled account.

export type TwoStep = NonNullable<InteractionSteps['deps']['twoStep']>;

/** Whether the client of this interaction asks every sign-in for a second factor. */
export async function strictClient(steps: InteractionSteps, interaction: Interaction): Promise<boolean> {
  const clientId = interaction.params.client_id;
  const client = typeof clientId === 'string' ? await steps.deps.host.current.Client.find(clientId) : undefined;
  return mfaRequired(client);
}

/** The account that may add a factor here, and whether its password was typed in this interaction. */
export interface Enrollee {
  account: AccountRecord;
  /** False: only the browser's session names it, and the password must be asked first. */
  proven: boolean;
}

/**
 * The account of this interaction without a second factor: the one that typed its password here (the
 * challenge askSecondFactor opened), else the session's own in a step-up. Undefined when none may enroll.
 */
export async function findEnrollee(
  twoStep: TwoStep,
  steps: InteractionSteps,
  interaction: Interaction,
): Promise<Enrollee | undefined> {
  const provenId = await twoStep.challenges.accountOf(interaction.uid);
  const id = provenId ?? interaction.session?.accountId;
  const account = id ? await steps.deps.accounts.findById(id) : undefined;
  if (!account || account.disabled || (await twoStep.factors.required(account.id))) return undefined;
  return { account, proven: provenId !== undefined };
}

/** The interaction in this browser, at the login of a strict client, and its enrollee; else a wrong step. */
export async function enrolling(
  steps: InteractionSteps,
  twoStep: TwoStep,
  ctx: Context,
  uid: string,
): Promise<Enrollee & { interaction: Interaction }> {
  const interaction = await steps.details(ctx, uid);
  if (interaction.prompt.name !== 'login' && interaction.prompt.name !== 'consent') throw wrongStep();
  if (!(await strictClient(steps, interaction))) throw wrongStep();
  const enrollee = await findEnrollee(twoStep, steps, interaction);
  if (!enrollee) throw wrongStep();
  return { interaction, ...enrollee };
}

/** A sign-in with the password and a second factor: audited, and the login the provider is handed. */
export async function mfaLogin(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  accountId: string,
  method: SecondFactorMethod,
): Promise<InteractionResults> {
  const clientId = interaction.params.client_id;
  const login = { accountId, ...mfaAuthentication(method) };
  await steps.deps.audit.record(AUDIT.loginSucceeded, {
    ...requestOrigin(ctx),
    accountId,
    clientId: typeof clientId === 'string' ? clientId : null,
    details: { amr: login.amr },
  });
  return { login };
}
