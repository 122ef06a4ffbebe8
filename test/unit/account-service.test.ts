import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import argon2 from 'argon2';
import { AccountService } from '../../src/accounts/account-service.js';
import { OWASP_MINIMUM, PasswordHasher } from '../../src/accounts/password.js';
import { DuplicateError, ValidationError } from '../../src/errors.js';
import type { Store } from '../../src/storage/store.js';
import { sqliteStoreFactory } from '../support/stores.js';

describe('AccountService (argon2id on the embedded store)', () => {
  let store: Store;
  let service: AccountService;

  beforeEach(async () => {
    store = await sqliteStoreFactory();
    service = new AccountService(store.accounts, new PasswordHasher(), Date.now);
  });
  afterEach(async () => {
    await store.close();
  });

  test('hashes with argon2id at no less than the OWASP parameters', async () => {
    const account = await service.create({ email: ' Bob@Example.COM ', password: 'long enough pw' });
    expect(account.email).toBe('bob@example.com');
    expect(account.passwordHash).toMatch(/^\$argon2id\$/);
    const params = /m=(\d+),p=\d+,t=(\d+)/.exec(account.passwordHash);
    expect(Number(params?.[1])).toBeGreaterThanOrEqual(OWASP_MINIMUM.memoryCost);
    expect(Number(params?.[2])).toBeGreaterThanOrEqual(OWASP_MINIMUM.timeCost);
  });

  test('refuses parameters below the OWASP floor', () => {
    expect(() => new PasswordHasher({ memoryCost: 4096 })).toThrow(/OWASP/);
  });

  test('emails are unique case-insensitively; bad input is a validation error', async () => {
    await service.create({ email: 'bob@example.com', password: 'long enough pw' });
    await expect(service.create({ email: 'BOB@example.com', password: 'long enough pw' })).rejects.toBeInstanceOf(
      DuplicateError,
    );
    await expect(service.create({ email: 'not-an-email', password: 'long enough pw' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(service.create({ email: 'c@example.com', password: 'short' })).rejects.toBeInstanceOf(ValidationError);
  });

  test('authenticates case-insensitively; wrong, unknown and disabled all give undefined', async () => {
    await service.create({ email: 'bob@example.com', password: 'long enough pw' });
    expect(await service.authenticate('BOB@example.com', 'long enough pw')).toBeDefined();
    expect(await service.authenticate('bob@example.com', 'wrong password')).toBeUndefined();
    expect(await service.authenticate('eve@example.com', 'long enough pw')).toBeUndefined();
    await service.setDisabled((await service.findByEmail('bob@example.com')).id, true);
    expect(await service.authenticate('bob@example.com', 'long enough pw')).toBeUndefined();
  });

  test('a hash made with weaker parameters is replaced on the next successful login', async () => {
    const account = await service.create({ email: 'old@example.com', password: 'long enough pw' });
    const weak = await argon2.hash('long enough pw', {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 1,
      parallelism: 1,
    });
    await store.accounts.update(account.id, { passwordHash: weak }, Date.now());
    expect(await service.authenticate('old@example.com', 'long enough pw')).toBeDefined();
    const after = await store.accounts.findById(account.id);
    expect(after?.passwordHash).not.toBe(weak);
    expect(after?.passwordHash).toMatch(/m=19456,p=1,t=2/);
  });
});
