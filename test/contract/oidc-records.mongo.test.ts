import { randomBytes } from 'node:crypto';
import { expect, test } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { openMongoStore } from '../../src/storage/mongo/mongo-store.js';
import type { OidcPayload, TransferItem } from '../../src/storage/store.js';
import { describeMongo, dropTestDatabase, manualClock, mongoStoreFactory } from '../support/stores.js';
import { oidcRecordsContract } from './oidc-records.contract.js';

describeMongo('OidcRecordStore on MongoDB', () => oidcRecordsContract(mongoStoreFactory));

describeMongo('OidcRecordStore on MongoDB: documents an earlier version wrote', () => {
  // Earlier versions stored the payload itself as `payload` (MongoDB 5+ took dotted keys in it too).
  // A deployment that upgrades must keep reading them: sessions, grants and tokens stay valid.
  test('a plain nested payload is found, listed, consumed, revoked, exported and rewritten', async () => {
    const uri = process.env.SIGNET_TEST_MONGODB_URI ?? '';
    const dbName = `t_${randomBytes(8).toString('hex')}`;
    const start = Date.UTC(2100, 0, 1);
    const clock = manualClock(start);
    const store = await openMongoStore({ uri, dbName, clock: clock.now });
    const client = new MongoClient(uri);
    try {
      const session: OidcPayload = {
        kind: 'Session',
        uid: 'uid-old',
        accountId: 'acc-1',
        authorizations: { web: { grantId: 'g-old' } },
      };
      const token: OidcPayload = {
        kind: 'RefreshToken',
        grantId: 'g-old',
        accountId: 'acc-1',
        clientId: 'web',
        scope: 'openid',
        nested: { list: [1, 'two', null] },
      };
      const db = client.db(dbName);
      const old = (payload: OidcPayload) => ({
        payload,
        createdAt: new Date(start),
        expiresAt: new Date(start + 3_600_000),
      });
      await db.collection<{ _id: string }>('oidc_Session').insertOne({ _id: 's-old', ...old(session) });
      await db.collection<{ _id: string }>('oidc_RefreshToken').insertOne({ _id: 'rt-old', ...old(token) });

      expect(await store.oidc.find('Session', 's-old')).toStrictEqual(session);
      expect(await store.oidc.findByUid('Session', 'uid-old')).toStrictEqual(session);
      expect(await store.oidc.findByAccount('RefreshToken', 'acc-1', 'web')).toStrictEqual([
        { id: 'rt-old', payload: token, createdAt: start },
      ]);
      expect(await store.oidc.list('Session', 10)).toStrictEqual([{ id: 's-old', payload: session }]);

      expect(await store.oidc.consume('RefreshToken', 'rt-old')).toBe(true);
      expect(await store.oidc.consume('RefreshToken', 'rt-old')).toBe(false);
      const consumed = { ...token, consumed: Math.floor(start / 1000) };
      expect(await store.oidc.find('RefreshToken', 'rt-old')).toStrictEqual(consumed);
      const exported: TransferItem[] = [];
      for await (const item of store.transfer.exportAll()) exported.push(item);
      expect(exported).toContainEqual({
        record: {
          model: 'RefreshToken',
          id: 'rt-old',
          payload: consumed,
          createdAt: start,
          expiresAt: start + 3_600_000,
        },
      });
      await store.oidc.revokeByGrantId('RefreshToken', 'g-old');
      expect(await store.oidc.find('RefreshToken', 'rt-old')).toBeUndefined();

      // An overwrite moves the record to the current form, dotted keys and all, under the same lookups.
      const rewritten: OidcPayload = { ...session, authorizations: { 'https://api-x.example': { grantId: 'g.new' } } };
      await store.oidc.upsert('Session', 's-old', rewritten, 3600);
      expect(await store.oidc.findByUid('Session', 'uid-old')).toStrictEqual(rewritten);
      expect(await store.oidc.findByAccount('Session', 'acc-1')).toStrictEqual([
        { id: 's-old', payload: rewritten, createdAt: start },
      ]);
    } finally {
      await client.close();
      await store.close();
      await dropTestDatabase(dbName);
    }
  });
});
