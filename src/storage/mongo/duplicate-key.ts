import { MongoServerError } from 'mongodb';

/** A write refused by a unique index (`_id` or another): the server's duplicate-key error, code 11000. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/**
 * The same for an update that would give a document a taken unique value: MongoDB says 11000, FerretDB v1
 * reports it as an internal error naming the SQLite constraint underneath.
 */
export function isDuplicateKeyOnUpdate(err: unknown): boolean {
  return isDuplicateKey(err) || (err instanceof MongoServerError && /UNIQUE constraint failed/.test(err.message));
}
