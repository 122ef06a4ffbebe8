import { AsyncResource } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { StoreUnavailableError } from '../errors.js';
import type { Store } from './store.js';

export type StoreOutcome = 'ok' | 'error' | 'unavailable' | 'rejected';

/** What the guard reports; the composition root turns it into metrics and logs. */
export interface StoreObserver {
  /** One store call: its name ("oidc.find"), how long it took, how it ended ("rejected": not tried, store down). */
  operation(name: string, seconds: number, outcome: StoreOutcome): void;
  /** The store went away (up = false) or came back. */
  availability(up: boolean, cause?: unknown): void;
}

export interface GuardedStore extends Store {
  /** False from the first outage error until a probe reaches the store again. */
  readonly up: boolean;
}

const PARTS = ['oidc', 'accounts', 'keys', 'audit', 'throttle', 'outbox'] as const;

/**
 * Wraps every store call: times it for the observer, and turns an outage into StoreUnavailableError (a
 * 503 `temporarily_unavailable`). After the first outage error it fails fast — requests answer at once
 * instead of each waiting out the driver's server-selection timeout — while a probe pings the backend
 * every `probeIntervalMs` and reopens it the moment it answers, so recovery needs no restart.
 */
export function guardStore(store: Store, observer: StoreObserver, probeIntervalMs = 250): GuardedStore {
  let up = true;
  let probe: NodeJS.Timeout | undefined;
  let closed = false;
  // Probes belong to no request: bound here, they run outside the context of the request that tripped.
  const schedule = AsyncResource.bind((tick: () => void) => setTimeout(tick, probeIntervalMs).unref());

  const trip = (cause: unknown) => {
    if (!up || closed) return;
    up = false;
    observer.availability(false, cause);
    const tick = async () => {
      probe = undefined;
      if (closed) return;
      try {
        await store.ping();
        up = true;
        observer.availability(true);
      } catch {
        if (!closed) probe = schedule(() => void tick());
      }
    };
    probe = schedule(() => void tick());
  };

  const fail = (name: string, started: number, err: unknown): never => {
    const unavailable = store.isUnavailable(err);
    observer.operation(name, (performance.now() - started) / 1000, unavailable ? 'unavailable' : 'error');
    if (!unavailable) throw err;
    trip(err);
    throw new StoreUnavailableError({ cause: err });
  };

  // Promise-returning calls are timed to their settlement; anything else (a cursor, an iterator) passes as is.
  const run = (name: string, call: () => unknown): unknown => {
    if (!up) {
      observer.operation(name, 0, 'rejected');
      return Promise.reject(new StoreUnavailableError());
    }
    const started = performance.now();
    let result: unknown;
    try {
      result = call();
    } catch (err) {
      return fail(name, started, err);
    }
    if (!(result instanceof Promise)) return result;
    return result.then(
      (value: unknown) => {
        observer.operation(name, (performance.now() - started) / 1000, 'ok');
        return value;
      },
      (err: unknown) => fail(name, started, err),
    );
  };

  const wrap = <T extends object>(part: string, target: T): T => {
    const wrapped = new Map<PropertyKey, unknown>();
    return new Proxy(target, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop, t);
        if (typeof value !== 'function') return value;
        let fn = wrapped.get(prop);
        if (!fn) {
          const name = `${part}.${String(prop)}`;
          fn = (...args: unknown[]) => run(name, () => value.apply(t, args));
          wrapped.set(prop, fn);
        }
        return fn;
      },
    });
  };

  const parts = Object.fromEntries(PARTS.map((part) => [part, wrap(part, store[part])])) as Pick<
    Store,
    (typeof PARTS)[number]
  >;
  return {
    kind: store.kind,
    ...parts,
    // Not guarded: only the CLI moves whole stores, and it works on the bare store (cli-store-commands.ts).
    transfer: store.transfer,
    get up() {
      return up;
    },
    ping: () => run('ping', () => store.ping()) as Promise<void>,
    isUnavailable: (err) => err instanceof StoreUnavailableError || store.isUnavailable(err),
    async close() {
      closed = true;
      if (probe) clearTimeout(probe);
      await store.close();
    },
  };
}
