// The mail outbox across a `kill -9`: the built server runs as its own process and is killed while an
// SMTP server (in this test, on loopback) holds the reply to a message it has already taken in full —
// the one window SMTP leaves open, since it has no idempotency. After a restart on the same store every
// message is delivered, and a receiver that deduplicates by Message-ID sees each exactly once; the
// only second copy is the one caught in that window, with the same Message-ID as the first.
// Also: a production server refuses to start with sign-up open and no SMTP server.

import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { messageId } from '../../src/mail/compose.js';
import { openMongoStore } from '../../src/storage/mongo/mongo-store.js';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { dedupeByMessageId, startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { freePort, MAIN, spawnServer, type SpawnedServer } from '../support/spawn-server.js';
import { mongoTestUri, type StoreKind } from '../support/start-test-server.js';
import { describeMongo, dropTestDatabase } from '../support/stores.js';

const FROM = 'Signet <signet@mail.example.test>';
const MESSAGES = 6;
/** Accepted and recorded before the kill; the next one is taken and held, and the kill comes then. */
const ACCEPTED_BEFORE_KILL = 2;

function crashSuite(kind: StoreKind): void {
  let smtp: TestSmtpServer;
  let dataDir: string;
  const mongoDb = `mailcrash_${randomBytes(6).toString('hex')}`;
  let env: Record<string, string>;
  let servers: SpawnedServer[] = [];

  const openStore = (): Promise<Store> =>
    kind === 'sqlite' ? openSqliteStore({ dataDir }) : openMongoStore({ uri: mongoTestUri(mongoDb), dbName: mongoDb });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dataDir = await mkdtemp(join(tmpdir(), 'signet-mailcrash-'));
    env = {
      DATA_DIR: dataDir,
      SMTP_URL: smtp.url,
      MAIL_FROM: FROM,
      // One-second SMTP phases: a claim's lease is four seconds, so the restarted server takes over soon.
      MAIL_SEND_TIMEOUT: '1',
      WORKERS: '1',
      ...(kind === 'mongodb' ? { MONGODB_URI: mongoTestUri(mongoDb) } : {}),
    };
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await smtp.close();
    await rm(dataDir, { recursive: true, force: true });
    if (kind === 'mongodb') await dropTestDatabase(mongoDb);
  });

  test('killed between the SMTP server taking a mail and its reply: after a restart, every mail arrives once by Message-ID', async () => {
    const port = await freePort();
    const first = await spawnServer(port, env);
    servers.push(first);

    let taken = 0;
    smtp.answer = () => {
      taken++;
      if (taken <= ACCEPTED_BEFORE_KILL) return 'accept';
      // The message is in the receiver's hands; the sender never hears so, and dies now.
      first.child.kill('SIGKILL');
      return 'hold';
    };

    const store = await openStore();
    const ids: string[] = [];
    try {
      const now = Date.now();
      for (let n = 0; n < MESSAGES; n++) {
        const id = `crash-${n}-${randomBytes(4).toString('hex')}`;
        ids.push(id);
        await store.outbox.enqueue({
          id,
          to: `user${n}@example.test`,
          subject: `mail ${n}`,
          text: `mail ${n}`,
          html: `<p>mail ${n}</p>`,
          dedupeKey: null,
          createdAt: now + n,
          nextAttemptAt: now,
        });
      }
    } finally {
      await store.close();
    }

    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(smtp.received).toHaveLength(ACCEPTED_BEFORE_KILL + 1);
    await smtp.stop();
    smtp.answer = () => 'accept';
    await smtp.start();

    const second = await spawnServer(port, env);
    servers.push(second);
    // Every message, and the held one a second time once its claim's lease has run out.
    await smtp.waitFor(
      (received) => dedupeByMessageId(received).length === MESSAGES && received.length === MESSAGES + 1,
      30_000,
    );
    // SIGTERM drains: the sender finishes and records what it holds before the store closes.
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    servers = [];

    const expected = ids.map((id) => messageId(id, FROM));
    expect(
      dedupeByMessageId(smtp.received)
        .map((m) => m.messageId)
        .sort(),
    ).toEqual([...expected].sort());
    // The one copy sent twice is the one caught in the window, and both copies carry its Message-ID.
    const copies = new Map<string, number>();
    for (const m of smtp.received) copies.set(m.messageId, (copies.get(m.messageId) ?? 0) + 1);
    const held = smtp.received[ACCEPTED_BEFORE_KILL]?.messageId;
    expect([...copies].filter(([, n]) => n > 1)).toEqual([[held, 2]]);

    const after = await openStore();
    try {
      for (const id of ids) expect(await after.outbox.get(id)).toMatchObject({ state: 'sent' });
      expect((await after.outbox.get(ids[ACCEPTED_BEFORE_KILL] ?? ''))?.attempts).toBe(2);
    } finally {
      await after.close();
    }
  }, 90_000);
}

describe('mail outbox across kill -9 on SQLite', () => crashSuite('sqlite'));
describeMongo('mail outbox across kill -9 on MongoDB', () => crashSuite('mongodb'));

describe('production without a mail server', () => {
  test('SIGNUP=open and no SMTP_URL: the server refuses to start, naming SMTP_URL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'signet-mailprod-'));
    try {
      const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], {
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          SIGNUP: 'open',
          ISSUER: 'https://id.example.test',
          TRUST_PROXY: 'true',
          KEY_ENCRYPTION_SECRET: 'k'.repeat(40),
          DATA_DIR: dataDir,
          PORT: String(await freePort()),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.stdout.resume();
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toContain('SMTP_URL: required in production with SIGNUP=open');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
