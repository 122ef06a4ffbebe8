// Session and refresh-token lifetimes read the composition root's clock, not the wall clock: the
// sliding expiry is measured from the injected time.

import { describe, expect, test } from '@jest/globals';
import type { KoaContextWithOIDC, RefreshToken, Session } from 'oidc-provider';
import { ttlPolicy } from '../../src/oidc/provider-ttl.js';
import { manualClock } from '../support/stores.js';

const T0 = Date.UTC(2026, 0, 1);
const T0_SECONDS = T0 / 1000;
const ttl = {
  accessToken: 600,
  idToken: 600,
  authorizationCode: 60,
  refreshToken: 3_600,
  grant: 86_400,
  sessionIdle: 1_800,
  sessionAbsolute: 7_200,
  interaction: 300,
};

type TtlFn<T> = (ctx: KoaContextWithOIDC, token: T) => number;

function sessionTtl(clock: () => number, session: Partial<Session>): number {
  const fn = ttlPolicy(ttl, clock).Session as TtlFn<Session>;
  return fn({} as KoaContextWithOIDC, session as Session);
}

function refreshTtl(clock: () => number, grantExp: number | undefined): number {
  const fn = ttlPolicy(ttl, clock).RefreshToken as TtlFn<RefreshToken>;
  const ctx = { oidc: { entities: { Grant: grantExp === undefined ? undefined : { exp: grantExp } } } };
  return fn(ctx as unknown as KoaContextWithOIDC, {} as unknown as RefreshToken);
}

describe('session lifetime', () => {
  test('an anonymous session lives as long as an interaction', () => {
    expect(sessionTtl(() => T0, {})).toBe(ttl.interaction);
  });

  test('a signed-in session slides by the idle time until the absolute cap, measured on the clock', () => {
    const clock = manualClock(T0);
    const session = { accountId: 'a', loginTs: T0_SECONDS };
    expect(sessionTtl(clock.now, session)).toBe(ttl.sessionIdle);
    clock.advance((ttl.sessionAbsolute - 600) * 1000);
    expect(sessionTtl(clock.now, session)).toBe(600);
    clock.advance(3_600_000);
    expect(sessionTtl(clock.now, session)).toBe(1);
  });
});

describe('refresh-token lifetime', () => {
  test('is the refresh TTL while the grant has longer to live', () => {
    expect(refreshTtl(() => T0, T0_SECONDS + ttl.grant)).toBe(ttl.refreshToken);
    expect(refreshTtl(() => T0, undefined)).toBe(ttl.refreshToken);
  });

  test('is capped by what the clock says is left of the grant', () => {
    const clock = manualClock(T0);
    clock.advance((ttl.grant - 100) * 1000);
    expect(refreshTtl(clock.now, T0_SECONDS + ttl.grant)).toBe(100);
  });
});
