import type { SqliteWriter } from './sqlite-writer.js';
import type { ThrottleState, ThrottleStore } from '../store.js';

export class SqliteThrottle implements ThrottleStore {
  constructor(private readonly sql: SqliteWriter) {}

  async recordFailure(key: string, now: number, windowMs: number): Promise<ThrottleState> {
    await this.sql.write(() => this.sql.statement('INSERT INTO throttle_failures (key, at) VALUES (?, ?)').run(key, now));
    return (await this.get(key, now, windowMs)) ?? { failures: 1, windowStart: now, lastFailureAt: now };
  }

  async get(key: string, now: number, windowMs: number): Promise<ThrottleState | undefined> {
    const row = this.sql.statement('SELECT COUNT(*) AS n, MIN(at) AS first, MAX(at) AS last FROM throttle_failures WHERE key = ? AND at > ? AND at <= ?')
      .get(key, now - windowMs, now) as { n: number; first: number | null; last: number | null };
    if (!row.n || row.first === null || row.last === null) return undefined;
    return { failures: row.n, windowStart: row.first, lastFailureAt: row.last };
  }

  async reset(key: string): Promise<void> {
    await this.sql.write(() => this.sql.statement('DELETE FROM throttle_failures WHERE key = ?').run(key));
  }

  async sweep(before: number): Promise<number> {
    return Number((await this.sql.write(() => this.sql.statement('DELETE FROM throttle_failures WHERE at < ?').run(before))).changes);
  }
}
