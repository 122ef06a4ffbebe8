import { interactionPolicy } from 'oidc-provider';
import type { Config } from '../config/schema.js';
import { LANGUAGES } from '../i18n/translator.js';

/**
 * oidc-provider's login and consent prompts, with `create` in front where people may sign up
 * themselves (OpenID Connect "Initiating User Registration via OpenID Connect 1.0"): a relying party
 * sends prompt=create, and the sign-in starts on the sign-up page. Being requestable puts it in
 * discovery's prompt_values_supported; where sign-up is closed it is not there, and a request for it is
 * refused by oidc-provider as an unsupported prompt.
 */
export function interactions(config: Pick<Config, 'signup'>) {
  const policy = interactionPolicy.base();
  if (config.signup !== 'closed') policy.add(new interactionPolicy.Prompt({ name: 'create', requestable: true }), 0);
  return { policy, url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` };
}

/**
 * The languages pages and mails are written in. Claims are what people typed themselves, in no
 * particular language, so no claims_locales_supported is advertised.
 */
export const DISCOVERY = { ui_locales_supported: [...LANGUAGES] };
