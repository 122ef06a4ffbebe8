// @ts-check
// Two load generators with one result shape. autocannon for single-request scenarios (it is the
// cheapest generator in Node, so the server gets the CPU); a closed loop of N async workers for
// scenarios whose every iteration depends on the previous answer (refresh rotation, code exchange from
// a pool, the login flow), which autocannon's fixed request list cannot express.

import autocannon from 'autocannon';

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function summarize({ ok, failed, durationS, latenciesMs, errorSamples, statusCounts }) {
  const sorted = Float64Array.from(latenciesMs).sort();
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    requests: ok + failed,
    ok,
    failed,
    durationS: Number(durationS.toFixed(3)),
    rps: ok / durationS,
    latencyMs: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      mean: sorted.length ? sum / sorted.length : NaN,
      max: sorted.length ? sorted[sorted.length - 1] : NaN,
    },
    statusCounts,
    errorSamples,
  };
}

/**
 * `connections` workers each run `op(worker)` back to back until `durationS` has passed. op resolves
 * true (a success), false (a failure, counted), or null (this worker has nothing left to do: e.g. the
 * code pool is empty); a throw is a failure too. Latency is measured per op, so for a multi-request op
 * (a login) it is the latency of the whole flow.
 */
export async function closedLoop({ connections, durationS, op }) {
  const latenciesMs = [];
  const errorSamples = [];
  const statusCounts = {};
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + durationS * 1000;
  const fail = (message) => {
    failed++;
    statusCounts[message.split(':')[0]] = (statusCounts[message.split(':')[0]] ?? 0) + 1;
    if (errorSamples.length < 5) errorSamples.push(message.slice(0, 300));
  };
  const worker = async (index) => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      let outcome;
      try {
        outcome = await op(index);
      } catch (err) {
        outcome = err instanceof Error ? err.message : String(err);
      }
      if (outcome === null) return;
      latenciesMs.push(performance.now() - t0);
      if (outcome === true) ok++;
      else fail(typeof outcome === 'string' ? outcome : 'failed');
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => worker(i)));
  return summarize({
    ok,
    failed,
    durationS: (performance.now() - start) / 1000,
    latenciesMs,
    errorSamples,
    statusCounts,
  });
}

/**
 * autocannon against one endpoint. `next()` (optional) gives each request its varying part: a body
 * or headers, e.g. a different token from a pool each time. `verify(body)` turns a 200 with the wrong
 * content (introspection's {"active":false}) into a counted failure.
 */
/**
 * @param {{
 *   origin: string, method: string, path: string, headers?: Record<string, string>, body?: string,
 *   next?: () => Record<string, unknown>, verify?: (body: string) => boolean,
 *   connections: number, durationS: number,
 * }} options
 */
export async function cannon({ origin, method, path, headers, body, next, verify, connections, durationS }) {
  const request = { method, path, headers, body };
  if (next) {
    request.setupRequest = (req) => Object.assign(req, next());
  }
  const result = await autocannon({
    url: origin,
    connections,
    duration: durationS,
    requests: [request],
    ...(verify ? { verifyBody: verify } : {}),
  });
  const statusCounts = {};
  let ok2xx = 0;
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = Number(count);
    if (status.startsWith('2')) ok2xx += Number(count);
  }
  const ok = Math.max(0, ok2xx - result.mismatches);
  const failed = result.non2xx + result.errors + result.mismatches;
  const errorSamples = [];
  if (result.errors) errorSamples.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
  if (result.mismatches) errorSamples.push(`${result.mismatches} 2xx responses with an unexpected body`);
  return {
    requests: ok + failed,
    ok,
    failed,
    durationS: result.duration,
    rps: ok / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.average,
      max: result.latency.max,
    },
    statusCounts,
    errorSamples,
  };
}
