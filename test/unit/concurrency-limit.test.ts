// ConcurrencyLimit, and what it is for: password hashing that cannot take over libuv's thread pool.

import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { ConcurrencyLimit } from '../../src/accounts/concurrency-limit.js';
import { hashingSlots, PasswordHasher } from '../../src/accounts/password.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimit', () => {
  test('runs at most `limit` tasks at once and starts the others first come, first served', async () => {
    const limit = new ConcurrencyLimit(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const done = gates.map((gate, i) =>
      limit.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await gate.promise;
        running--;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.resolve();
    gates[2]?.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3]?.resolve();
    gates[4]?.resolve();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  test('a failing task passes its error on and frees its slot', async () => {
    const limit = new ConcurrencyLimit(1);
    const failed = limit.run(() => Promise.reject(new Error('boom')));
    const next = limit.run(() => Promise.resolve('next ran'));
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next ran');
  });

  test('refuses a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new ConcurrencyLimit(bad)).toThrow(/positive integer/);
  });
});

describe('password hashing slots', () => {
  test('one per core, shared between workers, never none', () => {
    expect(hashingSlots(1, 2)).toBe(2);
    expect(hashingSlots(2, 2)).toBe(1);
    expect(hashingSlots(4, 2)).toBe(1);
    expect(hashingSlots(1, 8)).toBe(8);
    expect(hashingSlots(3, 8)).toBe(2);
  });

  test('a burst of verifications leaves the thread pool to file reads', async () => {
    // libuv's pool is FIFO: unlimited, this read would wait for every verification queued before it.
    const hasher = new PasswordHasher({}, 1);
    const hash = await hasher.hash('correct horse battery staple');
    let verified = 0;
    const burst = Array.from({ length: 12 }, () =>
      hasher.verify(hash, 'correct horse battery staple').then(() => verified++),
    );
    await tick();
    await readFile(new URL(import.meta.url));
    const verifiedBeforeRead = verified;
    await Promise.all(burst);
    expect(verified).toBe(12);
    expect(verifiedBeforeRead).toBeLessThanOrEqual(1);
  });
});
