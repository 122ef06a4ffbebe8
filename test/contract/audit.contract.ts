// The AuditStore contract, run against every backend. Append-only: events go in and are listed, newest
// first; there is no update or delete to test (the SQLite runner also checks the database refuses them).

import { describe, test, expect, beforeEach, afterEach } from '@jest/globals';
import type { AuditEvent, Store } from '../../src/storage/store.js';
import type { StoreFactory } from '../support/stores.js';

const T0 = Date.UTC(2030, 0, 1);

export function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: 'ev-1',
    at: T0,
    type: 'login.success',
    accountId: 'acc-1',
    clientId: 'client-1',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
    details: { method: 'password' },
    ...overrides,
  };
}

export function auditContract(factory: StoreFactory): void {
  let store: Store;

  beforeEach(async () => {
    store = await factory();
  });

  afterEach(async () => {
    await store.close();
  });

  const ids = (events: AuditEvent[]): string[] => events.map((e) => e.id);

  describe('append and list', () => {
    test('an empty store lists nothing', async () => {
      expect(await store.audit.list({ limit: 100 })).toEqual([]);
      expect(await store.audit.list({ accountId: 'acc-1', since: T0, types: ['login.success'], limit: 100 })).toEqual(
        [],
      );
    });

    test('round-trips every field, details with nested objects and unicode included', async () => {
      const text = 'héllo 👩‍👩‍👧‍👦 🔐 مرحبا שלום e\u0301 \u202Eltr\u202C 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 日本語 "quotes" \\ \u2028 \n\t';
      const event = auditEvent({
        id: 'ev-ü-🔑',
        at: T0 + 123,
        type: 'consent.granted',
        ip: '2001:db8::8a2e:370:7334',
        userAgent: `Agent ${text}`,
        details: {
          scopes: ['openid', 'email', 'profile'],
          grant: { id: 'g-1', claims: { email: true, name: null }, nested: { deeper: { deepest: [1, 2.5, -3, 0] } } },
          flag: false,
          count: 42,
          ratio: 0.1 + 0.2,
          big: 2 ** 53 - 1,
          none: null,
          empty: {},
          emptyList: [],
          text,
          [`clé ${text}`]: text,
        },
      });
      await store.audit.append([event]);
      expect(await store.audit.list({ limit: 10 })).toStrictEqual([event]);
    });

    // Consent events name the APIs granted by their URIs; document stores refuse '.' and a leading '$' in keys.
    test('details whose keys hold dots, dollars and NUL round-trip', async () => {
      const event = auditEvent({
        id: 'ev-keys',
        details: {
          resources: { 'https://api-x.example': ['read'] },
          '$weird.key': { 'a.b': 1 },
          nested: [{ 'x.y': 'z' }],
          'nul\u0000': '',
        },
      });
      await store.audit.append([event]);
      expect(await store.audit.list({ accountId: 'acc-1', limit: 10 })).toStrictEqual([event]);
    });

    test('keeps null fields null and an empty details object empty', async () => {
      const event = auditEvent({
        id: 'ev-null',
        accountId: null,
        clientId: null,
        ip: null,
        userAgent: null,
        details: {},
      });
      await store.audit.append([event]);
      expect(await store.audit.list({ limit: 10 })).toStrictEqual([event]);
    });

    test('a large details object round-trips', async () => {
      const event = auditEvent({
        details: {
          blob: 'abcdefghij'.repeat(20_000) + '🔐'.repeat(500),
          list: Array.from({ length: 1_000 }, (_, i) => i),
        },
      });
      await store.audit.append([event]);
      expect(await store.audit.list({ limit: 1 })).toStrictEqual([event]);
    });

    test('list returns copies: changing a listed or appended event does not change the store', async () => {
      const event = auditEvent({ details: { nested: { n: 1 } } });
      const original = structuredClone(event);
      await store.audit.append([event]);
      (event.details.nested as { n: number }).n = 2;
      const [listed] = await store.audit.list({ limit: 1 });
      expect(listed).toStrictEqual(original);
      if (!listed) throw new Error('the event was not listed');
      (listed.details.nested as { n: number }).n = 3;
      expect(await store.audit.list({ limit: 1 })).toStrictEqual([original]);
    });

    test('several events go in one call, in order; an empty call writes nothing', async () => {
      await store.audit.append([]);
      await store.audit.append([
        auditEvent({ id: 'ev-a', at: T0 }),
        auditEvent({ id: 'ev-b', at: T0 + 1 }),
        auditEvent({ id: 'ev-c', at: T0 + 2 }),
      ]);
      expect(ids(await store.audit.list({ limit: 10 }))).toEqual(['ev-c', 'ev-b', 'ev-a']);
    });

    test('a call holding a taken id rejects, and the event that holds the id is unchanged', async () => {
      const first = auditEvent({ id: 'ev-taken', type: 'login.success' });
      await store.audit.append([first]);
      await expect(
        store.audit.append([
          auditEvent({ id: 'ev-taken', at: T0 + 1, type: 'login.failure', details: { forged: true } }),
        ]),
      ).rejects.toThrow();
      await expect(
        store.audit.append([auditEvent({ id: 'ev-new', at: T0 + 2 }), auditEvent({ id: 'ev-taken', at: T0 + 3 })]),
      ).rejects.toThrow();
      expect((await store.audit.list({ limit: 10 })).find((e) => e.id === 'ev-taken')).toStrictEqual(first);
    });

    test('an id cannot be appended twice; the first event is kept', async () => {
      const first = auditEvent({ id: 'ev-dup', type: 'login.success' });
      await store.audit.append([first]);
      await expect(store.audit.append([first])).rejects.toThrow();
      await expect(
        store.audit.append([
          auditEvent({ id: 'ev-dup', at: T0 + 1, type: 'login.failure', details: { forged: true } }),
        ]),
      ).rejects.toThrow();
      expect(await store.audit.list({ limit: 10 })).toStrictEqual([first]);
      // and the store still takes new events afterwards
      await store.audit.append([auditEvent({ id: 'ev-next', at: T0 + 2 })]);
      expect(ids(await store.audit.list({ limit: 10 }))).toEqual(['ev-next', 'ev-dup']);
    });
  });

  describe('order', () => {
    test('newest first by at, whatever the insertion order', async () => {
      await store.audit.append([auditEvent({ id: 'ev-mid', at: T0 + 1_000 })]);
      await store.audit.append([auditEvent({ id: 'ev-new', at: T0 + 2_000 })]);
      await store.audit.append([auditEvent({ id: 'ev-old', at: T0 })]);
      await store.audit.append([auditEvent({ id: 'ev-older', at: T0 - 86_400_000 })]);
      expect(ids(await store.audit.list({ limit: 10 }))).toEqual(['ev-new', 'ev-mid', 'ev-old', 'ev-older']);
    });

    test('events with the same at come by id, descending (AuditLog makes ids that sort by time)', async () => {
      // No global insertion order exists across nodes; the id is the tie-breaker on every backend.
      for (const id of ['ev-b', 'ev-c', 'ev-a']) await store.audit.append([auditEvent({ id, at: T0 })]);
      await store.audit.append([auditEvent({ id: 'ev-0', at: T0 + 1 })]);
      expect(ids(await store.audit.list({ limit: 10 }))).toEqual(['ev-0', 'ev-c', 'ev-b', 'ev-a']);
      expect(ids(await store.audit.list({ limit: 2 }))).toEqual(['ev-0', 'ev-c']);
    });
  });

  describe('filters and limit', () => {
    // acc-1: login T0, consent T0+1s, logout T0+3s; acc-2: login T0+2s; nobody: two failures at T0+1.5s, T0+4s.
    beforeEach(async () => {
      const events: AuditEvent[] = [
        auditEvent({ id: 'a1-login', at: T0, type: 'login.success', accountId: 'acc-1' }),
        auditEvent({ id: 'a1-consent', at: T0 + 1_000, type: 'consent.granted', accountId: 'acc-1' }),
        auditEvent({
          id: 'anon-fail-1',
          at: T0 + 1_500,
          type: 'login.failure',
          accountId: null,
          clientId: null,
          details: { email: 'sha256:ab' },
        }),
        auditEvent({ id: 'a2-login', at: T0 + 2_000, type: 'login.success', accountId: 'acc-2' }),
        auditEvent({ id: 'a1-logout', at: T0 + 3_000, type: 'logout', accountId: 'acc-1', clientId: null }),
        auditEvent({ id: 'anon-fail-2', at: T0 + 4_000, type: 'login.failure', accountId: null }),
      ];
      for (const e of events) await store.audit.append([e]);
    });

    test('without filters lists every event, those without an account included', async () => {
      expect(ids(await store.audit.list({ limit: 100 }))).toEqual([
        'anon-fail-2',
        'a1-logout',
        'a2-login',
        'anon-fail-1',
        'a1-consent',
        'a1-login',
      ]);
      const anon = (await store.audit.list({ limit: 100 })).find((e) => e.id === 'anon-fail-1');
      expect(anon?.accountId).toBeNull();
      expect(anon?.clientId).toBeNull();
    });

    test('accountId keeps only that account (never events without one)', async () => {
      expect(ids(await store.audit.list({ accountId: 'acc-1', limit: 100 }))).toEqual([
        'a1-logout',
        'a1-consent',
        'a1-login',
      ]);
      expect(ids(await store.audit.list({ accountId: 'acc-2', limit: 100 }))).toEqual(['a2-login']);
      expect(await store.audit.list({ accountId: 'acc-3', limit: 100 })).toEqual([]);
      expect(await store.audit.list({ accountId: 'acc', limit: 100 })).toEqual([]);
      expect(await store.audit.list({ accountId: '', limit: 100 })).toEqual([]);
    });

    test('since is inclusive', async () => {
      expect(ids(await store.audit.list({ since: T0 + 2_000, limit: 100 }))).toEqual([
        'anon-fail-2',
        'a1-logout',
        'a2-login',
      ]);
      expect(ids(await store.audit.list({ since: T0 + 2_001, limit: 100 }))).toEqual(['anon-fail-2', 'a1-logout']);
      expect(ids(await store.audit.list({ since: T0 + 4_000, limit: 100 }))).toEqual(['anon-fail-2']);
      expect(await store.audit.list({ since: T0 + 4_001, limit: 100 })).toEqual([]);
      expect(await store.audit.list({ since: T0, limit: 100 })).toHaveLength(6);
      expect(await store.audit.list({ since: 0, limit: 100 })).toHaveLength(6);
    });

    test('types keeps only the listed types', async () => {
      expect(ids(await store.audit.list({ types: ['login.success'], limit: 100 }))).toEqual(['a2-login', 'a1-login']);
      expect(ids(await store.audit.list({ types: ['logout', 'login.failure'], limit: 100 }))).toEqual([
        'anon-fail-2',
        'a1-logout',
        'anon-fail-1',
      ]);
      expect(await store.audit.list({ types: ['password.changed'], limit: 100 })).toEqual([]);
      expect(await store.audit.list({ types: ['login'], limit: 100 })).toEqual([]);
    });

    test('filters combine', async () => {
      expect(
        ids(await store.audit.list({ accountId: 'acc-1', types: ['login.success', 'logout'], limit: 100 })),
      ).toEqual(['a1-logout', 'a1-login']);
      expect(ids(await store.audit.list({ accountId: 'acc-1', since: T0 + 1_000, limit: 100 }))).toEqual([
        'a1-logout',
        'a1-consent',
      ]);
      expect(
        ids(await store.audit.list({ accountId: 'acc-1', since: T0 + 1, types: ['login.success'], limit: 100 })),
      ).toEqual([]);
      expect(
        ids(await store.audit.list({ since: T0 + 1_000, types: ['login.failure', 'login.success'], limit: 100 })),
      ).toEqual(['anon-fail-2', 'a2-login', 'anon-fail-1']);
    });

    test('limit keeps the newest, and applies after the filters', async () => {
      expect(ids(await store.audit.list({ limit: 1 }))).toEqual(['anon-fail-2']);
      expect(ids(await store.audit.list({ limit: 3 }))).toEqual(['anon-fail-2', 'a1-logout', 'a2-login']);
      expect(await store.audit.list({ limit: 6 })).toHaveLength(6);
      expect(ids(await store.audit.list({ accountId: 'acc-1', limit: 2 }))).toEqual(['a1-logout', 'a1-consent']);
      expect(ids(await store.audit.list({ types: ['login.success'], limit: 1 }))).toEqual(['a2-login']);
      expect(
        ids(await store.audit.list({ since: T0 + 1_000, accountId: 'acc-1', types: ['consent.granted'], limit: 1 })),
      ).toEqual(['a1-consent']);
    });
  });
}
