// The AccountStore contract, run against every backend.

import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import { DuplicateError } from '../../src/errors.js';
import type { AccountProfile, AccountRecord, Store } from '../../src/storage/store.js';
import type { StoreFactory } from '../support/stores.js';

const T0 = Date.UTC(2030, 0, 1);

function account(overrides: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id: 'acc-1',
    email: 'alice@example.com',
    name: 'Alice Ærø 👩‍💻',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    disabled: false,
    emailVerified: true,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function accountsContract(factory: StoreFactory): void {
  let store: Store;

  beforeEach(async () => {
    store = await factory();
  });

  afterEach(async () => {
    await store.close();
  });

  describe('create and find', () => {
    test('findById and findByEmail return the created record', async () => {
      await store.accounts.create(account());
      await store.accounts.create(account({ id: 'acc-2', email: 'bob@example.com', name: null }));
      expect(await store.accounts.findById('acc-1')).toEqual(account());
      expect(await store.accounts.findByEmail('alice@example.com')).toEqual(account());
      expect(await store.accounts.findById('acc-2')).toEqual(
        account({ id: 'acc-2', email: 'bob@example.com', name: null }),
      );
    });

    test('unknown id or email resolves undefined', async () => {
      await store.accounts.create(account());
      expect(await store.accounts.findById('acc-404')).toBeUndefined();
      expect(await store.accounts.findByEmail('nobody@example.com')).toBeUndefined();
    });

    test('a taken email is refused with DuplicateError and the original is kept', async () => {
      await store.accounts.create(account());
      const attempt = store.accounts.create(account({ id: 'acc-2', name: 'Mallory' }));
      await expect(attempt).rejects.toBeInstanceOf(DuplicateError);
      expect(await store.accounts.findById('acc-2')).toBeUndefined();
      expect(await store.accounts.findByEmail('alice@example.com')).toEqual(account());
    });

    test('the disabled flag round-trips as a boolean', async () => {
      await store.accounts.create(account({ id: 'off', email: 'off@example.com', disabled: true }));
      await store.accounts.create(account({ id: 'on', email: 'on@example.com', disabled: false }));
      expect((await store.accounts.findById('off'))?.disabled).toBe(true);
      expect((await store.accounts.findByEmail('off@example.com'))?.disabled).toBe(true);
      expect((await store.accounts.findById('on'))?.disabled).toBe(false);
    });

    test('the email-verified flag round-trips as a boolean, both ways, in find and list', async () => {
      await store.accounts.create(account({ id: 'yes', email: 'yes@example.com', emailVerified: true }));
      await store.accounts.create(account({ id: 'no', email: 'no@example.com', emailVerified: false }));
      expect(await store.accounts.findById('yes')).toEqual(
        account({ id: 'yes', email: 'yes@example.com', emailVerified: true }),
      );
      expect(await store.accounts.findByEmail('no@example.com')).toEqual(
        account({ id: 'no', email: 'no@example.com', emailVerified: false }),
      );
      const listed = await store.accounts.list({ limit: 10 });
      expect(listed.map((a) => [a.id, a.emailVerified])).toEqual([
        ['no', false],
        ['yes', true],
      ]);
    });
  });

  describe('update', () => {
    beforeEach(async () => {
      await store.accounts.create(account());
      await store.accounts.create(account({ id: 'acc-2', email: 'bob@example.com' }));
    });

    test('applies the patch, bumps updatedAt, and returns the new record', async () => {
      const later = T0 + 60_000;
      const updated = await store.accounts.update('acc-1', { name: 'Alice Liddell' }, later);
      const expected = account({ name: 'Alice Liddell', updatedAt: later });
      expect(updated).toEqual(expected);
      expect(await store.accounts.findById('acc-1')).toEqual(expected);
      expect(await store.accounts.findById('acc-2')).toEqual(account({ id: 'acc-2', email: 'bob@example.com' }));
    });

    test('patches several fields, including name to null and disabled', async () => {
      const later = T0 + 120_000;
      const patch = { name: null, passwordHash: '$argon2id$new', disabled: true };
      const updated = await store.accounts.update('acc-1', patch, later);
      expect(updated).toEqual(account({ ...patch, updatedAt: later }));
      expect(await store.accounts.findByEmail('alice@example.com')).toEqual(account({ ...patch, updatedAt: later }));

      const back = await store.accounts.update('acc-1', { disabled: false }, later + 1);
      expect(back?.disabled).toBe(false);
      expect(back?.passwordHash).toBe('$argon2id$new');
      expect(back?.updatedAt).toBe(later + 1);
      expect(back?.createdAt).toBe(T0);
    });

    test('sets and clears the email-verified flag, and leaves it alone when the patch does not name it', async () => {
      const cleared = await store.accounts.update('acc-1', { emailVerified: false }, T0 + 1);
      expect(cleared).toEqual(account({ emailVerified: false, updatedAt: T0 + 1 }));
      const renamed = await store.accounts.update('acc-1', { name: 'Alice L.' }, T0 + 2);
      expect(renamed?.emailVerified).toBe(false);
      const set = await store.accounts.update('acc-1', { emailVerified: true }, T0 + 3);
      expect(set).toEqual(account({ name: 'Alice L.', updatedAt: T0 + 3 }));
      expect(await store.accounts.findByEmail('alice@example.com')).toEqual(set);
      expect((await store.accounts.update('acc-1', { disabled: true }, T0 + 4))?.emailVerified).toBe(true);
      expect((await store.accounts.findById('acc-2'))?.emailVerified).toBe(true);
    });

    test('of an unknown id resolves undefined and creates nothing', async () => {
      expect(await store.accounts.update('ghost', { name: 'Ghost' }, T0 + 1)).toBeUndefined();
      expect(await store.accounts.findById('ghost')).toBeUndefined();
    });
  });

  describe('profile claims', () => {
    const PROFILE = {
      givenName: 'Alice',
      familyName: 'Ærø',
      middleName: 'Astrid',
      nickname: 'Ali',
      preferredUsername: 'alice',
      profile: 'https://people.example.com/alice',
      picture: 'https://pics.example.com/a.png',
      website: 'https://alice.example.org/',
      gender: 'female',
      birthdate: '1990',
      locale: 'nb-NO',
      zoneinfo: 'Europe/Oslo',
    } satisfies Required<AccountProfile>;

    test('a profile given at creation round-trips; an account without one has none', async () => {
      await store.accounts.create(account({ profile: PROFILE }));
      await store.accounts.create(account({ id: 'acc-2', email: 'bob@example.com' }));
      expect(await store.accounts.findById('acc-1')).toEqual(account({ profile: PROFILE }));
      expect(await store.accounts.findByEmail('alice@example.com')).toEqual(account({ profile: PROFILE }));
      expect(await store.accounts.findById('acc-2')).not.toHaveProperty('profile');
    });

    test('update replaces the whole profile, leaves it alone when not given, and an empty one removes it', async () => {
      await store.accounts.create(account());
      const set = await store.accounts.update('acc-1', { profile: PROFILE }, T0 + 1);
      expect(set).toEqual(account({ profile: PROFILE, updatedAt: T0 + 1 }));
      const renamed = await store.accounts.update('acc-1', { name: 'Alice L.' }, T0 + 2);
      expect(renamed?.profile).toEqual(PROFILE);
      const replaced = await store.accounts.update('acc-1', { profile: { locale: 'en-GB' } }, T0 + 3);
      expect(replaced?.profile).toEqual({ locale: 'en-GB' });
      const cleared = await store.accounts.update('acc-1', { profile: {} }, T0 + 4);
      expect(cleared).toEqual(account({ name: 'Alice L.', updatedAt: T0 + 4 }));
      expect(await store.accounts.findById('acc-1')).toEqual(account({ name: 'Alice L.', updatedAt: T0 + 4 }));
    });
  });

  describe('delete', () => {
    beforeEach(async () => {
      await store.accounts.create(account());
      await store.accounts.create(account({ id: 'acc-2', email: 'bob@example.com' }));
    });

    test('resolves true once, then false', async () => {
      expect(await store.accounts.delete('acc-1')).toBe(true);
      expect(await store.accounts.delete('acc-1')).toBe(false);
    });

    test('of an unknown id resolves false and removes nothing', async () => {
      expect(await store.accounts.delete('ghost')).toBe(false);
      expect(await store.accounts.delete('alice@example.com')).toBe(false);
      expect(await store.accounts.findById('acc-1')).toEqual(account());
      expect(await store.accounts.findById('acc-2')).toEqual(account({ id: 'acc-2', email: 'bob@example.com' }));
    });

    test('removes only that account: findById and findByEmail resolve undefined afterwards', async () => {
      expect(await store.accounts.delete('acc-1')).toBe(true);
      expect(await store.accounts.findById('acc-1')).toBeUndefined();
      expect(await store.accounts.findByEmail('alice@example.com')).toBeUndefined();
      expect(await store.accounts.update('acc-1', { name: 'Back' }, T0 + 1)).toBeUndefined();
      expect(await store.accounts.findById('acc-1')).toBeUndefined();
      expect(await store.accounts.findById('acc-2')).toEqual(account({ id: 'acc-2', email: 'bob@example.com' }));
      expect(await store.accounts.findByEmail('bob@example.com')).toEqual(
        account({ id: 'acc-2', email: 'bob@example.com' }),
      );
    });

    test('frees the email for a new account, and even the id', async () => {
      expect(await store.accounts.delete('acc-1')).toBe(true);
      const successor = account({ id: 'acc-3', name: 'Alice again', createdAt: T0 + 5, updatedAt: T0 + 5 });
      await store.accounts.create(successor);
      expect(await store.accounts.findByEmail('alice@example.com')).toEqual(successor);
      expect(await store.accounts.findById('acc-3')).toEqual(successor);
      expect(await store.accounts.findById('acc-1')).toBeUndefined();

      expect(await store.accounts.delete('acc-3')).toBe(true);
      await store.accounts.create(account());
      expect(await store.accounts.findById('acc-1')).toEqual(account());
      expect(await store.accounts.findByEmail('alice@example.com')).toEqual(account());
    });
  });

  describe('list', () => {
    const emails = [
      'carol@example.com',
      'alice@example.com',
      'dave@example.org',
      'bob@example.com',
      'erin_x@example.com',
    ];
    const names: Record<string, string | null> = {
      'carol@example.com': 'Carol Danvers',
      'dave@example.org': 'Dave 100%',
      'bob@example.com': null,
    };
    beforeEach(async () => {
      for (const [i, email] of emails.entries()) {
        await store.accounts.create(
          account({ id: `acc-${i}`, email, name: email in names ? (names[email] ?? null) : `User ${i}` }),
        );
      }
    });
    const listed = async (query: Parameters<Store['accounts']['list']>[0]) =>
      (await store.accounts.list(query)).map((a) => a.email);

    test('pages through every account in email order, the last email of a page being the cursor of the next', async () => {
      const first = await listed({ limit: 2 });
      expect(first).toEqual(['alice@example.com', 'bob@example.com']);
      const second = await listed({ limit: 2, after: first[1] });
      expect(second).toEqual(['carol@example.com', 'dave@example.org']);
      expect(await listed({ limit: 2, after: second[1] })).toEqual(['erin_x@example.com']);
      expect(await listed({ limit: 2, after: 'erin_x@example.com' })).toEqual([]);
      expect(await store.accounts.list({ limit: 1 })).toEqual([
        account({ id: 'acc-1', email: 'alice@example.com', name: 'User 1' }),
      ]);
    });

    test('a search matches part of the email or the name, ignoring case, and pages the same way', async () => {
      expect(await listed({ limit: 10, search: 'EXAMPLE.ORG' })).toEqual(['dave@example.org']);
      expect(await listed({ limit: 10, search: 'danvers' })).toEqual(['carol@example.com']);
      expect(await listed({ limit: 10, search: 'user' })).toEqual(['alice@example.com', 'erin_x@example.com']);
      expect(await listed({ limit: 1, search: 'user', after: 'alice@example.com' })).toEqual(['erin_x@example.com']);
      expect(await listed({ limit: 10, search: 'nobody' })).toEqual([]);
    });

    test('wildcard and pattern characters in a search are taken literally', async () => {
      expect(await listed({ limit: 10, search: '_' })).toEqual(['erin_x@example.com']);
      expect(await listed({ limit: 10, search: '100%' })).toEqual(['dave@example.org']);
      expect(await listed({ limit: 10, search: '%' })).toEqual(['dave@example.org']);
      expect(await listed({ limit: 10, search: '.*' })).toEqual([]);
    });
  });

  describe('changeEmail', () => {
    beforeEach(async () => {
      await store.accounts.create(account());
      await store.accounts.create(account({ id: 'acc-2', email: 'bob@example.com' }));
    });

    test('moves the account to the new email, unverified when told so, keeping everything else, and frees the old one', async () => {
      const changed = await store.accounts.changeEmail('acc-1', 'alice@example.org', T0 + 1, false);
      expect(changed).toEqual(account({ email: 'alice@example.org', emailVerified: false, updatedAt: T0 + 1 }));
      expect(await store.accounts.findByEmail('alice@example.org')).toEqual(changed);
      expect(await store.accounts.findByEmail('alice@example.com')).toBeUndefined();
      await store.accounts.create(account({ id: 'acc-3', email: 'alice@example.com' }));
    });

    test('stores the new email as verified when told so, whatever the old one was', async () => {
      await store.accounts.update('acc-2', { emailVerified: false }, T0 + 1);
      const changed = await store.accounts.changeEmail('acc-2', 'bob@example.org', T0 + 2, true);
      expect(changed).toEqual(account({ id: 'acc-2', email: 'bob@example.org', updatedAt: T0 + 2 }));
      expect(await store.accounts.findByEmail('bob@example.org')).toEqual(changed);
      const again = await store.accounts.changeEmail('acc-2', 'bob@example.net', T0 + 3, false);
      expect(again?.emailVerified).toBe(false);
      expect((await store.accounts.findById('acc-1'))?.emailVerified).toBe(true);
    });

    test('refuses a taken email with DuplicateError and changes nothing; an unknown id resolves undefined', async () => {
      await expect(store.accounts.changeEmail('acc-1', 'bob@example.com', T0 + 1, false)).rejects.toBeInstanceOf(
        DuplicateError,
      );
      expect(await store.accounts.findById('acc-1')).toEqual(account());
      expect(await store.accounts.changeEmail('acc-404', 'new@example.com', T0 + 1, true)).toBeUndefined();
      expect(await store.accounts.findByEmail('new@example.com')).toBeUndefined();
    });
  });
}
