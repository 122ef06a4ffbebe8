import { isDuplicateKey } from './duplicate-key.js';

/**
 * Two concurrent upserts of one _id can both take the insert path, and the loser fails with a
 * duplicate-key error (a documented MongoDB behaviour, FerretDB alike). The document exists by then,
 * so running the same upsert once more takes the update path.
 */
export async function retryUpsert<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isDuplicateKey(err)) return write();
    throw err;
  }
}
