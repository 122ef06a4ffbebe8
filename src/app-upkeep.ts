import type Koa from 'koa';
import type { CoreServices, OidcParts } from './app-types.js';
import { loadKeys } from './keys/key-manager.js';
import { startKeyRefresher, type KeyRefresher } from './keys/key-refresher.js';
import { startSweeper } from './storage/sweeper.js';

// The background work of a serving process, started by the composition root (app.ts) once the HTTP app
// exists: re-reading the key store (a changed key set rebuilds the provider and re-keys the app's
// cookies), re-reading the client change counter (clients changed elsewhere are dropped from memory)
// and sweeping expired records.

export interface Upkeep {
  keys: KeyRefresher;
  /** Re-reads the client change counter now (tests; the interval does it otherwise). */
  refreshClients: () => Promise<void>;
  stop(): void;
}

export async function startUpkeep(
  core: CoreServices,
  oidc: OidcParts,
  app: Koa,
  sweepIntervalMs = 60_000,
): Promise<Upkeep> {
  const { config, clock, logger, store, sealer } = core;
  const keys = startKeyRefresher({
    initial: core.keys,
    load: () => loadKeys(store.keys, sealer, clock),
    onChange: (next) => {
      oidc.host.swap(oidc.buildProvider(next));
      app.keys = next.cookie;
    },
    intervalMs: config.keys.refreshInterval * 1000,
    clock,
    logger,
  });
  const stopSweeper = startSweeper(store, sweepIntervalMs, clock, (err) => {
    logger.warn({ err }, 'expired-record sweep failed');
  });
  // A first read that fails leaves the cache reading the store, and the interval tries again.
  await oidc.clientCache.start();
  return {
    keys,
    refreshClients: () => oidc.clientCache.refresh(),
    stop: () => {
      stopSweeper();
      keys.stop();
      oidc.clientCache.stop();
    },
  };
}
