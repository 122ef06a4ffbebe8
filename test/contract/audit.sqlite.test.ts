import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import { openSqliteFixture, sqliteStoreFactory, type SqliteFixture } from '../support/stores.js';
import { auditContract, auditEvent } from './audit.contract.js';

describe('AuditStore on SQLite', () => auditContract(sqliteStoreFactory));

// Append-only is enforced by the database itself, not only by the absence of an update/delete API:
// a second connection to the same file (an operator's sqlite3 shell, a compromised process) is refused too.
describe('AuditStore on SQLite: the database refuses to change or remove audit events', () => {
  let fixture: SqliteFixture;
  let raw: DatabaseSync;
  const first = auditEvent({ id: 'ev-1', at: 1_000, type: 'login.success', details: { n: 1 } });
  const second = auditEvent({ id: 'ev-2', at: 2_000, type: 'logout', accountId: null, details: {} });

  beforeEach(async () => {
    fixture = await openSqliteFixture();
    await fixture.store.audit.append([first]);
    await fixture.store.audit.append([second]);
    raw = new DatabaseSync(join(fixture.dataDir, 'signet.db'));
    raw.exec('PRAGMA busy_timeout = 5000');
  });

  afterEach(async () => {
    if (raw.isOpen) raw.close();
    await fixture.store.close();
  });

  async function unchanged(): Promise<void> {
    expect(await fixture.store.audit.list({ limit: 10 })).toStrictEqual([second, first]);
    expect(raw.prepare('SELECT COUNT(*) AS n FROM audit_events').get()).toEqual({ n: 2 });
  }

  test('the raw connection sees the events (sanity check of the setup)', () => {
    expect(
      raw
        .prepare('SELECT id FROM audit_events ORDER BY at')
        .all()
        .map((r) => r.id),
    ).toEqual(['ev-1', 'ev-2']);
  });

  test.each([
    ['UPDATE of one row', "UPDATE audit_events SET type = 'tampered' WHERE id = 'ev-1'"],
    ['UPDATE of every row', "UPDATE audit_events SET details = '{}', account_id = NULL"],
    ['UPDATE of the time only', 'UPDATE audit_events SET at = at + 1'],
    [
      'UPSERT turning into an UPDATE',
      `INSERT INTO audit_events (id, at, type, details) VALUES ('ev-1', 5, 'forged', '{}')
                                      ON CONFLICT (id) DO UPDATE SET type = excluded.type`,
    ],
  ])('%s is refused', async (_name, sql) => {
    expect(() => raw.exec(sql)).toThrow(/append-only/);
    await unchanged();
  });

  test.each([
    ['DELETE of one row', "DELETE FROM audit_events WHERE id = 'ev-1'"],
    ['DELETE of every row', 'DELETE FROM audit_events'],
  ])('%s is refused', async (_name, sql) => {
    expect(() => raw.exec(sql)).toThrow(/append-only/);
    await unchanged();
  });

  test('a refused statement inside a transaction leaves nothing behind', async () => {
    raw.exec('BEGIN');
    raw.exec(`INSERT INTO audit_events (id, at, type, details) VALUES ('ev-3', 3000, 'x', '{}')`);
    expect(() => raw.exec("DELETE FROM audit_events WHERE id = 'ev-1'")).toThrow(/append-only/);
    raw.exec('ROLLBACK');
    await unchanged();
  });

  // REPLACE deletes the conflicting row without firing DELETE triggers (unless recursive_triggers is on,
  // which is per connection): an overwrite through it must be refused as well.
  test.each([
    [
      'INSERT OR REPLACE on an existing id',
      `INSERT OR REPLACE INTO audit_events (id, at, type, details) VALUES ('ev-1', 1000, 'forged', '{}')`,
    ],
    [
      'REPLACE on an existing id',
      `REPLACE INTO audit_events (id, at, type, details) VALUES ('ev-2', 2000, 'forged', '{}')`,
    ],
  ])('%s is refused', async (_name, sql) => {
    expect(() => raw.exec(sql)).toThrow();
    await unchanged();
  });

  test('appending through the store still works next to the raw connection', async () => {
    const third = auditEvent({ id: 'ev-3', at: 3_000 });
    await fixture.store.audit.append([third]);
    expect(await fixture.store.audit.list({ limit: 10 })).toStrictEqual([third, second, first]);
  });
});
