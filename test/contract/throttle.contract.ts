// The ThrottleStore contract, run against every backend.

import { afterEach, beforeEach, expect, test } from '@jest/globals';
import type { Store } from '../../src/storage/store.js';
import type { StoreFactory } from '../support/stores.js';

const T0 = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;

export function throttleContract(factory: StoreFactory): void {
  let store: Store;

  beforeEach(async () => {
    store = await factory();
  });
  afterEach(async () => {
    await store.close();
  });
  const one = async (key: string, now: number) => (await store.throttle.get([{ key, windowMs: HOUR }], now))[0];

  test('counts failures within a window and reports them', async () => {
    expect(await one('k', T0)).toBeUndefined();
    expect(await store.throttle.recordFailure('k', T0, HOUR)).toEqual({
      failures: 1,
      windowStart: T0,
      lastFailureAt: T0,
    });
    expect(await store.throttle.recordFailure('k', T0 + 1000, HOUR)).toEqual({
      failures: 2,
      windowStart: T0,
      lastFailureAt: T0 + 1000,
    });
    expect(await one('k', T0 + 2000)).toEqual({ failures: 2, windowStart: T0, lastFailureAt: T0 + 1000 });
  });

  test('the window slides: failures older than windowMs stop counting', async () => {
    await store.throttle.recordFailure('k', T0, HOUR);
    await store.throttle.recordFailure('k', T0 + 10, HOUR);
    expect(await one('k', T0 + HOUR)).toEqual({ failures: 1, windowStart: T0 + 10, lastFailureAt: T0 + 10 });
    expect(await one('k', T0 + HOUR + 10)).toBeUndefined();
    expect(await store.throttle.recordFailure('k', T0 + HOUR + 10, HOUR)).toEqual({
      failures: 1,
      windowStart: T0 + HOUR + 10,
      lastFailureAt: T0 + HOUR + 10,
    });
  });

  test('keys are independent; reset forgets one key', async () => {
    await store.throttle.recordFailure('a', T0, HOUR);
    await store.throttle.recordFailure('b', T0, HOUR);
    await store.throttle.reset('a');
    expect(await one('a', T0)).toBeUndefined();
    expect((await one('b', T0))?.failures).toBe(1);
  });

  test('40 concurrent failures on one key: every one counted, no error', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => store.throttle.recordFailure('hot', T0, HOUR)));
    expect(results).toHaveLength(40);
    expect((await one('hot', T0))?.failures).toBe(40);
  });

  test('sweep drops failures older than the cutoff', async () => {
    await store.throttle.recordFailure('old', T0, HOUR);
    await store.throttle.recordFailure('new', T0 + 2 * HOUR, HOUR);
    expect(await store.throttle.sweep(T0 + HOUR)).toBe(1);
    expect(await one('old', T0)).toBeUndefined();
    expect(await one('new', T0 + 2 * HOUR)).toBeDefined();
  });

  test('several keys in one call: each with its own window, in the order asked', async () => {
    await store.throttle.recordFailure('wide', T0, HOUR);
    await store.throttle.recordFailure('narrow', T0, HOUR);
    await store.throttle.recordFailure('narrow', T0 + 50_000, HOUR);
    await store.throttle.recordFailure('wide', T0 + 60_000, HOUR);
    const now = T0 + 61_000;
    const states = await store.throttle.get(
      [
        { key: 'none', windowMs: HOUR },
        { key: 'narrow', windowMs: 30_000 },
        { key: 'wide', windowMs: HOUR },
      ],
      now,
    );
    expect(states).toEqual([
      undefined,
      { failures: 1, windowStart: T0 + 50_000, lastFailureAt: T0 + 50_000 },
      { failures: 2, windowStart: T0, lastFailureAt: T0 + 60_000 },
    ]);
    expect(await store.throttle.get([], now)).toEqual([]);
  });
}
