import type { Clock, Store } from '../store.js';
import { SqliteAccounts } from './accounts.js';
import { SqliteAudit } from './audit.js';
import { openDatabase } from './connection.js';
import { SqliteKeys } from './keys.js';
import { migrate } from './migrations.js';
import { SqliteOidcRecords } from './oidc-records.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteThrottle } from './throttle.js';
import { SqliteTransfer } from './transfer.js';
import { settled, SqliteWriter } from './sqlite-writer.js';
import { isSqliteUnavailable } from './unavailable.js';

export interface SqliteStoreOptions {
  dataDir: string;
  clock?: Clock;
}

/** A promise, as the store's contract wants, though opening and migrating the file happen at once. */
export function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  return settled(() => open(options));
}

function open(options: SqliteStoreOptions): Store {
  const clock = options.clock ?? Date.now;
  const db = openDatabase(options.dataDir);
  migrate(db, clock());
  const sql = new SqliteWriter(db);
  return {
    kind: 'sqlite',
    oidc: new SqliteOidcRecords(sql, clock),
    accounts: new SqliteAccounts(sql),
    keys: new SqliteKeys(sql),
    audit: new SqliteAudit(sql),
    throttle: new SqliteThrottle(sql),
    outbox: new SqliteOutbox(sql),
    transfer: new SqliteTransfer(sql, clock),
    ping: () =>
      sql.read(() => {
        sql.statement('SELECT 1').get();
      }),
    isUnavailable: isSqliteUnavailable,
    close: () =>
      settled(() => {
        if (!db.isOpen) return;
        sql.flush();
        db.close();
      }),
  };
}
