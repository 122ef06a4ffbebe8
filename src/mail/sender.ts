import type { Logger } from 'pino';
import type { Clock, OutboxRecord, OutboxStore } from '../storage/store.js';
import { retryAt as nextAttemptAt, type DeliveryPolicy } from './delivery-policy.js';
import { failureReason, isPermanentFailure, type MailTransport } from './transport.js';

/** Runs `run` after `delayMs`; the returned function cancels it. Tests pass their own. */
export type Schedule = (run: () => void, delayMs: number) => () => void;

export const timerSchedule: Schedule = (run, delayMs) => {
  const timer = setTimeout(run, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

const PURGE_INTERVAL_MS = 3_600_000;
/** stop() lets the message in hand finish this long, then cuts it off (it is retried, same Message-ID). */
const STOP_GRACE_MS = 5_000;

/** What the sender reports (metrics). */
export interface SenderObserver {
  sent(): void;
  failed(outcome: 'retry' | 'dead'): void;
}

export interface MailSenderOptions {
  outbox: OutboxStore;
  transport: MailTransport;
  clock: Clock;
  policy: DeliveryPolicy;
  logger: Logger;
  schedule?: Schedule;
  observer?: SenderObserver;
}

/**
 * Delivers the outbox: claims the message due first, sends it, records the outcome, and goes on until
 * nothing is due; then waits for a wake-up (an enqueue in this process) or the poll interval (other
 * processes enqueue too). Every process runs one: the claim decides which of them sends what.
 *
 * "Never twice" is bounded by SMTP itself, which has no idempotency: a message is recorded as sent the
 * moment the server accepts it, but a process that dies in between (or loses its reply) leaves the
 * claim to expire, and the message goes out again with the same Message-ID (compose.ts).
 */
export class MailSender {
  private readonly schedule: Schedule;
  private cancelTimer: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;
  private troubled = false;
  private purgedAt = Number.NEGATIVE_INFINITY;
  /** Accepted by the server while the store could not record it: recorded first thing next round. */
  private readonly unrecorded = new Map<string, number>();
  private readonly abort = new AbortController();
  /** Deliveries in hand (the loop's, or deliverNow's). */
  private readonly active = new Set<Promise<void>>();

  constructor(private readonly options: MailSenderOptions) {
    this.schedule = options.schedule ?? timerSchedule;
  }

  /** Starts the loop: a first round now (picking up what an earlier process left), then as woken or polled. */
  start(): void {
    this.started = true;
    this.kick(0);
  }

  /** Something was enqueued here: look now rather than at the next poll. */
  wake(): void {
    if (!this.started) return;
    if (this.running) this.again = true;
    else this.kick(0);
  }

  /** Stops the loop and waits for the message in hand, so its outcome is recorded before the store closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    // A hung SMTP server must not hold a shutdown past its drain timeout.
    const cutOff = this.schedule(() => this.abort.abort(new Error('sender stopping')), STOP_GRACE_MS);
    await Promise.all([this.running, ...this.active]);
    cutOff();
    this.options.transport.close();
  }

  /** Claims and delivers due messages until none is left (or stop()); resolves with how many were attempted. */
  async deliverDue(): Promise<number> {
    await this.recordUnrecorded();
    let attempted = 0;
    while (!this.stopped) {
      const message = await this.options.outbox.claim(this.options.clock(), this.options.policy.leaseMs);
      if (!message) break;
      await this.deliver(message);
      attempted++;
    }
    return attempted;
  }

  /** Delivers one message now if it is due and nobody holds it; resolves with its record afterwards. */
  async deliverNow(id: string): Promise<OutboxRecord | undefined> {
    const message = await this.options.outbox.claim(this.options.clock(), this.options.policy.leaseMs, id);
    if (message) await this.deliver(message);
    return this.options.outbox.get(id);
  }

  private kick(delayMs: number): void {
    if (this.stopped) return;
    this.cancelTimer?.();
    this.cancelTimer = this.schedule(() => {
      this.cancelTimer = undefined;
      this.round();
    }, delayMs);
  }

  private round(): void {
    if (this.stopped || this.running) return;
    this.again = false;
    this.running = this.deliverDue()
      .then(() => this.purgeNowAndThen())
      .then(
        () => {
          if (this.troubled) this.options.logger.info('mail outbox reachable again');
          this.troubled = false;
        },
        (err: unknown) => {
          // The store is down (or a bug): nothing is lost, the next round tries again.
          if (!this.troubled) this.options.logger.warn({ err }, 'mail outbox round failed; retrying at the next poll');
          this.troubled = true;
        },
      );
    void this.running.then(() => {
      this.running = undefined;
      this.kick(this.again ? 0 : this.options.policy.pollIntervalMs);
    });
  }

  private async deliver(message: OutboxRecord): Promise<void> {
    const attempt = this.attempt(message);
    this.active.add(attempt);
    try {
      await attempt;
    } finally {
      this.active.delete(attempt);
    }
  }

  private async attempt(message: OutboxRecord): Promise<void> {
    const { outbox, transport, clock, policy, logger, observer } = this.options;
    const log = { mailId: message.id, attempt: message.attempts };
    if (message.attempts > policy.maxAttempts) {
      // Only claims that expired unrecorded get here: the sender died with it in hand every time.
      await outbox.markFailed(
        message.id,
        message.attempts,
        `given up after ${policy.maxAttempts} attempts`,
        null,
        clock(),
      );
      observer?.failed('dead');
      logger.error(log, 'mail given up: every attempt ended with the sender gone');
      return;
    }
    try {
      await transport.send(message, this.abort.signal);
    } catch (err) {
      const reason = failureReason(err);
      const now = clock();
      const retryAt = nextAttemptAt(policy, message.attempts, now, isPermanentFailure(err));
      await outbox.markFailed(message.id, message.attempts, reason, retryAt, now);
      observer?.failed(retryAt === null ? 'dead' : 'retry');
      if (retryAt === null) logger.error({ ...log, reason }, 'mail given up (dead letter kept in the outbox)');
      else
        logger.warn({ ...log, reason, retryAt: new Date(retryAt).toISOString() }, 'mail delivery failed; will retry');
      return;
    }
    // First thing after the server's acceptance: the shorter this gap, the rarer a second copy.
    const sentAt = clock();
    try {
      await outbox.markSent(message.id, sentAt);
    } catch (err) {
      this.unrecorded.set(message.id, sentAt);
      logger.warn({ ...log, err }, 'mail sent but not yet recorded; recording it next round');
    }
    observer?.sent();
    logger.info(log, 'mail sent');
  }

  /** Sent and dead messages leave after their keeping time; checked at most hourly. */
  private async purgeNowAndThen(): Promise<void> {
    const now = this.options.clock();
    if (now - this.purgedAt < PURGE_INTERVAL_MS) return;
    this.purgedAt = now;
    const { keepSentMs, keepDeadMs } = this.options.policy;
    await this.options.outbox.purge(now - keepSentMs, now - keepDeadMs);
  }

  private async recordUnrecorded(): Promise<void> {
    for (const [id, sentAt] of this.unrecorded) {
      await this.options.outbox.markSent(id, sentAt);
      this.unrecorded.delete(id);
    }
  }
}
