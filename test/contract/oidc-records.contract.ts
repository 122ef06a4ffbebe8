// The OidcRecordStore contract: what oidc-provider's adapter relies on, run against every backend.
// Time only moves through the manual clock. It starts far in the future (2100) so a real MongoDB TTL
// monitor, which uses the wall clock, never deletes anything behind the sweepExpired test's back.

import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import type { OidcPayload, RecordModel, Store, StoredRecord } from '../../src/storage/store.js';
import { manualClock, type ManualClock, type StoreFactory } from '../support/stores.js';

const START = Date.UTC(2100, 0, 1); // a whole second, so second- and millisecond-based expiry agree

export function oidcRecordsContract(factory: StoreFactory): void {
  let clock: ManualClock;
  let store: Store;

  beforeEach(async () => {
    clock = manualClock(START);
    store = await factory(clock.now);
  });

  afterEach(async () => {
    await store.close();
  });

  const iat = (): number => Math.floor(clock.now() / 1000);

  describe('upsert and find', () => {
    test('round-trips a payload exactly', async () => {
      const payload: OidcPayload = {
        kind: 'AccessToken',
        jti: 'at-1',
        grantId: 'g-1',
        accountId: 'acc-1',
        clientId: 'client-1',
        scope: 'openid email',
        iat: iat(),
        nested: { list: [1, 2.5, 'three', true, null], deep: { flag: false } },
        empty: {},
        none: null,
      };
      await store.oidc.upsert('AccessToken', 'at-1', payload, 3600);
      expect(await store.oidc.find('AccessToken', 'at-1')).toEqual(payload);
    });

    test('find of an unknown id resolves undefined', async () => {
      expect(await store.oidc.find('AccessToken', 'nope')).toBeUndefined();
    });

    test('upsert overwrites the payload and the expiry', async () => {
      await store.oidc.upsert('Session', 's-1', { kind: 'Session', uid: 'u-old', n: 1 }, 10);
      await store.oidc.upsert('Session', 's-1', { kind: 'Session', uid: 'u-new', n: 2 });
      expect(await store.oidc.find('Session', 's-1')).toEqual({ kind: 'Session', uid: 'u-new', n: 2 });
      clock.advance(3600_000);
      expect(await store.oidc.find('Session', 's-1')).toEqual({ kind: 'Session', uid: 'u-new', n: 2 });
      expect(await store.oidc.findByUid('Session', 'u-old')).toBeUndefined();
      expect(await store.oidc.findByUid('Session', 'u-new')).toEqual({ kind: 'Session', uid: 'u-new', n: 2 });
    });

    test('overwrite can shorten a record to an expiring one', async () => {
      await store.oidc.upsert('Session', 's-1', { kind: 'Session', n: 1 });
      await store.oidc.upsert('Session', 's-1', { kind: 'Session', n: 2 }, 5);
      clock.advance(5_000);
      expect(await store.oidc.find('Session', 's-1')).toBeUndefined();
    });

    test('undefined properties are dropped, as JSON would (not turned into null)', async () => {
      await store.oidc.upsert(
        'Session',
        's-u',
        { kind: 'Session', uid: 'u-u', accountId: undefined, nested: { x: undefined } },
        60,
      );
      const found = await store.oidc.find('Session', 's-u');
      expect(found).toStrictEqual({ kind: 'Session', uid: 'u-u', nested: {} });
    });

    test('a record without expiry lives forever', async () => {
      await store.oidc.upsert('Client', 'client-1', { client_id: 'client-1' });
      clock.advance(10 * 365 * 24 * 3600 * 1000);
      expect(await store.oidc.find('Client', 'client-1')).toEqual({ client_id: 'client-1' });
      expect(await store.oidc.consume('Client', 'client-1')).toBe(true);
    });

    test('unicode survives: emoji, RTL, combining marks, astral plane', async () => {
      const text = 'héllo 👩‍👩‍👧‍👦 🔐 مرحبا بالعالم שלום עולם e\u0301 \u202Eltr\u202C 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 日本語 "quotes" \\ \u2028';
      const payload: OidcPayload = { text, [`key-${text}`]: text, list: [text, { text }] };
      await store.oidc.upsert('Interaction', 'ü-ñ-🔑', payload, 60);
      expect(await store.oidc.find('Interaction', 'ü-ñ-🔑')).toEqual(payload);
    });

    test('a ~1 MB payload round-trips', async () => {
      const big = 'abcdefghij'.repeat(100_000) + '🔐'.repeat(1_000);
      const payload: OidcPayload = { kind: 'Client', blob: big, more: ['x'.repeat(10_000)] };
      await store.oidc.upsert('Client', 'big', payload);
      const found = await store.oidc.find('Client', 'big');
      expect(found?.blob).toHaveLength(big.length);
      expect(found).toEqual(payload);
    });

    test('models are kept apart: the same id in two models', async () => {
      await store.oidc.upsert('AccessToken', 'same', { kind: 'AccessToken', grantId: 'g' }, 60);
      await store.oidc.upsert('RefreshToken', 'same', { kind: 'RefreshToken', grantId: 'g' }, 60);
      expect(await store.oidc.find('AccessToken', 'same')).toEqual({ kind: 'AccessToken', grantId: 'g' });
      expect(await store.oidc.find('RefreshToken', 'same')).toEqual({ kind: 'RefreshToken', grantId: 'g' });
      expect(await store.oidc.find('AuthorizationCode', 'same')).toBeUndefined();

      expect(await store.oidc.consume('AccessToken', 'same')).toBe(true);
      expect((await store.oidc.find('RefreshToken', 'same'))?.consumed).toBeUndefined();

      await store.oidc.destroy('AccessToken', 'same');
      expect(await store.oidc.find('AccessToken', 'same')).toBeUndefined();
      expect(await store.oidc.find('RefreshToken', 'same')).toEqual({ kind: 'RefreshToken', grantId: 'g' });
    });
  });

  // oidc-provider keys objects by outside values: a Grant's `resources` by resource URI, a Session's
  // `authorizations` by client_id (a resource server's is a URI), requested claims by name. MongoDB
  // before 5.0, FerretDB and other MongoDB-wire servers refuse keys with '.' or a leading '$'.
  describe('keys holding dots, dollars and other characters document stores refuse', () => {
    const awkward = (extra: OidcPayload = {}): OidcPayload => ({
      resources: { 'https://api-x.example': 'read' },
      '$weird.key': { 'a.b': 1 },
      nested: [{ 'x.y': 'z' }],
      '': { $: '.', 'nul\u0000key': 'lone \ud800 surrogate', '%2E': '%24' },
      ...extra,
    });

    test('round-trip through upsert, find, findByUid, findByUserCode, findByAccount and list', async () => {
      const session = awkward({
        kind: 'Session',
        uid: 'uid-dots',
        accountId: 'acc-dots',
        authorizations: { 'https://api-x.example': { grantId: 'g.1' } },
      });
      await store.oidc.upsert('Session', 's.dots', session, 600);
      expect(await store.oidc.find('Session', 's.dots')).toStrictEqual(session);
      expect(await store.oidc.findByUid('Session', 'uid-dots')).toStrictEqual(session);
      expect(await store.oidc.findByAccount('Session', 'acc-dots')).toStrictEqual([
        { id: 's.dots', payload: session, createdAt: START },
      ]);
      expect(await store.oidc.list('Session', 10)).toStrictEqual([{ id: 's.dots', payload: session }]);

      const grant = awkward({ kind: 'Grant', accountId: 'acc-dots', clientId: 'client.dots' });
      await store.oidc.upsert('Grant', 'g.1', grant, 600);
      expect(await store.oidc.findByAccount('Grant', 'acc-dots', 'client.dots')).toStrictEqual([
        { id: 'g.1', payload: grant, createdAt: START },
      ]);

      const device = awkward({ kind: 'DeviceCode', uid: 'uid-device', userCode: 'DOTS-DOTS' });
      await store.oidc.upsert('DeviceCode', 'dc.dots', device, 600);
      expect(await store.oidc.findByUserCode('DeviceCode', 'DOTS-DOTS')).toStrictEqual(device);
    });

    test('consume, overwrite and revokeByGrantId work on such records', async () => {
      const token = awkward({ kind: 'RefreshToken', grantId: 'g.1', accountId: 'acc-dots', clientId: 'client.dots' });
      await store.oidc.upsert('RefreshToken', 'rt.dots', token, 600);
      expect(await store.oidc.consume('RefreshToken', 'rt.dots')).toBe(true);
      expect(await store.oidc.consume('RefreshToken', 'rt.dots')).toBe(false);
      expect(await store.oidc.find('RefreshToken', 'rt.dots')).toStrictEqual({
        ...token,
        consumed: Math.floor(START / 1000),
      });

      const rewritten = awkward({
        kind: 'RefreshToken',
        grantId: 'g.2',
        resources: { 'https://other.example': 'write' },
      });
      await store.oidc.upsert('RefreshToken', 'rt.dots', rewritten, 600);
      expect(await store.oidc.find('RefreshToken', 'rt.dots')).toStrictEqual(rewritten);
      expect(await store.oidc.findByAccount('RefreshToken', 'acc-dots')).toEqual([]);

      await store.oidc.revokeByGrantId('RefreshToken', 'g.1');
      expect(await store.oidc.find('RefreshToken', 'rt.dots')).toStrictEqual(rewritten);
      await store.oidc.revokeByGrantId('RefreshToken', 'g.2');
      expect(await store.oidc.find('RefreshToken', 'rt.dots')).toBeUndefined();
    });
  });

  describe('expiry', () => {
    beforeEach(async () => {
      await store.oidc.upsert('DeviceCode', 'dc-1', { kind: 'DeviceCode', uid: 'uid-1', userCode: 'ABCD-EFGH' }, 60);
      await store.oidc.upsert('DeviceCode', 'dc-keep', { kind: 'DeviceCode', uid: 'uid-2', userCode: 'KEEP-KEEP' });
    });

    test('a record is live until just before its expiry', async () => {
      clock.advance(59_999);
      expect(await store.oidc.find('DeviceCode', 'dc-1')).toBeDefined();
      expect(await store.oidc.findByUid('DeviceCode', 'uid-1')).toBeDefined();
      expect(await store.oidc.findByUserCode('DeviceCode', 'ABCD-EFGH')).toBeDefined();
      expect((await store.oidc.list('DeviceCode', 10)).map((r) => r.id)).toContain('dc-1');
    });

    test('at and after its expiry every read refuses it', async () => {
      for (const step of [60_000, 1, 3600_000]) {
        clock.advance(step);
        expect(await store.oidc.find('DeviceCode', 'dc-1')).toBeUndefined();
        expect(await store.oidc.findByUid('DeviceCode', 'uid-1')).toBeUndefined();
        expect(await store.oidc.findByUserCode('DeviceCode', 'ABCD-EFGH')).toBeUndefined();
        expect((await store.oidc.list('DeviceCode', 10)).map((r) => r.id)).toEqual(['dc-keep']);
      }
      expect(await store.oidc.consume('DeviceCode', 'dc-1')).toBe(false);
      // consuming an expired record must not resurrect or alter it
      expect(await store.oidc.find('DeviceCode', 'dc-1')).toBeUndefined();
      expect(await store.oidc.find('DeviceCode', 'dc-keep')).toEqual({
        kind: 'DeviceCode',
        uid: 'uid-2',
        userCode: 'KEEP-KEEP',
      });
    });
  });

  describe('consume', () => {
    test('succeeds once, then reports false; the payload carries consumed (epoch seconds)', async () => {
      const payload = { kind: 'AuthorizationCode', grantId: 'g-1', iat: iat() };
      await store.oidc.upsert('AuthorizationCode', 'code-1', payload, 600);
      clock.advance(2_500);
      expect(await store.oidc.consume('AuthorizationCode', 'code-1')).toBe(true);
      expect(await store.oidc.consume('AuthorizationCode', 'code-1')).toBe(false);

      const found = await store.oidc.find('AuthorizationCode', 'code-1');
      expect(found).toEqual({ ...payload, consumed: expect.any(Number) });
      expect(found?.consumed).toBe(Math.floor(clock.now() / 1000));
    });

    test('leaves the rest of the payload exactly as it was', async () => {
      const payload = {
        text: 'café 🔐 مرحبا \u2028',
        ratio: 0.1 + 0.2,
        precise: 1.2345678901234567,
        big: 2 ** 53 - 1,
        n: -0.5,
      };
      await store.oidc.upsert('AuthorizationCode', 'code-2', payload, 600);
      expect(await store.oidc.consume('AuthorizationCode', 'code-2')).toBe(true);
      expect(await store.oidc.find('AuthorizationCode', 'code-2')).toEqual({
        ...payload,
        consumed: Math.floor(START / 1000),
      });
    });

    test('of a missing record resolves false', async () => {
      expect(await store.oidc.consume('AuthorizationCode', 'missing')).toBe(false);
      expect(await store.oidc.find('AuthorizationCode', 'missing')).toBeUndefined();
    });

    // A race may be lost only now and then, so the race is run on several records: one lost race fails.
    test('50 concurrent calls on one id: exactly one wins', async () => {
      const winners: number[] = [];
      for (let round = 0; round < 10; round++) {
        const id = `rt-${round}`;
        await store.oidc.upsert('RefreshToken', id, { kind: 'RefreshToken', grantId: 'g-1' }, 600);
        const results = await Promise.all(Array.from({ length: 50 }, () => store.oidc.consume('RefreshToken', id)));
        winners.push(results.filter((r) => r).length);
        expect(typeof (await store.oidc.find('RefreshToken', id))?.consumed).toBe('number');
      }
      expect(winners).toEqual(Array.from({ length: 10 }, () => 1));
    });
  });

  describe('destroy and revokeByGrantId', () => {
    test('destroy removes the record; destroying a missing one is harmless', async () => {
      await store.oidc.upsert('Session', 's-1', { kind: 'Session', uid: 'u-1' }, 60);
      await store.oidc.upsert('Session', 's-2', { kind: 'Session', uid: 'u-2' }, 60);
      await store.oidc.destroy('Session', 's-1');
      expect(await store.oidc.find('Session', 's-1')).toBeUndefined();
      expect(await store.oidc.findByUid('Session', 'u-1')).toBeUndefined();
      expect(await store.oidc.find('Session', 's-2')).toBeDefined();
      await expect(store.oidc.destroy('Session', 's-1')).resolves.toBeUndefined();
      await expect(store.oidc.destroy('Session', 'never-was')).resolves.toBeUndefined();
    });

    test("revokeByGrantId removes only that grant's records of that model", async () => {
      await store.oidc.upsert('AccessToken', 'at-1', { grantId: 'g-1' }, 60);
      await store.oidc.upsert('AccessToken', 'at-2', { grantId: 'g-1' });
      await store.oidc.upsert('AccessToken', 'at-3', { grantId: 'g-2' }, 60);
      await store.oidc.upsert('AccessToken', 'at-4', {}, 60);
      await store.oidc.upsert('RefreshToken', 'rt-1', { grantId: 'g-1' }, 60);

      await store.oidc.revokeByGrantId('AccessToken', 'g-1');

      expect(await store.oidc.find('AccessToken', 'at-1')).toBeUndefined();
      expect(await store.oidc.find('AccessToken', 'at-2')).toBeUndefined();
      expect(await store.oidc.find('AccessToken', 'at-3')).toEqual({ grantId: 'g-2' });
      expect(await store.oidc.find('AccessToken', 'at-4')).toEqual({});
      expect(await store.oidc.find('RefreshToken', 'rt-1')).toEqual({ grantId: 'g-1' });
      await expect(store.oidc.revokeByGrantId('AccessToken', 'no-such-grant')).resolves.toBeUndefined();
    });
  });

  describe('secondary lookups', () => {
    test('findByUid finds by uid within the model', async () => {
      const payload = { kind: 'Session', uid: 'uid-abc', accountId: 'acc-1' };
      await store.oidc.upsert('Session', 'sess-1', payload, 600);
      await store.oidc.upsert('Session', 'sess-2', { kind: 'Session', uid: 'uid-other' }, 600);
      expect(await store.oidc.findByUid('Session', 'uid-abc')).toEqual(payload);
      expect(await store.oidc.findByUid('Session', 'uid-missing')).toBeUndefined();
      expect(await store.oidc.findByUid('Interaction', 'uid-abc')).toBeUndefined();
    });

    test('findByUserCode finds by user code within the model', async () => {
      const payload = { kind: 'DeviceCode', userCode: 'WDJB-MJHT', clientId: 'tv' };
      await store.oidc.upsert('DeviceCode', 'dc-1', payload, 600);
      await store.oidc.upsert('DeviceCode', 'dc-2', { kind: 'DeviceCode', userCode: 'OTHR-CODE' }, 600);
      expect(await store.oidc.findByUserCode('DeviceCode', 'WDJB-MJHT')).toEqual(payload);
      expect(await store.oidc.findByUserCode('DeviceCode', 'NONE-NONE')).toBeUndefined();
      expect(await store.oidc.findByUserCode('BackchannelAuthenticationRequest', 'WDJB-MJHT')).toBeUndefined();
    });
  });

  describe('findByAccount', () => {
    // Every record gets a uid of its own: a provider Session always has one, and it is unique per model.
    let uids = 0;
    const owned = (model: RecordModel, accountId: string, clientId?: string, extra: OidcPayload = {}): OidcPayload => ({
      kind: model,
      uid: `uid-${++uids}`,
      accountId,
      ...(clientId === undefined ? {} : { clientId }),
      iat: iat(),
      ...extra,
    });
    const ids = (records: StoredRecord[]): string[] => records.map((r) => r.id);

    test('of an account with nothing resolves an empty list', async () => {
      expect(await store.oidc.findByAccount('Grant', 'acc-1')).toEqual([]);
      expect(await store.oidc.findByAccount('Grant', 'acc-1', 'client-1')).toEqual([]);
    });

    test('returns id, payload and createdAt (ms), newest first', async () => {
      const p1 = owned('Grant', 'acc-1', 'client-1', { nested: { openid: { scope: 'openid email' } }, text: 'é 🔐' });
      await store.oidc.upsert('Grant', 'g-1', p1);
      clock.advance(1_000);
      const p2 = owned('Grant', 'acc-1', 'client-2');
      await store.oidc.upsert('Grant', 'g-2', p2, 3600);
      clock.advance(1_500);
      const p3 = owned('Grant', 'acc-1', 'client-1');
      await store.oidc.upsert('Grant', 'g-3', p3, 600);

      expect(await store.oidc.findByAccount('Grant', 'acc-1')).toEqual([
        { id: 'g-3', payload: p3, createdAt: START + 2_500 },
        { id: 'g-2', payload: p2, createdAt: START + 1_000 },
        { id: 'g-1', payload: p1, createdAt: START },
      ]);
    });

    test('orders by createdAt, not by id or insertion; ties are ordered by id', async () => {
      await store.oidc.upsert('Grant', 'b', owned('Grant', 'acc-1', 'client-1'));
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'a', owned('Grant', 'acc-1', 'client-1'));
      clock.advance(1_000);
      // three records written within the same millisecond
      await store.oidc.upsert('Grant', 'tie-c', owned('Grant', 'acc-1', 'client-1'));
      await store.oidc.upsert('Grant', 'tie-a', owned('Grant', 'acc-1', 'client-1'));
      await store.oidc.upsert('Grant', 'tie-b', owned('Grant', 'acc-1', 'client-1'));
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1'))).toEqual(['tie-a', 'tie-b', 'tie-c', 'a', 'b']);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1', 'client-1', 2))).toEqual(['tie-a', 'tie-b']);
    });

    test('filters by account', async () => {
      await store.oidc.upsert('Grant', 'g-mine', owned('Grant', 'acc-1', 'client-1'));
      await store.oidc.upsert('Grant', 'g-theirs', owned('Grant', 'acc-2', 'client-1'));
      await store.oidc.upsert('Grant', 'g-prefix', owned('Grant', 'acc-10', 'client-1'));
      await store.oidc.upsert('Grant', 'g-case', owned('Grant', 'ACC-1', 'client-1'));
      await store.oidc.upsert('Grant', 'g-anonymous', { kind: 'Grant', clientId: 'client-1' });
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1'))).toEqual(['g-mine']);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-2'))).toEqual(['g-theirs']);
      expect(await store.oidc.findByAccount('Grant', 'acc-3')).toEqual([]);
    });

    test('filters by client when one is given, and returns every client otherwise', async () => {
      await store.oidc.upsert('Grant', 'g-c1-old', owned('Grant', 'acc-1', 'client-1'));
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'g-c2', owned('Grant', 'acc-1', 'client-2'));
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'g-c1-new', owned('Grant', 'acc-1', 'client-1'));
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'g-no-client', owned('Grant', 'acc-1'));
      await store.oidc.upsert('Grant', 'g-other-account', owned('Grant', 'acc-2', 'client-1'));

      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1', 'client-1'))).toEqual(['g-c1-new', 'g-c1-old']);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1', 'client-2'))).toEqual(['g-c2']);
      expect(await store.oidc.findByAccount('Grant', 'acc-1', 'client-3')).toEqual([]);
      expect(await store.oidc.findByAccount('Grant', 'acc-2', 'client-2')).toEqual([]);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1'))).toEqual([
        'g-no-client',
        'g-c1-new',
        'g-c2',
        'g-c1-old',
      ]);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1', undefined, 200))).toEqual([
        'g-no-client',
        'g-c1-new',
        'g-c2',
        'g-c1-old',
      ]);
    });

    test('ignores expired records (live until just before expiry) and destroyed ones', async () => {
      await store.oidc.upsert('Grant', 'g-forever', owned('Grant', 'acc-1', 'client-1'));
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'g-hour', owned('Grant', 'acc-1', 'client-1'), 3600);
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'g-short', owned('Grant', 'acc-1', 'client-1'), 10);

      clock.advance(9_999);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1', 'client-1'))).toEqual([
        'g-short',
        'g-hour',
        'g-forever',
      ]);
      clock.advance(1);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1', 'client-1'))).toEqual(['g-hour', 'g-forever']);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1'))).toEqual(['g-hour', 'g-forever']);
      // an expired record does not use up the limit
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1', undefined, 1))).toEqual(['g-hour']);

      await store.oidc.destroy('Grant', 'g-hour');
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1'))).toEqual(['g-forever']);
      clock.advance(3600_000);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1'))).toEqual(['g-forever']);
    });

    test('respects the limit, keeping the newest', async () => {
      for (const n of [1, 2, 3, 4, 5]) {
        await store.oidc.upsert('Session', `s-${n}`, owned('Session', 'acc-1'), 3600);
        clock.advance(1_000);
      }
      expect(ids(await store.oidc.findByAccount('Session', 'acc-1', undefined, 2))).toEqual(['s-5', 's-4']);
      expect(ids(await store.oidc.findByAccount('Session', 'acc-1', undefined, 1))).toEqual(['s-5']);
      expect(ids(await store.oidc.findByAccount('Session', 'acc-1', undefined, 5))).toHaveLength(5);
      expect(ids(await store.oidc.findByAccount('Session', 'acc-1', undefined, 50))).toEqual([
        's-5',
        's-4',
        's-3',
        's-2',
        's-1',
      ]);
    });

    test('returns at most 200 records by default', async () => {
      for (let n = 0; n < 201; n++) {
        await store.oidc.upsert(
          'SessionActivity',
          `sa-${String(n).padStart(3, '0')}`,
          owned('SessionActivity', 'acc-1'),
          3600,
        );
        clock.advance(1);
      }
      const all = await store.oidc.findByAccount('SessionActivity', 'acc-1');
      expect(all).toHaveLength(200);
      expect(all[0]?.id).toBe('sa-200');
      expect(all[199]?.id).toBe('sa-001');
    });

    test('createdAt is the time of the first write and survives an overwrite', async () => {
      await store.oidc.upsert('Grant', 'g-1', owned('Grant', 'acc-1', 'client-1', { n: 1 }), 60);
      clock.advance(5_000);
      const second = owned('Grant', 'acc-1', 'client-1', { n: 2 });
      await store.oidc.upsert('Grant', 'g-2', second, 60);
      clock.advance(5_000);
      // the overwrite also extends the expiry past the original 60 s
      const rewritten = owned('Grant', 'acc-1', 'client-1', { n: 3 });
      await store.oidc.upsert('Grant', 'g-1', rewritten, 3600);

      expect(await store.oidc.findByAccount('Grant', 'acc-1', 'client-1')).toEqual([
        { id: 'g-2', payload: second, createdAt: START + 5_000 },
        { id: 'g-1', payload: rewritten, createdAt: START },
      ]);
      clock.advance(60_000);
      expect(await store.oidc.findByAccount('Grant', 'acc-1', 'client-1')).toEqual([
        { id: 'g-1', payload: rewritten, createdAt: START },
      ]);
    });

    test('an overwrite that moves a record to another account or client moves it in the index', async () => {
      await store.oidc.upsert('Grant', 'g-1', owned('Grant', 'acc-1', 'client-1'));
      await store.oidc.upsert('Grant', 'g-1', owned('Grant', 'acc-2', 'client-2'));
      expect(await store.oidc.findByAccount('Grant', 'acc-1')).toEqual([]);
      expect(ids(await store.oidc.findByAccount('Grant', 'acc-2', 'client-2'))).toEqual(['g-1']);
      await store.oidc.upsert('Grant', 'g-1', { kind: 'Grant' });
      expect(await store.oidc.findByAccount('Grant', 'acc-2')).toEqual([]);
    });

    test.each(['Session', 'Grant', 'SessionActivity', 'AppSession'] as const)(
      'works for the %s model',
      async (model) => {
        const first = owned(model, 'acc-1', 'client-1', { uid: `${model}-uid-1` });
        const second = owned(model, 'acc-1', undefined, { uid: `${model}-uid-2`, device: 'Firefox on Linux 🐧' });
        await store.oidc.upsert(model, 'r-1', first, 600);
        clock.advance(1_000);
        await store.oidc.upsert(model, 'r-2', second, 60);
        await store.oidc.upsert(model, 'r-other', owned(model, 'acc-2', 'client-1'), 600);

        expect(await store.oidc.findByAccount(model, 'acc-1')).toEqual([
          { id: 'r-2', payload: second, createdAt: START + 1_000 },
          { id: 'r-1', payload: first, createdAt: START },
        ]);
        expect(ids(await store.oidc.findByAccount(model, 'acc-1', 'client-1'))).toEqual(['r-1']);
        clock.advance(60_000);
        expect(ids(await store.oidc.findByAccount(model, 'acc-1'))).toEqual(['r-1']);
      },
    );

    test('other models are kept apart', async () => {
      await store.oidc.upsert('Grant', 'g-1', owned('Grant', 'acc-1', 'client-1'), 600);
      clock.advance(1_000);
      // newer, same account and client, same id in another model
      await store.oidc.upsert('AccessToken', 'g-1', owned('AccessToken', 'acc-1', 'client-1'), 600);
      await store.oidc.upsert('AccessToken', 'at-1', owned('AccessToken', 'acc-1', 'client-1'), 600);
      await store.oidc.upsert('Session', 's-1', owned('Session', 'acc-1'), 600);
      await store.oidc.upsert('SessionActivity', 's-1', owned('SessionActivity', 'acc-1'), 600);

      expect(ids(await store.oidc.findByAccount('Grant', 'acc-1'))).toEqual(['g-1']);
      expect((await store.oidc.findByAccount('Grant', 'acc-1'))[0]?.payload.kind).toBe('Grant');
      expect(ids(await store.oidc.findByAccount('AccessToken', 'acc-1', 'client-1'))).toEqual(['at-1', 'g-1']);
      expect((await store.oidc.findByAccount('Session', 'acc-1')).map((r) => r.payload.kind)).toEqual(['Session']);
      expect((await store.oidc.findByAccount('SessionActivity', 'acc-1')).map((r) => r.payload.kind)).toEqual([
        'SessionActivity',
      ]);
      expect(await store.oidc.findByAccount('AppSession', 'acc-1')).toEqual([]);
      expect(await store.oidc.findByAccount('RefreshToken', 'acc-1')).toEqual([]);

      await store.oidc.destroy('SessionActivity', 's-1');
      expect(ids(await store.oidc.findByAccount('Session', 'acc-1'))).toEqual(['s-1']);
      expect(await store.oidc.findByAccount('SessionActivity', 'acc-1')).toEqual([]);
    });
  });

  describe("Signet's own models", () => {
    test.each(['SessionActivity', 'AppSession'] as const)('%s supports every operation', async (model) => {
      const payload: OidcPayload = {
        kind: model,
        uid: `${model}-uid`,
        accountId: 'acc-1',
        grantId: 'g-1',
        ip: '2001:db8::1',
      };
      await store.oidc.upsert(model, 'r-1', payload, 60);
      await store.oidc.upsert(model, 'r-2', { kind: model, grantId: 'g-2' }, 30);
      await store.oidc.upsert(model, 'r-3', { kind: model, grantId: 'g-1' });
      expect(await store.oidc.find(model, 'r-1')).toEqual(payload);
      expect(await store.oidc.findByUid(model, `${model}-uid`)).toEqual(payload);
      expect((await store.oidc.list(model, 10)).map((r) => r.id).sort()).toEqual(['r-1', 'r-2', 'r-3']);
      expect(await store.oidc.consume(model, 'r-1')).toBe(true);
      expect(await store.oidc.consume(model, 'r-1')).toBe(false);

      clock.advance(30_000);
      expect(await store.oidc.find(model, 'r-2')).toBeUndefined();
      expect(await store.oidc.sweepExpired()).toBeGreaterThanOrEqual(1);
      expect(await store.oidc.find(model, 'r-1')).toEqual({ ...payload, consumed: Math.floor(START / 1000) });

      await store.oidc.revokeByGrantId(model, 'g-1');
      expect(await store.oidc.find(model, 'r-1')).toBeUndefined();
      expect(await store.oidc.find(model, 'r-3')).toBeUndefined();
      await store.oidc.upsert(model, 'r-4', { kind: model });
      await store.oidc.destroy(model, 'r-4');
      expect(await store.oidc.list(model, 10)).toEqual([]);
    });
  });

  describe('list', () => {
    beforeEach(async () => {
      for (const n of [1, 2, 3, 4, 5]) {
        await store.oidc.upsert('Client', `c-${n}`, { client_id: `c-${n}`, iat: iat() }, n === 4 ? 30 : undefined);
        clock.advance(1_000);
      }
      await store.oidc.upsert('Grant', 'not-a-client', { kind: 'Grant' });
    });

    test('returns live records of the model, newest first', async () => {
      const all = await store.oidc.list('Client', 100);
      expect(all.map((r) => r.id)).toEqual(['c-5', 'c-4', 'c-3', 'c-2', 'c-1']);
      expect(all[0]?.payload).toEqual({ client_id: 'c-5', iat: Math.floor(START / 1000) + 4 });
    });

    test('respects the limit', async () => {
      expect((await store.oidc.list('Client', 2)).map((r) => r.id)).toEqual(['c-5', 'c-4']);
      expect(await store.oidc.list('Client', 1)).toHaveLength(1);
    });

    test('excludes expired records', async () => {
      clock.advance(30_000);
      expect((await store.oidc.list('Client', 100)).map((r) => r.id)).toEqual(['c-5', 'c-3', 'c-2', 'c-1']);
      expect((await store.oidc.list('Client', 2)).map((r) => r.id)).toEqual(['c-5', 'c-3']);
    });

    test('of an empty model is empty', async () => {
      expect(await store.oidc.list('InitialAccessToken', 10)).toEqual([]);
    });
  });

  describe('sweepExpired', () => {
    test('removes expired records and keeps live ones', async () => {
      await store.oidc.upsert('AccessToken', 'dead-1', { grantId: 'g' }, 10);
      await store.oidc.upsert('Session', 'dead-2', { uid: 'u-dead' }, 20);
      await store.oidc.upsert('Interaction', 'dead-3', { uid: 'u-int' }, 30);
      await store.oidc.upsert('AccessToken', 'live-1', { grantId: 'g' }, 3600);
      await store.oidc.upsert('Client', 'live-2', { client_id: 'live-2' });
      clock.advance(30_000);

      expect(await store.oidc.sweepExpired()).toBeGreaterThanOrEqual(3);
      expect(await store.oidc.sweepExpired()).toBe(0);
      expect(await store.oidc.find('AccessToken', 'live-1')).toEqual({ grantId: 'g' });
      expect(await store.oidc.find('Client', 'live-2')).toEqual({ client_id: 'live-2' });
      expect(await store.oidc.find('AccessToken', 'dead-1')).toBeUndefined();
    });

    test('with nothing expired removes nothing', async () => {
      await store.oidc.upsert('AccessToken', 'live-1', { grantId: 'g' }, 60);
      expect(await store.oidc.sweepExpired()).toBe(0);
      expect(await store.oidc.find('AccessToken', 'live-1')).toBeDefined();
    });
  });

  describe('clientChanges', () => {
    test('moves with every write or removal of a client, and with nothing else', async () => {
      const marks: number[] = [await store.oidc.clientChanges()];
      const moved = async () => {
        const mark = await store.oidc.clientChanges();
        const changed = mark !== marks.at(-1);
        marks.push(mark);
        return changed;
      };
      await store.oidc.upsert('AccessToken', 'at-1', { kind: 'AccessToken', clientId: 'c-1' }, 60);
      await store.oidc.upsert('Grant', 'g-1', { kind: 'Grant', clientId: 'c-1' }, 60);
      await store.oidc.destroy('AccessToken', 'at-1');
      expect(await moved()).toBe(false);

      await store.oidc.upsert('Client', 'c-1', { client_id: 'c-1' });
      expect(await moved()).toBe(true);
      await store.oidc.upsert('Client', 'c-1', { client_id: 'c-1', client_name: 'Renamed' });
      expect(await moved()).toBe(true);
      await store.oidc.destroy('Client', 'c-1');
      expect(await moved()).toBe(true);
      // Never back to a value a node may still hold from before.
      expect(new Set(marks.slice(1)).size).toBe(marks.length - 1);
    });

    test('concurrent first writes of clients on a fresh store all succeed and move the mark', async () => {
      const before = await store.oidc.clientChanges();
      const ids = Array.from({ length: 12 }, (_, i) => `c-${i}`);
      await Promise.all(ids.map((id) => store.oidc.upsert('Client', id, { client_id: id })));
      expect(await store.oidc.clientChanges()).not.toBe(before);
      await Promise.all(ids.map((id) => store.oidc.destroy('Client', id)));
      expect(await store.oidc.list('Client', 100)).toEqual([]);
    });
  });
}
