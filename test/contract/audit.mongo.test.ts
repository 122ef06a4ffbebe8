import { randomBytes } from 'node:crypto';
import { expect, test } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { openMongoStore } from '../../src/storage/mongo/mongo-store.js';
import type { TransferItem } from '../../src/storage/store.js';
import { describeMongo, dropTestDatabase, mongoStoreFactory } from '../support/stores.js';
import { auditContract, auditEvent } from './audit.contract.js';

describeMongo('AuditStore on MongoDB', () => auditContract(mongoStoreFactory));

describeMongo('AuditStore on MongoDB: events an earlier version wrote', () => {
  // Earlier versions stored `details` as an object; an upgraded deployment keeps listing and exporting them.
  test('details stored as an object are listed and exported as they were', async () => {
    const uri = process.env.SIGNET_TEST_MONGODB_URI ?? '';
    const dbName = `t_${randomBytes(8).toString('hex')}`;
    const store = await openMongoStore({ uri, dbName });
    const client = new MongoClient(uri);
    try {
      const old = auditEvent({ id: 'ev-1-old', details: { grant_id: 'g-1', nested: { list: [1, 'two', null] } } });
      const { id, ...rest } = old;
      await client
        .db(dbName)
        .collection<{ _id: string }>('audit_events')
        .insertOne({ _id: id, ...rest });
      const current = auditEvent({
        id: 'ev-2-new',
        at: old.at + 1,
        details: { resources: { 'https://api-x.example': ['read'] } },
      });
      await store.audit.append([current]);
      expect(await store.audit.list({ limit: 10 })).toStrictEqual([current, old]);
      const exported: TransferItem[] = [];
      for await (const item of store.transfer.exportAll()) exported.push(item);
      expect(exported).toStrictEqual([{ audit: old }, { audit: current }]);
    } finally {
      await client.close();
      await store.close();
      await dropTestDatabase(dbName);
    }
  });
});
