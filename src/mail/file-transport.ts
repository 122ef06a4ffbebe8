import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { OutboxRecord } from '../storage/store.js';
import { compose } from './compose.js';
import type { MailTransport } from './transport.js';
import { lazily } from '../util/lazily.js';

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
/**
 * The one-time code a mail carries, if any: render-mail.ts sets it apart on a line of its own. Only this
 * development transport logs it, so a person trying sign-up on their laptop needs no mail client.
 */
function codeOf(text: string): string | undefined {
  return /^ {4}(\d{6})$/m.exec(text)?.[1];
}

export function fileTransport(dir: string, from: string, logger: Logger): MailTransport {
  // nodemailer is loaded with the first message, not at start (see smtp-transport.ts).
  const builder = lazily(async () => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  });
  return {
    kind: 'files',
    async send(message: OutboxRecord, signal: AbortSignal) {
      signal.throwIfAborted();
      const built = await (await builder.get()).sendMail(compose(message, from));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, emlName(message));
      const partial = `${file}.partial`;
      await writeFile(partial, built.message, { mode: 0o600 });
      await rename(partial, file);
      const code = codeOf(message.text);
      logger.info(
        { mailId: message.id, to: message.to, subject: message.subject, file, ...(code ? { code } : {}) },
        `mail written to ${file} (no SMTP_URL): ${message.subject}${code ? ` (code ${code})` : ''}`,
      );
    },
    close: () => void builder.built()?.then((made) => made.close()),
  };
}
