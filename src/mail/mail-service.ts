import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError, ValidationError } from '../errors.js';
import type { Clock, OutboxRecord, OutboxStore } from '../storage/store.js';
import type { MailSender } from './sender.js';

/** One mail a feature wants sent: render it first (render-mail.ts). */
export interface MailRequest {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The same key within the outbox's memory (a day for sent mail) yields the first message, not a second. */
  dedupeKey?: string;
  /** Not before this moment (ms since the epoch); default now. */
  notBefore?: number;
}

/** What /readyz and /metrics say about the outbox. */
export interface OutboxHealth {
  transport: 'smtp' | 'files' | 'none';
  pending: number;
  dead: number;
  sent: number;
  /** Age of the oldest message still pending, in seconds; null when none is. */
  oldestPendingSeconds: number | null;
  /** Something has been waiting longer than a healthy delivery takes: SMTP is down or refusing. */
  backingUp: boolean;
}

/** A pending message older than this means deliveries are failing, not merely queued. */
const BACKLOG_MS = 5 * 60_000;

// One recipient, one line of subject: a comma or a line break here would add recipients or headers.
const requestSchema = z.object({
  to: z.email().max(254),
  subject: z
    .string()
    .min(1)
    .max(300)
    .regex(/^[^\r\n]*$/, 'must be one line'),
  text: z.string().min(1).max(100_000),
  html: z.string().min(1).max(300_000),
  dedupeKey: z.string().min(1).max(200).optional(),
  notBefore: z.number().int().nonnegative().optional(),
});

export interface MailServiceOptions {
  outbox: OutboxStore;
  clock: Clock;
  transport: OutboxHealth['transport'];
  /** Absent where nothing sends (production without SMTP_URL). */
  sender?: MailSender;
}

/**
 * The one way a feature sends mail: the message is committed to the outbox and the caller goes on at
 * once; the sender delivers it (retries, backoff, restarts included).
 */
export class MailService {
  constructor(private readonly options: MailServiceOptions) {}

  get transport(): OutboxHealth['transport'] {
    return this.options.transport;
  }

  async enqueue(request: MailRequest): Promise<{ id: string; created: boolean }> {
    if (!this.options.sender)
      throw new AppError('mail_unavailable', 'mail is not configured: set SMTP_URL (and MAIL_FROM)', 503, true);
    const parsed = requestSchema.safeParse(request);
    if (!parsed.success)
      throw new ValidationError(
        `mail: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const { to, subject, text, html, dedupeKey, notBefore } = parsed.data;
    const now = this.options.clock();
    const result = await this.options.outbox.enqueue({
      id: randomBytes(16).toString('base64url'),
      to: to.trim(),
      subject,
      text,
      html,
      dedupeKey: dedupeKey ?? null,
      createdAt: now,
      nextAttemptAt: Math.max(now, notBefore ?? now),
    });
    if (result.created) this.options.sender.wake();
    return result;
  }

  status(id: string): Promise<OutboxRecord | undefined> {
    return this.options.outbox.get(id);
  }

  /** Delivers one message right away, if due and unclaimed (the CLI's `mail test`); its record afterwards. */
  async deliverNow(id: string): Promise<OutboxRecord | undefined> {
    return this.options.sender ? this.options.sender.deliverNow(id) : this.options.outbox.get(id);
  }

  async health(): Promise<OutboxHealth> {
    const { counts, oldestPendingAt } = await this.options.outbox.stats();
    const age = oldestPendingAt === null ? null : Math.max(0, this.options.clock() - oldestPendingAt);
    return {
      transport: this.options.transport,
      pending: counts.pending,
      dead: counts.dead,
      sent: counts.sent,
      oldestPendingSeconds: age === null ? null : Math.floor(age / 1000),
      backingUp: age !== null && age > BACKLOG_MS,
    };
  }
}
