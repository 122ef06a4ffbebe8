import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AUDIT, type AuditType } from '../audit/audit-log.js';
import type { OutboxHealth } from '../mail/mail-service.js';
import type { SenderObserver } from '../mail/sender.js';
import type { StoreObserver, StoreOutcome } from '../storage/store-guard.js';

const LOGIN_RESULTS: Partial<Record<AuditType, string>> = {
  [AUDIT.loginSucceeded]: 'ok',
  [AUDIT.loginFailed]: 'failed',
  [AUDIT.loginLocked]: 'locked',
};

/**
 * One registry per app (never prom-client's global one): two apps in one process, as in tests, keep
 * their numbers apart. Labels are bounded: a route name, never a raw path; a store operation name.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly latency: Histogram<'route' | 'method'>;
  readonly securityEvents: Counter<'type'>;
  readonly logins: Counter<'result'>;
  readonly refreshReuse: Counter;
  readonly tokensIssued: Counter<'type'>;
  readonly storeLatency: Histogram<'operation' | 'outcome'>;
  readonly storeErrors: Counter<'operation' | 'kind'>;
  readonly storeUp: Gauge;
  readonly mailDelivered: Counter;
  readonly mailFailed: Counter<'outcome'>;
  readonly mailOutbox: Gauge<'state'>;
  readonly mailOldestPending: Gauge;
  /** Read at each scrape; set by the composition root once mail exists. */
  private outboxHealth: (() => Promise<OutboxHealth>) | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'signet_' });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'signet_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'signet_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.securityEvents = new Counter({
      name: 'signet_security_events_total',
      help: 'Audit events by type: logins ok/failed, tokens issued/refreshed/revoked, refresh reuse, lockouts',
      labelNames: ['type'],
      registers,
    });
    this.logins = new Counter({
      name: 'signet_logins_total',
      help: 'Password logins by result: ok, failed (wrong credentials), locked (throttled)',
      labelNames: ['result'],
      registers,
    });
    this.refreshReuse = new Counter({
      name: 'signet_refresh_token_reuse_detected_total',
      help: 'Rotated refresh tokens presented again (each revoked its whole grant)',
      registers,
    });
    this.tokensIssued = new Counter({
      name: 'signet_tokens_issued_total',
      help: 'Tokens issued by type: authorization_code, access_token, refresh_token, id_token',
      labelNames: ['type'],
      registers,
    });
    this.storeLatency = new Histogram({
      name: 'signet_store_operation_duration_seconds',
      help: 'Store call latency by operation and outcome (ok, error, unavailable; rejected: not tried while the store is down)',
      labelNames: ['operation', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 3],
      registers,
    });
    this.storeErrors = new Counter({
      name: 'signet_store_errors_total',
      help: 'Failed store calls by operation and kind (error: a bug or bad data; unavailable: outage; rejected: failed fast during one)',
      labelNames: ['operation', 'kind'],
      registers,
    });
    this.storeUp = new Gauge({
      name: 'signet_store_up',
      help: '1 while the store answers, 0 from the first outage error until a probe reaches it again',
      registers,
    });
    this.storeUp.set(1);
    this.mailDelivered = new Counter({
      name: 'signet_mail_sent_total',
      help: 'Mails the SMTP server (or, in development, the outbox folder) accepted, counted by the process that sent them',
      registers,
    });
    this.mailFailed = new Counter({
      name: 'signet_mail_failed_total',
      help: 'Failed delivery attempts by outcome: retry (backing off) or dead (given up, kept in the outbox)',
      labelNames: ['outcome'],
      registers,
    });
    // The outbox is shared by every process: with several workers each reports the same numbers, so
    // their aggregate is the largest report, not the sum.
    const outbox = () => this.outboxHealth?.().catch(() => undefined);
    this.mailOutbox = new Gauge({
      name: 'signet_mail_outbox',
      help: 'Messages in the mail outbox by state: pending (waiting or being sent), sent (kept a day, without body), dead (given up)',
      labelNames: ['state'],
      aggregator: 'max',
      registers,
      collect: async () => {
        const health = await outbox();
        if (!health) return;
        for (const state of ['pending', 'sent', 'dead'] as const) this.mailOutbox.set({ state }, health[state]);
      },
    });
    this.mailOldestPending = new Gauge({
      name: 'signet_mail_outbox_oldest_pending_seconds',
      help: 'Age of the oldest pending mail (0 when none): growing means SMTP is down or refusing',
      aggregator: 'max',
      registers,
      collect: async () => {
        const health = await outbox();
        if (health) this.mailOldestPending.set(health.oldestPendingSeconds ?? 0);
      },
    });
  }

  /** Where the outbox gauges read from at each scrape. */
  watchOutbox(health: () => Promise<OutboxHealth>): void {
    this.outboxHealth = health;
  }

  /** The mail sender's observer: sent and failed totals. */
  mailObserver(): SenderObserver {
    return {
      sent: () => this.mailDelivered.inc(),
      failed: (outcome) => this.mailFailed.inc({ outcome }),
    };
  }

  /** Counts one audit event, and the login and reuse series derived from it. */
  auditRecorded(type: AuditType): void {
    this.securityEvents.inc({ type });
    const result = LOGIN_RESULTS[type];
    if (result) this.logins.inc({ result });
    if (type === AUDIT.refreshReuseDetected) this.refreshReuse.inc();
  }

  /** The store guard's observer: latency and errors per operation, and up/down. */
  storeObserver(onAvailability: (up: boolean, cause?: unknown) => void): StoreObserver {
    return {
      operation: (operation: string, seconds: number, outcome: StoreOutcome) => {
        if (outcome !== 'rejected') this.storeLatency.observe({ operation, outcome }, seconds);
        if (outcome !== 'ok') this.storeErrors.inc({ operation, kind: outcome });
      },
      availability: (up, cause) => {
        this.storeUp.set(up ? 1 : 0);
        onAvailability(up, cause);
      },
    };
  }
}
