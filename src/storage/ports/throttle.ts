/** Failures of one key (an email hash, an IP, a client) in the sliding window (now - windowMs, now]. */
export interface ThrottleState {
  failures: number;
  /** The oldest failure still in the window. */
  windowStart: number;
  lastFailureAt: number;
}

export interface ThrottleQuery {
  key: string;
  windowMs: number;
}

/**
 * Kept in the store, not in memory, so limits hold across nodes and restarts. Each failure is its own
 * record: an insert is atomic on every backend, where a counter increment is not (FerretDB v1 loses
 * concurrent $inc updates).
 */
export interface ThrottleStore {
  /** Records one failure at `now`; resolves with the key's state afterwards. */
  recordFailure(key: string, now: number, windowMs: number): Promise<ThrottleState>;
  /**
   * Each query's failures in its window (undefined where there are none), in the order asked, in one
   * round trip: every guarded request reads two keys before anything else happens. Keys are distinct.
   */
  get(queries: readonly ThrottleQuery[], now: number): Promise<Array<ThrottleState | undefined>>;
  /** Forgets every failure of the key. */
  reset(key: string): Promise<void>;
  /** Drops failures older than `before`; resolves with how many. */
  sweep(before: number): Promise<number>;
}
