import cluster, { type Worker } from 'node:cluster';
import type { Registry } from 'prom-client';

// With WORKERS > 1 a scrape lands on whichever worker the primary hands the connection to. So that
// /metrics tells the truth about the whole process group, that worker asks the primary, which collects
// every worker's registry and sums them (prom-client's aggregation rules: counters add, gauges per rule).
const REQUEST = 'signet:metrics:request';
const COLLECT = 'signet:metrics:collect';
const PART = 'signet:metrics:part';
const RESPONSE = 'signet:metrics:response';
const TIMEOUT_MS = 2_000;

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

function message(value: unknown): { type: string; id: number; [key: string]: unknown } | undefined {
  const m = value as { type?: unknown; id?: unknown } | null;
  return m && typeof m.type === 'string' && m.type.startsWith('signet:metrics:') && typeof m.id === 'number'
    ? (m as { type: string; id: number })
    : undefined;
}

/** Worker side: answers the primary's collections, and returns the scrape function for /metrics. */
export function workerMetrics(registry: Registry): () => Promise<string> {
  let next = 0;
  const waiting = new Map<number, (text: string) => void>();
  process.on('message', (raw: unknown) => {
    const m = message(raw);
    if (m?.type === COLLECT) {
      void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: PART, id: m.id, metrics }));
    } else if (m?.type === RESPONSE && typeof m.text === 'string') {
      waiting.get(m.id)?.(m.text);
      waiting.delete(m.id);
    }
  });
  return () =>
    new Promise<string>((resolve) => {
      const id = next++;
      const timer = setTimeout(() => {
        // The primary did not answer (it is shutting down): this worker's own numbers beat no answer.
        waiting.delete(id);
        resolve(registry.metrics());
      }, TIMEOUT_MS);
      waiting.set(id, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      process.send?.({ type: REQUEST, id });
    });
}

/** Primary side: on a worker's request, collects every live worker's metrics and answers with the sum. */
export function relayMetrics(): void {
  let next = 0;
  const collections = new Map<number, { parts: MetricsJson[]; pending: number; finish(): void }>();

  cluster.on('message', (asker: Worker, raw: unknown) => {
    const m = message(raw);
    if (m?.type === PART) {
      const c = collections.get(m.id);
      if (!c) return;
      c.parts.push(m.metrics as MetricsJson);
      if (--c.pending === 0) c.finish();
      return;
    }
    if (m?.type !== REQUEST) return;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w?.isConnected()));
    const id = next++;
    const parts: MetricsJson[] = [];
    const finish = () => {
      clearTimeout(timer);
      collections.delete(id);
      // prom-client is loaded at the first scrape: the primary has no other use for it, and a start waits for nothing it loads.
      void import('prom-client')
        .then(({ AggregatorRegistry }) => AggregatorRegistry.aggregate(parts).metrics())
        .then((text) => asker.isConnected() && asker.send({ type: RESPONSE, id: m.id, text }));
    };
    const timer = setTimeout(finish, TIMEOUT_MS);
    collections.set(id, { parts, pending: workers.length, finish });
    for (const w of workers) w.send({ type: COLLECT, id });
  });
}
