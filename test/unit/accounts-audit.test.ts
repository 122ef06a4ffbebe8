import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { AccountSecurity } from '../../src/accounts/account-security.js';
import { AccountService } from '../../src/accounts/account-service.js';
import { PasswordHasher } from '../../src/accounts/password.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { Store } from '../../src/storage/store.js';
import { AccessRevoker } from '../../src/tokens/revocation.js';
import { sqliteStoreFactory } from '../support/stores.js';

// Account changes made for someone are recorded by the service, so the CLI and any other caller leave
// the same trail.
describe('AccountSecurity writes its own audit events (embedded store)', () => {
  const NOW = Date.parse('2026-05-04T10:00:00Z');
  const clock = () => NOW;
  let store: Store;
  let security: AccountSecurity;

  beforeEach(async () => {
    store = await sqliteStoreFactory(clock);
    const accounts = new AccountService(store.accounts, new PasswordHasher(), clock);
    const audit = new AuditLog(store.audit, pino({ level: 'silent' }), clock);
    security = new AccountSecurity(accounts, new AccessRevoker(store.oidc), audit);
  });
  afterEach(async () => {
    await store.close();
  });

  const trail = async () =>
    (await store.audit.list({ limit: 100 }))
      .reverse()
      .map(({ type, accountId, ip, userAgent, details, at }) => ({ type, accountId, ip, userAgent, details, at }));

  test('create and identity changes are recorded with who asked, from where', async () => {
    const account = await security.create({ email: 'ada@example.com', password: 'long enough pw' }, { via: 'cli' });
    const renamed = await security.changeIdentity(account, { name: 'Ada' }, { via: 'cli' });
    const moved = await security.changeIdentity(
      renamed,
      { email: 'ada.king@example.com', name: null },
      { via: 'account-page', ip: '192.0.2.7', userAgent: 'Firefox' },
    );
    // Writing the email it already has changes only the name.
    await security.changeIdentity(moved, { email: 'ADA.KING@example.com', name: 'Ada K' }, { via: 'cli' });

    const id = account.id;
    expect(await trail()).toEqual([
      {
        type: 'account.created',
        accountId: id,
        ip: null,
        userAgent: null,
        details: { via: 'cli', email_verified: false },
        at: NOW,
      },
      {
        type: 'account.updated',
        accountId: id,
        ip: null,
        userAgent: null,
        details: { via: 'cli', fields: ['name'] },
        at: NOW,
      },
      {
        type: 'account.updated',
        accountId: id,
        ip: '192.0.2.7',
        userAgent: 'Firefox',
        details: { via: 'account-page', fields: ['email', 'name'] },
        at: NOW,
      },
      {
        type: 'account.updated',
        accountId: id,
        ip: null,
        userAgent: null,
        details: { via: 'cli', fields: ['name'] },
        at: NOW,
      },
    ]);
    expect(JSON.stringify(await trail())).not.toContain('long enough pw');
  });

  test('the verified flag: vouched for at creation, lost with a new address unless vouched for again, and audited', async () => {
    const account = await security.create(
      { email: 'grace@example.com', password: 'long enough pw', emailVerified: true },
      { via: 'cli' },
    );
    expect(account.emailVerified).toBe(true);
    const moved = await security.changeIdentity(account, { email: 'grace.h@example.com' }, { via: 'cli' });
    expect(moved.emailVerified).toBe(false);
    const vouched = await security.changeIdentity(moved, { emailVerified: true }, { via: 'cli' });
    expect(vouched).toMatchObject({ email: 'grace.h@example.com', emailVerified: true });
    const movedVouched = await security.changeIdentity(
      vouched,
      { email: 'grace@example.org', emailVerified: true },
      { via: 'cli' },
    );
    expect(movedVouched.emailVerified).toBe(true);
    const unvouched = await security.changeIdentity(movedVouched, { emailVerified: false }, { via: 'cli' });
    expect((await store.accounts.findById(account.id))?.emailVerified).toBe(false);
    expect(unvouched.email).toBe('grace@example.org');

    expect((await trail()).map((e) => e.details)).toEqual([
      { via: 'cli', email_verified: true },
      { via: 'cli', fields: ['email', 'email_verified'] },
      { via: 'cli', fields: ['email_verified'] },
      { via: 'cli', fields: ['email'] },
      { via: 'cli', fields: ['email_verified'] },
    ]);
  });

  test('a refused create or change records nothing', async () => {
    const account = await security.create({ email: 'bob@example.com', password: 'long enough pw' }, { via: 'cli' });
    await security.create({ email: 'eve@example.com', password: 'long enough pw' }, { via: 'cli' });
    await expect(
      security.create({ email: 'BOB@example.com', password: 'long enough pw' }, { via: 'cli' }),
    ).rejects.toThrow();
    await expect(security.create({ email: 'x@example.com', password: 'short' }, { via: 'cli' })).rejects.toThrow();
    await expect(security.changeIdentity(account, { email: 'eve@example.com' }, { via: 'cli' })).rejects.toThrow();
    await expect(security.changeIdentity(account, { email: 'not an email' }, { via: 'cli' })).rejects.toThrow();
    expect((await trail()).map((e) => e.type)).toEqual(['account.created', 'account.created']);
  });
});
