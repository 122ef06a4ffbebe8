import { createFindAccount } from './accounts/find-account.js';
import type { OidcParts, CoreServices } from './app-types.js';
import { ClientAdmin } from './clients/client-admin.js';
import { accountClient, demoClient } from './clients/first-party-clients.js';
import { providerPages } from './http/provider-pages.js';
import { Views } from './http/views.js';
import type { LoadedKeys } from './keys/key-manager.js';
import type { Metrics } from './observability/metrics.js';
import { createAdapterClass } from './oidc/adapter.js';
import { ClientCache } from './oidc/client-cache.js';
import { createProvider } from './oidc/create-provider.js';
import { FactorRecords } from './factors/factor-records.js';
import { ProviderHost } from './oidc/provider-host.js';
import { RefreshPolicy } from './tokens/refresh-policy.js';

// The provider and what stands on it, built from the core's services. The composition root (app.ts)
// imports this file only when a process first asks for the provider: it is what loads oidc-provider.

/** Schedules back-channel logout retries (default: a timer after each backoff delay). */
type RetryLater = (run: () => void, delayMs: number) => void;

/** The adapter oidc-provider stores through, and the client cache it reads clients through. */
function buildAdapter({ config, clock, secrets, store, logger }: CoreServices) {
  const clientCache = new ClientCache({
    records: store.oidc,
    clock,
    intervalMs: config.clientRefreshInterval * 1000,
    logger,
    storeUp: () => store.up,
  });
  const refresh = new RefreshPolicy({ clock, leeway: config.refreshReuseLeeway });
  return { Adapter: createAdapterClass(store.oidc, secrets, refresh, { clients: clientCache }), clientCache };
}

export async function buildOidcParts(
  core: CoreServices,
  retryLater: RetryLater | undefined,
  metrics: Metrics | undefined,
): Promise<OidcParts> {
  const { config, clock, keys, secrets, store } = core;
  const account = accountClient(config.issuer, keys.pepper, secrets);
  const demo = config.demo ? demoClient(config.issuer, keys.pepper, secrets) : undefined;
  const views = new Views(clock);
  const factorRecords = new FactorRecords(store.oidc);
  const { Adapter, clientCache } = buildAdapter(core);
  const buildProvider = (current: LoadedKeys) =>
    createProvider({
      config,
      keys: current,
      records: store.oidc,
      adapter: Adapter,
      findAccount: createFindAccount(core.accounts),
      pages: providerPages(views),
      firstParty: demo ? [account, demo] : [account],
      factors: {
        hasSecondFactor: (accountId) => factorRecords.hasSecondFactor(accountId),
        ...(config.passkeys ? { hasPasskey: (accountId: string) => factorRecords.hasPasskey(accountId) } : {}),
      },
      secrets,
      logger: core.logger,
      clock,
      events: {
        audit: core.audit,
        records: store.oidc,
        revoker: core.revoker,
        sessionIdleTtl: config.ttl.sessionIdle,
        maxSessionsPerAccount: config.maxSessionsPerAccount,
        tokenIssued: (type) => metrics?.tokensIssued.inc({ type }),
        ...(retryLater ? { retryLater } : {}),
      },
    });
  const host = new ProviderHost(buildProvider(keys));
  if (config.registration.initialAccessToken) {
    // Idempotent: the same id (stored hashed) is written at every start, never expiring.
    await new host.current.InitialAccessToken({ jti: config.registration.initialAccessToken }).save();
  }
  const clients = new ClientAdmin(
    host,
    store.oidc,
    Adapter,
    config.production,
    config.outboundAllowedHosts,
    core.audit,
    clock,
  );
  return { host, buildProvider, views, account, demo, clients, clientCache };
}
