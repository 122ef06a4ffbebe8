// SQLite errors that mean "cannot serve right now" (locked past busy_timeout, I/O error, full disk) are
// told from bugs and constraint violations, and through the store guard become a 503, not a 500.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, test } from '@jest/globals';
import { StoreUnavailableError } from '../../src/errors.js';
import { guardStore, type StoreOutcome } from '../../src/storage/store-guard.js';
import { SqliteKeys } from '../../src/storage/sqlite/keys.js';
import { migrate } from '../../src/storage/sqlite/migrations.js';
import { SqliteWriter } from '../../src/storage/sqlite/sqlite-writer.js';
import { isSqliteUnavailable } from '../../src/storage/sqlite/unavailable.js';
import type { KeyRecord, Store } from '../../src/storage/store.js';

const dirs: string[] = [];
const open: DatabaseSync[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.isOpen) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'signet-unavailable-'));
  dirs.push(dir);
  return join(dir, 'test.db');
}

/** A connection that waits for no lock: busy at once where the server's connection would wait 5 s. */
function connect(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  open.push(db);
  db.exec('PRAGMA busy_timeout = 0');
  db.exec('PRAGMA journal_mode = WAL');
  return db;
}

/** What `work` throws (it must throw). */
function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/** node:sqlite's error for a result code it did not produce here: an I/O error cannot be caused portably. */
const sqliteError = (errcode: number) =>
  Object.assign(new Error('disk I/O error'), { code: 'ERR_SQLITE_ERROR', errcode, errstr: 'disk I/O error' });

describe('isSqliteUnavailable', () => {
  test('a database locked by another connection past busy_timeout (SQLITE_BUSY)', () => {
    const path = file();
    const holder = connect(path);
    const other = connect(path);
    holder.exec('BEGIN IMMEDIATE');
    const err = thrown(() => other.exec('BEGIN IMMEDIATE'));
    expect(err).toMatchObject({ errcode: 5 });
    expect(isSqliteUnavailable(err)).toBe(true);
  });

  test('a full database (SQLITE_FULL)', () => {
    const db = connect(file());
    db.exec('CREATE TABLE t (x TEXT)');
    const { page_count } = db.prepare('PRAGMA page_count').get() as { page_count: number };
    db.exec(`PRAGMA max_page_count = ${page_count}`);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const err = thrown(() => {
      for (let i = 0; i < 1000; i++) insert.run('x'.repeat(1000));
    });
    expect(err).toMatchObject({ errcode: 13 });
    expect(isSqliteUnavailable(err)).toBe(true);
  });

  test('I/O errors, extended codes included (the primary code is the low byte)', () => {
    expect(isSqliteUnavailable(sqliteError(10))).toBe(true); // SQLITE_IOERR
    expect(isSqliteUnavailable(sqliteError(10 | (3 << 8)))).toBe(true); // SQLITE_IOERR_WRITE
    expect(isSqliteUnavailable(sqliteError(10 | (4 << 8)))).toBe(true); // SQLITE_IOERR_FSYNC
    expect(isSqliteUnavailable(sqliteError(6 | (1 << 8)))).toBe(true); // SQLITE_LOCKED_SHAREDCACHE
    expect(isSqliteUnavailable(sqliteError(5 | (2 << 8)))).toBe(true); // SQLITE_BUSY_SNAPSHOT
  });

  test('constraint violations, SQL errors and anything not from SQLite are not outages', () => {
    const db = connect(file());
    db.exec('CREATE TABLE t (x TEXT PRIMARY KEY)');
    const unique = thrown(() => db.exec("INSERT INTO t VALUES ('a'), ('a')"));
    expect(unique).toMatchObject({ errcode: 1555 }); // SQLITE_CONSTRAINT_PRIMARYKEY
    expect(isSqliteUnavailable(unique)).toBe(false);
    expect(isSqliteUnavailable(thrown(() => db.exec('SELEC 1')))).toBe(false);
    expect(isSqliteUnavailable(sqliteError(19))).toBe(false); // SQLITE_CONSTRAINT
    expect(isSqliteUnavailable(sqliteError(11))).toBe(false); // SQLITE_CORRUPT: not worth a retry
    expect(isSqliteUnavailable(Object.assign(new Error('x'), { errcode: 5 }))).toBe(false);
    expect(isSqliteUnavailable(new Error('database is locked'))).toBe(false);
    expect(isSqliteUnavailable(undefined)).toBe(false);
    expect(isSqliteUnavailable(null)).toBe(false);
  });
});

describe('through the store guard', () => {
  const key: KeyRecord = {
    kid: 'k1',
    kind: 'signing',
    alg: 'ES256',
    createdAt: 1,
    activatesAt: 1,
    retiresAt: null,
    sealed: 'sealed',
  };

  /** A store on a real SQLite file whose keys part is the SQLite one; the rest is never called. */
  function sqliteBackedStore(path: string) {
    const db = connect(path);
    migrate(db, 0);
    const sql = new SqliteWriter(db);
    const store = {
      kind: 'sqlite',
      keys: new SqliteKeys(sql),
      oidc: {},
      accounts: {},
      audit: {},
      throttle: {},
      outbox: {},
      transfer: {},
      ping: () => sql.read(() => sql.statement('SELECT 1').get()),
      isUnavailable: isSqliteUnavailable,
      close: () => Promise.resolve(),
    } as unknown as Store;
    return { store, sql };
  }

  test('a locked database answers 503 temporarily_unavailable, and a duplicate stays an ordinary answer', async () => {
    const path = file();
    const { store, sql } = sqliteBackedStore(path);
    const outcomes: StoreOutcome[] = [];
    const guarded = guardStore(store, { operation: (_name, _s, outcome) => outcomes.push(outcome), availability() {} });
    await expect(guarded.keys.insert(key)).resolves.toBe(true);
    sql.flush();
    await expect(guarded.keys.insert(key)).resolves.toBe(false);
    sql.flush();

    const holder = connect(path);
    holder.exec('BEGIN IMMEDIATE');
    const failed = guarded.keys.insert({ ...key, kid: 'k2' });
    await expect(failed).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(failed).rejects.toMatchObject({ status: 503, statusCode: 503 });
    await expect(failed).rejects.toMatchObject({ cause: { errcode: 5 } });
    expect(outcomes).toEqual(['ok', 'ok', 'unavailable']);
    expect(guarded.up).toBe(false);
    holder.exec('ROLLBACK');
    await guarded.close();
  });
});
