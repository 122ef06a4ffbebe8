// A real SMTP server on loopback (smtp-server), in the test process: Signet's mail goes through the
// same nodemailer SMTP client as in production, and tests read what arrived with mailparser. Its
// answers can be switched (accept, refuse with a 4xx/5xx, hold the reply forever) and it can stop
// listening and come back on the same port, to play an outage.

import { EventEmitter } from 'node:events';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ferretdb.js';

export interface ReceivedMail {
  raw: Buffer;
  parsed: ParsedMail;
  /** The Message-ID header, angle brackets included. */
  messageId: string;
  /** RCPT TO of the SMTP envelope. */
  envelopeTo: string[];
}

/**
 * accept: 250. refuse: that reply to DATA (the message is not taken). hold: the message is taken in
 * full but no reply ever comes — as when the sender dies between the server's acceptance and its reply.
 */
export type SmtpAnswer = 'accept' | 'hold' | { code: number; message: string };

export interface TestSmtpServer {
  readonly port: number;
  /** smtp://127.0.0.1:PORT */
  readonly url: string;
  /** Every message taken in full (accepted or held), in arrival order. */
  readonly received: ReceivedMail[];
  /** Messages refused at DATA (with the answer's code), in arrival order. */
  readonly refused: ReceivedMail[];
  /** How the next messages are answered (default: accept). */
  answer: (mail: ReceivedMail) => SmtpAnswer;
  /** Recipients refused at RCPT TO with 550 (a permanent failure). */
  readonly unknownRecipients: Set<string>;
  /** Resolves once `done(received)` holds; rejects after `timeoutMs` (a ceiling against a hang). */
  waitFor(done: (received: readonly ReceivedMail[]) => boolean, timeoutMs?: number): Promise<readonly ReceivedMail[]>;
  /** Resolves with the mails to `to`, in arrival order, once at least `count` have come. */
  mailTo(to: string, count?: number): Promise<ReceivedMail[]>;
  /** Stops listening (connections are refused) and closes open ones; received mail is kept. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** One copy per Message-ID, first arrival kept: what a receiver that deduplicates shows its user. */
export function dedupeByMessageId(mails: readonly ReceivedMail[]): ReceivedMail[] {
  const seen = new Map<string, ReceivedMail>();
  for (const mail of mails) if (!seen.has(mail.messageId)) seen.set(mail.messageId, mail);
  return [...seen.values()];
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const port = await freePort();
  const events = new EventEmitter();
  const held: Array<() => void> = [];
  let server: SMTPServer | undefined;

  const state: TestSmtpServer = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received: [],
    refused: [],
    answer: () => 'accept',
    unknownRecipients: new Set(),
    waitFor(done, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(state.received)) return;
          clearTimeout(timer);
          events.off('mail', check);
          resolve(state.received);
        };
        const timer = setTimeout(() => {
          events.off('mail', check);
          reject(
            new Error(
              `SMTP server: condition not met within ${timeoutMs} ms (received ${state.received.length}, refused ${state.refused.length})`,
            ),
          );
        }, timeoutMs);
        events.on('mail', check);
        check();
      });
    },
    async mailTo(to, count = 1) {
      const all = await state.waitFor((r) => r.filter((m) => m.envelopeTo.includes(to)).length >= count);
      return all.filter((m) => m.envelopeTo.includes(to));
    },
    async stop() {
      const s = server;
      server = undefined;
      // Held replies never come; their connections end with the server.
      held.splice(0).forEach((release) => release());
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (server) return;
      const s = new SMTPServer({
        authOptional: true,
        hideSTARTTLS: true,
        disableReverseLookup: true,
        logger: false,
        closeTimeout: 100,
        onRcptTo(address, _session, callback) {
          if (state.unknownRecipients.has(address.address)) {
            callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
          } else {
            callback();
          }
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            const raw = Buffer.concat(chunks);
            void simpleParser(raw).then((parsed) => {
              const mail: ReceivedMail = {
                raw,
                parsed,
                messageId: parsed.messageId ?? '',
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              };
              const answer = state.answer(mail);
              if (answer === 'accept' || answer === 'hold') {
                state.received.push(mail);
                events.emit('mail');
              }
              if (answer === 'accept') {
                callback();
                return;
              }
              if (answer === 'hold') {
                held.push(() => callback(Object.assign(new Error('shutting down'), { responseCode: 421 })));
                return;
              }
              state.refused.push(mail);
              events.emit('mail');
              callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
            });
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      s.on('error', () => undefined);
      server = s;
    },
    close: () => state.stop(),
  };
  await state.start();
  return state;
}
