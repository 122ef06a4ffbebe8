// The store guard: outage errors become 503s and trip a fail-fast state that a probe clears; other
// errors pass through untouched; every call is reported to the observer.

import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { StoreUnavailableError } from '../../src/errors.js';
import { guardStore, type StoreOutcome } from '../../src/storage/store-guard.js';
import type { Store } from '../../src/storage/store.js';

class Outage extends Error {}

function fakeStore() {
  const state = { down: false, calls: 0, pings: 0 };
  const maybeFail = () => {
    if (state.down) throw new Outage('connection refused');
  };
  const store = {
    kind: 'mongodb',
    oidc: {
      // eslint-disable-next-line @typescript-eslint/require-await -- stands in for a store method, which is async
      async find(_model: string, id: string) {
        state.calls++;
        maybeFail();
        if (id === 'bug') throw new TypeError('a bug, not an outage');
        return { id };
      },
      cursor() {
        return [1, 2, 3][Symbol.iterator]();
      },
    },
    accounts: {},
    keys: {},
    audit: {},
    throttle: {},
    outbox: {},
    // eslint-disable-next-line @typescript-eslint/require-await -- stands in for the store's async ping
    async ping() {
      state.pings++;
      maybeFail();
    },
    isUnavailable: (err: unknown) => err instanceof Outage,
    async close() {},
  } as unknown as Store;
  return { store, state };
}

function recorder() {
  const operations: Array<[string, StoreOutcome]> = [];
  const availability: boolean[] = [];
  return {
    operations,
    availability,
    observer: {
      operation: (name: string, _seconds: number, outcome: StoreOutcome) => void operations.push([name, outcome]),
      availability: (up: boolean) => void availability.push(up),
    },
  };
}

/** The guard probes every PROBE_MS; the tests move fake time instead of waiting for it. */
const PROBE_MS = 10;
const nextProbe = () => jest.advanceTimersByTimeAsync(PROBE_MS);

describe('guardStore', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  test('passes results and ordinary errors through, reporting each call', async () => {
    const { store } = fakeStore();
    const rec = recorder();
    const guarded = guardStore(store, rec.observer, PROBE_MS);
    await expect(guarded.oidc.find('Client', 'a')).resolves.toEqual({ id: 'a' });
    await expect(guarded.oidc.find('Client', 'bug')).rejects.toBeInstanceOf(TypeError);
    expect(guarded.up).toBe(true);
    expect(rec.operations).toEqual([
      ['oidc.find', 'ok'],
      ['oidc.find', 'error'],
    ]);
    await guarded.close();
  });

  test('an outage becomes StoreUnavailableError, later calls fail fast without touching the store, a probe reopens it', async () => {
    const { store, state } = fakeStore();
    const rec = recorder();
    const guarded = guardStore(store, rec.observer, PROBE_MS);
    state.down = true;
    const first = guarded.oidc.find('Client', 'a');
    await expect(first).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(first).rejects.toMatchObject({
      statusCode: 503,
      expose: true,
      message: 'temporarily_unavailable',
      error: 'temporarily_unavailable',
    });
    expect(guarded.up).toBe(false);
    const callsWhenTripped = state.calls;
    await expect(guarded.oidc.find('Client', 'b')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(guarded.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(state.calls).toBe(callsWhenTripped);
    expect(guarded.isUnavailable(new StoreUnavailableError())).toBe(true);

    const pingsWhenTripped = state.pings;
    await nextProbe();
    await nextProbe(); // probes keep trying while it is down
    expect(state.pings).toBe(pingsWhenTripped + 2);
    expect(guarded.up).toBe(false);
    state.down = false;
    await nextProbe();
    expect(guarded.up).toBe(true);
    await expect(guarded.oidc.find('Client', 'c')).resolves.toEqual({ id: 'c' });
    expect(rec.availability).toEqual([false, true]);
    expect(rec.operations).toEqual(
      expect.arrayContaining([
        ['oidc.find', 'unavailable'],
        ['oidc.find', 'rejected'],
        ['ping', 'rejected'],
        ['oidc.find', 'ok'],
      ]),
    );
    await guarded.close();
  });

  test('close stops the probe', async () => {
    const { store, state } = fakeStore();
    const guarded = guardStore(store, recorder().observer, PROBE_MS);
    state.down = true;
    await expect(guarded.oidc.find('Client', 'a')).rejects.toBeInstanceOf(StoreUnavailableError);
    await guarded.close();
    const pings = state.pings;
    await jest.advanceTimersByTimeAsync(PROBE_MS * 10);
    expect(state.pings).toBe(pings);
  });

  test('calls that return no promise (cursors, iterators) pass through as they are', () => {
    const { store } = fakeStore();
    const guarded = guardStore(store, recorder().observer, PROBE_MS);
    const oidc = guarded.oidc as unknown as { cursor(): Iterator<number> };
    expect([...{ [Symbol.iterator]: () => oidc.cursor() }]).toEqual([1, 2, 3]);
  });
});
