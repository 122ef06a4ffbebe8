// The outbox's backoff: after each failed attempt the sender waits twice as long as the time before,
// from the first retry delay up to the cap, and gives up on a permanent failure or the last attempt.

import { describe, expect, test } from '@jest/globals';
import { deliveryPolicy, retryAt, retryDelay } from '../../src/mail/delivery-policy.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const policy = deliveryPolicy(30 * SECOND);

describe('retryDelay', () => {
  test('doubles from the first delay after each attempt, then stays at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((attempt) => retryDelay(policy, attempt));
    expect(delays).toEqual([
      30 * SECOND,
      1 * MINUTE,
      2 * MINUTE,
      4 * MINUTE,
      8 * MINUTE,
      16 * MINUTE,
      32 * MINUTE,
      60 * MINUTE,
      60 * MINUTE,
      60 * MINUTE,
    ]);
  });

  test('an attempt number below 1 waits the first delay; a huge one waits the cap, never Infinity', () => {
    expect(retryDelay(policy, 0)).toBe(30 * SECOND);
    expect(retryDelay(policy, -5)).toBe(30 * SECOND);
    expect(retryDelay(policy, 10_000)).toBe(60 * MINUTE);
    expect(retryDelay({ firstRetryMs: 1, maxRetryMs: Number.MAX_SAFE_INTEGER }, 10_000)).toBe(2 ** 30);
  });

  test('follows the policy given', () => {
    const fast = { firstRetryMs: 100, maxRetryMs: 500 };
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay(fast, attempt))).toEqual([100, 200, 400, 500, 500]);
  });
});

describe('retryAt', () => {
  const now = 1_700_000_000_000;

  test('a transient failure is retried after the backoff, counted from now', () => {
    expect(retryAt(policy, 1, now, false)).toBe(now + 30 * SECOND);
    expect(retryAt(policy, 3, now, false)).toBe(now + 2 * MINUTE);
    expect(retryAt(policy, policy.maxAttempts - 1, now, false)).toBe(now + 60 * MINUTE);
  });

  test('the last attempt the policy allows, or any later, gives up', () => {
    expect(policy.maxAttempts).toBe(10);
    expect(retryAt(policy, policy.maxAttempts, now, false)).toBeNull();
    expect(retryAt(policy, policy.maxAttempts + 1, now, false)).toBeNull();
    expect(retryAt({ ...policy, maxAttempts: 1 }, 1, now, false)).toBeNull();
  });

  test('a permanent failure gives up at once', () => {
    expect(retryAt(policy, 1, now, true)).toBeNull();
  });

  test('a whole run of transient failures: nine retries over about three hours, then dead', () => {
    let at = now;
    let attempt = 1;
    for (;;) {
      const next = retryAt(policy, attempt, at, false);
      if (next === null) break;
      at = next;
      attempt++;
    }
    expect(attempt).toBe(policy.maxAttempts);
    expect(at - now).toBe((0.5 + 1 + 2 + 4 + 8 + 16 + 32 + 60 + 60) * MINUTE);
  });
});
