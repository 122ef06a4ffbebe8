// Throttle reads of concurrent requests taken together, on a real SQLite store: one store call per turn
// of the event loop, each caller answered with its own keys' states, in its order.

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Store, ThrottleQuery, ThrottleStore } from '../../src/storage/store.js';
import { ThrottleReads } from '../../src/throttle/throttle-reads.js';
import { manualClock, sqliteStoreFactory, type ManualClock } from '../support/stores.js';

const HOUR = 3_600_000;

describe('ThrottleReads', () => {
  let clock: ManualClock;
  let store: Store;
  let calls: string[][];
  let counted: Pick<ThrottleStore, 'get'>;

  beforeEach(async () => {
    clock = manualClock(Date.UTC(2100, 0, 1));
    store = await sqliteStoreFactory(clock.now);
    calls = [];
    counted = {
      get: (queries, now) => {
        calls.push(queries.map((q) => `${q.key}/${q.windowMs}`));
        return store.throttle.get(queries, now);
      },
    };
    await store.throttle.recordFailure('ip:a', clock.now() - 1_000, HOUR);
    await store.throttle.recordFailure('ip:a', clock.now() - 500, HOUR);
    await store.throttle.recordFailure('pair:x', clock.now() - 200, HOUR);
  });
  afterEach(async () => {
    await store.close();
  });

  const q = (key: string, windowMs = HOUR): ThrottleQuery => ({ key, windowMs });

  test('reads of one turn go in one call; a key two callers share is read once; each gets its own answer', async () => {
    const reads = new ThrottleReads(counted);
    const now = clock.now();
    const [first, second, third] = await Promise.all([
      reads.get([q('pair:x'), q('ip:a')], now),
      reads.get([q('pair:y'), q('ip:a')], now),
      reads.get([], now),
    ]);
    expect(calls).toEqual([[`pair:x/${HOUR}`, `ip:a/${HOUR}`, `pair:y/${HOUR}`]]);
    expect(first.map((s) => s?.failures)).toEqual([1, 2]);
    expect(second.map((s) => s?.failures)).toEqual([undefined, 2]);
    expect(third).toEqual([]);
  });

  test('reads of separate turns go in separate calls', async () => {
    const reads = new ThrottleReads(counted);
    await reads.get([q('ip:a')], clock.now());
    await reads.get([q('ip:a')], clock.now());
    expect(calls).toHaveLength(2);
  });

  test('one key asked with two windows is read in a second call beside the first, each with its own window', async () => {
    const reads = new ThrottleReads(counted);
    const now = clock.now();
    const [wide, narrow] = await Promise.all([reads.get([q('ip:a')], now), reads.get([q('ip:a', 700)], now)]);
    expect(calls).toEqual([[`ip:a/${HOUR}`], ['ip:a/700']]);
    expect(wide[0]?.failures).toBe(2);
    expect(narrow[0]?.failures).toBe(1);
  });

  test('a failed read fails the callers it held, and the next turn reads again', async () => {
    let fail = true;
    const flaky: Pick<ThrottleStore, 'get'> = {
      get: (queries, now) => (fail ? Promise.reject(new Error('store down')) : counted.get(queries, now)),
    };
    const reads = new ThrottleReads(flaky);
    const outcomes = await Promise.allSettled([reads.get([q('ip:a')], clock.now()), reads.get([q('x')], clock.now())]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect((await reads.get([q('ip:a')], clock.now()))[0]?.failures).toBe(2);
  });
});
