import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { openDatabase } from '../../src/storage/sqlite/connection.js';
import { migrate, MIGRATIONS } from '../../src/storage/sqlite/migrations.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { sqliteStoreFactory } from '../support/stores.js';
import { accountsContract } from './accounts.contract.js';

describe('AccountStore on SQLite', () => accountsContract(sqliteStoreFactory));

describe('AccountStore on SQLite, upgraded', () => {
  test('a row written at schema 6, before the email-verified flag, reads as verified after the upgrade', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'signet-sqlite-v6-'));
    try {
      const db = openDatabase(dataDir);
      expect(
        migrate(
          db,
          1,
          MIGRATIONS.filter((step) => step.version <= 6),
        ),
      ).toBe(6);
      db.prepare(
        `INSERT INTO accounts (id, email, name, password_hash, disabled, created_at, updated_at)
         VALUES ('old-1', 'old@example.com', 'Old Timer', '$argon2id$old', 0, 10, 20)`,
      ).run();
      db.close();

      const store = await openSqliteStore({ dataDir });
      try {
        const old = await store.accounts.findById('old-1');
        expect(old).toEqual({
          id: 'old-1',
          email: 'old@example.com',
          name: 'Old Timer',
          passwordHash: '$argon2id$old',
          disabled: false,
          emailVerified: true,
          createdAt: 10,
          updatedAt: 20,
        });
        // The upgrade vouches only for rows it found: a new account still starts as its creator says.
        await store.accounts.create({
          ...(old as NonNullable<typeof old>),
          id: 'new-1',
          email: 'new@example.com',
          emailVerified: false,
        });
        expect((await store.accounts.findById('new-1'))?.emailVerified).toBe(false);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
