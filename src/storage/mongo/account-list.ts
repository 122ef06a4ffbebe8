import { MongoServerError, type Collection, type Document, type Filter } from 'mongodb';
import type { AccountListQuery } from '../store.js';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Read in email order, this many at a time, when the server cannot filter by a regular expression itself. */
const SCAN_BATCH = 500;

/**
 * Accounts in email order from the cursor, on the unique email index. A search is a case-insensitive
 * $regex on email and name; a MongoDB-wire server without $regex (some FerretDB versions) gets the same
 * answer by a walk of the index in email order with the match made here.
 */
export async function listAccountDocuments<T extends Document & { email: string; name: string | null }>(
  col: Collection<T>,
  query: AccountListQuery,
): Promise<T[]> {
  const after = { email: { $gt: query.after ?? '' } } as Filter<T>;
  const ordered = (filter: Filter<T>, limit: number) =>
    col.find(filter).sort({ email: 1 }).limit(limit).toArray() as Promise<T[]>;
  if (!query.search) return ordered(after, query.limit);
  const pattern = { $regex: escapeRegex(query.search), $options: 'i' };
  try {
    return await ordered({ ...after, $or: [{ email: pattern }, { name: pattern }] } as Filter<T>, query.limit);
  } catch (err) {
    if (!(err instanceof MongoServerError) || !/regex|not implemented|not supported/i.test(err.message)) throw err;
  }
  const needle = query.search.toLowerCase();
  const found: T[] = [];
  let cursor = query.after ?? '';
  for (;;) {
    const batch = await ordered({ email: { $gt: cursor } } as Filter<T>, SCAN_BATCH);
    for (const doc of batch) {
      if (doc.email.toLowerCase().includes(needle) || (doc.name ?? '').toLowerCase().includes(needle)) found.push(doc);
      if (found.length === query.limit) return found;
    }
    if (batch.length < SCAN_BATCH) return found;
    cursor = batch[batch.length - 1]?.email ?? cursor;
  }
}
