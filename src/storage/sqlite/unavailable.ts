// SQLite primary result codes (the low byte of node:sqlite's `errcode`) that mean the database is
// there but cannot serve right now: locked past busy_timeout by another process, an I/O error, a full
// disk. Worth a retry; constraint violations and the like are not.
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
const TRANSIENT = new Set([SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL]);

export function isSqliteUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; errcode?: unknown } | null;
  return e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number' && TRANSIENT.has(e.errcode & 0xff);
}
