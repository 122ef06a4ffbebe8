// `mail test --to E`: the operator's check of the whole mail path (outbox, sender, SMTP server), run as
// the built CLI against a real SMTP server on loopback. It says whether the server took the mail, and
// when it did not, why — the mail then stays queued for the server's sender to retry.

import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { openMongoStore } from '../../src/storage/mongo/mongo-store.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { expectOneLineError, jsonLine, runCli } from '../support/run-cli.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { mongoTestUri, type StoreKind } from '../support/start-test-server.js';
import { describeMongo, dropTestDatabase } from '../support/stores.js';

const FROM = 'Signet <signet@mail.example.test>';

function cliMailSuite(kind: StoreKind): void {
  let smtp: TestSmtpServer;
  let dataDir: string;
  const mongoDb = `climail_${randomBytes(6).toString('hex')}`;
  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? '',
    DATA_DIR: dataDir,
    ...(kind === 'mongodb' ? { MONGODB_URI: mongoTestUri(mongoDb) } : {}),
    ...extra,
  });
  const openStore = (): Promise<Store> =>
    kind === 'sqlite' ? openSqliteStore({ dataDir }) : openMongoStore({ uri: mongoTestUri(mongoDb), dbName: mongoDb });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dataDir = await mkdtemp(join(tmpdir(), 'signet-climail-'));
  });
  afterAll(async () => {
    await smtp.close();
    await rm(dataDir, { recursive: true, force: true });
    if (kind === 'mongodb') await dropTestDatabase(mongoDb);
  });

  test('SMTP up: sent, and the mail arrives with both parts and the Message-ID reported', async () => {
    const out = jsonLine(
      await runCli(['mail', 'test', '--to', 'ops@example.test'], env({ SMTP_URL: smtp.url, MAIL_FROM: FROM })),
    );
    expect(out).toMatchObject({ to: 'ops@example.test', transport: 'smtp', state: 'sent', attempts: 1 });
    expect(out.messageId).toBe(`<${String(out.id)}@mail.example.test>`);
    const [mail] = await smtp.waitFor((r) => r.length === 1);
    expect(mail?.messageId).toBe(out.messageId);
    expect(mail?.parsed.subject).toBe('Signet test mail');
    expect(mail?.parsed.text).toContain('delivery works');
    expect(mail?.parsed.html).toContain('delivery works');
  });

  test('SMTP refusing: a one-line error with the reason, and the mail stays queued for a retry', async () => {
    smtp.answer = () => ({ code: 451, message: '4.7.1 greylisted, try again later' });
    try {
      const result = await runCli(
        ['mail', 'test', '--to', 'ops@example.test'],
        env({ SMTP_URL: smtp.url, MAIL_FROM: FROM }),
      );
      expectOneLineError(result, /delivery failed: .*451.*greylisted.*retried/);
    } finally {
      smtp.answer = () => 'accept';
    }
    const store = await openStore();
    try {
      expect((await store.outbox.stats()).counts).toMatchObject({ pending: 1, sent: 1 });
    } finally {
      await store.close();
    }
  });

  test('no SMTP_URL in development: the mail is an .eml file, and the answer says where', async () => {
    const out = jsonLine(await runCli(['mail', 'test', '--to', 'ops@example.test'], env()));
    expect(out).toMatchObject({ transport: 'files', state: 'sent', file: expect.stringMatching(/\.eml$/) });
    await access(String(out.file));
    expect(String(out.file).startsWith(join(dataDir, 'outbox'))).toBe(true);
  });

  test('a bad address is refused in one line, before anything is queued', async () => {
    expectOneLineError(await runCli(['mail', 'test', '--to', 'a@example.test, b@example.test'], env()), /to/);
    expectOneLineError(await runCli(['mail', 'test'], env()), /--to is required/);
  });
}

describe('mail test (CLI) on SQLite', () => cliMailSuite('sqlite'));
describeMongo('mail test (CLI) on MongoDB', () => cliMailSuite('mongodb'));

describe('mail test (CLI) in production without SMTP_URL', () => {
  test('refused: mail is not configured', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'signet-climail-prod-'));
    try {
      const result = await runCli(['mail', 'test', '--to', 'ops@example.test'], {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        ISSUER: 'https://id.example.test',
        TRUST_PROXY: 'true',
        KEY_ENCRYPTION_SECRET: 'k'.repeat(40),
        DATA_DIR: dataDir,
      });
      expectOneLineError(result, /mail is not configured: set SMTP_URL/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
