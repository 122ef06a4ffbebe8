import type { ThrottleQuery, ThrottleState, ThrottleStore } from '../storage/store.js';
import { TurnBatch } from '../util/turn-batch.js';

export interface ThrottleRead {
  queries: readonly ThrottleQuery[];
  now: number;
}

type States = Array<ThrottleState | undefined>;

const idOf = (q: ThrottleQuery) => `${q.windowMs}:${q.key}`;

/**
 * The throttle reads of concurrent requests, taken together: every client authentication and every
 * sign-in reads its keys before anything else happens, and on a networked store each read is a round
 * trip. The reads of one turn of the event loop go in one store call, on the next turn, at the latest
 * of their moments (a few microseconds apart: a failure that left its window in between is simply gone).
 * Two requests from one address share its key, read once. The store wants distinct keys in one call, so
 * a key asked with two windows (no policy does that today) goes in a second call beside the first.
 */
export class ThrottleReads {
  private readonly batch: TurnBatch<ThrottleRead, States>;

  constructor(store: Pick<ThrottleStore, 'get'>) {
    this.batch = new TurnBatch((reads) => readTogether(store, reads), false);
  }

  get(queries: readonly ThrottleQuery[], now: number): Promise<States> {
    return this.batch.add({ queries, now });
  }
}

async function readTogether(store: Pick<ThrottleStore, 'get'>, reads: ThrottleRead[]): Promise<States[]> {
  const now = Math.max(...reads.map((r) => r.now));
  const calls: ThrottleQuery[][] = [];
  const placed = new Map<string, { call: number; index: number }>();
  for (const q of reads.flatMap((r) => r.queries)) {
    if (placed.has(idOf(q))) continue;
    let call = calls.findIndex((queries) => !queries.some((other) => other.key === q.key));
    if (call < 0) call = calls.push([]) - 1;
    const queries = calls[call] ?? [];
    placed.set(idOf(q), { call, index: queries.push(q) - 1 });
  }
  const answers = await Promise.all(calls.map((queries) => store.get(queries, now)));
  return reads.map((r) =>
    r.queries.map((q) => {
      const at = placed.get(idOf(q));
      return at ? answers[at.call]?.[at.index] : undefined;
    }),
  );
}
