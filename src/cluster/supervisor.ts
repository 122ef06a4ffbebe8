import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { isListenFailedMessage, ListenFailure } from './listen-failure.js';
import { relayMetrics } from '../observability/metrics-relay.js';

/** Primary → worker: finish in-flight requests, close the store, exit 0. */
export const SHUTDOWN_MESSAGE = 'signet:shutdown';
/** Worker → primary: drained; primary → worker: nothing more is on its way to you, exit. */
export const DRAINED_MESSAGE = 'signet:drained';
export const RELEASE_MESSAGE = 'signet:release';

export interface SupervisorOptions {
  workers: number;
  logger: Logger;
  /** Longest a worker may take to drain before it is killed. */
  drainTimeoutMs: number;
}

export interface Supervisor {
  /** Resolves once every worker listens; rejects with a ListenFailure when one cannot open the port. */
  ready: Promise<void>;
  /** Replaces the workers one at a time, each new one listening before an old one drains: no request is refused. */
  rollingRestart(): Promise<void>;
  /** Drains every worker; resolves true when all of them exited cleanly. */
  shutdown(): Promise<boolean>;
}

const CRASH_BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000];

/**
 * The primary process of WORKERS > 1: it serves nothing itself. node:cluster hands each incoming
 * connection to a worker; this keeps the right number of them alive, restarts a crashed one (backing
 * off when crashes repeat), and orchestrates drains. Every worker keeps its state in the store, so any
 * of them can answer any request.
 */
export function superviseWorkers(options: SupervisorOptions): Supervisor {
  const { logger } = options;
  const retiring = new Set<Worker>();
  let stopping = false;
  let crashes = 0;
  // Set when a worker could not open the port: the start has failed, and no replacement would fare better.
  let listenFailure: string | undefined;
  let failStart: (err: Error) => void = () => undefined;
  const startFailed = new Promise<never>((_, reject) => {
    failStart = reject;
  });
  startFailed.catch(() => undefined);
  relayMetrics();
  // node:cluster may be handing a worker a connection just as its listener closes; the worker refuses
  // it and the primary passes it on, but only if the worker is still there to answer. Messages are
  // ordered, so once this reply reaches a drained worker, no such handoff can still be in flight.
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (message === DRAINED_MESSAGE && worker.isConnected()) worker.send(RELEASE_MESSAGE);
    if (isListenFailedMessage(message)) {
      listenFailure ??= message.reason;
      failStart(new ListenFailure(listenFailure));
    }
  });

  const listening = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const onListening = () => {
        worker.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number | null, signal: string | null) => {
        worker.off('listening', onListening);
        // Told to stop while starting up: not a failure.
        if (stopping || retiring.has(worker)) return resolve();
        if (listenFailure) return reject(new ListenFailure(listenFailure));
        reject(new Error(`worker ${worker.process.pid} exited before listening (code ${code}, signal ${signal})`));
      };
      worker.once('listening', onListening);
      worker.once('exit', onExit);
    });

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.once('listening', () => {
      crashes = 0;
    });
    worker.once('exit', (code, signal) => {
      if (stopping || retiring.delete(worker) || listenFailure) return;
      const delay = CRASH_BACKOFF_MS[Math.min(crashes, CRASH_BACKOFF_MS.length - 1)] ?? 10_000;
      crashes++;
      logger.error(
        { pid: worker.process.pid, code, signal, restartInMs: delay },
        'worker exited unexpectedly; starting a replacement',
      );
      setTimeout(() => {
        if (!stopping) fork();
      }, delay).unref();
    });
    return worker;
  };

  const drain = (worker: Worker): Promise<number | null> =>
    new Promise((resolve) => {
      if (worker.isDead()) return resolve(worker.process.exitCode ?? null);
      const timer = setTimeout(() => {
        logger.error({ pid: worker.process.pid }, 'worker did not drain in time; killing it');
        worker.process.kill('SIGKILL');
      }, options.drainTimeoutMs);
      worker.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
      else worker.process.kill('SIGTERM');
    });

  const initial = Array.from({ length: options.workers }, fork);
  // A worker that cannot open the port says so and waits to be told to stop: the start fails at once.
  const ready = Promise.race([Promise.all(initial.map(listening)).then(() => undefined), startFailed]);

  let rolling: Promise<void> | undefined;
  return {
    ready,
    rollingRestart() {
      rolling ??= (async () => {
        try {
          const old = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
          logger.info({ workers: old.length }, 'rolling restart: replacing workers one at a time');
          for (const worker of old) {
            if (stopping) return;
            await listening(fork());
            retiring.add(worker);
            await drain(worker);
          }
          logger.info('rolling restart done');
        } finally {
          rolling = undefined;
        }
      })();
      return rolling;
    },
    async shutdown() {
      stopping = true;
      const codes = await Promise.all(
        Object.values(cluster.workers ?? {})
          .filter((w): w is Worker => Boolean(w))
          .map(drain),
      );
      return codes.every((code) => code === 0);
    },
  };
}
