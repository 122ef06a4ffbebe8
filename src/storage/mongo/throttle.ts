import type { Collection, Db } from 'mongodb';
import type { ThrottleQuery, ThrottleState, ThrottleStore } from '../store.js';

interface FailureDocument {
  key: string;
  at: number;
}

export class MongoThrottle implements ThrottleStore {
  private readonly col: Collection<FailureDocument>;

  constructor(db: Db) {
    this.col = db.collection<FailureDocument>('throttle_failures');
  }

  async recordFailure(key: string, now: number, windowMs: number): Promise<ThrottleState> {
    await this.col.insertOne({ key, at: now });
    const [state] = await this.get([{ key, windowMs }], now);
    return state ?? { failures: 1, windowStart: now, lastFailureAt: now };
  }

  async get(queries: readonly ThrottleQuery[], now: number): Promise<Array<ThrottleState | undefined>> {
    if (queries.length === 0) return [];
    // One round trip for all keys, summarised here: FerretDB v1 has no $min/$max/$first in $group, and
    // a key holds few failures (a locked key records no more), none at all in the common case.
    const failures = await this.col
      .find(
        { $or: queries.map(({ key, windowMs }) => ({ key, at: { $gt: now - windowMs, $lte: now } })) },
        { projection: { _id: 0, key: 1, at: 1 } },
      )
      .toArray();
    return queries.map(({ key }) => {
      let state: ThrottleState | undefined;
      for (const { key: k, at } of failures) {
        if (k !== key) continue;
        state = state
          ? {
              failures: state.failures + 1,
              windowStart: Math.min(state.windowStart, at),
              lastFailureAt: Math.max(state.lastFailureAt, at),
            }
          : { failures: 1, windowStart: at, lastFailureAt: at };
      }
      return state;
    });
  }

  async reset(key: string): Promise<void> {
    await this.col.deleteMany({ key });
  }

  async sweep(before: number): Promise<number> {
    return (await this.col.deleteMany({ at: { $lt: before } })).deletedCount;
  }
}
