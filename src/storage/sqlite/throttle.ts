import type { SqliteWriter } from './sqlite-writer.js';
import type { ThrottleQuery, ThrottleState, ThrottleStore } from '../store.js';

const ONE_KEY =
  'SELECT COUNT(*) AS n, MIN(at) AS first, MAX(at) AS last FROM throttle_failures WHERE key = ? AND at > ? AND at <= ?';

interface Row {
  n: number;
  first: number | null;
  last: number | null;
}

export class SqliteThrottle implements ThrottleStore {
  constructor(private readonly sql: SqliteWriter) {}

  async recordFailure(key: string, now: number, windowMs: number): Promise<ThrottleState> {
    await this.sql.write(() =>
      this.sql.statement('INSERT INTO throttle_failures (key, at) VALUES (?, ?)').run(key, now),
    );
    const [state] = await this.get([{ key, windowMs }], now);
    return state ?? { failures: 1, windowStart: now, lastFailureAt: now };
  }

  get(queries: readonly ThrottleQuery[], now: number): Promise<Array<ThrottleState | undefined>> {
    return this.sql.read(() => (queries.length === 0 ? [] : this.states(queries, now)));
  }

  private states(queries: readonly ThrottleQuery[], now: number): Array<ThrottleState | undefined> {
    // One statement, one aggregate per key (each a covering-index range), rows in the order asked.
    const sql = queries.map(() => ONE_KEY).join(' UNION ALL ');
    const rows = this.sql
      .statement(sql)
      .all(...queries.flatMap(({ key, windowMs }) => [key, now - windowMs, now])) as unknown as Row[];
    return rows.map((row) =>
      row.n && row.first !== null && row.last !== null
        ? { failures: row.n, windowStart: row.first, lastFailureAt: row.last }
        : undefined,
    );
  }

  async reset(key: string): Promise<void> {
    await this.sql.write(() => this.sql.statement('DELETE FROM throttle_failures WHERE key = ?').run(key));
  }

  async sweep(before: number): Promise<number> {
    return Number(
      (await this.sql.write(() => this.sql.statement('DELETE FROM throttle_failures WHERE at < ?').run(before)))
        .changes,
    );
  }
}
