import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 'v2';

interface Kek {
  id: string;
  key: Buffer;
}

function deriveKek(secret: string): Kek {
  const key = Buffer.from(hkdfSync('sha256', secret, 'signet-kek-salt', 'signet key encryption v1', 32));
  return { key, id: createHash('sha256').update(key).digest('base64url').slice(0, 8) };
}

/**
 * Seals key material at rest with AES-256-GCM under a key derived (HKDF) from the key-encryption
 * secret, so a copy of the database alone reveals no signing key. The kid is bound as associated data:
 * a sealed blob moved onto another record fails to open. Each blob names the secret that sealed it
 * (a hash-derived id), so nodes can hold the previous secret while keys are re-wrapped under a new one.
 */
export class KeySealer {
  private readonly keks: Kek[];

  /** `secrets[0]` seals; every one of them may open. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('KeySealer needs a secret');
    this.keks = secrets.map(deriveKek);
  }

  get currentId(): string {
    return this.current.id;
  }

  seal(plaintext: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      this.current.id,
      iv.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  /** Which secret sealed a blob: its id, or undefined for a format this sealer cannot read. */
  sealedWith(sealed: string): string | undefined {
    const [version, kekId] = sealed.split('.');
    return version === VERSION ? kekId : undefined;
  }

  open(sealed: string, boundTo: string): string {
    const [version, kekId, iv, body, tag] = sealed.split('.');
    if (version !== VERSION || !kekId || !iv || !body || !tag) throw new Error('unknown sealed key format');
    const kek = this.keks.find((k) => k.id === kekId);
    if (!kek) {
      throw new Error(
        'cannot decrypt stored keys: they were sealed with a key-encryption secret this node does not have',
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(boundTo));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('cannot decrypt stored keys: the blob is damaged or bound to another key');
    }
  }

  private get current(): Kek {
    return this.keks[0] as Kek;
  }
}

export const DEV_SECRET_FILE = 'key-encryption-secret';

/**
 * Development only: the secret is generated once and kept beside the data (mode 0600), so
 * `npm start` works with no setup. Production mode refuses to start without a real one (config).
 */
export function developmentSecret(dataDir: string): string {
  const existing = existingDevelopmentSecret(dataDir);
  if (existing !== undefined) return existing;
  const file = join(dataDir, DEV_SECRET_FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process won the race to create it: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
  chmodSync(file, 0o600);
  return secret;
}

/** The development secret if one was made in this data folder; never creates one. */
export function existingDevelopmentSecret(dataDir: string): string | undefined {
  const file = join(dataDir, DEV_SECRET_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
