import type { Logger } from 'pino';
import type { Clock } from '../storage/store.js';
import type { LoadedKeys } from './key-manager.js';

export interface KeyRefresherOptions {
  initial: LoadedKeys;
  load: () => Promise<LoadedKeys>;
  onChange: (keys: LoadedKeys) => void;
  intervalMs: number;
  clock: Clock;
  logger: Logger;
}

export interface KeyRefresher {
  refresh: () => Promise<void>;
  onDemand: () => Promise<void>;
  stop: () => void;
}

/**
 * Re-reads the key store every `intervalMs` (and right at the next scheduled activation or
 * retirement) and calls `onChange` when what is published or used differs. A failed read keeps the
 * keys in service: a node never stops signing because the store or the secret hiccupped.
 *
 * `onDemand` re-reads before the JWKS is served: a key made current at once (`keys rotate --now`)
 * may already sign on a node that has re-read, and a relying party that sees its kid fetches the JWKS
 * from whichever node answers; that node must publish it too, not only after its next interval.
 * Concurrent callers share one read.
 */
export function startKeyRefresher(opts: KeyRefresherOptions): KeyRefresher {
  const seen = { fingerprint: opts.initial.fingerprint };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> | undefined;

  const schedule = (nextChangeAt: number | null) => {
    if (stopped) return;
    const untilChange =
      nextChangeAt === null ? Number.POSITIVE_INFINITY : Math.max(0, nextChangeAt - opts.clock()) + 10;
    timer = setTimeout(() => void refresh(), Math.min(opts.intervalMs, untilChange));
    timer.unref();
  };

  const refresh = async () => {
    if (timer) clearTimeout(timer);
    schedule(await reread(opts, seen));
  };

  // A JWKS request is answered after a read of the key store, so a key made current on another node
  // is published here by the time a relying party that saw its kid asks. Requests arriving while a
  // read is under way share it. That costs one store read per JWKS request, as any token request
  // costs several; a gap between reads would serve the old set to whoever asks inside it.
  const onDemand = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    inFlight ??= refresh().finally(() => {
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

/**
 * One read of the key store; returns when the next scheduled change is due. A changed set is remembered
 * before `onChange` runs, so a set it fails on is not retried until the store changes again.
 */
async function reread(opts: KeyRefresherOptions, seen: { fingerprint: string }): Promise<number | null> {
  let next: number | null = null;
  try {
    const keys = await opts.load();
    next = keys.nextChangeAt;
    if (keys.fingerprint !== seen.fingerprint) {
      seen.fingerprint = keys.fingerprint;
      opts.onChange(keys);
      opts.logger.info(
        { event: 'keys.reloaded', signing: keys.signing.map((k) => k.kid) },
        'key set changed; provider rebuilt',
      );
    }
  } catch (err) {
    opts.logger.error({ err }, 'key refresh failed; keeping the keys in service');
  }
  return next;
}
