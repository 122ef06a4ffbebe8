import type { OidcRecordStore } from './store.js';

/**
 * Deletes expired records now and then. Reads already ignore them; this only keeps the store small
 * on backends without TTL indexes (SQLite, FerretDB). Errors are reported, never thrown: a missed
 * sweep is harmless.
 */
export function startSweeper(records: OidcRecordStore, intervalMs: number, onError: (err: unknown) => void): () => void {
  const timer = setInterval(() => {
    records.sweepExpired().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
