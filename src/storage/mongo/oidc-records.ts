import type { Collection, Db } from 'mongodb';
import { markChanged, readMark } from './change-marks.js';
import { isDuplicateKey } from './duplicate-key.js';
import { isLive, liveFilter } from './live.js';
import { decodePayload, encodePayload, type StoredPayload } from './payload-codec.js';
import { retryUpsert } from './retry-upsert.js';
import type { Clock, OidcPayload, OidcRecordStore, RecordModel, StoredRecord } from '../store.js';
import { RECORD_MODELS } from '../store.js';

export interface OidcDocument {
  _id: string;
  /** The payload's lookup fields and its JSON text, or the payload itself (payload-codec.ts). */
  payload: StoredPayload;
  createdAt: Date;
  /** null: never expires. A Date so that MongoDB's TTL monitor can act on it. */
  expiresAt: Date | null;
}

/** One document per redeemed code or token: see consume(). */
export const CLAIMS = 'oidc_consumed';

interface ConsumedClaim {
  _id: string;
  expiresAt: Date | null;
}

export function collectionFor(db: Db, model: RecordModel): Collection<OidcDocument> {
  return db.collection<OidcDocument>(`oidc_${model}`);
}

export class MongoOidcRecords implements OidcRecordStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * Point lookups check expiry on the document fetched rather than in the query: FerretDB cannot push
   * `$and: [filter, live]` down to SQLite and scanned the whole collection for every token lookup (1.4 s
   * at 20k records); `{ _id }` alone is a key lookup everywhere.
   */
  private isLive(doc: Pick<OidcDocument, 'expiresAt'>): boolean {
    return isLive(doc, this.clock());
  }

  async upsert(model: RecordModel, id: string, payload: OidcPayload, expiresInSeconds?: number): Promise<void> {
    const now = this.clock();
    const expiresAt = expiresInSeconds === undefined ? null : new Date(now + expiresInSeconds * 1000);
    await retryUpsert(() =>
      collectionFor(this.db, model).updateOne(
        { _id: id },
        { $set: { payload: encodePayload(payload), expiresAt }, $setOnInsert: { createdAt: new Date(now) } },
        { upsert: true },
      ),
    );
    await markChanged(this.db, model);
  }

  async find(model: RecordModel, id: string): Promise<OidcPayload | undefined> {
    return this.findOne(model, { _id: id });
  }

  async findByUid(model: RecordModel, uid: string): Promise<OidcPayload | undefined> {
    return this.findOne(model, { 'payload.uid': uid });
  }

  async findByUserCode(model: RecordModel, userCode: string): Promise<OidcPayload | undefined> {
    return this.findOne(model, { 'payload.userCode': userCode });
  }

  async consume(model: RecordModel, id: string): Promise<boolean> {
    const now = this.clock();
    // Only what the decision needs: a projection promises no `payload` object.
    const current = await collectionFor(this.db, model).findOne<
      Pick<OidcDocument, 'expiresAt'> & { payload?: Pick<StoredPayload, 'consumed'> }
    >({ _id: id }, { projection: { expiresAt: 1, 'payload.consumed': 1 } });
    if (!current || current.payload?.consumed !== undefined || !this.isLive(current)) return false;
    // The winner is decided by a unique-key insert, not by a conditional update: FerretDB v1 does not
    // make "update where not yet consumed" atomic (parallel callers all matched), while a duplicate
    // _id is refused by every MongoDB-compatible server. The claim expires with the record.
    try {
      await this.db
        .collection<ConsumedClaim>(CLAIMS)
        .insertOne({ _id: `${model}:${id}`, expiresAt: current.expiresAt });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    await collectionFor(this.db, model).updateOne(
      { _id: id },
      { $set: { 'payload.consumed': Math.floor(now / 1000) } },
    );
    return true;
  }

  async destroy(model: RecordModel, id: string): Promise<void> {
    await collectionFor(this.db, model).deleteOne({ _id: id });
    await markChanged(this.db, model);
  }

  async revokeByGrantId(model: RecordModel, grantId: string): Promise<void> {
    await collectionFor(this.db, model).deleteMany({ 'payload.grantId': grantId });
    await markChanged(this.db, model);
  }

  async findByAccount(model: RecordModel, accountId: string, clientId?: string, limit = 200): Promise<StoredRecord[]> {
    const owner =
      clientId === undefined
        ? { 'payload.accountId': accountId }
        : { 'payload.accountId': accountId, 'payload.clientId': clientId };
    const docs = await collectionFor(this.db, model)
      .find({ $and: [owner, liveFilter<OidcDocument>(this.clock())] })
      .sort({ createdAt: -1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((doc) => ({
      id: doc._id,
      payload: decodePayload(doc.payload),
      createdAt: doc.createdAt.getTime(),
    }));
  }

  async list(model: RecordModel, limit: number): Promise<Array<{ id: string; payload: OidcPayload }>> {
    const docs = await collectionFor(this.db, model)
      .find(liveFilter<OidcDocument>(this.clock()))
      .sort({ createdAt: -1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((doc) => ({ id: doc._id, payload: decodePayload(doc.payload) }));
  }

  async sweepExpired(): Promise<number> {
    const cutoff = new Date(this.clock());
    let removed = 0;
    for (const model of RECORD_MODELS) {
      const result = await collectionFor(this.db, model).deleteMany({ expiresAt: { $ne: null, $lte: cutoff } });
      removed += result.deletedCount;
    }
    await this.db.collection<ConsumedClaim>(CLAIMS).deleteMany({ expiresAt: { $ne: null, $lte: cutoff } });
    return removed;
  }

  clientChanges(): Promise<number> {
    return readMark(this.db, 'Client');
  }

  private async findOne(model: RecordModel, filter: object): Promise<OidcPayload | undefined> {
    const doc = await collectionFor(this.db, model).findOne(filter);
    return doc && this.isLive(doc) ? decodePayload(doc.payload) : undefined;
  }
}
