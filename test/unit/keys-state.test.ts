// A key's state read at an injected moment: when it is published but unused, when it signs, when a
// newer key of its alg takes over, and when it leaves the JWKS. No clock is read: `now` is the argument.

import { describe, expect, test } from '@jest/globals';
import { keyState } from '../../src/keys/key-manager.js';
import type { KeyRecord } from '../../src/storage/store.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

function key(kid: string, activatesAt: number, retiresAt: number | null = null, alg = 'RS256'): KeyRecord {
  return { kid, kind: 'signing', alg, createdAt: T0, activatesAt, retiresAt, sealed: '' };
}

describe('a single key', () => {
  test('is next before it activates and current from that moment on', () => {
    const k = key('a', T0 + MINUTE);
    expect(keyState(k, [k], T0)).toBe('next');
    expect(keyState(k, [k], T0 + MINUTE - 1)).toBe('next');
    expect(keyState(k, [k], T0 + MINUTE)).toBe('current');
  });

  test('is retired from its retirement on, even with no other key', () => {
    const k = key('a', T0, T0 + 10 * MINUTE);
    expect(keyState(k, [k], T0 + 10 * MINUTE - 1)).toBe('current');
    expect(keyState(k, [k], T0 + 10 * MINUTE)).toBe('retired');
  });
});

describe('a rotation', () => {
  const old = key('old', T0, T0 + 30 * MINUTE);
  const successor = key('new', T0 + 10 * MINUTE);
  const all = [old, successor];

  test('before the switch the old key signs and the new one is only published', () => {
    expect(keyState(old, all, T0 + 5 * MINUTE)).toBe('current');
    expect(keyState(successor, all, T0 + 5 * MINUTE)).toBe('next');
  });

  test('at the switch the new key signs and the old one stays published as retiring', () => {
    expect(keyState(old, all, T0 + 10 * MINUTE)).toBe('retiring');
    expect(keyState(successor, all, T0 + 10 * MINUTE)).toBe('current');
  });

  test('at its retirement the old key is gone', () => {
    expect(keyState(old, all, T0 + 30 * MINUTE)).toBe('retired');
    expect(keyState(successor, all, T0 + 30 * MINUTE)).toBe('current');
  });

  test('a newer key of another alg does not supersede it', () => {
    const es = key('es', T0 + MINUTE, null, 'ES256');
    expect(keyState(old, [old, es], T0 + 5 * MINUTE)).toBe('current');
  });

  test('a newer key that already retired does not supersede it', () => {
    const gone = key('gone', T0 + MINUTE, T0 + 2 * MINUTE);
    const keeper = key('keeper', T0);
    expect(keyState(keeper, [keeper, gone], T0 + 90_000)).toBe('retiring');
    expect(keyState(keeper, [keeper, gone], T0 + 2 * MINUTE)).toBe('current');
  });
});
