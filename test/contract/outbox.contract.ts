// The OutboxStore contract: the durable mail queue the sender relies on, run against every backend.
// Times are passed in explicitly (the store has no clock of its own), far in the future like the other
// suites so that no TTL monitor could ever act behind a test's back.

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { OutboxMessage, Store } from '../../src/storage/store.js';
import type { StoreFactory } from '../support/stores.js';

const T0 = Date.UTC(2100, 0, 1);
const LEASE = 60_000;

let sequence = 0;
function message(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  sequence++;
  return {
    id: `m-${sequence}-${Math.random().toString(36).slice(2, 8)}`,
    to: `user${sequence}@example.test`,
    subject: `Subject ${sequence}`,
    text: `text ${sequence}`,
    html: `<p>html ${sequence}</p>`,
    dedupeKey: null,
    createdAt: T0,
    nextAttemptAt: T0,
    ...overrides,
  };
}

export function outboxContract(factory: StoreFactory): void {
  let store: Store;

  beforeEach(async () => {
    store = await factory();
  });
  afterEach(async () => {
    await store.close();
  });

  describe('enqueue and get', () => {
    test('a new message is pending, never attempted, with every field as given', async () => {
      const m = message({ dedupeKey: 'welcome:1' });
      expect(await store.outbox.enqueue(m)).toEqual({ id: m.id, created: true });
      expect(await store.outbox.get(m.id)).toStrictEqual({
        ...m,
        state: 'pending',
        attempts: 0,
        lastError: null,
        settledAt: null,
      });
      expect(await store.outbox.get('nope')).toBeUndefined();
    });

    test('dedupe: the same key gives the first message back; other keys and no key never collide', async () => {
      const first = message({ dedupeKey: 'code:alice' });
      await store.outbox.enqueue(first);
      expect(await store.outbox.enqueue(message({ dedupeKey: 'code:alice', subject: 'again' }))).toEqual({
        id: first.id,
        created: false,
      });
      expect((await store.outbox.enqueue(message({ dedupeKey: 'code:bob' }))).created).toBe(true);
      expect((await store.outbox.enqueue(message())).created).toBe(true);
      expect((await store.outbox.enqueue(message())).created).toBe(true);
      expect((await store.outbox.get(first.id))?.subject).toBe(first.subject);
      expect((await store.outbox.stats()).counts.pending).toBe(4);
    });

    test('dedupe holds under 20 parallel enqueues of one key: exactly one is created', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.outbox.enqueue(message({ dedupeKey: 'burst' }))),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect((await store.outbox.stats()).counts.pending).toBe(1);
    });
  });

  describe('claim', () => {
    test('takes a due message with a lease: one more attempt, not claimable again until the lease ends', async () => {
      const m = message();
      await store.outbox.enqueue(m);
      const claimed = await store.outbox.claim(T0, LEASE);
      expect(claimed).toMatchObject({
        id: m.id,
        attempts: 1,
        state: 'pending',
        nextAttemptAt: T0 + LEASE,
        text: m.text,
        html: m.html,
      });
      expect(await store.outbox.claim(T0 + LEASE - 1, LEASE)).toBeUndefined();
    });

    test('a lease that runs out (the sender died mid-send) makes the message claimable again', async () => {
      const m = message();
      await store.outbox.enqueue(m);
      await store.outbox.claim(T0, LEASE);
      expect(await store.outbox.claim(T0 + LEASE, LEASE)).toMatchObject({
        id: m.id,
        attempts: 2,
        nextAttemptAt: T0 + 2 * LEASE,
      });
    });

    test('nothing before it is due', async () => {
      await store.outbox.enqueue(message({ nextAttemptAt: T0 + 5000 }));
      expect(await store.outbox.claim(T0 + 4999, LEASE)).toBeUndefined();
      expect(await store.outbox.claim(T0 + 5000, LEASE)).toBeDefined();
    });

    test('in order of due time, then of creation', async () => {
      const late = message({ nextAttemptAt: T0 + 30, createdAt: T0 });
      const second = message({ nextAttemptAt: T0 + 10, createdAt: T0 + 2 });
      const first = message({ nextAttemptAt: T0 + 10, createdAt: T0 + 1 });
      for (const m of [late, second, first]) await store.outbox.enqueue(m);
      const order = [];
      for (let i = 0; i < 4; i++) order.push((await store.outbox.claim(T0 + 100, LEASE))?.id);
      expect(order).toEqual([first.id, second.id, late.id, undefined]);
    });

    test('by id: only that message, and only when due', async () => {
      const a = message();
      const b = message({ nextAttemptAt: T0 + 1000 });
      await store.outbox.enqueue(a);
      await store.outbox.enqueue(b);
      expect(await store.outbox.claim(T0, LEASE, b.id)).toBeUndefined();
      expect((await store.outbox.claim(T0 + 1000, LEASE, b.id))?.id).toBe(b.id);
      expect((await store.outbox.get(a.id))?.attempts).toBe(0);
    });

    test('30 parallel claims of one message, ten times over: exactly one winner each time', async () => {
      const winners: number[] = [];
      for (let round = 0; round < 10; round++) {
        const m = message();
        await store.outbox.enqueue(m);
        const results = await Promise.all(Array.from({ length: 30 }, () => store.outbox.claim(T0, LEASE, m.id)));
        winners.push(results.filter((r) => r !== undefined).length);
        expect((await store.outbox.get(m.id))?.attempts).toBe(1);
      }
      expect(winners).toEqual(Array.from({ length: 10 }, () => 1));
    });

    test('60 parallel claimers over 20 messages: every message goes to exactly one of them', async () => {
      const ids = [];
      for (let i = 0; i < 20; i++) {
        const m = message({ createdAt: T0 + i });
        ids.push(m.id);
        await store.outbox.enqueue(m);
      }
      const claimed = (await Promise.all(Array.from({ length: 60 }, () => store.outbox.claim(T0, LEASE)))).filter(
        (r) => r !== undefined,
      );
      const leftover = [];
      for (let r = await store.outbox.claim(T0, LEASE); r; r = await store.outbox.claim(T0, LEASE)) leftover.push(r.id);
      const all = [...claimed.map((r) => r.id), ...leftover];
      expect(all.sort()).toEqual([...ids].sort());
      for (const id of ids) expect((await store.outbox.get(id))?.attempts).toBe(1);
    });
  });

  describe('settling', () => {
    test('sent: kept without its body, never claimed again; a second mark is a no-op', async () => {
      const m = message();
      await store.outbox.enqueue(m);
      await store.outbox.claim(T0, LEASE);
      expect(await store.outbox.markSent(m.id, T0 + 5)).toBe(true);
      expect(await store.outbox.get(m.id)).toMatchObject({
        state: 'sent',
        settledAt: T0 + 5,
        text: '',
        html: '',
        subject: m.subject,
        to: m.to,
      });
      expect(await store.outbox.markSent(m.id, T0 + 6)).toBe(false);
      expect(await store.outbox.claim(T0 + 10 * LEASE, LEASE)).toBeUndefined();
    });

    test('failed: pending again, due at the retry time, the error kept', async () => {
      const m = message();
      await store.outbox.enqueue(m);
      const claim = await store.outbox.claim(T0, LEASE);
      expect(await store.outbox.markFailed(m.id, claim?.attempts ?? 0, '421 try later', T0 + 30_000, T0 + 1)).toBe(
        true,
      );
      expect(await store.outbox.get(m.id)).toMatchObject({
        state: 'pending',
        lastError: '421 try later',
        nextAttemptAt: T0 + 30_000,
        settledAt: null,
      });
      expect(await store.outbox.claim(T0 + 29_999, LEASE)).toBeUndefined();
      expect(await store.outbox.claim(T0 + 30_000, LEASE)).toMatchObject({ id: m.id, attempts: 2 });
    });

    test('dead: kept with its body for the operator, never claimed again', async () => {
      const m = message();
      await store.outbox.enqueue(m);
      await store.outbox.claim(T0, LEASE);
      expect(await store.outbox.markFailed(m.id, 1, '550 no such user', null, T0 + 7)).toBe(true);
      expect(await store.outbox.get(m.id)).toMatchObject({
        state: 'dead',
        lastError: '550 no such user',
        settledAt: T0 + 7,
        text: m.text,
        html: m.html,
      });
      expect(await store.outbox.claim(T0 + 10 * LEASE, LEASE)).toBeUndefined();
    });

    test('the holder of an expired lease cannot undo the next claim, but its success still counts', async () => {
      const m = message();
      await store.outbox.enqueue(m);
      await store.outbox.claim(T0, LEASE);
      await store.outbox.claim(T0 + LEASE, LEASE);
      expect(await store.outbox.markFailed(m.id, 1, 'late failure', T0 + 99, T0 + LEASE + 1)).toBe(false);
      expect(await store.outbox.get(m.id)).toMatchObject({
        state: 'pending',
        attempts: 2,
        nextAttemptAt: T0 + 2 * LEASE,
        lastError: null,
      });
      expect(await store.outbox.markSent(m.id, T0 + LEASE + 2)).toBe(true);
      expect(await store.outbox.markFailed(m.id, 2, 'too late', T0 + 99, T0 + LEASE + 3)).toBe(false);
      expect((await store.outbox.get(m.id))?.state).toBe('sent');
    });
  });

  describe('stats and purge', () => {
    test('counts by state and the oldest pending message', async () => {
      expect(await store.outbox.stats()).toEqual({ counts: { pending: 0, sent: 0, dead: 0 }, oldestPendingAt: null });
      const [a, b, c, d] = [
        message({ createdAt: T0 + 3 }),
        message({ createdAt: T0 + 1 }),
        message({ createdAt: T0 + 2 }),
        message({ createdAt: T0 }),
      ];
      for (const m of [a, b, c, d]) await store.outbox.enqueue(m);
      await store.outbox.claim(T0, LEASE, d.id);
      await store.outbox.markSent(d.id, T0 + 10);
      await store.outbox.claim(T0, LEASE, c.id);
      await store.outbox.markFailed(c.id, 1, 'x', null, T0 + 10);
      expect(await store.outbox.stats()).toEqual({ counts: { pending: 2, sent: 1, dead: 1 }, oldestPendingAt: T0 + 1 });
    });

    test('purge drops sent and dead messages settled before their cutoffs, never pending ones', async () => {
      const [sentOld, sentNew, deadOld, deadNew, pending] = Array.from({ length: 5 }, () => message());
      for (const m of [sentOld, sentNew, deadOld, deadNew, pending]) await store.outbox.enqueue(m as OutboxMessage);
      const settle = async (m: OutboxMessage, at: number, sent: boolean) => {
        await store.outbox.claim(T0, LEASE, m.id);
        if (sent) await store.outbox.markSent(m.id, at);
        else await store.outbox.markFailed(m.id, 1, 'x', null, at);
      };
      await settle(sentOld as OutboxMessage, T0 + 1, true);
      await settle(sentNew as OutboxMessage, T0 + 100, true);
      await settle(deadOld as OutboxMessage, T0 + 1, false);
      await settle(deadNew as OutboxMessage, T0 + 100, false);
      expect(await store.outbox.purge(T0 + 50, T0 + 50)).toBe(2);
      expect(await store.outbox.get((sentOld as OutboxMessage).id)).toBeUndefined();
      expect(await store.outbox.get((deadOld as OutboxMessage).id)).toBeUndefined();
      expect(await store.outbox.stats()).toEqual({ counts: { pending: 1, sent: 1, dead: 1 }, oldestPendingAt: T0 });
      // A purged message's dedupe key is free again.
      const again = message({ dedupeKey: 'k' });
      await store.outbox.enqueue(again);
      await settle(again, T0 + 1, true);
      await store.outbox.purge(T0 + 50, T0 + 50);
      expect((await store.outbox.enqueue(message({ dedupeKey: 'k' }))).created).toBe(true);
    });
  });
}
