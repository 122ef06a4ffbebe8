// The OidcRecordStore contract: what oidc-provider's adapter relies on, run against every backend.
// Time only moves through the manual clock. It starts far in the future (2100) so a real MongoDB TTL
// monitor, which uses the wall clock, never deletes anything behind the sweepExpired test's back.

import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import type { OidcPayload, Store } from '../../src/storage/store.js';
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
      await store.oidc.upsert('Session', 's-u', { kind: 'Session', uid: 'u-u', accountId: undefined, nested: { x: undefined } }, 60);
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
      const payload = { text: 'café 🔐 مرحبا \u2028', ratio: 0.1 + 0.2, precise: 1.2345678901234567, big: 2 ** 53 - 1, n: -0.5 };
      await store.oidc.upsert('AuthorizationCode', 'code-2', payload, 600);
      expect(await store.oidc.consume('AuthorizationCode', 'code-2')).toBe(true);
      expect(await store.oidc.find('AuthorizationCode', 'code-2')).toEqual({ ...payload, consumed: Math.floor(START / 1000) });
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
        winners.push(results.filter((r) => r === true).length);
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

    test('findLatestGrantId returns the newest live Grant of that account for that client', async () => {
      const grant = (accountId: string, clientId: string) => ({ kind: 'Grant', accountId, clientId, iat: iat() });
      expect(await store.oidc.findLatestGrantId('acc-1', 'client-1')).toBeUndefined();

      await store.oidc.upsert('Grant', 'g-old', grant('acc-1', 'client-1'));
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'g-mid', grant('acc-1', 'client-1'), 3600);
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'g-new-short', grant('acc-1', 'client-1'), 10);
      clock.advance(1_000);
      await store.oidc.upsert('Grant', 'g-other-account', grant('acc-2', 'client-1'));
      await store.oidc.upsert('Grant', 'g-other-client', grant('acc-1', 'client-2'));
      // not a Grant, even though it names the same account and client
      await store.oidc.upsert('AccessToken', 'at-newest', { ...grant('acc-1', 'client-1'), kind: 'AccessToken' }, 600);

      expect(await store.oidc.findLatestGrantId('acc-1', 'client-1')).toBe('g-new-short');
      clock.advance(10_000);
      expect(await store.oidc.findLatestGrantId('acc-1', 'client-1')).toBe('g-mid');
      await store.oidc.destroy('Grant', 'g-mid');
      expect(await store.oidc.findLatestGrantId('acc-1', 'client-1')).toBe('g-old');
      expect(await store.oidc.findLatestGrantId('acc-2', 'client-1')).toBe('g-other-account');
      expect(await store.oidc.findLatestGrantId('acc-1', 'client-2')).toBe('g-other-client');
      expect(await store.oidc.findLatestGrantId('acc-2', 'client-2')).toBeUndefined();
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
}
