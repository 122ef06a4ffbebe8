import type { Registry } from 'prom-client';
import { AUDIT, type AuditType } from '../audit/audit-log.js';
import type { OutboxHealth } from '../mail/mail-service.js';
import type { SenderObserver } from '../mail/sender.js';
import type { StoreObserver, StoreOutcome } from '../storage/store-guard.js';
import { SeriesFactory } from './metric-series.js';

const LOGIN_RESULTS: Partial<Record<AuditType, string>> = {
  [AUDIT.loginSucceeded]: 'ok',
  [AUDIT.loginFailed]: 'failed',
  [AUDIT.loginLocked]: 'locked',
};

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 3];

/**
 * One registry per app (never prom-client's global one): two apps in one process, as in tests, keep
 * their numbers apart. Labels are bounded: a route name, never a raw path; a store operation name.
 */
export class Metrics {
  private readonly series = new SeriesFactory();
  readonly registry: Registry = this.series.registry;
  readonly requests = this.series.counter('signet_http_requests_total', ['route', 'method', 'status']);
  readonly latency = this.series.histogram('signet_http_request_duration_seconds', ['route', 'method'], HTTP_BUCKETS);
  readonly securityEvents = this.series.counter('signet_security_events_total', ['type']);
  readonly logins = this.series.counter('signet_logins_total', ['result']);
  readonly refreshReuse = this.series.counter('signet_refresh_token_reuse_detected_total');
  readonly tokensIssued = this.series.counter('signet_tokens_issued_total', ['type']);
  readonly storeLatency = this.series.histogram(
    'signet_store_operation_duration_seconds',
    ['operation', 'outcome'],
    STORE_BUCKETS,
  );
  readonly storeErrors = this.series.counter('signet_store_errors_total', ['operation', 'kind']);
  readonly storeUp = this.series.gauge('signet_store_up');
  readonly mailDelivered = this.series.counter('signet_mail_sent_total');
  readonly mailFailed = this.series.counter('signet_mail_failed_total', ['outcome']);
  readonly mailOutbox = this.series.outboxGauge(
    'signet_mail_outbox',
    () => this.outbox(),
    (gauge, health) => {
      for (const state of ['pending', 'sent', 'dead'] as const) gauge.set({ state }, health[state]);
    },
    ['state'],
  );
  readonly mailOldestPending = this.series.outboxGauge(
    'signet_mail_outbox_oldest_pending_seconds',
    () => this.outbox(),
    (gauge, health) => {
      gauge.set(health.oldestPendingSeconds ?? 0);
    },
  );
  /** Read at each scrape; set by the composition root once mail exists. */
  private outboxHealth: (() => Promise<OutboxHealth>) | undefined;

  constructor() {
    this.storeUp.set(1);
  }

  private outbox(): Promise<OutboxHealth | undefined> {
    return this.outboxHealth?.().catch(() => undefined) ?? Promise.resolve(undefined);
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
