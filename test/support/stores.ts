// Store fixtures for the contract suites: every call gets a store of its own (fresh SQLite directory,
// fresh Mongo database), and close() also removes what the fixture created.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Clock, Store } from '../../src/storage/store.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { openMongoStore } from '../../src/storage/mongo/mongo-store.js';
import { describeIf } from './describe-if.js';

export type StoreFactory = (clock?: Clock) => Promise<Store>;

/** A clock that only moves when told to: `now` is the Clock to inject. */
export interface ManualClock {
  readonly now: Clock;
  advance(ms: number): void;
}

export function manualClock(start: number): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

/** A SQLite store together with its data directory, for suites that must reach the database file itself. */
export interface SqliteFixture {
  readonly store: Store;
  /** The store's DATA_DIR: the database file is `signet.db` in it. Removed by `store.close()`. */
  readonly dataDir: string;
}

export async function openSqliteFixture(clock?: Clock): Promise<SqliteFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'signet-sqlite-'));
  const store = await openSqliteStore(clock ? { dataDir, clock } : { dataDir });
  return { store: withCleanup(store, () => rm(dataDir, { recursive: true, force: true })), dataDir };
}

export const sqliteStoreFactory: StoreFactory = async (clock) => (await openSqliteFixture(clock)).store;

export const mongoStoreFactory: StoreFactory = async (clock) => {
  const uri = mongoUri();
  const dbName = `t_${randomBytes(8).toString('hex')}`;
  const store = await openMongoStore(clock ? { uri, dbName, clock } : { uri, dbName });
  return withCleanup(store, () => dropTestDatabase(dbName));
};

/** Drops a database a test made on the test MongoDB (FerretDB); nothing to do when there is none. */
export async function dropTestDatabase(dbName: string): Promise<void> {
  const uri = process.env.SIGNET_TEST_MONGODB_URI;
  if (!uri) return;
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}

/** `describe` when global-setup found a MongoDB (or FerretDB), otherwise a loudly announced skip. */
export const describeMongo = (name: string, fn: () => void): void =>
  describeIf(
    Boolean(process.env.SIGNET_TEST_MONGODB_URI),
    name,
    'no MongoDB/FerretDB available (see test/support/ferretdb.ts)',
    fn,
  );

function mongoUri(): string {
  const uri = process.env.SIGNET_TEST_MONGODB_URI;
  if (!uri) throw new Error('SIGNET_TEST_MONGODB_URI is unset: global-setup did not start FerretDB');
  return uri;
}

function withCleanup(store: Store, cleanup: () => Promise<unknown>): Store {
  // Every port of the store as it is, only close() extended (a new port needs no change here).
  return {
    ...store,
    ping: () => store.ping(),
    close: async () => {
      try {
        await store.close();
      } finally {
        await cleanup();
      }
    },
  };
}
