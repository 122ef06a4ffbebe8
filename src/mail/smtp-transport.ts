import nodemailer from 'nodemailer';
import type { OutboxRecord } from '../storage/store.js';
import { compose } from './compose.js';
import type { MailTransport } from './transport.js';

export interface SmtpTransportOptions {
  /** smtp:// or smtps://, credentials in the URL (config.mail.transport.url). */
  url: string;
  from: string;
  /** Each SMTP phase (connect, greeting, any silence) may take this long; a whole send twice that. */
  phaseTimeoutMs: number;
}

/**
 * Delivers through the operator's SMTP server, one connection per message: mail is rare next to
 * logins, and a fresh connection makes one message's failure its own. smtp:// upgrades with STARTTLS
 * whenever the server offers it (nodemailer's default); smtps:// is TLS from the first byte.
 */
export function smtpTransport(options: SmtpTransportOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: options.phaseTimeoutMs,
    greetingTimeout: options.phaseTimeoutMs,
    socketTimeout: options.phaseTimeoutMs,
    dnsTimeout: options.phaseTimeoutMs,
  });
  return {
    kind: 'smtp',
    async send(message: OutboxRecord, signal: AbortSignal) {
      // The whole send is bounded too, so it always ends (and is recorded) well within its claim's lease.
      const bounded = AbortSignal.any([signal, AbortSignal.timeout(2 * options.phaseTimeoutMs)]);
      await transporter.sendMail({ ...compose(message, options.from), signal: bounded });
    },
    close: () => transporter.close(),
  };
}
