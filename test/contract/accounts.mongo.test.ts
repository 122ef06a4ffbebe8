import { randomBytes } from 'node:crypto';
import { expect, test } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { openMongoStore } from '../../src/storage/mongo/mongo-store.js';
import { describeMongo, dropTestDatabase, mongoStoreFactory } from '../support/stores.js';
import { accountsContract } from './accounts.contract.js';

describeMongo('AccountStore on MongoDB', () => accountsContract(mongoStoreFactory));

describeMongo('AccountStore on MongoDB, older documents', () => {
  test('a document written before the email-verified flag reads as verified, in find and list', async () => {
    const uri = process.env.SIGNET_TEST_MONGODB_URI ?? '';
    const dbName = `t_${randomBytes(8).toString('hex')}`;
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      await client.connect();
      await client.db(dbName).collection<{ _id: string; [field: string]: unknown }>('accounts').insertOne({
        _id: 'old-1',
        email: 'old@example.com',
        name: 'Old Timer',
        passwordHash: '$argon2id$old',
        disabled: false,
        createdAt: 10,
        updatedAt: 20,
      });
      const store = await openMongoStore({ uri, dbName });
      try {
        const expected = {
          id: 'old-1',
          email: 'old@example.com',
          name: 'Old Timer',
          passwordHash: '$argon2id$old',
          disabled: false,
          emailVerified: true,
          createdAt: 10,
          updatedAt: 20,
        };
        expect(await store.accounts.findById('old-1')).toEqual(expected);
        expect(await store.accounts.findByEmail('old@example.com')).toEqual(expected);
        expect(await store.accounts.list({ limit: 10 })).toEqual([expected]);
        // New documents always carry the flag, so an unverified one is never mistaken for an old one.
        await store.accounts.create({ ...expected, id: 'new-1', email: 'new@example.com', emailVerified: false });
        const stored = await client
          .db(dbName)
          .collection<{ _id: string; [field: string]: unknown }>('accounts')
          .findOne({ _id: 'new-1' });
        expect(stored).toMatchObject({ emailVerified: false });
        expect((await store.accounts.findById('new-1'))?.emailVerified).toBe(false);
      } finally {
        await store.close();
      }
    } finally {
      await client.close();
      await dropTestDatabase(dbName);
    }
  });
});
