import Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock } from '../storage/store.js';
import type { ClientSecretHasher } from '../clients/client-secret.js';
import { buildProviderConfig, type ProviderConfigDeps } from './provider-config.js';
import { wireProviderEvents, type ProviderEventDeps } from './provider-events.js';

export interface CreateProviderDeps extends ProviderConfigDeps {
  secrets: ClientSecretHasher;
  logger: Logger;
  /** What provider events are recorded at (the audit trail's time). */
  clock: Clock;
  events: Omit<ProviderEventDeps, 'logger' | 'clock'>;
}

/** Provider errors worth an operator's attention; the rest are ordinary client mistakes (4xx). */
const ERROR_EVENTS = ['server_error'] as const;

export function createProvider(deps: CreateProviderDeps): Provider {
  const provider = new Provider(deps.config.issuer, buildProviderConfig(deps));
  provider.proxy = deps.config.trustProxy > 0;
  // Koa reads X-Forwarded-For from the left unless told how many hops appended to it; the right-most
  // entries are the ones our own proxies wrote, the rest is whatever the client sent.
  provider.maxIpsCount = deps.config.trustProxy;

  // Secrets are stored as keyed hashes (see client-secret.ts), so the default plain comparison
  // cannot work. Each Provider has its own Client class: this touches no global state.
  const { secrets } = deps;
  Object.defineProperty(provider.Client.prototype, 'compareClientSecret', {
    value(this: { clientSecret?: string }, actual: string) {
      return secrets.matches(this.clientSecret, actual);
    },
  });

  // oidc-provider builds endpoint URLs (discovery, the logout form, the audiences it accepts in client
  // assertions) from the request's Host and scheme. Whoever sends the request would choose them: every
  // absolute URL derives from ISSUER instead, whatever Host a request carries or where it came in.
  const issuerPath = new URL(deps.config.issuer).pathname.replace(/\/+$/, '');
  Object.defineProperty(provider.OIDCContext.prototype, 'urlFor', {
    value(name: string, opt?: Record<string, unknown>) {
      return new URL(provider.pathFor(name, { ...opt, mountPath: issuerPath }), deps.config.issuer).href;
    },
  });

  for (const event of ERROR_EVENTS) {
    provider.on(event, (...args: unknown[]) => {
      const err = args.find((a) => a instanceof Error);
      deps.logger.error({ event, err }, 'provider error');
    });
  }
  wireProviderEvents(provider, { ...deps.events, logger: deps.logger, clock: deps.clock });
  return provider;
}
