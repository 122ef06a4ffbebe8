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
  /** Added to each worker's environment. */
  workerEnv?: Record<string, string>;
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

/** What the primary knows of its workers; shared by the parts below, owned by one superviseWorkers call. */
interface Pool {
  readonly logger: Logger;
  readonly drainTimeoutMs: number;
  readonly workerEnv: Record<string, string> | undefined;
  /** Workers told to go (rolling restart): their exit is expected, not a crash. */
  readonly retiring: Set<Worker>;
  stopping: boolean;
  crashes: number;
  /** Set when a worker could not open the port: the start has failed, and no replacement would fare better. */
  listenFailure: string | undefined;
  failStart: (err: Error) => void;
}

const liveWorkers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));

/**
 * node:cluster may be handing a worker a connection just as its listener closes; the worker refuses
 * it and the primary passes it on, but only if the worker is still there to answer. Messages are
 * ordered, so once this reply reaches a drained worker, no such handoff can still be in flight.
 */
function answerWorkers(pool: Pool): void {
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (message === DRAINED_MESSAGE && worker.isConnected()) worker.send(RELEASE_MESSAGE);
    if (isListenFailedMessage(message)) {
      pool.listenFailure ??= message.reason;
      pool.failStart(new ListenFailure(pool.listenFailure));
    }
  });
}

/** Resolves once `worker` listens; rejects if it exits first (unless it was told to stop). */
function listening(pool: Pool, worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onListening = () => {
      worker.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null, signal: string | null) => {
      worker.off('listening', onListening);
      // Told to stop while starting up: not a failure.
      if (pool.stopping || pool.retiring.has(worker)) {
        resolve();
        return;
      }
      if (pool.listenFailure) {
        reject(new ListenFailure(pool.listenFailure));
        return;
      }
      reject(new Error(`worker ${worker.process.pid} exited before listening (code ${code}, signal ${signal})`));
    };
    worker.once('listening', onListening);
    worker.once('exit', onExit);
  });
}

/** Starts a worker that is replaced if it crashes, after a backoff that grows while crashes repeat. */
function fork(pool: Pool): Worker {
  const worker = cluster.fork(pool.workerEnv);
  worker.once('listening', () => {
    pool.crashes = 0;
  });
  worker.once('exit', (code, signal) => {
    if (pool.stopping || pool.retiring.delete(worker) || pool.listenFailure) return;
    const delay = CRASH_BACKOFF_MS[Math.min(pool.crashes, CRASH_BACKOFF_MS.length - 1)] ?? 10_000;
    pool.crashes++;
    pool.logger.error(
      { pid: worker.process.pid, code, signal, restartInMs: delay },
      'worker exited unexpectedly; starting a replacement',
    );
    setTimeout(() => {
      if (!pool.stopping) fork(pool);
    }, delay).unref();
  });
  return worker;
}

/** Asks `worker` to finish and exit, killing it after the drain timeout; resolves with its exit code. */
function drain(pool: Pool, worker: Worker): Promise<number | null> {
  return new Promise((resolve) => {
    if (worker.isDead()) {
      resolve(worker.process.exitCode ?? null);
      return;
    }
    const timer = setTimeout(() => {
      pool.logger.error({ pid: worker.process.pid }, 'worker did not drain in time; killing it');
      worker.process.kill('SIGKILL');
    }, pool.drainTimeoutMs);
    worker.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
    else worker.process.kill('SIGTERM');
  });
}

/** Each new worker listens before an old one drains, so there is always one to take a connection. */
async function replaceOneByOne(pool: Pool): Promise<void> {
  const old = liveWorkers();
  pool.logger.info({ workers: old.length }, 'rolling restart: replacing workers one at a time');
  for (const worker of old) {
    if (pool.stopping) return;
    await listening(pool, fork(pool));
    pool.retiring.add(worker);
    await drain(pool, worker);
  }
  pool.logger.info('rolling restart done');
}

/**
 * The primary process of WORKERS > 1: it serves nothing itself. node:cluster hands each incoming
 * connection to a worker; this keeps the right number of them alive, restarts a crashed one (backing
 * off when crashes repeat), and orchestrates drains. Every worker keeps its state in the store, so any
 * of them can answer any request.
 */
export function superviseWorkers(options: SupervisorOptions): Supervisor {
  let failStart: (err: Error) => void = () => undefined;
  const startFailed = new Promise<never>((_, reject) => {
    failStart = reject;
  });
  startFailed.catch(() => undefined);
  const pool: Pool = {
    logger: options.logger,
    drainTimeoutMs: options.drainTimeoutMs,
    workerEnv: options.workerEnv,
    retiring: new Set(),
    stopping: false,
    crashes: 0,
    listenFailure: undefined,
    failStart,
  };
  relayMetrics();
  answerWorkers(pool);

  const initial = Array.from({ length: options.workers }, () => fork(pool));
  // A worker that cannot open the port says so and waits to be told to stop: the start fails at once.
  const ready = Promise.race([
    Promise.all(initial.map((worker) => listening(pool, worker))).then(() => undefined),
    startFailed,
  ]);

  let rolling: Promise<void> | undefined;
  return {
    ready,
    rollingRestart() {
      rolling ??= replaceOneByOne(pool).finally(() => {
        rolling = undefined;
      });
      return rolling;
    },
    async shutdown() {
      pool.stopping = true;
      const codes = await Promise.all(liveWorkers().map((worker) => drain(pool, worker)));
      return codes.every((code) => code === 0);
    },
  };
}
