import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentSecret, DEV_SECRET_FILE, KeySealer } from '../../src/oidc/key-encryption.js';

describe('KeySealer', () => {
  const sealer = new KeySealer('x'.repeat(32));

  test('round-trips and never stores the plaintext', () => {
    const sealed = sealer.seal('{"d":"private-part"}', 'kid-1');
    expect(sealed).not.toContain('private-part');
    expect(sealer.open(sealed, 'kid-1')).toBe('{"d":"private-part"}');
  });

  test('fails on another secret, another record, or a tampered blob', () => {
    const sealed = sealer.seal('secret', 'kid-1');
    expect(() => new KeySealer('y'.repeat(32)).open(sealed, 'kid-1')).toThrow(/key-encryption secret/);
    expect(() => sealer.open(sealed, 'kid-2')).toThrow();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(() => sealer.open(parts.join('.'), 'kid-1')).toThrow();
  });

  test('the development secret is generated once, private to the owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-kek-'));
    const first = developmentSecret(dir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(developmentSecret(dir)).toBe(first);
    expect(statSync(join(dir, DEV_SECRET_FILE)).mode & 0o077).toBe(0);
  });
});
