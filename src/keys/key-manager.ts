import { createHash, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { KEY_KINDS, type Clock, type KeyKind, type KeyRecord, type KeyStore } from '../storage/store.js';
import type { KeySealer } from './key-encryption.js';

export type PrivateJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };

export type KeyState = 'next' | 'current' | 'retiring' | 'retired';

/** The keys one node uses right now, derived from the store and the clock. */
export interface LoadedKeys {
  /** Private JWKs to publish (oidc-provider strips private parts); the current key of each alg first,
   * RS256's before all, since oidc-provider signs with the first key of an alg. */
  signing: PrivateJwk[];
  /** Keygrip keys, current first (Keygrip signs with the first, verifies with all). */
  cookie: string[];
  /** HMAC key for client secrets at rest; never rotated (it would invalidate every secret). */
  pepper: Buffer;
  /** Changes whenever what is published or used changes: the signal to rebuild the provider. */
  fingerprint: string;
  /** The next moment a key becomes current or retires, if any is scheduled. */
  nextChangeAt: number | null;
}

export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

function newSigningKey(alg: SigningAlg, kid: string): PrivateJwk {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

const newKid = () => randomBytes(12).toString('base64url');
const newSecret = () => randomBytes(32).toString('base64url');

/**
 * next: published, not used yet; current: the newest active key of its alg; retiring: superseded but
 * still published until every token it signed has expired; retired: gone from use and from JWKS.
 */
export function keyState(key: KeyRecord, all: readonly KeyRecord[], now: number): KeyState {
  if (key.retiresAt !== null && now >= key.retiresAt) return 'retired';
  if (now < key.activatesAt) return 'next';
  const newer = all.some(
    (k) =>
      k !== key &&
      k.alg === key.alg &&
      k.activatesAt <= now &&
      k.activatesAt > key.activatesAt &&
      (k.retiresAt === null || now < k.retiresAt),
  );
  return newer ? 'retiring' : 'current';
}

function fresh(kind: KeyKind, alg: string, now: number, activatesAt: number, sealer: KeySealer): KeyRecord {
  const kid = newKid();
  const secret = kind === 'signing' ? JSON.stringify(newSigningKey(alg as SigningAlg, kid)) : newSecret();
  return { kid, kind, alg, createdAt: now, activatesAt, retiresAt: null, sealed: sealer.seal(secret, kid) };
}

/**
 * Loads every key from the store, generating what is missing on first start. Two processes starting
 * at once may both generate; both keys are then kept and published, which is harmless.
 */
export async function loadKeys(store: KeyStore, sealer: KeySealer, clock: Clock): Promise<LoadedKeys> {
  const now = clock();
  const initial: Array<[KeyKind, string]> = [
    ...SIGNING_ALGS.map((alg) => ['signing', alg] as [KeyKind, string]),
    ['cookie', 'HS256'],
    ['pepper', 'HS256'],
  ];
  for (const [kind, alg] of initial) {
    const existing = await store.list(kind);
    if (!existing.some((k) => k.alg === alg)) await store.insert(fresh(kind, alg, now, now, sealer));
  }

  const [signing, cookie, pepper] = await Promise.all([
    store.list('signing'),
    store.list('cookie'),
    store.list('pepper'),
  ]);
  const live = (keys: KeyRecord[]) =>
    keys
      .map((k) => ({ k, state: keyState(k, keys, now) }))
      .filter(({ state }) => state !== 'retired')
      // current first, then by newest activation: the order oidc-provider and Keygrip pick from.
      .sort(
        (a, b) => Number(b.state === 'current') - Number(a.state === 'current') || b.k.activatesAt - a.k.activatesAt,
      );

  const signingLive = live(signing).sort(
    (a, b) =>
      Number(b.state === 'current' && b.k.alg === 'RS256') - Number(a.state === 'current' && a.k.alg === 'RS256') ||
      Number(b.state === 'current') - Number(a.state === 'current'),
  );
  const cookieLive = live(cookie);
  const [pepperKey] = pepper;
  if (!pepperKey) throw new Error('no client-secret pepper in the key store');

  const future = [...signing, ...cookie]
    .flatMap((k) => [k.activatesAt, k.retiresAt ?? Number.POSITIVE_INFINITY])
    .filter((t) => t > now);
  const published = [...signingLive, ...cookieLive].map(({ k, state }) => `${k.kid}:${state}`).join(',');
  return {
    signing: signingLive.map(({ k }) => JSON.parse(sealer.open(k.sealed, k.kid)) as PrivateJwk),
    cookie: cookieLive.map(({ k }) => sealer.open(k.sealed, k.kid)),
    pepper: Buffer.from(sealer.open(pepperKey.sealed, pepperKey.kid), 'base64url'),
    fingerprint: createHash('sha256').update(published).digest('base64url'),
    nextChangeAt: future.length > 0 ? Math.min(...future) : null,
  };
}

export interface RotationPlan {
  kind: 'signing' | 'cookie';
  /** How long the new key is published before it is used: longer than any node's refresh interval. */
  activationDelayMs: number;
  /** How long a superseded key stays published after the switch: the longest lifetime of what it signed. */
  retireAfterMs: number;
}

/** Publishes the next key of each alg now, switches to it after the delay, schedules the old ones' retirement. */
export async function rotateKeys(
  store: KeyStore,
  sealer: KeySealer,
  clock: Clock,
  plan: RotationPlan,
): Promise<KeyRecord[]> {
  const now = clock();
  const existing = await store.list(plan.kind);
  const algs = plan.kind === 'signing' ? [...SIGNING_ALGS] : ['HS256'];
  const activatesAt = now + plan.activationDelayMs;
  const created: KeyRecord[] = [];
  for (const alg of algs) {
    for (const old of existing.filter((k) => k.alg === alg && keyState(k, existing, now) !== 'retired')) {
      // A key still waiting that would not sign before the new one never will: it signed nothing, so it
      // retires as the new key takes over rather than staying "next" past its own retirement.
      const retiresAt = old.activatesAt >= activatesAt ? activatesAt : activatesAt + plan.retireAfterMs;
      if (old.retiresAt === null || old.retiresAt > retiresAt) await store.update(old.kid, { retiresAt });
    }
    const key = fresh(plan.kind, alg, now, activatesAt, sealer);
    await store.insert(key);
    created.push(key);
  }
  return created;
}

/** Re-seals every key under the sealer's current secret (after KEY_ENCRYPTION_SECRET changed). */
export async function rewrapKeys(store: KeyStore, sealer: KeySealer): Promise<number> {
  let rewrapped = 0;
  for (const kind of KEY_KINDS) {
    for (const key of await store.list(kind)) {
      if (sealer.sealedWith(key.sealed) === sealer.currentId) continue;
      await store.update(key.kid, { sealed: sealer.seal(sealer.open(key.sealed, key.kid), key.kid) });
      rewrapped += 1;
    }
  }
  return rewrapped;
}
