// Group commit of audit events on a real SQLite store: the events of one turn of the event loop go in
// one store call, those recorded during a write in the next, each caller settles only once its event is
// stored, and a failed write fails exactly the events it held.

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { AuditBatch } from '../../src/audit/audit-batch.js';
import type { AuditEvent, AuditStore, Store } from '../../src/storage/store.js';
import { manualClock, sqliteStoreFactory } from '../support/stores.js';

const T0 = Date.UTC(2100, 0, 1);

function event(id: string, at = T0): AuditEvent {
  return { id, at, type: 'token.issued', accountId: null, clientId: 'c-1', ip: null, userAgent: null, details: {} };
}

describe('AuditBatch', () => {
  let store: Store;
  let calls: string[][];
  /** The real store's audit, with each call's event ids noted. */
  let counted: AuditStore;

  beforeEach(async () => {
    store = await sqliteStoreFactory(manualClock(T0).now);
    calls = [];
    counted = {
      append: (events) => {
        calls.push(events.map((e) => e.id));
        return store.audit.append(events);
      },
      list: (q) => store.audit.list(q),
    };
  });
  afterEach(async () => {
    await store.close();
  });

  const stored = async () => (await store.audit.list({ limit: 100 })).map((e) => e.id).reverse();

  test('events of one turn go in one call; a caller settles once its event is stored', async () => {
    const batch = new AuditBatch(counted);
    const settled = ['a', 'b', 'c'].map((id) =>
      batch.append(event(id)).then(async () => (await stored()).includes(id)),
    );
    expect(await Promise.all(settled)).toEqual([true, true, true]);
    expect(calls).toEqual([['a', 'b', 'c']]);
  });

  test('events recorded while a write is under way go together in the next one, in order', async () => {
    let release: (() => void) | undefined;
    const slow: AuditStore = {
      ...counted,
      append: async (events) => {
        if (calls.length === 0) await new Promise<void>((resolve) => (release = resolve));
        return counted.append(events);
      },
    };
    const batch = new AuditBatch(slow);
    const first = batch.append(event('a'));
    await new Promise((resolve) => setImmediate(resolve));
    const later = [batch.append(event('b', T0 + 1)), batch.append(event('c', T0 + 2))];
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([]);
    release?.();
    await Promise.all([first, ...later]);
    expect(calls).toEqual([['a'], ['b', 'c']]);
    expect(await stored()).toEqual(['a', 'b', 'c']);
  });

  test('a failed write fails the events it held, and only those', async () => {
    await store.audit.append([event('taken')]);
    const batch = new AuditBatch(counted);
    const failing = [batch.append(event('x')), batch.append(event('taken', T0 + 1))];
    const outcomes = await Promise.allSettled(failing);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await batch.append(event('y', T0 + 2));
    // On SQLite the failed write left nothing behind.
    expect(await stored()).toEqual(['taken', 'y']);
  });
});
