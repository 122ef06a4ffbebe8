// SQLite schema steps: every step runs once, and a step that shipped after a higher-numbered one (two
// changes written in parallel) still runs on a database that already has the higher one.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, expect, test } from '@jest/globals';
import { migrate } from '../../src/storage/sqlite/migrations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function database(): DatabaseSync {
  const dir = mkdtempSync(join(tmpdir(), 'signet-migrate-'));
  dirs.push(dir);
  return new DatabaseSync(join(dir, 'test.db'));
}

const tables = (db: DatabaseSync) =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't_%' ORDER BY name").all() as Array<{
      name: string;
    }>
  ).map((r) => r.name);

test('a step numbered below the highest applied one still runs, once', () => {
  const db = database();
  expect(
    migrate(db, 1, [
      { version: 1, sql: 'CREATE TABLE t_one (x)' },
      { version: 3, sql: 'CREATE TABLE t_three (x)' },
    ]),
  ).toBe(3);
  const all = [
    { version: 1, sql: 'CREATE TABLE t_one (x)' },
    { version: 2, sql: 'CREATE TABLE t_two (x)' },
    { version: 3, sql: 'CREATE TABLE t_three (x)' },
  ];
  expect(migrate(db, 2, all)).toBe(3);
  expect(tables(db)).toEqual(['t_one', 't_three', 't_two']);
  expect(migrate(db, 3, all)).toBe(3);
  db.close();
});

test('the shipped steps apply to a fresh database and again as a no-op', () => {
  const db = database();
  const version = migrate(db, 1);
  expect(version).toBeGreaterThanOrEqual(6);
  expect(migrate(db, 2)).toBe(version);
  expect(db.prepare("SELECT 1 AS ok FROM sqlite_master WHERE name = 'mail_outbox'").get()).toEqual({ ok: 1 });
  db.close();
});
