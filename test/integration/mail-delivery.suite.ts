// Mail delivery through the outbox, on one store, against a real SMTP server on loopback: a mail is
// delivered once with both parts and a stable Message-ID; an SMTP outage (refused connections, then
// 4xx answers) delays mail without losing, duplicating or reordering it, with the backoff driven by
// a manual clock; a permanent refusal is a dead letter that holds nothing up; a claim whose sender died
// is taken over once its lease ends; /readyz stays 200 and says the outbox is backing up; /metrics counts;
// without SMTP_URL development writes .eml files.

import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { deliveryPolicy, retryDelay } from '../../src/mail/delivery-policy.js';
import { MailService } from '../../src/mail/mail-service.js';
import { renderMail } from '../../src/mail/render-mail.js';
import { MailSender, type Schedule } from '../../src/mail/sender.js';
import { smtpTransport } from '../../src/mail/smtp-transport.js';
import { testMail } from '../../src/mail/test-mail.js';
import type { Store } from '../../src/storage/store.js';
import { captureLogLines } from '../support/log-lines.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { manualClock, mongoStoreFactory, sqliteStoreFactory, type ManualClock } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';

const FROM = 'Signet <signet@mail.example.test>';
const T0 = Date.UTC(2100, 0, 1);
const mail = (to: string, subject: string) => {
  const rendered = testMail('https://id.example.test', new Date(T0));
  return { to, subject, text: `${subject}\n\n${rendered.text}`, html: rendered.html };
};

export function mailDeliverySuite(kind: StoreKind): void {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp.close();
  });
  beforeEach(async () => {
    smtp.received.length = 0;
    smtp.refused.length = 0;
    smtp.unknownRecipients.clear();
    smtp.answer = () => 'accept';
    await smtp.start();
  });

  describe('the sender against a real SMTP server, time on a manual clock', () => {
    let store: Store;
    let clock: ManualClock;
    let sender: MailSender;
    let service: MailService;
    const outcomes: string[] = [];

    const setup = (policy = {}, schedule?: Schedule) => {
      const options = { pollIntervalMs: 60_000, ...policy };
      sender = new MailSender({
        ...(schedule ? { schedule } : {}),
        outbox: store.outbox,
        transport: smtpTransport({ url: smtp.url, from: FROM, phaseTimeoutMs: 5_000 }),
        clock: clock.now,
        policy: deliveryPolicy(5_000, options),
        logger: pino({ level: 'silent' }),
        observer: { sent: () => outcomes.push('sent'), failed: (outcome) => outcomes.push(outcome) },
      });
      service = new MailService({ outbox: store.outbox, clock: clock.now, transport: 'smtp', sender });
    };

    beforeEach(async () => {
      clock = manualClock(T0);
      store = await (kind === 'sqlite' ? sqliteStoreFactory : mongoStoreFactory)(clock.now);
      outcomes.length = 0;
      setup();
    });
    afterEach(async () => {
      await sender.stop();
      await store.close();
    });

    test('down, then refusing with 4xx, then up: every mail once, in order of due time, after the backoff', async () => {
      await smtp.stop();
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        ids.push((await service.enqueue(mail(`user${n}@example.test`, `mail ${n}`))).id);
        clock.advance(1);
      }
      expect(await sender.deliverDue()).toBe(3);
      expect(outcomes).toEqual(['retry', 'retry', 'retry']);
      const first = await service.status(ids[0] ?? '');
      expect(first).toMatchObject({
        state: 'pending',
        attempts: 1,
        nextAttemptAt: clock.now() + retryDelay(deliveryPolicy(5_000), 1),
      });
      expect(first?.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);

      // Nothing is due before the backoff ends.
      clock.advance(29_999);
      expect(await sender.deliverDue()).toBe(0);

      // The server is back but answers 451: the second wait doubles.
      await smtp.start();
      smtp.answer = () => ({ code: 451, message: '4.3.0 try again later' });
      clock.advance(1);
      expect(await sender.deliverDue()).toBe(3);
      expect(smtp.refused).toHaveLength(3);
      expect(await service.status(ids[2] ?? '')).toMatchObject({
        attempts: 2,
        lastError: expect.stringContaining('451'),
      });
      clock.advance(59_999);
      expect(await sender.deliverDue()).toBe(0);

      smtp.answer = () => 'accept';
      clock.advance(1);
      expect(await sender.deliverDue()).toBe(3);
      expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['mail 1', 'mail 2', 'mail 3']);
      // Every attempt carried the same Message-ID as the copy that finally arrived.
      expect(smtp.refused.map((m) => m.messageId)).toEqual(smtp.received.map((m) => m.messageId));
      for (const id of ids)
        expect(await service.status(id)).toMatchObject({ state: 'sent', attempts: 3, text: '', html: '' });

      clock.advance(3_600_000);
      expect(await sender.deliverDue()).toBe(0);
      expect(smtp.received).toHaveLength(3);
      expect((await store.outbox.stats()).counts).toEqual({ pending: 0, sent: 3, dead: 0 });
    });

    test('a recipient the server refuses (550) is a dead letter at once and holds up none of the others', async () => {
      smtp.unknownRecipients.add('nobody@example.test');
      await service.enqueue(mail('a@example.test', 'before'));
      clock.advance(1);
      const { id } = await service.enqueue(mail('nobody@example.test', 'refused'));
      clock.advance(1);
      await service.enqueue(mail('b@example.test', 'after'));
      expect(await sender.deliverDue()).toBe(3);
      expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['before', 'after']);
      expect(await service.status(id)).toMatchObject({
        state: 'dead',
        attempts: 1,
        lastError: expect.stringContaining('550'),
        subject: 'refused',
      });
      expect(outcomes).toEqual(['sent', 'dead', 'sent']);
    });

    test('an outage longer than every retry: dead after the last attempt, kept with its body', async () => {
      await sender.stop();
      setup({ maxAttempts: 3 });
      await smtp.stop();
      const { id } = await service.enqueue(mail('a@example.test', 'never'));
      const waits: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        expect(await sender.deliverDue()).toBe(1);
        const record = await service.status(id);
        if (record?.state === 'pending') {
          waits.push(record.nextAttemptAt - clock.now());
          clock.advance(record.nextAttemptAt - clock.now());
        }
      }
      expect(waits).toEqual([30_000, 60_000]);
      expect(await service.status(id)).toMatchObject({
        state: 'dead',
        attempts: 3,
        subject: 'never',
        text: expect.stringContaining('never'),
      });
      clock.advance(24 * 3_600_000);
      expect(await sender.deliverDue()).toBe(0);
      expect(outcomes).toEqual(['retry', 'retry', 'dead']);
    });

    test('stopping while the SMTP server never answers: the send is cut off after a grace, and retried later', async () => {
      await sender.stop();
      const graces: Array<() => void> = [];
      setup({}, (run) => {
        graces.push(run);
        return () => undefined;
      });
      smtp.answer = () => 'hold';
      const { id } = await service.enqueue(mail('a@example.test', 'stuck'));
      const delivering = sender.deliverDue();
      await smtp.waitFor((r) => r.length === 1);
      let stopped = false;
      const stopping = sender.stop().then(() => (stopped = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(stopped).toBe(false);
      expect(graces).toHaveLength(1);
      graces[0]?.();
      await stopping;
      expect(await delivering).toBe(1);
      expect(await service.status(id)).toMatchObject({
        state: 'pending',
        attempts: 1,
        lastError: expect.stringMatching(/stopping|abort/i),
      });
      expect(outcomes).toEqual(['retry']);
    });

    test('the retry wait doubles up to its cap', () => {
      const policy = deliveryPolicy(30_000);
      expect([1, 2, 3, 7, 8, 9, 40].map((n) => retryDelay(policy, n))).toEqual([
        30_000, 60_000, 120_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
      ]);
    });

    test('a message claimed by a sender that died is delivered once its lease ends, by someone else', async () => {
      const { id } = await service.enqueue(mail('a@example.test', 'orphan'));
      const lease = deliveryPolicy(5_000).leaseMs;
      expect(await store.outbox.claim(clock.now(), lease)).toMatchObject({ id });
      expect(await sender.deliverDue()).toBe(0);
      clock.advance(lease);
      expect(await sender.deliverDue()).toBe(1);
      expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['orphan']);
      expect(await service.status(id)).toMatchObject({ state: 'sent', attempts: 2 });
    });
  });

  describe('the server: enqueue returns at once, the sender delivers', () => {
    let server: TestServer;
    const logs = captureLogLines();

    beforeAll(async () => {
      server = await startTestServer({
        store: kind,
        env: { SMTP_URL: smtp.url, MAIL_FROM: FROM, LOG_LEVEL: 'info' },
        overrides: { logStream: logs.stream },
      });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    test('delivered once: a text and an HTML part, a Message-ID of its own, nothing remote in it', async () => {
      const { id, created } = await server.signet.mail.enqueue(mail('alice@example.test', 'hello alice'));
      expect(created).toBe(true);
      const [got] = await smtp.waitFor((r) => r.length >= 1);
      expect(got?.envelopeTo).toEqual(['alice@example.test']);
      expect(got?.messageId).toBe(`<${id}@mail.example.test>`);
      expect(got?.parsed.from?.value).toEqual([{ name: 'Signet', address: 'signet@mail.example.test' }]);
      expect(got?.parsed.subject).toBe('hello alice');
      expect(got?.parsed.text).toContain('hello alice');
      expect(got?.parsed.text).toContain('if you can read it, delivery works');
      expect(got?.parsed.html).toContain('if you can read it, delivery works');
      expect(got?.parsed.headers.get('auto-submitted')).toBe('auto-generated');
      // No tracking: nothing in the HTML part is fetched or followed when it is opened.
      const html = String(got?.parsed.html);
      expect(html).not.toMatch(/<img|<link|<script|<a\s|src=|url\(|@import/i);

      // A second mail goes out too, and the first never again.
      await server.signet.mail.enqueue(mail('bob@example.test', 'hello bob'));
      await smtp.waitFor((r) => r.length >= 2);
      expect(await server.signet.mail.deliverNow(id)).toMatchObject({ state: 'sent', attempts: 1 });
      expect(smtp.received.map((m) => m.parsed.subject)).toEqual(['hello alice', 'hello bob']);
    });

    test('the same dedupe key twice: one mail', async () => {
      const a = await server.signet.mail.enqueue({ ...mail('carol@example.test', 'once'), dedupeKey: 'code:carol' });
      const b = await server.signet.mail.enqueue({
        ...mail('carol@example.test', 'once again'),
        dedupeKey: 'code:carol',
      });
      expect(b).toEqual({ id: a.id, created: false });
      await smtp.waitFor((r) => r.some((m) => m.parsed.subject === 'once'));
      await server.signet.mail.enqueue(mail('carol@example.test', 'marker'));
      await smtp.waitFor((r) => r.some((m) => m.parsed.subject === 'marker'));
      expect(
        smtp.received.filter((m) => m.envelopeTo.includes('carol@example.test')).map((m) => m.parsed.subject),
      ).toEqual(['once', 'marker']);
    });

    test('a second recipient or a header cannot ride along: bad input is refused before the outbox', async () => {
      await expect(server.signet.mail.enqueue(mail('a@example.test, b@example.test', 'x'))).rejects.toMatchObject({
        status: 400,
      });
      await expect(
        server.signet.mail.enqueue(mail('a@example.test', 'x\r\nBcc: b@example.test')),
      ).rejects.toMatchObject({ status: 400 });
    });
  });

  describe('the server while SMTP is down: ready, and saying the outbox backs up', () => {
    let server: TestServer;
    let clock: ManualClock;
    const logs = captureLogLines();

    beforeAll(async () => {
      clock = manualClock(Date.now());
      server = await startTestServer({
        store: kind,
        env: { SMTP_URL: smtp.url, MAIL_FROM: FROM, LOG_LEVEL: 'info' },
        overrides: { clock: clock.now, logStream: logs.stream, mail: { policy: { pollIntervalMs: 20 } } },
      });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    test('/readyz 200 with the backlog, /metrics counts it, and it drains once SMTP is back', async () => {
      await smtp.stop();
      const { id } = await server.signet.mail.enqueue(mail('dana@example.test', 'during the outage'));
      await logs.next((line) => line.msg === 'mail delivery failed; will retry' && line.mailId === id);

      clock.advance(6 * 60_000);
      const ready = await fetch(`${server.issuer}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        outbox: { transport: 'smtp', pending: 1, dead: 0, backingUp: true, oldestPendingSeconds: 360 },
      });
      const metrics = await (await fetch(`${server.issuer}/metrics`)).text();
      expect(metrics).toContain('signet_mail_outbox{state="pending"} 1');
      expect(metrics).toContain('signet_mail_outbox_oldest_pending_seconds 360');
      // At least the first failure (the sender may have retried already: the manual clock made it due).
      expect(Number(/signet_mail_failed_total\{outcome="retry"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);

      // Back up: once the clock passes the longest backoff, the retry goes out at the next poll.
      await smtp.start();
      clock.advance(deliveryPolicy(30_000).maxRetryMs);
      await smtp.waitFor((r) => r.some((m) => m.parsed.subject === 'during the outage'));
      await logs.next((line) => line.msg === 'mail sent' && line.mailId === id);
      const after = await fetch(`${server.issuer}/readyz`);
      expect(await after.json()).toMatchObject({ status: 'ready', outbox: { backingUp: false } });
      expect(await (await fetch(`${server.issuer}/metrics`)).text()).toContain('signet_mail_sent_total 1');
    });
  });

  describe('zero configuration: without SMTP_URL, development writes .eml files', () => {
    let server: TestServer;
    const logs = captureLogLines();

    beforeAll(async () => {
      server = await startTestServer({
        store: kind,
        env: { LOG_LEVEL: 'info' },
        overrides: { logStream: logs.stream },
      });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    test('each mail is a whole .eml file in DATA_DIR/outbox, and its subject is logged', async () => {
      const { id } = await server.signet.mail.enqueue(mail('erin@example.test', 'no mail server here'));
      const line = await logs.next((l) => l.mailId === id && typeof l.file === 'string');
      expect(line.subject).toBe('no mail server here');
      const dir = join(server.dataDir, 'outbox');
      expect(line.file).toMatch(new RegExp(`^${dir}/.*${id}\\.eml$`));
      expect(await readdir(dir)).toEqual([String(line.file).slice(dir.length + 1)]);
      const parsed = await simpleParser(await readFile(String(line.file)));
      expect(parsed.messageId).toBe(`<${id}@127.0.0.1>`);
      expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe('erin@example.test');
      expect(parsed.text).toContain('no mail server here');
      expect(parsed.html).toContain('<h1');
      // The file is written (and logged) before the sender records the outcome; its own line comes after.
      await logs.next((l) => l.msg === 'mail sent' && l.mailId === id);
      expect(await server.signet.mail.status(id)).toMatchObject({ state: 'sent' });
      expect(await (await fetch(`${server.issuer}/readyz`)).json()).toMatchObject({
        outbox: { transport: 'files', pending: 0, sent: 1 },
      });
    });

    test('a mail with a one-time code: the log line says the code, so sign-up works without a mail client', async () => {
      const coded = renderMail({
        lang: 'en',
        title: 'Your code',
        paragraphs: ['Type it in.'],
        code: '042917',
        footer: 'f',
      });
      const { id } = await server.signet.mail.enqueue({ to: 'fay@example.test', subject: 'Your code', ...coded });
      const line = await logs.next((l) => l.mailId === id && typeof l.file === 'string');
      expect(line).toMatchObject({ subject: 'Your code', code: '042917' });
      expect(String(line.msg)).toContain('(code 042917)');
    });
  });
}
