// EmailCodes (mailed one-time codes) over every backend: single use, expiry, wrong-code limits that a new
// code does not reset, send limits per address, decoys that nothing opens, and a flow bound to its browser.

import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import type { Store } from '../../src/storage/store.js';
import { Throttle } from '../../src/throttle/throttle.js';
import { CODE_TTL_SECONDS, EmailCodes } from '../../src/verification/email-codes.js';
import { manualClock, type ManualClock, type StoreFactory } from '../support/stores.js';

const T0 = Date.UTC(2031, 4, 1);
const IP = '203.0.113.9';

export function emailCodesContract(factory: StoreFactory): void {
  let store: Store;
  let clock: ManualClock;
  let codes: EmailCodes;

  beforeEach(async () => {
    clock = manualClock(T0);
    store = await factory(clock.now);
    codes = new EmailCodes({
      records: store.oidc,
      throttle: new Throttle(store.throttle, clock.now),
      clock: clock.now,
      pepper: randomBytes(32),
    });
  });
  afterEach(async () => {
    await store.close();
  });

  const begin = (email = 'ana@example.test', real = true, bindTo = 'interaction:1') =>
    codes.start({ purpose: 'signup', email, bindTo, accountId: null, real }, IP);
  const wrongOf = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  test('a six-digit code opens its flow once; it is not stored in the clear', async () => {
    const { flow, code } = await begin('Ana@Example.TEST');
    expect(code).toMatch(/^\d{6}$/);
    expect(flow.email).toBe('ana@example.test');
    const raw = JSON.stringify(await store.oidc.find('EmailCode', flow.id));
    expect(raw).not.toContain(String(code));
    expect(await codes.check(flow.id, 'interaction:1', String(code), IP)).toEqual({ ok: true, flow });
    expect(await codes.check(flow.id, 'interaction:1', String(code), IP)).toEqual({ ok: false, reason: 'expired' });
    expect(await codes.find(flow.id, 'interaction:1')).toBeUndefined();
  });

  test('only in the binding it was started in', async () => {
    const { flow, code } = await begin();
    expect(await codes.find(flow.id, 'interaction:2')).toBeUndefined();
    expect(await codes.check(flow.id, 'interaction:2', String(code), IP)).toEqual({ ok: false, reason: 'expired' });
    expect(await codes.check(flow.id, 'interaction:1', String(code), IP)).toMatchObject({ ok: true });
  });

  test('expires after ten minutes', async () => {
    const { flow, code } = await begin();
    clock.advance(CODE_TTL_SECONDS * 1000 + 1);
    expect(await codes.check(flow.id, 'interaction:1', String(code), IP)).toEqual({ ok: false, reason: 'expired' });
  });

  test('five wrong codes per address, then the code is gone and a new one buys no new tries', async () => {
    const { flow, code } = await begin();
    const wrong = wrongOf(String(code));
    for (let left = 4; left >= 1; left -= 1)
      expect(await codes.check(flow.id, 'interaction:1', wrong, IP)).toEqual({
        ok: false,
        reason: 'wrong',
        triesLeft: left,
      });
    expect(await codes.check(flow.id, 'interaction:1', wrong, IP)).toEqual({
      ok: false,
      reason: 'wrong',
      triesLeft: 0,
    });
    // The fifth wrong one ended the code: even the right one no longer opens it.
    expect(await codes.check(flow.id, 'interaction:1', String(code), IP)).toEqual({ ok: false, reason: 'expired' });
    const again = await begin();
    const answer = await codes.check(again.flow.id, 'interaction:1', String(again.code), IP);
    expect(answer).toMatchObject({ ok: false, reason: 'wait' });
    clock.advance(600_001);
    expect(await codes.check(again.flow.id, 'interaction:1', String(again.code), '198.51.100.7')).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  test('a resend replaces the code: the old one stops working, the new one works', async () => {
    const { flow, code } = await begin();
    const resent = await codes.resend(flow.id, 'interaction:1', IP);
    expect(resent?.code).toMatch(/^\d{6}$/);
    if (resent?.code !== code) {
      expect(await codes.check(flow.id, 'interaction:1', String(code), IP)).toMatchObject({ reason: 'wrong' });
    }
    expect(await codes.check(flow.id, 'interaction:1', String(resent?.code), IP)).toMatchObject({ ok: true });
  });

  test('three mails to one address, then one per ten minutes; other addresses are not held up', async () => {
    expect(await codes.sendWait('signup', 'ana@example.test', IP)).toBe(0);
    const { flow } = await begin();
    await codes.resend(flow.id, 'interaction:1', IP);
    await codes.resend(flow.id, 'interaction:1', IP);
    expect(await codes.sendWait('signup', 'ANA@example.test', IP)).toBe(600);
    expect(await codes.sendWait('recovery', 'ana@example.test', IP)).toBe(0);
    expect(await codes.sendWait('signup', 'bo@example.test', IP)).toBe(0);
    clock.advance(600_000);
    expect(await codes.sendWait('signup', 'ana@example.test', IP)).toBe(0);
  });

  test('a decoy flow is stored and found like a real one, and no code opens it', async () => {
    const { flow, code } = await begin('taken@example.test', false);
    expect(code).toBeUndefined();
    expect(await codes.find(flow.id, 'interaction:1')).toMatchObject({ email: 'taken@example.test', decoy: true });
    for (const guess of ['000000', '123456', '999999'])
      expect(await codes.check(flow.id, 'interaction:1', guess, IP)).toMatchObject({ ok: false, reason: 'wrong' });
    expect(await codes.resend(flow.id, 'interaction:1', IP)).toEqual({ flow });
  });

  test('two right answers at once: exactly one opens the flow', async () => {
    const { flow, code } = await begin();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => codes.check(flow.id, 'interaction:1', String(code), IP)),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
  });
}
