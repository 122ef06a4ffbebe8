import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'hmac-sha256$';

/**
 * Client secrets are 256-bit random values, so a keyed fast hash is enough (no dictionary to resist);
 * the key (pepper) lives sealed in the key store, apart from the clients table.
 */
export class ClientSecretHasher {
  constructor(private readonly pepper: Buffer) {}

  isHashed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  hash(secret: string): string {
    return PREFIX + createHmac('sha256', this.pepper).update(secret, 'utf8').digest('base64url');
  }

  matches(stored: string | undefined, presented: string): boolean {
    if (!stored || !this.isHashed(stored)) return false;
    const a = Buffer.from(this.hash(presented));
    const b = Buffer.from(stored);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
