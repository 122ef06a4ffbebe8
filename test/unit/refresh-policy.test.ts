// The refresh-token policy over an injected clock: which consumed tokens the leeway hides, and which
// failed refreshes are reuse (theft) rather than a lost race, read from the token's own state.

import { describe, expect, test } from '@jest/globals';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { RefreshPolicy } from '../../src/tokens/refresh-policy.js';
import { manualClock } from '../support/stores.js';

const T0 = Date.UTC(2026, 0, 1);

describe('leeway', () => {
  test('without leeway a consumed token is never hidden: a late presentation is reuse', () => {
    const clock = manualClock(T0);
    const policy = new RefreshPolicy({ clock: clock.now, leeway: 0 });
    expect(policy.hiddenByLeeway({ consumed: T0 / 1000 })).toBe(false);
  });

  test('a consumed token is hidden for the leeway after its rotation, then shown again', () => {
    const clock = manualClock(T0);
    const policy = new RefreshPolicy({ clock: clock.now, leeway: 5 });
    const rotated = { consumed: T0 / 1000 };
    expect(policy.hiddenByLeeway(rotated)).toBe(true);
    clock.advance(4_999);
    expect(policy.hiddenByLeeway(rotated)).toBe(true);
    clock.advance(1);
    expect(policy.hiddenByLeeway(rotated)).toBe(false);
  });

  test('an unconsumed or missing token is never hidden', () => {
    const policy = new RefreshPolicy({ clock: () => T0, leeway: 60 });
    expect(policy.hiddenByLeeway({})).toBe(false);
    expect(policy.hiddenByLeeway(undefined)).toBe(false);
    expect(policy.hiddenByLeeway({ consumed: 'yes' })).toBe(false);
  });
});

describe('reuse', () => {
  const ctx = (token: Record<string, unknown> | undefined, grantType = 'refresh_token', clientId = 'app') =>
    ({
      oidc: { params: { grant_type: grantType }, client: { clientId }, entities: { RefreshToken: token } },
    }) as unknown as KoaContextWithOIDC;
  const token = (fields: Record<string, unknown>) => ({
    clientId: 'app',
    accountId: 'acc',
    grantId: 'g1',
    isExpired: false,
    ...fields,
  });

  test('a token that was already consumed when loaded, by its own client, is reuse', () => {
    const reused = ctx(token({ consumed: T0 / 1000 }));
    expect(RefreshPolicy.isReuse(reused)).toBe(true);
    expect(RefreshPolicy.reuseFacts(reused)).toEqual({
      accountId: 'acc',
      clientId: 'app',
      details: { grant_id: 'g1', consumed_at: T0 / 1000 },
    });
  });

  test('a lost race (loaded unconsumed), another client, an expired token or another grant type is not', () => {
    expect(RefreshPolicy.isReuse(ctx(token({})))).toBe(false);
    expect(RefreshPolicy.isReuse(ctx(token({ consumed: T0 / 1000 }), 'refresh_token', 'other'))).toBe(false);
    expect(RefreshPolicy.isReuse(ctx(token({ consumed: T0 / 1000, isExpired: true })))).toBe(false);
    expect(RefreshPolicy.isReuse(ctx(token({ consumed: T0 / 1000 }), 'authorization_code'))).toBe(false);
    expect(RefreshPolicy.isReuse(ctx(undefined))).toBe(false);
  });
});
