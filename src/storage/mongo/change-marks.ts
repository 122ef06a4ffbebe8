import { randomInt } from 'node:crypto';
import type { Db } from 'mongodb';
import type { RecordModel } from '../store.js';
import { retryUpsert } from './retry-upsert.js';

/**
 * The marks behind OidcRecordStore.clientChanges(). MongoDB has no triggers a standalone server runs,
 * so every write to a client record here is followed by a move of its mark, awaited by the writer: a
 * write whose move failed fails too, and is retried as a whole.
 *
 * Each move sets a fresh random stamp rather than incrementing a count. Only inequality matters to a
 * reader, and a stamp needs no atomic read-modify-write: FerretDB runs `$inc` as a read then a write,
 * so concurrent increments collapse into one and a node could read the value a later write then
 * repeats, missing that write's change. Two stamps collide once in 2^48.
 */
interface ChangeMark {
  _id: string;
  value: number;
}

const MARKS = 'change_marks';
const STAMPS = 2 ** 48 - 1;

/** Only clients are kept in memory by the nodes; other models move nothing. */
export async function markChanged(db: Db, model: RecordModel): Promise<void> {
  if (model !== 'Client') return;
  // The first writes on a fresh database race to create the mark.
  await retryUpsert(() =>
    db
      .collection<ChangeMark>(MARKS)
      .updateOne({ _id: model }, { $set: { value: randomInt(1, STAMPS) } }, { upsert: true }),
  );
}

export async function readMark(db: Db, model: RecordModel): Promise<number> {
  return (await db.collection<ChangeMark>(MARKS).findOne({ _id: model }))?.value ?? 0;
}
