// The client cache on a real SQLite store: what it keeps, when it drops it, and the reads that race a
// change. Time moves through a manual clock; the re-read interval is long enough never to fire here.

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { ClientCache } from '../../src/oidc/client-cache.js';
import type { OidcPayload, Store } from '../../src/storage/store.js';
import { manualClock, sqliteStoreFactory, type ManualClock } from '../support/stores.js';

describe('ClientCache', () => {
  let clock: ManualClock;
  let store: Store;
  let cache: ClientCache;
  let reads: number;

  const make = (opts: { intervalMs?: number; maxAgeMs?: number; maxEntries?: number; storeUp?: () => boolean } = {}) =>
    new ClientCache({
      records: store.oidc,
      clock: clock.now,
      intervalMs: opts.intervalMs ?? 3_600_000,
      logger: pino({ level: 'silent' }),
      ...(opts.maxAgeMs === undefined ? {} : { maxAgeMs: opts.maxAgeMs }),
      ...(opts.maxEntries === undefined ? {} : { maxEntries: opts.maxEntries }),
      storeUp: opts.storeUp ?? (() => true),
    });
  const read = (id: string) => async () => {
    reads++;
    return store.oidc.find('Client', id);
  };

  beforeEach(async () => {
    clock = manualClock(Date.UTC(2100, 0, 1));
    store = await sqliteStoreFactory(clock.now);
    reads = 0;
    await store.oidc.upsert('Client', 'c-1', { client_id: 'c-1', client_name: 'One' });
    cache = make();
  });
  afterEach(async () => {
    cache.stop();
    await store.close();
  });

  test('before start() every lookup reads the store; after it, a kept client is read once', async () => {
    await cache.find('c-1', read('c-1'));
    await cache.find('c-1', read('c-1'));
    expect(reads).toBe(2);
    await cache.start();
    await cache.find('c-1', read('c-1'));
    expect(await cache.find('c-1', read('c-1'))).toEqual({ client_id: 'c-1', client_name: 'One' });
    expect(reads).toBe(3);
  });

  test('what a caller does to a returned client does not reach the next caller', async () => {
    await cache.start();
    const first = (await cache.find('c-1', read('c-1'))) as OidcPayload;
    first.client_name = 'Tampered';
    expect((await cache.find('c-1', read('c-1')))?.client_name).toBe('One');
  });

  test('a write by anyone is seen at the next refresh(); an unchanged counter keeps what is kept', async () => {
    await cache.start();
    await cache.find('c-1', read('c-1'));
    await cache.refresh();
    await cache.find('c-1', read('c-1'));
    expect(reads).toBe(1);
    await store.oidc.upsert('Client', 'c-1', { client_id: 'c-1', client_name: 'Renamed' });
    expect((await cache.find('c-1', read('c-1')))?.client_name).toBe('One');
    await cache.refresh();
    expect((await cache.find('c-1', read('c-1')))?.client_name).toBe('Renamed');
  });

  test('a read that started before this node changed a client does not put the old one back', async () => {
    await cache.start();
    let release: (() => void) | undefined;
    const slowRead = async () => {
      const found = await store.oidc.find('Client', 'c-1');
      await new Promise<void>((resolve) => (release = resolve));
      return found;
    };
    const racing = cache.find('c-1', slowRead);
    await new Promise((resolve) => setImmediate(resolve));
    await store.oidc.upsert('Client', 'c-1', { client_id: 'c-1', client_name: 'New' });
    cache.changed();
    release?.();
    expect((await racing)?.client_name).toBe('One');
    expect((await cache.find('c-1', read('c-1')))?.client_name).toBe('New');
    expect(reads).toBe(1);
  });

  test('an entry older than maxAgeMs is read again, whatever the counter says', async () => {
    cache = make({ maxAgeMs: 1_000 });
    await cache.start();
    await cache.find('c-1', read('c-1'));
    clock.advance(999);
    await cache.find('c-1', read('c-1'));
    expect(reads).toBe(1);
    clock.advance(1);
    await cache.find('c-1', read('c-1'));
    expect(reads).toBe(2);
  });

  test('unknown clients are not kept, and at most maxEntries are', async () => {
    cache = make({ maxEntries: 1 });
    await cache.start();
    expect(await cache.find('nope', read('nope'))).toBeUndefined();
    await store.oidc.upsert('Client', 'nope', { client_id: 'nope' });
    expect(await cache.find('nope', read('nope'))).toEqual({ client_id: 'nope' });
    // Keeping 'nope' pushed out nothing yet; keeping c-1 pushes out 'nope', the oldest.
    await cache.find('c-1', read('c-1'));
    reads = 0;
    await cache.find('c-1', read('c-1'));
    await cache.find('nope', read('nope'));
    expect(reads).toBe(1);
  });

  test('a counter that cannot be read empties the cache and keeps nothing until it can', async () => {
    await cache.start();
    await cache.find('c-1', read('c-1'));
    await store.close();
    await cache.refresh();
    store = await sqliteStoreFactory(clock.now);
    await store.oidc.upsert('Client', 'c-1', { client_id: 'c-1', client_name: 'Elsewhere' });
    // Same cache object, its records gone: it reads through (the store it was given fails the counter).
    expect((await cache.find('c-1', read('c-1')))?.client_name).toBe('Elsewhere');
    expect((await cache.find('c-1', read('c-1')))?.client_name).toBe('Elsewhere');
    expect(reads).toBe(3);
  });

  test('while the store is down nothing kept is served, and nothing kept before is served after', async () => {
    let up = true;
    cache = make({ storeUp: () => up });
    await cache.start();
    await cache.find('c-1', read('c-1'));
    up = false;
    await cache.find('c-1', read('c-1'));
    up = true;
    await store.oidc.upsert('Client', 'c-1', { client_id: 'c-1', client_name: 'Changed meanwhile' });
    expect((await cache.find('c-1', read('c-1')))?.client_name).toBe('Changed meanwhile');
    expect(reads).toBe(3);
  });

  test('an interval of 0 keeps nothing', async () => {
    cache = make({ intervalMs: 0 });
    await cache.start();
    await cache.find('c-1', read('c-1'));
    await cache.find('c-1', read('c-1'));
    expect(reads).toBe(2);
  });
});
