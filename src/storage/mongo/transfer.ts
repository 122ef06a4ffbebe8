import type { Collection, Db, Document, FindCursor } from 'mongodb';
import {
  RECORD_MODELS,
  type AccountRecord,
  type AuditEvent,
  type Clock,
  type RecordDump,
  type StoreOccupancy,
  type TransferItem,
  type TransferStore,
} from '../store.js';
import { exportInOrder, writeItem, type TransferSink, type TransferSource } from '../transfer-order.js';
import { storedProfile } from '../account-profile.js';
import { readDetails, toAuditDocument } from './audit.js';
import { markChanged } from './change-marks.js';
import { MongoKeys } from './keys.js';
import { CLAIMS, collectionFor, type OidcDocument } from './oidc-records.js';
import { liveFilter } from './live.js';
import { decodePayload, encodePayload } from './payload-codec.js';

/** Documents fetched per round trip on export, and written per insertMany on import. */
const BATCH = 500;

/**
 * Whole-store export and import on MongoDB. Reads are cursors sorted by _id (the index every collection
 * has, so no in-memory sort on the server) fetched a batch at a time; writes are ordered insertMany
 * batches. There is no snapshot and no transaction: a multi-document transaction is refused by servers
 * without replica sets and would hit the transaction size and time limits long before a million
 * records, so an import that fails halfway leaves what it wrote (atomicImport is false).
 */
export class MongoTransfer implements TransferStore {
  readonly atomicImport = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  exportAll(): AsyncGenerator<TransferItem> {
    const source: TransferSource = {
      keys: new MongoKeys(this.db),
      accounts: () => this.each('accounts', toAccount),
      records: (now) => this.records(now),
      // Audit ids sort by time (audit/audit-log.ts), so _id order is chronological and needs no other index.
      audit: () => this.each('audit_events', toAuditEvent),
    };
    return exportInOrder(source, this.clock());
  }

  async importAll(items: AsyncIterable<TransferItem>): Promise<void> {
    let pending: { col: Collection; docs: Document[] } | undefined;
    const flush = async () => {
      if (pending && pending.docs.length > 0) await pending.col.insertMany(pending.docs, { ordered: true });
      pending = undefined;
    };
    const sink = this.documents();
    for await (const item of items) {
      const [col, doc] = writeItem(item, sink);
      if (pending && pending.col.collectionName !== col.collectionName) await flush();
      pending ??= { col, docs: [] };
      pending.docs.push(doc);
      if (pending.docs.length >= BATCH) await flush();
    }
    await flush();
    // Imported clients reach nodes already serving this store (an import starts on an empty one, but
    // a node may have started beside it).
    await markChanged(this.db, 'Client');
  }

  async occupancy(): Promise<StoreOccupancy> {
    const live = liveFilter<OidcDocument>(this.clock());
    let records = 0;
    for (const model of RECORD_MODELS) records += await collectionFor(this.db, model).countDocuments(live);
    return {
      keys: await this.db.collection('keys').countDocuments({}),
      accounts: await this.db.collection('accounts').countDocuments({}),
      records,
    };
  }

  /**
   * consume() inserts its claim before it marks the payload consumed (oidc-records.ts): a process that died
   * in between leaves a record only the claim shows as used. The export marks such records consumed,
   * so the target refuses them too.
   */
  private async claimed(model: string, batch: OidcDocument[]): Promise<Set<string>> {
    const open = batch.filter((doc) => doc.payload.consumed === undefined).map((doc) => `${model}:${doc._id}`);
    if (open.length === 0) return new Set();
    const claims = await this.db
      .collection<{ _id: string }>(CLAIMS)
      .find({ _id: { $in: open } }, { projection: { _id: 1 } })
      .toArray();
    return new Set(claims.map((claim) => claim._id.slice(model.length + 1)));
  }

  private async *each<T>(collection: string, read: (doc: Document) => T): AsyncGenerator<T> {
    for await (const doc of sorted(this.db.collection(collection).find({}))) yield read(doc);
  }

  private async *records(now: number): AsyncGenerator<RecordDump> {
    const live = liveFilter<OidcDocument>(now);
    for (const model of RECORD_MODELS) {
      for await (const batch of batches(sorted(collectionFor(this.db, model).find(live)))) {
        const claimed = await this.claimed(model, batch);
        for (const doc of batch) yield toRecord(model, doc, claimed.has(doc._id));
      }
    }
  }

  /** Each item as the document its collection holds. */
  private documents(): TransferSink<[Collection, Document]> {
    const { db } = this;
    return {
      key: ({ kid, ...rest }) => [db.collection('keys'), { _id: kid, ...rest }],
      account: ({ id, ...rest }) => [db.collection('accounts'), { _id: id, ...rest }],
      record: ({ model, id, payload, createdAt, expiresAt }) => {
        const doc: OidcDocument = {
          _id: id,
          payload: encodePayload(payload),
          createdAt: new Date(createdAt),
          expiresAt: expiresAt === null ? null : new Date(expiresAt),
        };
        return [collectionFor(db, model) as unknown as Collection, doc];
      },
      audit: (event) => [db.collection('audit_events'), toAuditDocument(event)],
    };
  }
}

function sorted<T extends Document>(cursor: FindCursor<T>): FindCursor<T> {
  return cursor.sort({ _id: 1 }).batchSize(BATCH);
}

async function* batches<T>(cursor: AsyncIterable<T>): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const doc of cursor) {
    batch.push(doc);
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

// Fields are picked one by one: whatever else a document may carry is not part of the record.

function toAccount(doc: Document): AccountRecord {
  return {
    id: doc._id as string,
    email: doc.email as string,
    name: (doc.name as string | null | undefined) ?? null,
    passwordHash: doc.passwordHash as string,
    disabled: doc.disabled === true,
    // Documents from before the field were made by an operator, who vouched for the address (accounts.ts).
    emailVerified: doc.emailVerified !== false,
    createdAt: doc.createdAt as number,
    updatedAt: doc.updatedAt as number,
    ...optionalProfile(doc.profile),
  };
}

function optionalProfile(value: unknown): Pick<AccountRecord, 'profile'> {
  const profile = storedProfile(value);
  return profile ? { profile } : {};
}

/** A claimed record's real consumption time is unknown: its creation is the earliest it can have been, so a
 * late refresh token falls outside any reuse leeway and is treated as theft, as it would be in the source. */
function toRecord(model: RecordDump['model'], doc: OidcDocument, claimed: boolean): RecordDump {
  const stored = decodePayload(doc.payload);
  const payload = claimed ? { ...stored, consumed: Math.floor(doc.createdAt.getTime() / 1000) } : stored;
  return {
    model,
    id: doc._id,
    payload,
    createdAt: doc.createdAt.getTime(),
    expiresAt: doc.expiresAt ? doc.expiresAt.getTime() : null,
  };
}

function toAuditEvent(doc: Document): AuditEvent {
  return {
    id: doc._id as string,
    at: doc.at as number,
    type: doc.type as string,
    accountId: (doc.accountId as string | null | undefined) ?? null,
    clientId: (doc.clientId as string | null | undefined) ?? null,
    ip: (doc.ip as string | null | undefined) ?? null,
    userAgent: (doc.userAgent as string | null | undefined) ?? null,
    details: readDetails(doc.details),
  };
}
