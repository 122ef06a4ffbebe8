// The SQLite writer's group commit: writes of one event-loop turn share a transaction, yet a write that
// fails leaves nothing of itself behind and takes nothing of the others with it, and a commit that
// fails rejects every write of its batch and keeps none of them. On a real database file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, expect, test } from '@jest/globals';
import { settled, SqliteWriter } from '../../src/storage/sqlite/sqlite-writer.js';

const dirs: string[] = [];
const open: DatabaseSync[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.isOpen) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writer(): { sql: SqliteWriter; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'signet-writer-'));
  dirs.push(dir);
  const path = join(dir, 'test.db');
  const db = new DatabaseSync(path);
  open.push(db);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec(`
    CREATE TABLE parent (id TEXT PRIMARY KEY);
    CREATE TABLE item (id TEXT PRIMARY KEY, parent TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
  `);
  return { sql: new SqliteWriter(db), path };
}

const insert = (sql: SqliteWriter, id: string, parent: string | null = null) =>
  sql.statement('INSERT INTO item (id, parent) VALUES (?, ?)').run(id, parent);

/** What another connection sees: only what was committed. */
function committed(path: string): string[] {
  const reader = new DatabaseSync(path, { readOnly: true });
  open.push(reader);
  return (reader.prepare('SELECT id FROM item ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
}

test('a statement that fails inside a write undoes that write alone; the rest of the batch commits', async () => {
  const { sql, path } = writer();
  const before = sql.write(() => insert(sql, 'a'));
  const failing = sql.write(() => {
    insert(sql, 'b');
    insert(sql, 'a'); // the primary key is taken: throws after 'b' went in
  });
  const after = sql.write(() => insert(sql, 'c'));
  sql.flush();
  await expect(before).resolves.toMatchObject({ changes: 1 });
  await expect(failing).rejects.toMatchObject({ code: 'ERR_SQLITE_ERROR', errstr: 'constraint failed' });
  await expect(after).resolves.toMatchObject({ changes: 1 });
  expect(committed(path)).toEqual(['a', 'c']);
});

test('a write whose own code throws is undone too, and rejects with an Error', async () => {
  const { sql, path } = writer();
  const failing = sql.write(() => {
    insert(sql, 'x');
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless caller might do
    throw 'not an Error';
  });
  sql.flush();
  await expect(failing).rejects.toThrow('not an Error');
  expect(committed(path)).toEqual([]);
});

test('nothing is visible to another connection, nor acknowledged, before the commit', async () => {
  const { sql, path } = writer();
  let acknowledged = false;
  const write = sql.write(() => insert(sql, 'a')).then(() => (acknowledged = true));
  await Promise.resolve();
  expect(acknowledged).toBe(false);
  expect(committed(path)).toEqual([]);
  sql.flush();
  await write;
  expect(committed(path)).toEqual(['a']);
});

test('a commit that fails rejects every write of the batch and leaves none of them written', async () => {
  const { sql, path } = writer();
  const fine = sql.write(() => insert(sql, 'a'));
  // A deferred foreign key is checked at COMMIT: the whole transaction is refused there.
  const orphan = sql.write(() => insert(sql, 'b', 'no such parent'));
  sql.flush();
  await expect(fine).rejects.toMatchObject({ code: 'ERR_SQLITE_ERROR' });
  await expect(orphan).rejects.toMatchObject({ code: 'ERR_SQLITE_ERROR' });
  expect(sql.db.isTransaction).toBe(false);
  expect(committed(path)).toEqual([]);
  // The writer is usable again afterwards.
  const next = sql.write(() => insert(sql, 'c'));
  sql.flush();
  await expect(next).resolves.toMatchObject({ changes: 1 });
  expect(committed(path)).toEqual(['c']);
});

test('a batch commits by itself on the next turn of the event loop', async () => {
  const { sql, path } = writer();
  await sql.write(() => insert(sql, 'a'));
  expect(committed(path)).toEqual(['a']);
});

test('read and settled turn a throwing statement into a rejection', async () => {
  const { sql } = writer();
  await expect(sql.read(() => sql.statement('SELECT COUNT(*) AS n FROM item').get())).resolves.toEqual({ n: 0 });
  const bad = () => sql.statement('SELECT nothing FROM nowhere').get();
  let read: Promise<unknown> | undefined;
  expect(() => (read = sql.read(bad))).not.toThrow();
  await expect(read).rejects.toMatchObject({ code: 'ERR_SQLITE_ERROR' });
  await expect(settled(() => 1)).resolves.toBe(1);
});
