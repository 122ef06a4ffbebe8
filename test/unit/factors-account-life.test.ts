import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { HOTP, Secret } from 'otpauth';
import { pino } from 'pino';
import { AccountSecurity } from '../../src/accounts/account-security.js';
import { AccountService } from '../../src/accounts/account-service.js';
import { PasswordHasher } from '../../src/accounts/password.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { Factors } from '../../src/factors/factors.js';
import { stepAt } from '../../src/factors/totp.js';
import { KeySealer } from '../../src/keys/key-encryption.js';
import type { Store } from '../../src/storage/store.js';
import { Throttle } from '../../src/throttle/throttle.js';
import { AccessRevoker } from '../../src/tokens/revocation.js';
import { sqliteStoreFactory } from '../support/stores.js';

// Second factors follow the account's life: a deletion takes them along, a password change and a
// disable leave them (recovery proves the address, not the phone).
describe('second factors across account changes (embedded store)', () => {
  const NOW = Date.parse('2026-05-04T10:00:00Z');
  const clock = () => NOW;
  let store: Store;
  let security: AccountSecurity;
  let factors: Factors;

  beforeEach(async () => {
    store = await sqliteStoreFactory(clock);
    const accounts = new AccountService(store.accounts, new PasswordHasher(), clock);
    const audit = new AuditLog(store.audit, pino({ level: 'silent' }), clock);
    security = new AccountSecurity(accounts, new AccessRevoker(store.oidc), audit, store.oidc);
    factors = new Factors({
      records: store.oidc,
      sealer: new KeySealer(['unit-test-secret']),
      pepper: Buffer.alloc(32, 3),
      clock,
      audit,
      throttle: new Throttle(store.throttle, clock),
      issuer: 'https://id.example.com',
      notify: () => Promise.resolve(),
    });
  });
  afterEach(async () => {
    await store.close();
  });

  const withApp = async () => {
    const account = await security.create({ email: 'ada@example.com', password: 'long enough pw' }, { via: 'cli' });
    const { factorId, secret } = await factors.enroll(account, 'Phone');
    const code = HOTP.generate({ secret: Secret.fromBase32(secret), counter: stepAt(NOW) });
    const confirmed = await factors.confirm(account, factorId, code, { via: 'account-page', lang: 'en' });
    expect(confirmed.ok).toBe('confirmed');
    return account;
  };

  test('the sealed secret opens only on its own record', async () => {
    const account = await security.create({ email: 'bo@example.com', password: 'long enough pw' }, { via: 'cli' });
    const { factorId, secret } = await factors.enroll(account, 'Phone');
    const stored = await store.oidc.find('Factor', factorId);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(() => new KeySealer(['unit-test-secret']).open(String(stored?.sealedSecret), 'factor:another')).toThrow();
  });

  test('deleting the account removes its apps and recovery codes', async () => {
    const account = await withApp();
    expect(await store.oidc.findByAccount('FactorUse', account.id)).toHaveLength(10);
    await security.delete(account, { via: 'cli' });
    expect(await store.oidc.findByAccount('Factor', account.id)).toEqual([]);
    expect(await store.oidc.findByAccount('FactorUse', account.id)).toEqual([]);
  });

  test('a new password and a disable keep them', async () => {
    const account = await withApp();
    await security.setPassword(account, 'another long password', { via: 'recovery' });
    await security.disable(account, { via: 'cli' });
    await security.enable(account, { via: 'cli' });
    expect(await factors.required(account.id)).toBe(true);
  });
});
