import { setTimeout as wait } from 'node:timers/promises';
import { join } from 'node:path';
import type { SignetCore } from '../app.js';
import { z } from 'zod';
import { command, requiredText, type Command } from './flags.js';
import { AppError } from '../errors.js';
import type { MailService } from '../mail/mail-service.js';
import type { OutboxRecord } from '../storage/store.js';

/** How often the CLI looks again while a running server's sender holds the message. */
const POLL_MS = 250;

/** Waits (real time: this is the operator's terminal) until a running server's sender has tried it. */
async function outcome(
  config: SignetCore['config'],
  mail: MailService,
  id: string,
  first: OutboxRecord | undefined,
  clock: SignetCore['clock'],
): Promise<OutboxRecord | undefined> {
  const until = clock() + 4 * config.mail.sendTimeoutMs;
  let record = first;
  while (record?.state === 'pending' && record.lastError === null && clock() < until) {
    await wait(POLL_MS);
    record = await mail.status(id);
  }
  return record;
}

/** Mail commands of the admin CLI. */
export const MAIL_COMMANDS: Record<string, Command> = {
  'mail test': command({
    usage: 'mail test --to E',
    summary:
      'send a test mail to E the way every mail goes (outbox, sender, SMTP_URL; without SMTP_URL outside production, an .eml file in DATA_DIR/outbox) and report whether the server accepted it',
    flags: { to: { type: 'string' } },
    input: z.object({ to: requiredText('to') }),
    async run(app, { to }) {
      // The mail modules (nodemailer) are loaded by this command only.
      const [{ messageId }, { emlName }, { testMail }, { service: mail }] = await Promise.all([
        import('../mail/compose.js'),
        import('../mail/file-transport.js'),
        import('../mail/test-mail.js'),
        app.mail(),
      ]);
      const { subject, text, html } = testMail(app.config.issuer, new Date(app.clock()));
      const { id } = await mail.enqueue({ to, subject, text, html });
      // Delivered here, unless a running server's sender claimed it first: then its outcome is awaited.
      const record = await outcome(app.config, mail, id, await mail.deliverNow(id), app.clock);
      if (!record) throw new AppError('mail_failed', `test mail ${id} vanished from the outbox`, 500, true);
      const summary = {
        id,
        to: record.to,
        messageId: messageId(id, app.config.mail.from),
        transport: mail.transport,
        state: record.state,
        attempts: record.attempts,
        ...(app.config.mail.transport.kind === 'files'
          ? { file: join(app.config.mail.transport.dir, emlName(record)) }
          : {}),
      };
      if (record.state === 'sent') return summary;
      if (record.state === 'dead')
        throw new AppError(
          'mail_failed',
          `the mail server refused the test mail: ${record.lastError ?? 'no reason given'}`,
          502,
          true,
        );
      if (record.lastError !== null) {
        throw new AppError(
          'mail_failed',
          `delivery failed: ${record.lastError}; the test mail stays in the outbox and is retried with backoff`,
          502,
          true,
        );
      }
      return { ...summary, note: 'a running server is delivering it; see /readyz for the outbox' };
    },
  }),
};
