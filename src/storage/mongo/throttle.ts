import type { Collection, Db } from 'mongodb';
import type { ThrottleState, ThrottleStore } from '../store.js';

interface ThrottleDocument {
  _id: string;
  failures: number;
  windowStart: number;
  lastFailureAt: number;
}

const toState = (d: ThrottleDocument): ThrottleState => ({ failures: d.failures, windowStart: d.windowStart, lastFailureAt: d.lastFailureAt });

export class MongoThrottle implements ThrottleStore {
  private readonly col: Collection<ThrottleDocument>;

  constructor(db: Db) {
    this.col = db.collection<ThrottleDocument>('throttle');
  }

  async recordFailure(key: string, now: number, windowMs: number): Promise<ThrottleState> {
    // $inc inside the current window is atomic; starting a new window is a plain overwrite (no pipeline
    // updates: FerretDB v1 lacks them). Two failures racing at a window's start may count as one.
    const inWindow = await this.col.findOneAndUpdate(
      { _id: key, windowStart: { $gt: now - windowMs } },
      { $inc: { failures: 1 }, $set: { lastFailureAt: now } },
      { returnDocument: 'after' },
    );
    if (inWindow) return toState(inWindow);
    const fresh = { failures: 1, windowStart: now, lastFailureAt: now };
    await this.col.updateOne({ _id: key }, { $set: fresh }, { upsert: true });
    return fresh;
  }

  async get(key: string, now: number, windowMs: number): Promise<ThrottleState | undefined> {
    const doc = await this.col.findOne({ _id: key, windowStart: { $gt: now - windowMs } });
    return doc ? toState(doc) : undefined;
  }

  async reset(key: string): Promise<void> {
    await this.col.deleteOne({ _id: key });
  }

  async sweep(before: number): Promise<number> {
    return (await this.col.deleteMany({ lastFailureAt: { $lt: before } })).deletedCount;
  }
}
