import type Koa from 'koa';
import type { CoreServices, OidcParts } from './app-types.js';
import { loadKeys } from './keys/key-manager.js';
import { startKeyRefresher, type KeyRefresher } from './keys/key-refresher.js';
import { startSweeper } from './storage/sweeper.js';

// The background work of a serving process, started by the composition root (app.ts) once the HTTP app
// exists: re-reading the key store (a changed key set rebuilds the provider and re-keys the app's
// cookies) and sweeping expired records.

export interface Upkeep {
  keys: KeyRefresher;
  stop(): void;
}

export function startUpkeep(core: CoreServices, oidc: OidcParts, app: Koa, sweepIntervalMs = 60_000): Upkeep {
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
  return {
    keys,
    stop: () => {
      stopSweeper();
      keys.stop();
    },
  };
}
