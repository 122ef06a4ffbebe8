import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ClientSecretHasher } from '../../src/clients/client-secret.js';

describe('ClientSecretHasher', () => {
  const hasher = new ClientSecretHasher(randomBytes(32));

  test('matches only the secret it hashed', () => {
    const stored = hasher.hash('s3cret');
    expect(stored).not.toContain('s3cret');
    expect(hasher.matches(stored, 's3cret')).toBe(true);
    expect(hasher.matches(stored, 's3cret ')).toBe(false);
    expect(hasher.matches(undefined, 's3cret')).toBe(false);
  });

  test('a plain-text value in the store never matches (no downgrade to plain comparison)', () => {
    expect(hasher.matches('s3cret', 's3cret')).toBe(false);
  });

  test('another pepper gives another hash', () => {
    expect(new ClientSecretHasher(randomBytes(32)).hash('s3cret')).not.toBe(hasher.hash('s3cret'));
  });
});
