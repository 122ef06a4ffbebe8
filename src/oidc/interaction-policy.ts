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
 * What discovery adds to oidc-provider's own fields: the prompt values a relying party may send (the
 * registration spec asks for prompt_values_supported, which oidc-provider does not publish), and the
 * languages pages and mails are written in. Claims are what people typed themselves, in no particular
 * language, so no claims_locales_supported is advertised.
 */
export function discovery(policy: ReturnType<typeof interactions>['policy']) {
  const requestable = policy.filter((prompt) => prompt.requestable).map((prompt) => prompt.name);
  return { prompt_values_supported: ['none', ...requestable], ui_locales_supported: [...LANGUAGES] };
}
