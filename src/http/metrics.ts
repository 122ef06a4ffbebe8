import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * One registry per app (never prom-client's global one): two apps in one process, as in tests, keep
 * their numbers apart. Labels are bounded: a route name, never a raw path.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly latency: Histogram<'route' | 'method'>;
  readonly securityEvents: Counter<'type'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'signet_' });
    this.requests = new Counter({
      name: 'signet_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'signet_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.securityEvents = new Counter({
      name: 'signet_security_events_total',
      help: 'Audit events by type: logins ok/failed, tokens issued/refreshed/revoked, refresh reuse, lockouts',
      labelNames: ['type'],
      registers: [this.registry],
    });
  }
}
