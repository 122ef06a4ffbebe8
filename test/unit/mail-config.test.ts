// Mail and sign-up settings: SIGNUP, SMTP_URL and MAIL_FROM are validated at start, development without
// SMTP_URL writes mail into DATA_DIR/outbox, and production refuses sign-up with no mail server.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
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

const production = () => ({
  NODE_ENV: 'production',
  ISSUER: 'https://id.example.com',
  TRUST_PROXY: 'true',
  KEY_ENCRYPTION_SECRET: 'k'.repeat(40),
  DATA_DIR: mkdtempSync(join(tmpdir(), 'signet-mailcfg-')),
});

describe('mail and sign-up configuration', () => {
  test('development defaults: sign-up closed, mail written to DATA_DIR/outbox, a From at the issuer host', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signet-mailcfg-'));
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config.signup).toBe('closed');
    expect(config.mail).toEqual({
      transport: { kind: 'files', dir: join(dataDir, 'outbox') },
      from: 'Signet <no-reply@localhost>',
      sendTimeoutMs: 30_000,
    });
  });

  test('SMTP_URL and MAIL_FROM as given', () => {
    const config = loadConfig({
      SMTP_URL: 'smtps://user:pa%40ss@smtp.example.com:465',
      MAIL_FROM: 'Example ID <id@example.com>',
      SIGNUP: 'invite',
    });
    expect(config.mail.transport).toEqual({ kind: 'smtp', url: 'smtps://user:pa%40ss@smtp.example.com:465' });
    expect(config.mail.from).toBe('Example ID <id@example.com>');
    expect(config.signup).toBe('invite');
  });

  test('bad values are refused, each naming its variable', () => {
    const found = problems({
      SIGNUP: 'everyone',
      SMTP_URL: 'http://smtp.example.com',
      MAIL_FROM: 'a@b.com, c@d.com',
      MAIL_SEND_TIMEOUT: '0',
    });
    expect(found).toEqual([
      expect.stringMatching(/^SIGNUP: /),
      expect.stringMatching(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/),
      expect.stringMatching(/^MAIL_FROM: /),
      expect.stringMatching(/^MAIL_SEND_TIMEOUT: /),
    ]);
  });

  test.each(['open', 'invite'])('production refuses SIGNUP=%s without SMTP_URL', (signup) => {
    expect(problems({ ...production(), SIGNUP: signup })).toEqual([
      `SMTP_URL: required in production with SIGNUP=${signup} (codes go out by mail)`,
    ]);
  });

  test('production with an SMTP server needs a From it may send as, and then starts', () => {
    const env = { ...production(), SIGNUP: 'open', SMTP_URL: 'smtp://smtp.example.com:587' };
    expect(problems(env)).toEqual([expect.stringMatching(/^MAIL_FROM: required in production/)]);
    expect(loadConfig({ ...env, MAIL_FROM: 'id@example.com' }).mail.transport).toEqual({
      kind: 'smtp',
      url: 'smtp://smtp.example.com:587',
    });
  });

  test('production with sign-up closed and no SMTP_URL starts, and sends no mail at all (never into files)', () => {
    const config = loadConfig(production());
    expect(config.mail.transport).toEqual({ kind: 'none' });
    // Nothing could mail a recovery code: "Forgot password?" is off unless asked for, and then refused.
    expect(config.passwordRecovery).toBe(false);
    expect(problems({ ...production(), PASSWORD_RECOVERY: 'on' })).toEqual([
      'SMTP_URL: required in production with PASSWORD_RECOVERY=on (codes go out by mail)',
    ]);
  });

  test('password recovery is on wherever mail can go out, unless turned off', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signet-mailcfg-'));
    expect(loadConfig({ DATA_DIR: dataDir }).passwordRecovery).toBe(true);
    expect(loadConfig({ DATA_DIR: dataDir, PASSWORD_RECOVERY: 'off' }).passwordRecovery).toBe(false);
    const smtp = { ...production(), SMTP_URL: 'smtp://smtp.example.com:587', MAIL_FROM: 'id@example.com' };
    expect(loadConfig(smtp).passwordRecovery).toBe(true);
    expect(problems({ DATA_DIR: dataDir, PASSWORD_RECOVERY: 'maybe' })).toEqual([
      expect.stringMatching(/^PASSWORD_RECOVERY: /),
    ]);
  });

  test('SIGNUP_EMAIL_DOMAINS: a list of domain names, lower-cased, a leading @ forgiven; anything else named', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signet-mailcfg-'));
    const config = loadConfig({ DATA_DIR: dataDir, SIGNUP_EMAIL_DOMAINS: 'Example.COM, @example.org' });
    expect(config.signupDomains).toEqual(['example.com', 'example.org']);
    expect(loadConfig({ DATA_DIR: dataDir }).signupDomains).toBeUndefined();
    expect(problems({ DATA_DIR: dataDir, SIGNUP_EMAIL_DOMAINS: 'example.com,not a domain' })).toEqual([
      expect.stringMatching(/^SIGNUP_EMAIL_DOMAINS: "not a domain" is not a domain name/),
    ]);
  });
});
