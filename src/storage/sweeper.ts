import type { Clock, Store } from './store.js';

/** Throttle counters older than this can no longer affect any policy (windows are an hour). */
const THROTTLE_RETENTION_MS = 24 * 3_600_000;

/**
 * Deletes expired records and stale throttle counters now and then. Reads already ignore them; this
 * only keeps the store small on backends without TTL indexes (SQLite, FerretDB). Errors are
 * reported, never thrown: a missed sweep is harmless.
 */
export function startSweeper(
  store: Pick<Store, 'oidc' | 'throttle'>,
  intervalMs: number,
  clock: Clock,
  onError: (err: unknown) => void,
): () => void {
  const timer = setInterval(() => {
    store.oidc.sweepExpired().catch(onError);
    store.throttle.sweep(clock() - THROTTLE_RETENTION_MS).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
