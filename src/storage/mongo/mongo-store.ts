import type { Clock, Store } from '../store.js';
import { MongoAccounts } from './accounts.js';
import { MongoAudit } from './audit.js';
import { connectMongo } from './connection.js';
import { ensureIndexes } from './indexes.js';
import { MongoKeys } from './keys.js';
import { MongoOidcRecords } from './oidc-records.js';
import { MongoOutbox } from './outbox.js';
import { MongoThrottle } from './throttle.js';
import { MongoTransfer } from './transfer.js';
import { isMongoUnavailable } from './unavailable.js';

export interface MongoStoreOptions {
  uri: string;
  /** Defaults to the database named in the URI, else "signet". */
  dbName?: string;
  clock?: Clock;
}

export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  const clock = options.clock ?? Date.now;
  const { client, db } = await connectMongo(options.uri, options.dbName ?? dbNameFromUri(options.uri));
  try {
    await ensureIndexes(db);
    return {
      kind: 'mongodb',
      oidc: new MongoOidcRecords(db, clock),
      accounts: new MongoAccounts(db),
      keys: new MongoKeys(db),
      audit: new MongoAudit(db),
      throttle: new MongoThrottle(db),
      outbox: new MongoOutbox(db),
      transfer: new MongoTransfer(db, clock),
      async ping() {
        await db.command({ ping: 1 });
      },
      isUnavailable: isMongoUnavailable,
      async close() {
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}

function dbNameFromUri(uri: string): string {
  const path = uri.replace(/^mongodb(\+srv)?:\/\/[^/]*\/?/, '').split('?')[0];
  return path ? decodeURIComponent(path) : 'signet';
}
