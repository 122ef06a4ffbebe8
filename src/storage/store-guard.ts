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

type GuardedParts = Pick<Store, (typeof PARTS)[number]>;

/** Runs one store call under the guard: `name` is what the observer hears. */
type Run = (name: string, call: () => unknown) => unknown;

/**
 * Whether the store is up, and the probe that brings it back: after a trip it pings the backend every
 * `intervalMs` until it answers, then reopens.
 */
class Availability {
  up = true;
  private closed = false;
  private probe: NodeJS.Timeout | undefined;
  // Probes belong to no request: bound here, they run outside the context of the request that tripped.
  private readonly schedule: (tick: () => void) => NodeJS.Timeout;

  constructor(
    private readonly store: Pick<Store, 'ping'>,
    private readonly observer: StoreObserver,
    intervalMs: number,
  ) {
    this.schedule = AsyncResource.bind((tick: () => void) => setTimeout(tick, intervalMs).unref());
  }

  trip(cause: unknown): void {
    if (!this.up || this.closed) return;
    this.up = false;
    this.observer.availability(false, cause);
    this.probeLater();
  }

  close(): void {
    this.closed = true;
    if (this.probe) clearTimeout(this.probe);
  }

  private probeLater(): void {
    if (this.closed) return;
    this.probe = this.schedule(() => void this.tick());
  }

  private async tick(): Promise<void> {
    this.probe = undefined;
    if (this.closed) return;
    try {
      await this.store.ping();
      this.up = true;
      this.observer.availability(true);
    } catch {
      this.probeLater();
    }
  }
}

/**
 * The timing and outage handling around each call. Promise-returning calls are timed to their
 * settlement; anything else (a cursor, an iterator) passes as is.
 */
function guardedRunner(store: Store, observer: StoreObserver, availability: Availability): Run {
  const since = (started: number) => (performance.now() - started) / 1000;
  const fail = (name: string, started: number, err: unknown): never => {
    const unavailable = store.isUnavailable(err);
    observer.operation(name, since(started), unavailable ? 'unavailable' : 'error');
    if (!unavailable) throw err;
    availability.trip(err);
    throw new StoreUnavailableError({ cause: err });
  };
  return (name, call) => {
    if (!availability.up) {
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
        observer.operation(name, since(started), 'ok');
        return value;
      },
      (err: unknown) => fail(name, started, err),
    );
  };
}

/** One part of the store (oidc, accounts...) whose every method goes through `run`, named `part.method`. */
function guardPart<T extends object>(part: string, target: T, run: Run): T {
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
}

/**
 * Wraps every store call: times it for the observer, and turns an outage into StoreUnavailableError (a
 * 503 `temporarily_unavailable`). After the first outage error it fails fast — requests answer at once
 * instead of each waiting out the driver's server-selection timeout — while a probe pings the backend
 * every `probeIntervalMs` and reopens it the moment it answers, so recovery needs no restart.
 */
export function guardStore(store: Store, observer: StoreObserver, probeIntervalMs = 250): GuardedStore {
  const availability = new Availability(store, observer, probeIntervalMs);
  const run = guardedRunner(store, observer, availability);
  const parts = Object.fromEntries(PARTS.map((part) => [part, guardPart(part, store[part], run)])) as GuardedParts;
  return {
    kind: store.kind,
    ...parts,
    // Not guarded: only the CLI moves whole stores, and it works on the bare store (cli-store-commands.ts).
    transfer: store.transfer,
    get up() {
      return availability.up;
    },
    ping: () => run('ping', () => store.ping()) as Promise<void>,
    isUnavailable: (err) => err instanceof StoreUnavailableError || store.isUnavailable(err),
    async close() {
      availability.close();
      await store.close();
    },
  };
}
