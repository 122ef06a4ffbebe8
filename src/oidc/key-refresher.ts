import type { Logger } from 'pino';
import type { Clock } from '../storage/store.js';
import type { LoadedKeys } from './key-manager.js';

/** However often the JWKS is asked for, a node re-reads the key store for it at most this often. */
export const ON_DEMAND_GAP_MS = 1000;

/**
 * Re-reads the key store every `intervalMs` (and right at the next scheduled activation or
 * retirement) and calls `onChange` when what is published or used differs. A failed read keeps the
 * keys in service: a node never stops signing because the store or the secret hiccupped.
 *
 * `onDemand` re-reads before the JWKS is served: a key made current at once (`keys rotate --now`)
 * may already sign on a node that has re-read, and a relying party that sees its kid fetches the JWKS
 * from whichever node answers; that node must publish it too, not only after its next interval.
 * Concurrent callers share one read, and reads are at least ON_DEMAND_GAP_MS apart.
 */
export function startKeyRefresher(opts: {
  initial: LoadedKeys;
  load: () => Promise<LoadedKeys>;
  onChange: (keys: LoadedKeys) => void;
  intervalMs: number;
  clock: Clock;
  logger: Logger;
}): { refresh: () => Promise<void>; onDemand: () => Promise<void>; stop: () => void } {
  let fingerprint = opts.initial.fingerprint;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let lastReadAt = Number.NEGATIVE_INFINITY;

  const schedule = (nextChangeAt: number | null) => {
    if (stopped) return;
    const untilChange = nextChangeAt === null ? Number.POSITIVE_INFINITY : Math.max(0, nextChangeAt - opts.clock()) + 10;
    timer = setTimeout(() => void refresh(), Math.min(opts.intervalMs, untilChange));
    timer.unref();
  };

  const refresh = async () => {
    if (timer) clearTimeout(timer);
    lastReadAt = opts.clock();
    let next: number | null = null;
    try {
      const keys = await opts.load();
      next = keys.nextChangeAt;
      if (keys.fingerprint !== fingerprint) {
        fingerprint = keys.fingerprint;
        opts.onChange(keys);
        opts.logger.info({ event: 'keys.reloaded', signing: keys.signing.map((k) => k.kid) }, 'key set changed; provider rebuilt');
      }
    } catch (err) {
      opts.logger.error({ err }, 'key refresh failed; keeping the keys in service');
    }
    schedule(next);
  };

  const onDemand = async () => {
    if (inFlight) return inFlight;
    if (stopped || opts.clock() - lastReadAt < ON_DEMAND_GAP_MS) return;
    inFlight = refresh().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  schedule(opts.initial.nextChangeAt);
  return {
    refresh,
    onDemand,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
