import type { DatabaseSync, StatementSync } from 'node:sqlite';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The one way the SQLite stores touch the database: cached prepared statements, and group commit.
 *
 * With synchronous=FULL each commit waits for the disk, on the event loop (node:sqlite is synchronous):
 * committing every write alone made the disk the ceiling of a busy server (two fsyncs per token grant).
 * So writes issued during one turn of the event loop share one transaction, committed on the next
 * turn, and each caller's promise settles only after that commit: nothing is acknowledged before it is
 * on disk. A failing write is undone alone (a savepoint); a failing commit rejects the whole batch.
 */
export class SqliteWriter {
  private readonly statements = new Map<string, StatementSync>();
  private batch: Waiter[] | undefined;

  constructor(readonly db: DatabaseSync) {}

  /** A prepared statement, compiled once per SQL text. */
  statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `work` (statements that only read) now and hands its result back as a promise, as the store
   * interfaces want: a statement that throws becomes a rejection, as it would in an async method.
   */
  read<T>(work: () => T): Promise<T> {
    return settled(work);
  }

  /** Runs `work` now, in the current batch; resolves with its result once the batch is committed. */
  write<T>(work: () => T): Promise<T> {
    let batch = this.batch;
    if (!batch) {
      // IMMEDIATE takes the write lock now, so another process's writer waits rather than deadlocks.
      this.db.exec('BEGIN IMMEDIATE');
      batch = this.batch = [];
      setImmediate(() => this.commit());
    }
    this.db.exec('SAVEPOINT write');
    let result: T;
    try {
      result = work();
      this.db.exec('RELEASE write');
    } catch (err) {
      this.db.exec('ROLLBACK TO write');
      this.db.exec('RELEASE write');
      return rejection(err);
    }
    const waiters = batch;
    return new Promise<T>((resolve, reject) => waiters.push({ resolve: () => resolve(result), reject }));
  }

  /** Commits what is pending now (close() calls it so nothing waits on a timer that will not run). */
  flush(): void {
    this.commit();
  }

  private commit(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const waiter of batch) waiter.reject(err);
      return;
    }
    for (const waiter of batch) waiter.resolve();
  }
}

/**
 * A promise rejected with `err` as it is, with its SQLite code and all. Not told apart by instanceof
 * Error: node:sqlite's errors come from another realm under a test runner's VM. Only a thrown
 * non-object is wrapped, so callers always get something with a message.
 */
function rejection<T>(err: unknown): Promise<T> {
  const reason: unknown = typeof err === 'object' && err !== null ? err : new Error(String(err));
  return new Promise<T>(() => {
    throw reason;
  });
}

/** `work`'s result as a promise: resolved with what it returns, rejected with what it throws. */
export function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return rejection(err);
  }
}
