import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { OutboxRecord } from '../storage/store.js';
import { compose } from './compose.js';
import type { MailTransport } from './transport.js';

/** The file name of one message: sorts by enqueue time, and the same at every attempt. */
export function emlName(message: Pick<OutboxRecord, 'id' | 'createdAt'>): string {
  return `${new Date(message.createdAt).toISOString().replace(/[:.]/g, '-')}-${message.id}.eml`;
}

/**
 * Development without SMTP_URL: each mail becomes an .eml file in `dir` (any mail program opens it) and
 * a log line, so sign-up works on a laptop with no mail server. The file is written under a temporary
 * name and renamed, so it is whole or absent, and a second attempt rewrites the same file. Mode 0600:
 * mails carry one-time codes.
 */
export function fileTransport(dir: string, from: string, logger: Logger): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'files',
    async send(message: OutboxRecord, signal: AbortSignal) {
      signal.throwIfAborted();
      const built = await builder.sendMail(compose(message, from));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, emlName(message));
      const partial = `${file}.partial`;
      await writeFile(partial, built.message, { mode: 0o600 });
      await rename(partial, file);
      logger.info(
        { mailId: message.id, to: message.to, subject: message.subject, file },
        `mail written to ${file} (no SMTP_URL): ${message.subject}`,
      );
    },
    close: () => builder.close(),
  };
}
