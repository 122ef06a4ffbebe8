import { interactionPolicy } from 'oidc-provider';
import type { Config } from '../config/schema.js';
import { LANGUAGES } from '../i18n/translator.js';
import { mfaRequired, passkeyRequired } from '../clients/client-metadata.js';
import { requestsMfaScope } from './api-mfa-scopes.js';
import { ACR, meetsAcr } from './authentication-context.js';

/**
 * oidc-provider's login and consent prompts, with `create` in front where people may sign up
 * themselves (OpenID Connect "Initiating User Registration via OpenID Connect 1.0"): a relying party
 * sends prompt=create, and the sign-in starts on the sign-up page. Being requestable puts it in
 * discovery's prompt_values_supported; where sign-up is closed it is not there, and a request for it is
 * refused by oidc-provider as an unsupported prompt.
 */
export function interactions(config: Pick<Config, 'signup'>, factors?: AccountFactors) {
  const policy = interactionPolicy.base();
  if (factors) {
    policy
      .get('login')
      ?.checks.push(
        stepUp(factors),
        clientRequiresMfa(),
        clientRequiresPasskey(),
        apiRequiresMfa(factors.hasSecondFactor),
      );
  }
  if (config.signup !== 'closed') policy.add(new interactionPolicy.Prompt({ name: 'create', requestable: true }), 0);
  return { policy, url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` };
}

/** What the login prompt's checks may ask of an account's factors. */
export interface AccountFactors {
  hasSecondFactor: (accountId: string) => Promise<boolean>;
  /** Absent where passkeys are off: nobody is then asked for one. */
  hasPasskey?: (accountId: string) => Promise<boolean>;
}

/** The login prompt's reason when a relying party asks for more than the session's sign-in gave. */
export const STEP_UP_REASON = 'second_factor_requested';

/**
 * Step-up: a relying party sends acr_values naming multi-factor, the browser's session signed in with a
 * password alone, and the account has a second factor: the login prompt comes back, and the sign-in
 * asks only for the missing factor (interaction-routes.ts). oidc-provider alone never prompts for
 * acr_values (only for an essential acr claim). An account without a second factor is not prompted: the
 * id_token's acr says what happened, and the relying party decides.
 */
function stepUp({ hasSecondFactor, hasPasskey }: AccountFactors) {
  return new interactionPolicy.Check(
    STEP_UP_REASON,
    'the relying party asked for a second factor the session has not shown',
    'login_required',
    async (ctx) => {
      const { oidc } = ctx;
      const asked = typeof oidc.params?.acr_values === 'string' ? oidc.params.acr_values.split(' ') : [];
      const accountId = oidc.session?.accountId;
      if (!accountId) return false;
      // A passkey asked for, of an account that has one: asked for it alone (interaction-passkey.ts).
      if (asked.includes(ACR.phishingResistant) && !meetsAcr(oidc.acr, ACR.phishingResistant) && hasPasskey) {
        if (await hasPasskey(accountId)) return true;
      }
      if (!asked.includes(ACR.multiFactor) || meetsAcr(oidc.acr, ACR.multiFactor)) return false;
      return hasSecondFactor(accountId);
    },
  );
}

/** The login prompt's reason when the client itself requires a second factor the session has not shown. */
export const CLIENT_MFA_REASON = 'second_factor_required_by_client';

/**
 * A client the operator marked "require multi-factor": a session that signed in without a second factor
 * is sent back to the login prompt, whether or not the account has one (one without is told to add one
 * and is not signed in to this client: interaction-two-step.ts).
 */
function clientRequiresMfa() {
  return new interactionPolicy.Check(
    CLIENT_MFA_REASON,
    'the client requires a second factor the session has not shown',
    'login_required',
    (ctx) =>
      mfaRequired(ctx.oidc.client) && Boolean(ctx.oidc.session?.accountId) && !meetsAcr(ctx.oidc.acr, ACR.multiFactor),
  );
}

/** The login prompt's reason when the client itself requires a passkey the session has not shown. */
export const CLIENT_PASSKEY_REASON = 'passkey_required_by_client';

/**
 * A client the operator marked "require a passkey": a session that signed in without one is sent back
 * to the login prompt; an account with a passkey is asked for it alone, one without is told to add one
 * on /account and is not signed in to this client (interaction-passkey.ts).
 */
function clientRequiresPasskey() {
  return new interactionPolicy.Check(
    CLIENT_PASSKEY_REASON,
    'the client requires a passkey the session has not shown',
    'login_required',
    (ctx) =>
      passkeyRequired(ctx.oidc.client) &&
      Boolean(ctx.oidc.session?.accountId) &&
      !meetsAcr(ctx.oidc.acr, ACR.phishingResistant),
  );
}

/** The login prompt's reason when an API the request names keeps a requested scope for multi-factor. */
export const API_MFA_REASON = 'second_factor_required_by_api';

/**
 * A resource server whose operator keeps some scopes for a multi-factor sign-in (MFA_SCOPES), asked for
 * one of them by a session that signed in without a second factor: where the account has one, only it
 * is asked, in this same request. An account without one is not prompted (the prompt would come back
 * forever); its token comes without those scopes (resource-servers.ts), which is the guarantee.
 */
function apiRequiresMfa(hasSecondFactor: (accountId: string) => Promise<boolean>) {
  return new interactionPolicy.Check(
    API_MFA_REASON,
    'an API requested requires a second factor for a requested scope',
    'login_required',
    async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || meetsAcr(ctx.oidc.acr, ACR.multiFactor)) return false;
      return (await requestsMfaScope(ctx)) && hasSecondFactor(accountId);
    },
  );
}

/**
 * The login prompt's reasons that ask a signed-in session only for what its sign-in lacks (a second
 * factor), never for the whole sign-in again.
 */
export const STEP_UP_REASONS: readonly string[] = [
  STEP_UP_REASON,
  CLIENT_MFA_REASON,
  API_MFA_REASON,
  CLIENT_PASSKEY_REASON,
];

/**
 * What discovery adds to oidc-provider's own fields: the prompt values a relying party may send (the
 * registration spec asks for prompt_values_supported, which oidc-provider does not publish), and the
 * languages pages and mails are written in. Claims are what people typed themselves, in no particular
 * language, so no claims_locales_supported is advertised.
 */
export function discovery(policy: ReturnType<typeof interactions>['policy']) {
  const requestable = policy.filter((prompt) => prompt.requestable).map((prompt) => prompt.name);
  return { prompt_values_supported: ['none', ...requestable], ui_locales_supported: [...LANGUAGES] };
}
