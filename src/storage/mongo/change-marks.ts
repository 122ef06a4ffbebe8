import type { Db } from 'mongodb';
import type { RecordModel } from '../store.js';

/**
 * The counters behind OidcRecordStore.clientChanges(). MongoDB has no triggers a standalone server
 * runs, so every write to a client record here is followed by a move of its counter, awaited by the
 * writer: a write whose move failed fails too, and is retried as a whole.
 */
interface ChangeMark {
  _id: string;
  value: number;
}

const MARKS = 'change_marks';

/** Only clients are kept in memory by the nodes; other models move nothing. */
export async function markChanged(db: Db, model: RecordModel): Promise<void> {
  if (model !== 'Client') return;
  await db.collection<ChangeMark>(MARKS).updateOne({ _id: model }, { $inc: { value: 1 } }, { upsert: true });
}

export async function readMark(db: Db, model: RecordModel): Promise<number> {
  return (await db.collection<ChangeMark>(MARKS).findOne({ _id: model }))?.value ?? 0;
}
