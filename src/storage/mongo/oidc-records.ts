import type { Collection, Db } from 'mongodb';
import type { Clock, OidcModel, OidcPayload, OidcRecordStore } from '../store.js';
import { OIDC_MODELS } from '../store.js';

export interface OidcDocument {
  _id: string;
  payload: OidcPayload;
  createdAt: Date;
  /** null: never expires. A Date so that MongoDB's TTL monitor can act on it. */
  expiresAt: Date | null;
}

export function collectionFor(db: Db, model: OidcModel): Collection<OidcDocument> {
  return db.collection<OidcDocument>(`oidc_${model}`);
}

export class MongoOidcRecords implements OidcRecordStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The TTL monitor runs once a minute at best, so reads must never trust it. */
  private live(): object {
    return { $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date(this.clock()) } }] };
  }

  async upsert(model: OidcModel, id: string, payload: OidcPayload, expiresInSeconds?: number): Promise<void> {
    const now = this.clock();
    const expiresAt = expiresInSeconds === undefined ? null : new Date(now + expiresInSeconds * 1000);
    await collectionFor(this.db, model).updateOne(
      { _id: id },
      { $set: { payload, expiresAt }, $setOnInsert: { createdAt: new Date(now) } },
      { upsert: true },
    );
  }

  async find(model: OidcModel, id: string): Promise<OidcPayload | undefined> {
    return this.findOne(model, { _id: id });
  }

  async findByUid(model: OidcModel, uid: string): Promise<OidcPayload | undefined> {
    return this.findOne(model, { 'payload.uid': uid });
  }

  async findByUserCode(model: OidcModel, userCode: string): Promise<OidcPayload | undefined> {
    return this.findOne(model, { 'payload.userCode': userCode });
  }

  async consume(model: OidcModel, id: string): Promise<boolean> {
    // A single-document conditional update is atomic on MongoDB and FerretDB alike:
    // of N parallel callers exactly one matches the "not yet consumed" filter.
    const result = await collectionFor(this.db, model).updateOne(
      { $and: [{ _id: id }, { 'payload.consumed': { $exists: false } }, this.live()] },
      { $set: { 'payload.consumed': Math.floor(this.clock() / 1000) } },
    );
    return result.modifiedCount === 1;
  }

  async destroy(model: OidcModel, id: string): Promise<void> {
    await collectionFor(this.db, model).deleteOne({ _id: id });
  }

  async revokeByGrantId(model: OidcModel, grantId: string): Promise<void> {
    await collectionFor(this.db, model).deleteMany({ 'payload.grantId': grantId });
  }

  async findLatestGrantId(accountId: string, clientId: string): Promise<string | undefined> {
    const doc = await collectionFor(this.db, 'Grant').findOne(
      { $and: [{ 'payload.accountId': accountId, 'payload.clientId': clientId }, this.live()] },
      { sort: { createdAt: -1 }, projection: { _id: 1 } },
    );
    return doc?._id;
  }

  async list(model: OidcModel, limit: number): Promise<Array<{ id: string; payload: OidcPayload }>> {
    const docs = await collectionFor(this.db, model)
      .find(this.live())
      .sort({ createdAt: -1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((doc) => ({ id: doc._id, payload: doc.payload }));
  }

  async sweepExpired(): Promise<number> {
    const cutoff = new Date(this.clock());
    let removed = 0;
    for (const model of OIDC_MODELS) {
      const result = await collectionFor(this.db, model).deleteMany({ expiresAt: { $ne: null, $lte: cutoff } });
      removed += result.deletedCount;
    }
    return removed;
  }

  private async findOne(model: OidcModel, filter: object): Promise<OidcPayload | undefined> {
    const doc = await collectionFor(this.db, model).findOne({ $and: [filter, this.live()] });
    return doc?.payload;
  }
}
