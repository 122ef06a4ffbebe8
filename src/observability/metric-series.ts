import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OutboxHealth } from '../mail/mail-service.js';

/** Every series Signet exports, with the help a scrape shows for it. */
const HELP = {
  signet_http_requests_total: 'HTTP requests by route, method and status',
  signet_http_request_duration_seconds: 'HTTP request latency by route',
  signet_security_events_total:
    'Audit events by type: logins ok/failed, tokens issued/refreshed/revoked, refresh reuse, lockouts',
  signet_logins_total: 'Password logins by result: ok, failed (wrong credentials), locked (throttled)',
  signet_refresh_token_reuse_detected_total: 'Rotated refresh tokens presented again (each revoked its whole grant)',
  signet_tokens_issued_total: 'Tokens issued by type: authorization_code, access_token, refresh_token, id_token',
  signet_store_operation_duration_seconds:
    'Store call latency by operation and outcome (ok, error, unavailable; rejected: not tried while the store is down); _count is the number of store calls, each a round trip on a networked store',
  signet_store_errors_total:
    'Failed store calls by operation and kind (error: a bug or bad data; unavailable: outage; rejected: failed fast during one)',
  signet_store_up: '1 while the store answers, 0 from the first outage error until a probe reaches it again',
  signet_mail_sent_total:
    'Mails the SMTP server (or, in development, the outbox folder) accepted, counted by the process that sent them',
  signet_mail_failed_total:
    'Failed delivery attempts by outcome: retry (backing off) or dead (given up, kept in the outbox)',
  signet_mail_outbox:
    'Messages in the mail outbox by state: pending (waiting or being sent), sent (kept a day, without body), dead (given up)',
  signet_mail_outbox_oldest_pending_seconds:
    'Age of the oldest pending mail (0 when none): growing means SMTP is down or refusing',
} as const;

export type SeriesName = keyof typeof HELP;

type Labels<L extends string> = readonly L[];

/**
 * Makes series in one registry of its own (never prom-client's global one), which starts with Node's
 * process metrics (memory, event loop, handles) under Signet's prefix. `labelNames` bounds what a series
 * may be split by.
 */
export class SeriesFactory {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'signet_' });
  }

  counter<L extends string = never>(name: SeriesName, labelNames: Labels<L> = []): Counter<L> {
    return new Counter({ name, help: HELP[name], labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: SeriesName, labelNames: Labels<L>, buckets: number[]): Histogram<L> {
    return new Histogram({ name, help: HELP[name], labelNames, buckets, registers: [this.registry] });
  }

  gauge(name: SeriesName): Gauge {
    return new Gauge({ name, help: HELP[name], registers: [this.registry] });
  }

  /**
   * A gauge of the mail outbox, set from its health at each scrape. The outbox is shared by every
   * process: with several workers each reports the same numbers, so their aggregate is the largest
   * report, not the sum.
   */
  outboxGauge<L extends string = never>(
    name: SeriesName,
    health: () => Promise<OutboxHealth | undefined>,
    show: (gauge: Gauge<L>, health: OutboxHealth) => void,
    labelNames: Labels<L> = [],
  ): Gauge<L> {
    const gauge: Gauge<L> = new Gauge({
      name,
      help: HELP[name],
      labelNames,
      aggregator: 'max',
      registers: [this.registry],
      collect: async () => {
        const now = await health();
        if (now) show(gauge, now);
      },
    });
    return gauge;
  }
}
