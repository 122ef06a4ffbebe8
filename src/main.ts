import cluster from 'node:cluster';
import { pino } from 'pino';
import { createApp, type SignetApp } from './app.js';
import { describeListenFailure, LISTEN_FAILED_MESSAGE, ListenFailure, type ListenFailedMessage } from './cluster/listen-failure.js';
import { workerMetrics } from './cluster/metrics-relay.js';
import { DRAINED_MESSAGE, RELEASE_MESSAGE, SHUTDOWN_MESSAGE, superviseWorkers } from './cluster/supervisor.js';
import { loadConfig } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { ConfigError } from './errors.js';

// The only reader of process.env and the only caller of process.exit.

const DRAIN_TIMEOUT_MS = 25_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`signet: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (cluster.isWorker) return serve(config, true);
  if (config.workers > 1) return supervise(config);
  return serve(config, false);
}

/** One process serving the port: the whole server (WORKERS=1), or one worker of several. */
async function serve(config: Readonly<Config>, worker: boolean): Promise<void> {
  // Told to stop before serving anything: nothing to drain, and nothing acknowledged to lose.
  const early = (message?: unknown) => (message === undefined || message === SHUTDOWN_MESSAGE) && process.exit(0);
  if (worker) {
    process.on('message', early);
    process.once('disconnect', early);
    // IPC errors (EPIPE once the primary is gone): the disconnect handlers end this worker; nothing to add.
    cluster.worker?.on('error', () => undefined);
  }
  const signet = await createApp(config, worker ? { collectMetrics: (own) => workerMetrics(own.registry) } : {});
  let port: number;
  try {
    ({ port } = await signet.listen(config.port));
  } catch (err) {
    const reason = describeListenFailure(err, config.port);
    if (!reason) throw err;
    if (!worker) throw new ListenFailure(reason);
    // The primary says it once for every worker and tells each to stop (the handlers above end this one).
    process.send?.({ type: LISTEN_FAILED_MESSAGE, reason } satisfies ListenFailedMessage);
    setTimeout(() => process.exit(1), 10_000).unref();
    return;
  }
  if (worker) signet.logger.info({ pid: process.pid, port }, 'worker listening');
  else announce(signet, port);

  let draining = false;
  const shutdown = (reason: string) => {
    if (draining) return;
    draining = true;
    signet.logger.info({ reason, pid: process.pid }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      signet.logger.error(`shutdown took longer than ${DRAIN_TIMEOUT_MS / 1000}s; exiting`);
      process.exit(1);
    }, DRAIN_TIMEOUT_MS);
    force.unref();
    signet
      .close()
      .then(() => (worker ? released() : undefined))
      .then(
        () => process.exit(0),
        (err: unknown) => {
          signet.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  if (worker) {
    // Ctrl-C reaches the whole process group; the primary decides the order of the drain.
    process.on('SIGINT', () => undefined);
    process.off('message', early);
    process.off('disconnect', early);
    process.on('message', (message: unknown) => message === SHUTDOWN_MESSAGE && shutdown('primary asked'));
    process.once('disconnect', () => shutdown('primary gone'));
  } else {
    process.once('SIGINT', () => shutdown('SIGINT'));
  }
}

/** A drained worker waits for the primary's word that no connection is still being handed to it. */
function released(): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    const timer = setTimeout(resolve, 2_000);
    process.on('message', (message: unknown) => {
      if (message !== RELEASE_MESSAGE) return;
      clearTimeout(timer);
      resolve();
    });
    process.send?.(DRAINED_MESSAGE);
  });
}

/** WORKERS > 1: this process only supervises; the workers serve the one port between them. */
async function supervise(config: Readonly<Config>): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { service: 'signet', role: 'primary' } });
  // Migrations, first keys and the development secret are made once, here, before workers could race to.
  const prepared = await createApp(config);
  await prepared.close();

  const supervisor = superviseWorkers({ workers: config.workers, logger, drainTimeoutMs: DRAIN_TIMEOUT_MS });
  // Handlers first: workers answer /healthz before `ready` settles, so a signal may come that early.
  process.on('SIGHUP', () => {
    supervisor.rollingRestart().catch((err: unknown) => logger.error({ err }, 'rolling restart failed'));
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining every worker');
    void supervisor.shutdown().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  try {
    await supervisor.ready;
  } catch (err) {
    await supervisor.shutdown();
    throw err;
  }
  logger.info(
    { port: config.port, issuer: config.issuer, workers: config.workers, node: process.version },
    `Signet listening on ${config.issuer} with ${config.workers} workers (SIGHUP: rolling restart)`,
  );
}

function announce(signet: SignetApp, port: number): void {
  signet.logger.info(
    { port, issuer: signet.config.issuer, store: signet.store.kind, node: process.version },
    `Signet listening on ${signet.config.issuer} (discovery: ${signet.config.issuer}/.well-known/openid-configuration)`,
  );
}

main().catch((err: unknown) => {
  const message = err instanceof ListenFailure ? err.message : `failed to start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`signet: ${message}\n`);
  process.exit(1);
});
