import { randomBytes } from 'node:crypto';
import { expect, test } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { openMongoStore } from '../../src/storage/mongo/mongo-store.js';
import { CLAIMS } from '../../src/storage/mongo/oidc-records.js';
import type { TransferItem } from '../../src/storage/store.js';
import { describeMongo, dropTestDatabase, mongoStoreFactory, sqliteStoreFactory } from '../support/stores.js';
import { transferContract } from './transfer.contract.js';

describeMongo('TransferStore MongoDB → MongoDB', () => transferContract(mongoStoreFactory, mongoStoreFactory));
describeMongo('TransferStore SQLite → MongoDB', () => transferContract(sqliteStoreFactory, mongoStoreFactory));
describeMongo('TransferStore MongoDB → SQLite', () => transferContract(mongoStoreFactory, sqliteStoreFactory));

describeMongo('TransferStore on MongoDB: a consume cut short', () => {
  test('a record only its claim shows as consumed is exported consumed', async () => {
    const uri = process.env.SIGNET_TEST_MONGODB_URI ?? '';
    const dbName = `t_${randomBytes(8).toString('hex')}`;
    const store = await openMongoStore({ uri, dbName });
    const client = new MongoClient(uri);
    try {
      await store.oidc.upsert('RefreshToken', 'sha256.rt', { kind: 'RefreshToken', grantId: 'g' }, 3600);
      await store.oidc.upsert('RefreshToken', 'sha256.rt-free', { kind: 'RefreshToken', grantId: 'g' }, 3600);
      // What consume() leaves when the process dies between its two writes: the claim, no mark.
      await client
        .db(dbName)
        .collection<{ _id: string; expiresAt: Date | null }>(CLAIMS)
        .insertOne({ _id: 'RefreshToken:sha256.rt', expiresAt: null });
      const records: TransferItem[] = [];
      for await (const item of store.transfer.exportAll()) if ('record' in item) records.push(item);
      const consumed = new Map(
        records.flatMap((i) => ('record' in i ? [[i.record.id, i.record.payload.consumed]] : [])),
      );
      expect(consumed.get('sha256.rt')).toEqual(expect.any(Number));
      expect(consumed.get('sha256.rt-free')).toBeUndefined();
    } finally {
      await client.close();
      await store.close();
      await dropTestDatabase(dbName);
    }
  });
});
