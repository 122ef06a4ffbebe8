import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import type { Clock, KeyKind, KeyRecord, KeyStore } from '../storage/store.js';
import type { KeySealer } from './key-encryption.js';

export type PrivateJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };

export interface LoadedKeys {
  /** Private JWKs for oidc-provider; RS256 first since OIDC requires it as the default. */
  signing: PrivateJwk[];
  /** Keygrip keys, newest first (Keygrip signs with the first, verifies with all). */
  cookie: string[];
  /** HMAC key for client secrets at rest. */
  pepper: Buffer;
}

const SIGNING_ALGS = ['RS256', 'ES256'] as const;

function newSigningKey(alg: (typeof SIGNING_ALGS)[number], kid: string): PrivateJwk {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

function newKid(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Loads every key from the store, generating what is missing on first start. Two processes starting at
 * once may both generate; both keys are then kept and published, which is harmless.
 */
export async function loadKeys(store: KeyStore, sealer: KeySealer, clock: Clock): Promise<LoadedKeys> {
  await ensure(store, sealer, clock, 'signing', SIGNING_ALGS.map((alg) => {
    const kid = newKid();
    return { kid, alg, secret: JSON.stringify(newSigningKey(alg, kid)) };
  }));
  await ensure(store, sealer, clock, 'cookie', [{ kid: newKid(), alg: 'HS256', secret: randomBytes(32).toString('base64url') }]);
  await ensure(store, sealer, clock, 'pepper', [{ kid: newKid(), alg: 'HS256', secret: randomBytes(32).toString('base64url') }]);

  const open = async (kind: KeyKind) =>
    (await store.list(kind)).map((record) => ({ record, secret: sealer.open(record.sealed, record.kid) }));

  const signing = (await open('signing'))
    .map(({ secret }) => JSON.parse(secret) as PrivateJwk)
    .sort((a, b) => Number(b.alg === 'RS256') - Number(a.alg === 'RS256'));
  const cookie = (await open('cookie')).map(({ secret }) => secret).reverse();
  const [pepper] = await open('pepper');
  if (!pepper) throw new Error('no client-secret pepper in the key store');
  return { signing, cookie, pepper: Buffer.from(pepper.secret, 'base64url') };
}

async function ensure(
  store: KeyStore,
  sealer: KeySealer,
  clock: Clock,
  kind: KeyKind,
  fresh: Array<{ kid: string; alg: string; secret: string }>,
): Promise<void> {
  if ((await store.list(kind)).length > 0) return;
  for (const { kid, alg, secret } of fresh) {
    const record: KeyRecord = { kid, kind, alg, createdAt: clock(), sealed: sealer.seal(secret, kid) };
    await store.insert(record);
  }
}
