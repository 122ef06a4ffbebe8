import type { Clock, Store } from '../store.js';
import { SqliteAccounts } from './accounts.js';
import { SqliteAudit } from './audit.js';
import { openDatabase } from './connection.js';
import { SqliteKeys } from './keys.js';
import { migrate } from './migrations.js';
import { SqliteOidcRecords } from './oidc-records.js';
import { SqliteThrottle } from './throttle.js';
import { isSqliteUnavailable } from './unavailable.js';

export interface SqliteStoreOptions {
  dataDir: string;
  clock?: Clock;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const clock = options.clock ?? Date.now;
  const db = openDatabase(options.dataDir);
  migrate(db, clock());
  return {
    kind: 'sqlite',
    oidc: new SqliteOidcRecords(db, clock),
    accounts: new SqliteAccounts(db),
    keys: new SqliteKeys(db),
    audit: new SqliteAudit(db),
    throttle: new SqliteThrottle(db),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    isUnavailable: isSqliteUnavailable,
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
