import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { HOTP, Secret } from 'otpauth';
import { pino } from 'pino';
import { AuditLog } from '../../src/audit/audit-log.js';
import { Factors } from '../../src/factors/factors.js';
import { matchingStep, newTotpSecret, stepAt } from '../../src/factors/totp.js';
import { KeySealer } from '../../src/keys/key-encryption.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { AccountRecord, Store } from '../../src/storage/store.js';
import { Throttle } from '../../src/throttle/throttle.js';

const codeAt = (secret: string, step: number) =>
  HOTP.generate({ secret: Secret.fromBase32(secret), counter: step, digits: 6 });

/** Noon of some day, on a step boundary: every test moves the clock by hand from here. */
const START = Math.floor(1_800_000_000_000 / 30_000) * 30_000;

describe('matchingStep', () => {
  const secret = newTotpSecret();
  const now = START + 10_000;
  const step = stepAt(now);

  test('a 160-bit secret, as base32', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  test('takes the current step and one either side, nothing further', () => {
    expect(matchingStep(secret, codeAt(secret, step), now, null)).toBe(step);
    expect(matchingStep(secret, codeAt(secret, step - 1), now, null)).toBe(step - 1);
    expect(matchingStep(secret, codeAt(secret, step + 1), now, null)).toBe(step + 1);
    expect(matchingStep(secret, codeAt(secret, step - 2), now, null)).toBeUndefined();
    expect(matchingStep(secret, codeAt(secret, step + 2), now, null)).toBeUndefined();
  });

  test('refuses a step at or before the last one used', () => {
    expect(matchingStep(secret, codeAt(secret, step), now, step)).toBeUndefined();
    expect(matchingStep(secret, codeAt(secret, step - 1), now, step)).toBeUndefined();
    expect(matchingStep(secret, codeAt(secret, step + 1), now, step)).toBe(step + 1);
  });
});

describe('Factors with a manual clock', () => {
  let dataDir: string;
  let store: Store;
  let now: number;
  let factors: Factors;
  let mailed: string[];
  const account = { id: 'acct-1', email: 'ada@example.com' } as AccountRecord;
  const who = { via: 'account-page' as const, ip: '192.0.2.1', lang: 'en' as const };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-factors-'));
    now = START;
    const clock = () => now;
    store = await openSqliteStore({ dataDir, clock });
    mailed = [];
    factors = new Factors({
      records: store.oidc,
      sealer: new KeySealer(['unit-test-secret']),
      pepper: Buffer.alloc(32, 7),
      clock,
      audit: new AuditLog(store.audit, pino({ level: 'silent' }), clock),
      throttle: new Throttle(store.throttle, clock),
      issuer: 'https://id.example.com',
      notify: (_account, kind) => {
        mailed.push(kind);
        return Promise.resolve();
      },
    });
  });

  afterEach(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** An app added and confirmed at START; its secret and its recovery codes. */
  async function enrolled() {
    const enrollment = await factors.enroll(account, 'Phone');
    expect(await factors.required(account.id)).toBe(false);
    const confirmed = await factors.confirm(account, enrollment.factorId, codeAt(enrollment.secret, stepAt(now)), who);
    if (confirmed.ok !== 'confirmed') throw new Error(`not confirmed: ${JSON.stringify(confirmed)}`);
    expect(await factors.required(account.id)).toBe(true);
    return { secret: enrollment.secret, codes: confirmed.recoveryCodes ?? [] };
  }

  test('enrollment gives an otpauth URI, a QR code, and ten recovery codes once confirmed', async () => {
    const enrollment = await factors.enroll(account, 'Phone');
    expect(enrollment.uri).toMatch(/^otpauth:\/\/totp\/.*secret=[A-Z2-7]+/);
    expect(enrollment.qrSvg).toContain('<svg');
    const { codes } = await enrolled();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[a-z0-9]{5}-[a-z0-9]{5}$/);
    expect(mailed).toEqual(['factor_added', 'recovery_codes_issued']);
  });

  test('a code is taken once: the same code again is refused, in its step and the next', async () => {
    const { secret } = await enrolled();
    // The confirming code's step is spent: the same code at sign-in is refused.
    expect(await factors.check(account, codeAt(secret, stepAt(now)), who)).toEqual({ ok: false, reason: 'wrong' });
    now += 30_000;
    const code = codeAt(secret, stepAt(now));
    expect(await factors.check(account, code, who)).toEqual({ ok: 'otp' });
    expect(await factors.check(account, code, who)).toEqual({ ok: false, reason: 'wrong' });
    now += 20_000;
    expect(await factors.check(account, code, who)).toEqual({ ok: false, reason: 'wrong' });
  });

  test('after a later step was used, an earlier one still in the window is refused', async () => {
    const { secret } = await enrolled();
    now += 90_000;
    const step = stepAt(now);
    expect(await factors.check(account, codeAt(secret, step + 1), who)).toEqual({ ok: 'otp' });
    expect(await factors.check(account, codeAt(secret, step), who)).toEqual({ ok: false, reason: 'wrong' });
  });

  test('requests racing with the same code: never more than one passes', async () => {
    const { secret } = await enrolled();
    for (let round = 0; round < 5; round++) {
      now += 30_000;
      const code = codeAt(secret, stepAt(now));
      const results = await Promise.all([1, 2, 3].map(() => factors.check(account, code, who)));
      expect(results.filter((r) => r.ok === 'otp').length).toBeLessThanOrEqual(1);
    }
  });

  test('wrong codes lock the account out for a while, even the right code', async () => {
    const { secret } = await enrolled();
    const results = [];
    // Spaced out past each growing wait, so every one of them is counted.
    for (let i = 0; i < 5; i++) {
      results.push(await factors.check(account, '000000', who));
      now += 10_000;
    }
    expect(results.map((r) => r.ok === false && r.reason)).toEqual(['wrong', 'wrong', 'wait', 'wait', 'wait']);
    expect(results.at(-1)).toEqual({ ok: false, reason: 'wait', seconds: 900 });
    expect((await factors.check(account, codeAt(secret, stepAt(now)), who)).ok).toBe(false);
  });

  test('a recovery code works once; regenerating voids the old set', async () => {
    const { codes } = await enrolled();
    const [first, second] = codes;
    expect(await factors.check(account, String(first).toUpperCase(), who)).toEqual({ ok: 'recovery' });
    expect(await factors.check(account, String(first), who)).toEqual({ ok: false, reason: 'wrong' });
    expect((await factors.summary(account.id)).recoveryCodesLeft).toBe(9);
    expect(mailed).toContain('recovery_code_used');
    const fresh = await factors.regenerate(account, who);
    expect(await factors.check(account, String(second), who)).toEqual({ ok: false, reason: 'wrong' });
    expect(await factors.check(account, String(fresh[0]), who)).toEqual({ ok: 'recovery' });
  });

  test('removing every factor: sign-in asks for none, recovery codes gone', async () => {
    const { codes } = await enrolled();
    expect(await factors.removeAll(account, { ...who, via: 'cli' })).toBe(1);
    expect(await factors.required(account.id)).toBe(false);
    expect(await factors.summary(account.id)).toEqual({ apps: [], passkeys: [], recoveryCodesLeft: null });
    expect(await factors.check(account, String(codes[0]), who)).toEqual({ ok: false, reason: 'wrong' });
  });
});
