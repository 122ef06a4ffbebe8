import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentSecret, DEV_SECRET_FILE, KeySealer } from '../../src/keys/key-encryption.js';

describe('KeySealer', () => {
  const sealer = new KeySealer(['x'.repeat(32)]);

  test('round-trips and never stores the plaintext', () => {
    const sealed = sealer.seal('{"d":"private-part"}', 'kid-1');
    expect(sealed).not.toContain('private-part');
    expect(sealer.open(sealed, 'kid-1')).toBe('{"d":"private-part"}');
  });

  test('fails on another secret, another record, or a tampered blob', () => {
    const sealed = sealer.seal('secret', 'kid-1');
    expect(() => new KeySealer(['y'.repeat(32)]).open(sealed, 'kid-1')).toThrow(/key-encryption secret/);
    expect(() => sealer.open(sealed, 'kid-2')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => sealer.open(parts.join('.'), 'kid-1')).toThrow();
  });

  test('the development secret is generated once, private to the owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-kek-'));
    const first = developmentSecret(dir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(developmentSecret(dir)).toBe(first);
    expect(statSync(join(dir, DEV_SECRET_FILE)).mode & 0o077).toBe(0);
  });
  test('a node holding the new and the previous secret opens blobs of both; only the new one seals', () => {
    const old = new KeySealer(['old-secret-'.padEnd(32, 'o')]);
    const both = new KeySealer(['new-secret-'.padEnd(32, 'n'), 'old-secret-'.padEnd(32, 'o')]);
    const before = old.seal('k', 'kid');
    expect(both.open(before, 'kid')).toBe('k');
    const after = both.seal('k', 'kid');
    expect(both.sealedWith(after)).toBe(both.currentId);
    expect(both.sealedWith(after)).not.toBe(old.currentId);
    expect(() => old.open(after, 'kid')).toThrow(/does not have/);
  });
});
