import { describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  test('defaults give a working development setup on the embedded store', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.store.kind).toBe('sqlite');
    // Registration exists but needs an initial access token: none is issued yet, so nobody can register.
    expect(config.registration).toEqual({ enabled: true, requireToken: true });
    expect(config.production).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ttl)).toBe(true);
  });

  test('MEMORY_PROFILE: fast unless lean is asked for; anything else is refused by name', () => {
    expect(loadConfig({}).memoryProfile).toBe('fast');
    expect(loadConfig({ MEMORY_PROFILE: 'lean' }).memoryProfile).toBe('lean');
    expect(problems({ MEMORY_PROFILE: 'small' }).join('\n')).toMatch(/MEMORY_PROFILE/);
  });

  test('ISSUER follows PORT when unset; MONGODB_URI selects MongoDB', () => {
    const config = loadConfig({ PORT: '4100', MONGODB_URI: 'mongodb://127.0.0.1:27017/signet' });
    expect(config.issuer).toBe('http://localhost:4100');
    expect(config.store).toEqual({ kind: 'mongodb', uri: 'mongodb://127.0.0.1:27017/signet' });
  });

  test('every bad value is reported at once, each naming its variable', () => {
    const found = problems({
      PORT: 'eighty',
      ISSUER: 'ftp://x',
      MONGODB_URI: 'postgres://x',
      INITIAL_ACCESS_TOKEN: 'short',
    });
    for (const name of ['PORT', 'ISSUER', 'MONGODB_URI', 'INITIAL_ACCESS_TOKEN']) {
      expect(found.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });

  test('INITIAL_ACCESS_TOKEN opens registration and requires the token', () => {
    const config = loadConfig({ INITIAL_ACCESS_TOKEN: 'a-long-enough-token-123' });
    expect(config.registration).toEqual({
      enabled: true,
      requireToken: true,
      initialAccessToken: 'a-long-enough-token-123',
    });
    expect(loadConfig({ REGISTRATION: 'token' }).registration).toEqual({ enabled: true, requireToken: true });
    expect(loadConfig({ REGISTRATION: 'open' }).registration).toEqual({ enabled: true, requireToken: false });
    expect(loadConfig({ REGISTRATION: 'closed' }).registration).toEqual({ enabled: false, requireToken: false });
    const production = {
      NODE_ENV: 'production',
      ISSUER: 'http://localhost:3000',
      KEY_ENCRYPTION_SECRET: 'k'.repeat(40),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'signet-cfg-')),
    };
    expect(loadConfig(production).registration).toEqual({
      enabled: true,
      requireToken: true,
    });
    expect(
      problems({ REGISTRATION: 'open', INITIAL_ACCESS_TOKEN: 'a-long-enough-token-123' }).some((p) =>
        p.startsWith('REGISTRATION:'),
      ),
    ).toBe(true);
  });

  test('production refuses development defaults, naming each problem', () => {
    const found = problems({ NODE_ENV: 'production', ISSUER: 'http://id.example.com', REGISTRATION: 'open' });
    expect(found.some((p) => p.startsWith('ISSUER:'))).toBe(true);
    expect(found.some((p) => p.startsWith('KEY_ENCRYPTION_SECRET:'))).toBe(true);
    expect(found.some((p) => p.startsWith('REGISTRATION:'))).toBe(true);
  });

  test('production starts with an https issuer and a secret from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-cfg-'));
    const file = join(dir, 'kek');
    writeFileSync(file, `${'s'.repeat(40)}\n`);
    const dataDir = mkdtempSync(join(tmpdir(), 'signet-data-'));
    const config = loadConfig({
      NODE_ENV: 'production',
      ISSUER: 'https://id.example.com/',
      KEY_ENCRYPTION_SECRET_FILE: file,
      TRUST_PROXY: 'true',
      DATA_DIR: dataDir,
    });
    expect(config.issuer).toBe('https://id.example.com');
    expect(config.keyEncryptionSecret).toBe('s'.repeat(40));
  });

  test('production refuses an https issuer without a trusted proxy, and a DATA_DIR others can read', () => {
    const open = mkdtempSync(join(tmpdir(), 'signet-open-'));
    chmodSync(open, 0o755);
    const found = problems({
      NODE_ENV: 'production',
      ISSUER: 'https://id.example.com',
      KEY_ENCRYPTION_SECRET: 'k'.repeat(40),
      DATA_DIR: open,
    });
    expect(found.some((p) => p.startsWith('TRUST_PROXY:'))).toBe(true);
    expect(found.some((p) => p.startsWith('DATA_DIR:') && p.includes('readable'))).toBe(true);
    chmodSync(open, 0o700);
    expect(
      problems({
        NODE_ENV: 'production',
        ISSUER: 'https://id.example.com',
        KEY_ENCRYPTION_SECRET: 'k'.repeat(40),
        DATA_DIR: open,
        TRUST_PROXY: 'true',
      }),
    ).toEqual([]);
  });

  test('production with MONGODB_URI and a real secret keeps nothing in DATA_DIR, so its mode is not checked', () => {
    const open = mkdtempSync(join(tmpdir(), 'signet-open-'));
    chmodSync(open, 0o755);
    const base = {
      NODE_ENV: 'production',
      ISSUER: 'https://id.example.com',
      TRUST_PROXY: 'true',
      DATA_DIR: open,
      KEY_ENCRYPTION_SECRET: 'k'.repeat(40),
    };
    expect(problems({ ...base, MONGODB_URI: 'mongodb://db.internal:27017/signet' })).toEqual([]);
    // The embedded store lives there: the folder must be private.
    expect(problems(base).some((p) => p.startsWith('DATA_DIR:'))).toBe(true);
  });

  test('authorization codes may not live longer than ten minutes', () => {
    expect(problems({ AUTHORIZATION_CODE_TTL: '3600' }).some((p) => p.startsWith('AUTHORIZATION_CODE_TTL:'))).toBe(
      true,
    );
  });

  test('clients are re-read every second by default; 0 turns the cache off; more than a minute is refused', () => {
    expect(loadConfig({}).clientRefreshInterval).toBe(1);
    expect(loadConfig({ CLIENT_REFRESH_INTERVAL: '0' }).clientRefreshInterval).toBe(0);
    expect(loadConfig({ CLIENT_REFRESH_INTERVAL: '0.25' }).clientRefreshInterval).toBe(0.25);
    for (const bad of ['61', '-1', 'soon']) {
      expect(problems({ CLIENT_REFRESH_INTERVAL: bad }).some((p) => p.startsWith('CLIENT_REFRESH_INTERVAL:'))).toBe(
        true,
      );
    }
  });
});
