import type { Context } from 'koa';
import { passkeyRequired } from '../../clients/client-metadata.js';
import { ACR } from '../../oidc/authentication-context.js';
import type { Interaction, InteractionSteps } from './interaction-steps.js';

// When a sign-in must end with a passkey rather than any second factor, and what happens then.

/**
 * Whether this sign-in must end with a passkey rather than any second factor: the client requires one
 * (its operator's policy), or the relying party asked for the phishing-resistant class in acr_values.
 */
async function passkeyDemand(steps: InteractionSteps, interaction: Interaction): Promise<'required' | 'asked' | null> {
  const clientId = interaction.params.client_id;
  const client = typeof clientId === 'string' ? await steps.deps.host.current.Client.find(clientId) : undefined;
  if (passkeyRequired(client)) return 'required';
  const asked = interaction.params.acr_values;
  return typeof asked === 'string' && asked.split(' ').includes(ACR.phishingResistant) ? 'asked' : null;
}

/** Whether the second step offers only a passkey (its code field would not give what is wanted). */
export async function passkeyOnly(steps: InteractionSteps, interaction: Interaction, accountId: string) {
  if (!(await steps.deps.passkeys?.has(accountId))) return false;
  return (await passkeyDemand(steps, interaction)) !== null;
}

/**
 * After a password, or for a signed-in session stepping up: where a passkey is wanted and the account
 * has one, the second step asks for it alone; where the client requires one and the account has none,
 * the page says to add one on /account and this client is not signed in to. Resolves false when the
 * sign-in goes on as usual (nothing demanded, or only asked for by an account that has no passkey).
 */
export async function askPasskey(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  accountId: string,
): Promise<boolean> {
  const demand = await passkeyDemand(steps, interaction);
  if (demand === null) return false;
  const { passkeys, twoStep } = steps.deps;
  if (passkeys && twoStep && (await passkeys.has(accountId))) {
    await twoStep.challenges.open(interaction.uid, accountId);
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/two-step`);
    return true;
  }
  if (demand === 'asked') return false;
  const t = steps.translate(steps.language(ctx, interaction));
  ctx.status = 403;
  await steps.renderFor(ctx, interaction, 'two-step/passkey-required', { title: t('passkeys:required.title') });
  return true;
}
