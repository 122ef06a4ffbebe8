// The TransferStore contract: a whole store read out and written into a fresh one, run for every pair of
// backends. What comes out of the target must be what went into the source (ids, payloads, createdAt,
// absolute expiry), and the target must behave as the source would (lookups, consume, revocation,
// expiry at the same moment). The clock starts in 2100, as in the OIDC contract, so no TTL monitor runs.

import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import {
  KEY_KINDS,
  type AccountProfile,
  type AccountRecord,
  type AuditEvent,
  type KeyRecord,
  type OidcPayload,
  type Store,
  type TransferItem,
} from '../../src/storage/store.js';
import { manualClock, type ManualClock, type StoreFactory } from '../support/stores.js';

const START = Date.UTC(2100, 0, 1);
const HOUR = 3_600_000;

async function collect(items: AsyncIterable<TransferItem>): Promise<TransferItem[]> {
  const out: TransferItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

// eslint-disable-next-line @typescript-eslint/require-await -- the async signature is the point: it stands in for a file stream
async function* fromArray(items: readonly TransferItem[]): AsyncGenerator<TransferItem> {
  yield* items;
}

const kindOf = (item: TransferItem): string => Object.keys(item)[0] ?? '';

function key(kid: string, kind: KeyRecord['kind'], createdAt: number): KeyRecord {
  return {
    kid,
    kind,
    alg: kind === 'signing' ? 'ES256' : 'HS256',
    createdAt,
    activatesAt: createdAt + 1000,
    retiresAt: kind === 'cookie' ? createdAt + HOUR : null,
    sealed: `v2.kek.iv.${kid}.tag`,
  };
}

/** Every field a profile holds, so a store that drops one fails the round trip. */
const PROFILE = {
  givenName: 'Ærø',
  familyName: 'Lovelace',
  middleName: 'Augusta',
  nickname: 'Countess',
  preferredUsername: 'ada',
  profile: 'https://people.example.com/ada',
  picture: 'https://pics.example.com/ada.png',
  website: 'https://ada.example.org/',
  gender: 'female',
  birthdate: '0000-12-10',
  locale: 'en-GB',
  zoneinfo: 'Europe/London',
} satisfies Required<AccountProfile>;

function account(id: string, email: string): AccountRecord {
  return {
    id,
    email,
    name: id === 'acc-2' ? null : `Ærø ${id} 🔐`,
    passwordHash: `$argon2id$v=19$m=65536,t=3,p=4$${id}`,
    disabled: id === 'acc-2',
    emailVerified: id !== 'acc-2',
    createdAt: START - 5 * HOUR,
    updatedAt: START - HOUR,
    ...(id === 'acc-1' ? { profile: PROFILE } : {}),
  };
}

function event(id: string, at: number): AuditEvent {
  return {
    id,
    at,
    type: 'login.succeeded',
    accountId: 'acc-1',
    clientId: 'client-1',
    ip: '203.0.113.7',
    userAgent: 'UA',
    details: { nested: { list: [1, 'two', null] } },
  };
}

/** Fills `store` through its ordinary ports, moving the clock so createdAt values differ. */
async function populate(store: Store, clock: ManualClock): Promise<void> {
  for (const k of [
    key('sig-1', 'signing', START - 9 * HOUR),
    key('cookie-1', 'cookie', START - 8 * HOUR),
    key('pepper-1', 'pepper', START - 7 * HOUR),
  ]) {
    await store.keys.insert(k);
  }
  await store.accounts.create(account('acc-1', 'alice@example.com'));
  await store.accounts.create(account('acc-2', 'bob@example.com'));
  await store.oidc.upsert('Client', 'client-1', {
    client_id: 'client-1',
    client_secret: 'hmac.x',
    redirect_uris: ['https://rp.example/cb'],
  });
  clock.advance(1000);
  await store.oidc.upsert(
    'Session',
    'sess-1',
    { kind: 'Session', uid: 'uid-1', accountId: 'acc-1', authorizations: { 'client-1': { grantId: 'grant-1' } } },
    24 * 3600,
  );
  clock.advance(1000);
  await store.oidc.upsert(
    'Grant',
    'grant-1',
    { kind: 'Grant', accountId: 'acc-1', clientId: 'client-1', openid: { scope: 'openid email' } },
    90 * 24 * 3600,
  );
  clock.advance(1000);
  await store.oidc.upsert(
    'AccessToken',
    'sha256.at-1',
    { kind: 'AccessToken', grantId: 'grant-1', accountId: 'acc-1', clientId: 'client-1' },
    600,
  );
  await store.oidc.upsert(
    'RefreshToken',
    'sha256.rt-old',
    { kind: 'RefreshToken', grantId: 'grant-1', accountId: 'acc-1', clientId: 'client-1' },
    14 * 24 * 3600,
  );
  expect(await store.oidc.consume('RefreshToken', 'sha256.rt-old')).toBe(true);
  clock.advance(1000);
  await store.oidc.upsert(
    'RefreshToken',
    'sha256.rt-new',
    { kind: 'RefreshToken', grantId: 'grant-1', accountId: 'acc-1', clientId: 'client-1' },
    14 * 24 * 3600,
  );
  await store.oidc.upsert(
    'AuthorizationCode',
    'sha256.code-expired',
    { kind: 'AuthorizationCode', grantId: 'grant-1' },
    1,
  );
  await store.oidc.upsert(
    'SessionActivity',
    'sess-1',
    { accountId: 'acc-1', ip: '203.0.113.7', userAgent: 'UA ü', lastSeen: START },
    24 * 3600,
  );
  await store.oidc.upsert('AppSession', 'app-1', { accountId: 'acc-1', tokens: { id_token: 'eyJ...' } }, 3600);
  await store.audit.append([event('ev-1', START - 2 * HOUR)]);
  await store.audit.append([event('ev-2', START - HOUR)]);
  clock.advance(2000); // the authorization code has expired by now
}

export function transferContract(source: StoreFactory, target: StoreFactory): void {
  let clock: ManualClock;
  let from: Store;
  let to: Store;

  beforeEach(async () => {
    clock = manualClock(START);
    from = await source(clock.now);
    to = await target(clock.now);
  });

  afterEach(async () => {
    await from.close();
    await to.close();
  });

  describe('occupancy', () => {
    test('a fresh store holds nothing', async () => {
      expect(await to.transfer.occupancy()).toEqual({ keys: 0, accounts: 0, records: 0 });
    });

    test('counts keys, accounts and live records of every model, not expired ones', async () => {
      await populate(from, clock);
      // Client, Session, Grant, AccessToken, 2 RefreshTokens, SessionActivity, AppSession; not the expired code.
      expect(await from.transfer.occupancy()).toEqual({ keys: 3, accounts: 2, records: 8 });
    });
  });

  describe('exportAll', () => {
    test('yields keys, then accounts, then live records, then audit events, each exactly once', async () => {
      await populate(from, clock);
      const items = await collect(from.transfer.exportAll());
      const kinds = items.map(kindOf);
      expect(kinds).toEqual(
        [...kinds].sort(
          (a, b) => ['key', 'account', 'record', 'audit'].indexOf(a) - ['key', 'account', 'record', 'audit'].indexOf(b),
        ),
      );
      expect(kinds.filter((k) => k === 'key')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'account')).toHaveLength(2);
      expect(kinds.filter((k) => k === 'audit')).toHaveLength(2);
      const records = items.flatMap((i) => ('record' in i ? [i.record] : []));
      expect(records.map((r) => `${r.model}/${r.id}`).sort()).toEqual(
        [
          'AccessToken/sha256.at-1',
          'AppSession/app-1',
          'Client/client-1',
          'Grant/grant-1',
          'RefreshToken/sha256.rt-new',
          'RefreshToken/sha256.rt-old',
          'Session/sess-1',
          'SessionActivity/sess-1',
        ].sort(),
      );
    });

    test('carries every field: key, account and audit records as the ports return them, records with absolute times', async () => {
      await populate(from, clock);
      const items = await collect(from.transfer.exportAll());
      expect(items.filter((i) => 'key' in i)).toEqual([
        { key: await from.keys.list('signing').then((k) => k[0]) },
        { key: await from.keys.list('cookie').then((k) => k[0]) },
        { key: await from.keys.list('pepper').then((k) => k[0]) },
      ]);
      expect(items.filter((i) => 'account' in i)).toEqual([
        { account: account('acc-1', 'alice@example.com') },
        { account: account('acc-2', 'bob@example.com') },
      ]);
      expect(items.filter((i) => 'audit' in i)).toEqual([
        { audit: event('ev-1', START - 2 * HOUR) },
        { audit: event('ev-2', START - HOUR) },
      ]);
      const record = (model: string, id: string) =>
        items.find((i) => 'record' in i && i.record.model === model && i.record.id === id);
      expect(record('Client', 'client-1')).toEqual({
        record: {
          model: 'Client',
          id: 'client-1',
          payload: { client_id: 'client-1', client_secret: 'hmac.x', redirect_uris: ['https://rp.example/cb'] },
          createdAt: START,
          expiresAt: null,
        },
      });
      expect(record('Session', 'sess-1')).toEqual({
        record: expect.objectContaining({ createdAt: START + 1000, expiresAt: START + 1000 + 24 * 3600 * 1000 }),
      });
      expect(record('RefreshToken', 'sha256.rt-old')).toEqual({
        record: expect.objectContaining({
          payload: expect.objectContaining({ consumed: Math.floor((START + 3000) / 1000) }),
        }),
      });
    });

    test('reads in pages: more records than one page all come out, once each', async () => {
      const n = 1234;
      for (let i = 0; i < n; i++)
        await from.oidc.upsert('Interaction', `i-${String(i).padStart(5, '0')}`, { n: i, uid: `u-${i}` }, 600);
      const ids = (await collect(from.transfer.exportAll())).flatMap((i) => ('record' in i ? [i.record.id] : []));
      expect(ids).toHaveLength(n);
      expect(new Set(ids).size).toBe(n);
    }, 120_000);

    test('an empty store exports nothing', async () => {
      expect(await collect(to.transfer.exportAll())).toEqual([]);
    });
  });

  describe('importAll', () => {
    beforeEach(async () => {
      await populate(from, clock);
    });

    test('the target exports exactly what the source did', async () => {
      const exported = await collect(from.transfer.exportAll());
      await to.transfer.importAll(fromArray(exported));
      const reexported = await collect(to.transfer.exportAll());
      // Same items, compared by identity: the order within a kind and the order of fields are not part of the contract.
      const identity = (i: TransferItem) =>
        'key' in i
          ? `key/${i.key.kid}`
          : 'account' in i
            ? `account/${i.account.id}`
            : 'record' in i
              ? `record/${i.record.model}/${i.record.id}`
              : `audit/${i.audit.id}`;
      const byIdentity = (items: TransferItem[]) => [...items].sort((a, b) => identity(a).localeCompare(identity(b)));
      expect(byIdentity(reexported)).toEqual(byIdentity(exported));
      expect(await to.transfer.occupancy()).toEqual(await from.transfer.occupancy());
    });

    test('the target behaves as the source: lookups, account listings with createdAt, keys, accounts, audit', async () => {
      await to.transfer.importAll(from.transfer.exportAll());
      for (const [model, id] of [
        ['Client', 'client-1'],
        ['Session', 'sess-1'],
        ['Grant', 'grant-1'],
        ['AccessToken', 'sha256.at-1'],
        ['AppSession', 'app-1'],
      ] as const) {
        expect(await to.oidc.find(model, id)).toEqual(await from.oidc.find(model, id));
      }
      expect(await to.oidc.findByUid('Session', 'uid-1')).toEqual(await from.oidc.findByUid('Session', 'uid-1'));
      expect(await to.oidc.findByAccount('RefreshToken', 'acc-1', 'client-1')).toEqual(
        await from.oidc.findByAccount('RefreshToken', 'acc-1', 'client-1'),
      );
      expect(await to.oidc.list('Client', 10)).toEqual(await from.oidc.list('Client', 10));
      expect(await to.accounts.findByEmail('alice@example.com')).toEqual(account('acc-1', 'alice@example.com'));
      // An unverified address stays unverified (the flag is not defaulted on the way in).
      expect(await to.accounts.findById('acc-2')).toEqual(account('acc-2', 'bob@example.com'));
      for (const kind of KEY_KINDS) expect(await to.keys.list(kind)).toEqual(await from.keys.list(kind));
      expect(await to.audit.list({ limit: 10 })).toEqual(await from.audit.list({ limit: 10 }));
      expect(await to.oidc.find('AuthorizationCode', 'sha256.code-expired')).toBeUndefined();
    });

    test('what was consumed stays consumed; what was not can be consumed once', async () => {
      await to.transfer.importAll(from.transfer.exportAll());
      expect(await to.oidc.consume('RefreshToken', 'sha256.rt-old')).toBe(false);
      expect(await to.oidc.consume('RefreshToken', 'sha256.rt-new')).toBe(true);
      expect(await to.oidc.consume('RefreshToken', 'sha256.rt-new')).toBe(false);
    });

    test('records expire at the same absolute moment as in the source', async () => {
      await to.transfer.importAll(from.transfer.exportAll());
      // The access token was written at START + 3000 with 600 s to live.
      clock.advance(START + 3000 + 600_000 - 1 - clock.now());
      expect(await to.oidc.find('AccessToken', 'sha256.at-1')).toBeDefined();
      clock.advance(1);
      expect(await to.oidc.find('AccessToken', 'sha256.at-1')).toBeUndefined();
      expect(await to.oidc.find('Client', 'client-1')).toBeDefined();
    });

    test('revocation by grant reaches imported tokens', async () => {
      await to.transfer.importAll(from.transfer.exportAll());
      await to.oidc.revokeByGrantId('AccessToken', 'grant-1');
      await to.oidc.revokeByGrantId('RefreshToken', 'grant-1');
      expect(await to.oidc.find('AccessToken', 'sha256.at-1')).toBeUndefined();
      expect(await to.oidc.findByAccount('RefreshToken', 'acc-1')).toEqual([]);
    });

    test('an imported account keeps working through the account port', async () => {
      await to.transfer.importAll(from.transfer.exportAll());
      const updated = await to.accounts.update('acc-1', { name: 'Alice' }, START + HOUR);
      expect(updated).toEqual({ ...account('acc-1', 'alice@example.com'), name: 'Alice', updatedAt: START + HOUR });
      await expect(to.accounts.create({ ...account('acc-9', 'alice@example.com') })).rejects.toThrow(/already exists/);
    });

    test('never overwrites: an item colliding with what the target holds rejects the import', async () => {
      await to.keys.insert(key('sig-1', 'signing', START));
      await expect(to.transfer.importAll(from.transfer.exportAll())).rejects.toThrow();
      expect(await to.keys.list('signing')).toEqual([key('sig-1', 'signing', START)]);
    });

    test('a source failing halfway: an atomic backend keeps nothing of it', async () => {
      const exported = await collect(from.transfer.exportAll());
      // eslint-disable-next-line @typescript-eslint/require-await -- stands in for a file stream that breaks
      async function* failing(): AsyncGenerator<TransferItem> {
        yield* exported.slice(0, 6);
        throw new Error('the file ended early');
      }
      await expect(to.transfer.importAll(failing())).rejects.toThrow('the file ended early');
      if (to.transfer.atomicImport) expect(await to.transfer.occupancy()).toEqual({ keys: 0, accounts: 0, records: 0 });
    });

    test('a duplicate inside the import (two accounts, one email) rejects it', async () => {
      const exported = await collect(from.transfer.exportAll());
      const twin: TransferItem = { account: { ...account('acc-3', 'alice@example.com') } };
      await expect(to.transfer.importAll(fromArray([...exported, twin]))).rejects.toThrow();
      if (to.transfer.atomicImport) expect(await to.accounts.findByEmail('alice@example.com')).toBeUndefined();
    });

    test('payloads keep unicode, nesting and nulls exactly', async () => {
      const payload: OidcPayload = {
        text: 'héllo 👩‍👩‍👧‍👦 مرحبا e\u0301 \u2028 "q" \\',
        nested: { list: [1, 2.5, 'three', true, null], deep: { flag: false } },
        empty: {},
        none: null,
        big: 2 ** 53 - 1,
      };
      await from.oidc.upsert('Grant', 'grant-u', payload, 3600);
      await to.transfer.importAll(from.transfer.exportAll());
      expect(await to.oidc.find('Grant', 'grant-u')).toStrictEqual(payload);
    });

    // A Grant keys its resources by URI, and so does a consent's audit event; document stores refuse '.' and
    // a leading '$' in keys.
    test('payloads and audit details whose keys hold dots, dollars and NUL come out and go in exactly, and stay findable', async () => {
      const payload: OidcPayload = {
        kind: 'Grant',
        accountId: 'acc-1',
        clientId: 'client.1',
        resources: { 'https://api-x.example': 'read' },
        '$weird.key': { 'a.b': 1 },
        nested: [{ 'x.y': 'z' }],
        '': { $: 'nul\u0000key' },
      };
      await from.oidc.upsert('Grant', 'grant.dots', payload, 3600);
      const consented: AuditEvent = {
        ...event('ev-dots', START),
        type: 'consent.granted',
        details: {
          grant_id: 'grant.dots',
          resources: { 'https://api-x.example': ['read'] },
          '$weird.key': { 'a.b': 1 },
        },
      };
      await from.audit.append([consented]);
      await from.oidc.upsert(
        'RefreshToken',
        'sha256.rt-dots',
        { ...payload, kind: 'RefreshToken', grantId: 'grant.dots' },
        3600,
      );
      expect(await from.oidc.consume('RefreshToken', 'sha256.rt-dots')).toBe(true);
      const exported = await collect(from.transfer.exportAll());
      expect(exported).toContainEqual({
        record: expect.objectContaining({ model: 'Grant', id: 'grant.dots', payload }),
      });
      expect(exported).toContainEqual({ audit: consented });
      await to.transfer.importAll(fromArray(exported));
      expect(await to.oidc.find('Grant', 'grant.dots')).toStrictEqual(payload);
      expect(await to.audit.list({ types: ['consent.granted'], limit: 10 })).toStrictEqual([consented]);
      expect(await to.oidc.findByAccount('Grant', 'acc-1', 'client.1')).toEqual(
        await from.oidc.findByAccount('Grant', 'acc-1', 'client.1'),
      );
      expect(await to.oidc.consume('RefreshToken', 'sha256.rt-dots')).toBe(false);
      await to.oidc.revokeByGrantId('RefreshToken', 'grant.dots');
      expect(await to.oidc.find('RefreshToken', 'sha256.rt-dots')).toBeUndefined();
    });
  });
}
