import type { Collection, Db } from 'mongodb';
import { OUTBOX_STATES, zeroOutboxCounts } from '../store.js';
import type { OutboxMessage, OutboxRecord, OutboxStats, OutboxStore } from '../store.js';
import { isDuplicateKey } from './duplicate-key.js';

export const OUTBOX = 'mail_outbox';
/** One document per claim, `<message id>#<attempt>`: see claim(). */
export const OUTBOX_CLAIMS = 'mail_outbox_claims';

/**
 * A message as stored: the record, keyed by `_id`. `dedupeKey` is always set, so that one plain unique
 * index dedupes on every server (a unique index counts a missing field as a value, and FerretDB v1 has
 * no partial indexes): the caller's key, or the id itself.
 */
type MessageDocument = Omit<OutboxRecord, 'id' | 'dedupeKey'> & { _id: string; dedupeKey: string };

interface ClaimDocument {
  _id: string;
  messageId: string;
}

/** How many due messages one claim looks at: losing a race on the first tries the next. */
const CANDIDATES = 8;

const storedKey = (message: Pick<OutboxMessage, 'id' | 'dedupeKey'>) =>
  message.dedupeKey === null ? `id:${message.id}` : `key:${message.dedupeKey}`;

function toRecord(doc: MessageDocument): OutboxRecord {
  const { _id, dedupeKey, ...rest } = doc;
  return { id: _id, dedupeKey: dedupeKey.startsWith('key:') ? dedupeKey.slice(4) : null, ...rest };
}

export class MongoOutbox implements OutboxStore {
  private readonly messages: Collection<MessageDocument>;
  private readonly claims: Collection<ClaimDocument>;

  constructor(db: Db) {
    this.messages = db.collection<MessageDocument>(OUTBOX);
    this.claims = db.collection<ClaimDocument>(OUTBOX_CLAIMS);
  }

  async enqueue(m: OutboxMessage): Promise<{ id: string; created: boolean }> {
    const { id, dedupeKey, ...fields } = m;
    try {
      await this.messages.insertOne({
        _id: id,
        ...fields,
        dedupeKey: storedKey(m),
        state: 'pending',
        attempts: 0,
        lastError: null,
        settledAt: null,
      });
      return { id, created: true };
    } catch (err) {
      if (!isDuplicateKey(err) || dedupeKey === null) throw err;
      const existing = await this.messages.findOne({ dedupeKey: storedKey(m) }, { projection: { _id: 1 } });
      if (!existing) throw err;
      return { id: existing._id, created: false };
    }
  }

  async claim(now: number, leaseMs: number, id?: string): Promise<OutboxRecord | undefined> {
    const due = { state: 'pending' as const, nextAttemptAt: { $lte: now }, ...(id === undefined ? {} : { _id: id }) };
    const candidates = await this.messages
      .find(due, { projection: { _id: 1, attempts: 1 } })
      .sort({ nextAttemptAt: 1, createdAt: 1, _id: 1 })
      .limit(CANDIDATES)
      .toArray();
    for (const { _id, attempts } of candidates) {
      // The winner is decided by a unique-key insert, not by a conditional update: FerretDB v1 does not
      // make "update where still due" atomic (parallel callers all matched), while a duplicate _id is
      // refused by every MongoDB-compatible server. A claimer that read a stale attempts count asks
      // for a claim number already taken, and loses.
      const attempt = attempts + 1;
      try {
        await this.claims.insertOne({ _id: `${_id}#${attempt}`, messageId: _id });
      } catch (err) {
        if (isDuplicateKey(err)) continue;
        throw err;
      }
      const claimed = await this.messages.findOneAndUpdate(
        { _id, state: 'pending', attempts },
        { $set: { attempts: attempt, nextAttemptAt: now + leaseMs } },
        { returnDocument: 'after' },
      );
      // Gone or settled between the read and the claim (sent by the holder of an expired lease).
      if (claimed) return toRecord(claimed);
    }
    return undefined;
  }

  async markSent(id: string, now: number): Promise<boolean> {
    const result = await this.messages.updateOne(
      { _id: id, state: { $ne: 'sent' } },
      { $set: { state: 'sent', settledAt: now, text: '', html: '', lastError: null } },
    );
    return result.modifiedCount === 1;
  }

  async markFailed(id: string, attempt: number, error: string, retryAt: number | null, now: number): Promise<boolean> {
    const update =
      retryAt === null
        ? { state: 'dead' as const, lastError: error, settledAt: now }
        : { lastError: error, nextAttemptAt: retryAt };
    const result = await this.messages.updateOne({ _id: id, state: 'pending', attempts: attempt }, { $set: update });
    return result.modifiedCount === 1;
  }

  async get(id: string): Promise<OutboxRecord | undefined> {
    const doc = await this.messages.findOne({ _id: id });
    return doc ? toRecord(doc) : undefined;
  }

  async stats(): Promise<OutboxStats> {
    // Counted here rather than with $group: FerretDB v1 has no $min in $group, and the outbox is small
    // (sent messages are purged within a day).
    const counts = zeroOutboxCounts();
    let oldestPendingAt: number | null = null;
    for (const state of OUTBOX_STATES) counts[state] = await this.messages.countDocuments({ state });
    if (counts.pending > 0) {
      const [oldest] = await this.messages
        .find({ state: 'pending' }, { projection: { createdAt: 1 } })
        .sort({ createdAt: 1 })
        .limit(1)
        .toArray();
      oldestPendingAt = oldest?.createdAt ?? null;
    }
    return { counts, oldestPendingAt };
  }

  async purge(sentBefore: number, deadBefore: number): Promise<number> {
    const filter = {
      $or: [
        { state: 'sent' as const, settledAt: { $lt: sentBefore } },
        { state: 'dead' as const, settledAt: { $lt: deadBefore } },
      ],
    };
    const gone = await this.messages.find(filter, { projection: { _id: 1 } }).toArray();
    if (gone.length === 0) return 0;
    const ids = gone.map((doc) => doc._id);
    const { deletedCount } = await this.messages.deleteMany({ _id: { $in: ids } });
    await this.claims.deleteMany({ messageId: { $in: ids } });
    return deletedCount;
  }
}

/** The outbox's indexes, created at start with the others (indexes.ts). */
export async function ensureOutboxIndexes(db: Db): Promise<void> {
  await db.collection(OUTBOX).createIndex({ dedupeKey: 1 }, { unique: true });
  await db.collection(OUTBOX).createIndex({ state: 1, nextAttemptAt: 1, createdAt: 1 });
  await db.collection(OUTBOX).createIndex({ state: 1, settledAt: 1 });
  await db.collection(OUTBOX_CLAIMS).createIndex({ messageId: 1 });
}
