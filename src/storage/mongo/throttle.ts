import type { Collection, Db } from 'mongodb';
import type { ThrottleState, ThrottleStore } from '../store.js';

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
    return (await this.get(key, now, windowMs)) ?? { failures: 1, windowStart: now, lastFailureAt: now };
  }

  async get(key: string, now: number, windowMs: number): Promise<ThrottleState | undefined> {
    const filter = { key, at: { $gt: now - windowMs, $lte: now } };
    const [failures, first, last] = await Promise.all([
      this.col.countDocuments(filter),
      this.col.findOne(filter, { sort: { at: 1 }, projection: { at: 1 } }),
      this.col.findOne(filter, { sort: { at: -1 }, projection: { at: 1 } }),
    ]);
    if (failures === 0 || !first || !last) return undefined;
    return { failures, windowStart: first.at, lastFailureAt: last.at };
  }

  async reset(key: string): Promise<void> {
    await this.col.deleteMany({ key });
  }

  async sweep(before: number): Promise<number> {
    return (await this.col.deleteMany({ at: { $lt: before } })).deletedCount;
  }
}
