// @ts-check
// Store operations per request, counted by the servers themselves: on a networked store each one is a
// round trip, and their number, not the CPU, decides the speed. Counts, not timings: the same requests
// give the same figures on a busy machine and an idle one.
//
// Signet counts every store call in /metrics (signet_store_operation_duration_seconds_count, by
// operation) and every request (signet_http_requests_total); the bare provider counts its adapter's
// store calls under the same names, and its requests, at GET /__bench/store-ops (baseline-server.mjs).

/**
 * Work no request asks for (key re-reads, the client change counter a node re-reads every second, the
 * mail outbox, sweeps, probes): shown apart, never per request.
 */
const BACKGROUND = [/^keys\./, /^outbox\./, /^ping$/, /\.sweep/, /\.clientChanges$/];

/** Store methods that only read; every other one writes (upsert, consume, destroy, append, recordFailure…). */
const READ_METHODS = new Set([
  'find',
  'findById',
  'findByEmail',
  'findByUid',
  'findByUserCode',
  'findByAccount',
  'get',
  'list',
  'stats',
]);

export const isBackground = (name) => BACKGROUND.some((re) => re.test(name));
export const isRead = (name) => READ_METHODS.has(name.slice(name.indexOf('.') + 1));

const SERIES =
  /^(signet_store_operation_duration_seconds_count|signet_http_requests_total|signet_nodejs_gc_duration_seconds_sum)\{([^}]*)\} (\S+)$/;

/**
 * The counters a Signet /metrics text holds: store calls by operation, requests other than scrapes, and
 * the seconds V8 has spent collecting garbage (prom-client's default series, every kind of collection).
 */
export function parseSignetMetrics(text) {
  /** @type {Record<string, number>} */
  const operations = {};
  let requests = 0;
  let gcSeconds = 0;
  for (const line of text.split('\n')) {
    const m = SERIES.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const value = Number(m[3]);
    if (m[1] === 'signet_http_requests_total') {
      if (labels.route !== '/metrics') requests += value;
    } else if (m[1] === 'signet_nodejs_gc_duration_seconds_sum') {
      gcSeconds += value;
    } else if (labels.operation) {
      operations[labels.operation] = (operations[labels.operation] ?? 0) + value;
    }
  }
  return { requests, operations, gcSeconds };
}

/** One reading of a target's counters. */
export async function readCounts(target) {
  if (target.kind === 'signet') {
    const res = await fetch(`${target.origin}/metrics`);
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return parseSignetMetrics(await res.text());
  }
  const res = await fetch(`${target.origin}/__bench/store-ops`);
  if (!res.ok) throw new Error(`/__bench/store-ops answered ${res.status}`);
  return /** @type {{ requests: number, operations: Record<string, number>, gcSeconds?: number }} */ (await res.json());
}

/**
 * The counters once the server has finished what the load left in flight: a request cut off at the end
 * of the measurement may still be writing. Read until two readings agree.
 */
export async function settledCounts(target) {
  let last = await readCounts(target);
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await readCounts(target);
    if (now.requests === last.requests && total(now.operations) === total(last.operations)) return now;
    last = now;
  }
  return last;
}

const total = (ops) => Object.values(ops).reduce((a, b) => a + b, 0);

/**
 * What the requests between two readings cost the store: per request, by operation; reads, writes and
 * their total; and, apart, the background work that ran meanwhile (absolute counts).
 */
export function storeOpsBetween(before, after) {
  const requests = after.requests - before.requests;
  /** @type {Record<string, number>} */
  const perRequest = {};
  /** @type {Record<string, number>} */
  const background = {};
  for (const [name, count] of Object.entries(after.operations)) {
    const n = count - (before.operations[name] ?? 0);
    if (n <= 0) continue;
    if (isBackground(name)) background[name] = n;
    else if (requests > 0) perRequest[name] = n / requests;
  }
  const sum = (pick) =>
    Object.entries(perRequest)
      .filter(([name]) => pick(name))
      .reduce((a, [, v]) => a + v, 0);
  const reads = sum(isRead);
  const writes = sum((name) => !isRead(name));
  return { requests, perRequest, reads, writes, total: reads + writes, background };
}
