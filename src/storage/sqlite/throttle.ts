import type { DatabaseSync } from 'node:sqlite';
import type { ThrottleState, ThrottleStore } from '../store.js';

interface Row {
  failures: number;
  window_start: number;
  last_failure_at: number;
}

const toState = (r: Row): ThrottleState => ({ failures: r.failures, windowStart: r.window_start, lastFailureAt: r.last_failure_at });

export class SqliteThrottle implements ThrottleStore {
  constructor(private readonly db: DatabaseSync) {}

  async recordFailure(key: string, now: number, windowMs: number): Promise<ThrottleState> {
    const row = this.db
      .prepare(
        `INSERT INTO throttle (key, failures, window_start, last_failure_at) VALUES (:key, 1, :now, :now)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN window_start <= :now - :windowMs THEN 1 ELSE failures + 1 END,
           window_start = CASE WHEN window_start <= :now - :windowMs THEN :now ELSE window_start END,
           last_failure_at = :now
         RETURNING failures, window_start, last_failure_at`,
      )
      .get({ key, now, windowMs }) as unknown as Row;
    return toState(row);
  }

  async get(key: string, now: number, windowMs: number): Promise<ThrottleState | undefined> {
    const row = this.db
      .prepare('SELECT failures, window_start, last_failure_at FROM throttle WHERE key = ? AND window_start > ?')
      .get(key, now - windowMs) as Row | undefined;
    return row ? toState(row) : undefined;
  }

  async reset(key: string): Promise<void> {
    this.db.prepare('DELETE FROM throttle WHERE key = ?').run(key);
  }

  async sweep(before: number): Promise<number> {
    return Number(this.db.prepare('DELETE FROM throttle WHERE last_failure_at < ?').run(before).changes);
  }
}
