import { en } from '../support/english.js';
// The one way Signet tells a caller to wait: 429 with Retry-After, never cached, as OAuth JSON for a
// client or as the route's own page for a person; and the gate that decides it before any work.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import type { Store } from '../../src/storage/store.js';
import { admit, answerWait, waitMessage } from '../../src/throttle/throttle-gate.js';
import { Throttle, type ThrottleKey } from '../../src/throttle/throttle.js';
import { manualClock, sqliteStoreFactory } from '../support/stores.js';

/** One request through a bare app whose only middleware is `handle`. */
async function answer(handle: Koa.Middleware): Promise<{ status: number; headers: Headers; text: string }> {
  const app = new Koa();
  app.use(handle);
  const server: Server = app.listen(0, '127.0.0.1');
  try {
    await new Promise((resolve) => server.once('listening', resolve));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { status: res.status, headers: res.headers, text: await res.text() };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('answerWait', () => {
  test('a client gets 429, Retry-After in seconds, no-store, and OAuth JSON with the reason', async () => {
    const res = await answer((ctx) => answerWait(ctx, 42, { form: 'json', reason: 'too many failed tries' }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('42');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'too many failed tries; retry after 42 seconds',
    });
  });

  test("a person gets the route's own page with the wait in plain words, same status and header", async () => {
    const res = await answer((ctx) =>
      answerWait(ctx, 600, {
        form: 'page',
        t: en,
        render: (message) => {
          ctx.type = 'html';
          ctx.body = `<p>${message}</p>`;
        },
      }),
    );
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('600');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toBe('<p>Too many attempts. Try again in 10 minutes.</p>');
  });

  test('the wait is said in words a person reads', () => {
    expect(waitMessage(1, en)).toBe('Too many attempts. Try again in 1 second.');
    expect(waitMessage(40, en)).toBe('Too many attempts. Try again in 40 seconds.');
    expect(waitMessage(900, en)).toBe('Too many attempts. Try again in 15 minutes.');
  });
});

describe('admit', () => {
  const clock = manualClock(Date.UTC(2026, 0, 1));
  let store: Store;
  let throttle: Throttle;
  const keys: ThrottleKey[] = [
    { key: 'test:one', policy: { free: 1, lockAfter: 3, lockSeconds: 60, windowMs: 3_600_000 } },
  ];

  beforeAll(async () => {
    store = await sqliteStoreFactory(clock.now);
    throttle = new Throttle(store.throttle, clock.now);
  });
  afterAll(async () => {
    await store.close();
  });

  test('lets a caller in while the policy allows, then answers the wait itself and lets nothing else happen', async () => {
    let worked = 0;
    const guarded: Koa.Middleware = async (ctx) => {
      const checked = await admit(ctx, throttle, keys, { form: 'json', reason: 'slow down' });
      if (!checked) return;
      worked++;
      ctx.body = 'worked';
    };
    expect((await answer(guarded)).text).toBe('worked');
    await throttle.fail(keys);
    await throttle.fail(keys);
    const refused = await answer(guarded);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(worked).toBe(1);
    clock.advance(2_000);
    expect((await answer(guarded)).status).toBe(200);
    expect(worked).toBe(2);
  });
});
