import type { OutboxRecord } from '../storage/store.js';
import { lazily } from '../util/lazily.js';
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
  // nodemailer (about 5 MiB of heap) is loaded with the first message, not at start: most processes send none.
  const transporter = lazily(async () => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      url: options.url,
      connectionTimeout: options.phaseTimeoutMs,
      greetingTimeout: options.phaseTimeoutMs,
      socketTimeout: options.phaseTimeoutMs,
      dnsTimeout: options.phaseTimeoutMs,
    });
  });
  return {
    kind: 'smtp',
    async send(message: OutboxRecord, signal: AbortSignal) {
      // The whole send is bounded too, so it always ends (and is recorded) well within its claim's lease.
      const bounded = AbortSignal.any([signal, AbortSignal.timeout(2 * options.phaseTimeoutMs)]);
      await (await transporter.get()).sendMail({ ...compose(message, options.from), signal: bounded });
    },
    close: () => void transporter.built()?.then((made) => made.close()),
  };
}
