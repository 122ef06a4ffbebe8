// The KeyStore contract, run against every backend.

import { test, expect, beforeEach, afterEach } from '@jest/globals';
import type { KeyKind, KeyRecord, Store } from '../../src/storage/store.js';
import type { StoreFactory } from '../support/stores.js';

const T0 = Date.UTC(2030, 0, 1);

function key(kid: string, kind: KeyKind, createdAt: number, sealed = `sealed:${kid}`): KeyRecord {
  return {
    kid,
    kind,
    alg: kind === 'signing' ? 'RS256' : 'HS256',
    createdAt,
    activatesAt: createdAt + 60_000,
    retiresAt: null,
    sealed,
  };
}

export function keysContract(factory: StoreFactory): void {
  let store: Store;

  beforeEach(async () => {
    store = await factory();
  });

  afterEach(async () => {
    await store.close();
  });

  test('an empty store lists nothing', async () => {
    expect(await store.keys.list('signing')).toEqual([]);
    expect(await store.keys.list('cookie')).toEqual([]);
  });

  test('insert then list round-trips the record', async () => {
    const k = key('kid-1', 'signing', T0, 'v1.' + 'A'.repeat(4096) + '.tag');
    expect(await store.keys.insert(k)).toBe(true);
    expect(await store.keys.list('signing')).toEqual([k]);
  });

  test('inserting an existing kid resolves false and keeps the original', async () => {
    const original = key('kid-1', 'signing', T0, 'original');
    expect(await store.keys.insert(original)).toBe(true);
    expect(await store.keys.insert({ ...original, alg: 'ES256', createdAt: T0 + 1, sealed: 'impostor' })).toBe(false);
    expect(await store.keys.list('signing')).toEqual([original]);
  });

  test('kinds are kept apart', async () => {
    const s = key('s-1', 'signing', T0);
    const c1 = key('c-1', 'cookie', T0 + 1);
    const c2 = key('c-2', 'cookie', T0 + 2);
    for (const k of [s, c1, c2]) expect(await store.keys.insert(k)).toBe(true);
    expect(await store.keys.list('signing')).toEqual([s]);
    expect(await store.keys.list('cookie')).toEqual([c1, c2]);
  });

  test('list is ordered by createdAt ascending, not by insertion', async () => {
    const keys = [key('k-c', 'signing', T0 + 3000), key('k-a', 'signing', T0 + 1000), key('k-b', 'signing', T0 + 2000)];
    for (const k of keys) expect(await store.keys.insert(k)).toBe(true);
    expect((await store.keys.list('signing')).map((k) => k.kid)).toEqual(['k-a', 'k-b', 'k-c']);
  });

  test('update schedules retirement and reseals; unknown kids resolve false', async () => {
    const k = key('kid-r', 'signing', T0);
    await store.keys.insert(k);
    expect(await store.keys.update('kid-r', { retiresAt: T0 + 5_000 })).toBe(true);
    expect(await store.keys.update('kid-r', { sealed: 'resealed' })).toBe(true);
    expect(await store.keys.list('signing')).toEqual([{ ...k, retiresAt: T0 + 5_000, sealed: 'resealed' }]);
    expect(await store.keys.update('kid-r', { retiresAt: null })).toBe(true);
    expect((await store.keys.list('signing'))[0]?.retiresAt).toBeNull();
    expect(await store.keys.update('nope', { retiresAt: T0 })).toBe(false);
  });
}
