import cluster from 'node:cluster';
import { isatty } from 'node:tty';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { SignetApp } from './app.js';
import {
  describeListenFailure,
  LISTEN_FAILED_MESSAGE,
  ListenFailure,
  type ListenFailedMessage,
} from './cluster/listen-failure.js';
import { workerMetrics } from './observability/metrics-relay.js';
import { DRAINED_MESSAGE, RELEASE_MESSAGE, SHUTDOWN_MESSAGE, superviseWorkers } from './cluster/supervisor.js';
import { loadConfig } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { ConfigError } from './errors.js';
import { isPreparer, prepareInChild, PREPARED_MESSAGE, type PreparedMessage } from './cluster/prepare.js';
import { memorySettings } from './cluster/memory-settings.js';
import { startReport, type StartFacts } from './observability/start-report.js';

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
  const pretty = (config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  const logStream = pretty ? await prettyStream() : undefined;
  if (isPreparer(process.env)) return prepare(config, logStream);
  if (cluster.isWorker) return serve(config, true, logStream);
  if (config.workers > 1) return supervise(config, logStream);
  restartWithMemorySettings(config.memoryProfile);
  return serve(config, false, logStream);
}

/**
 * WORKERS=1, before it serves: the same program again in this process (same pid, same stdio), with the
 * start-only settings that keep its memory small (cluster/memory-settings.ts). Not where there is no execve.
 */
function restartWithMemorySettings(profile: Config['memoryProfile']): void {
  if (process.platform === 'win32' || !process.execve) return;
  const settings = memorySettings(profile, process.env, process.execArgv);
  if (!settings) return;
  const argv = [process.execPath, ...settings.execArgv, ...process.argv.slice(1)];
  process.execve(process.execPath, argv, { ...process.env, ...settings.env });
}

/** Logs for people (LOG_FORMAT=pretty, or a terminal): loaded only then, JSON lines stay the default. */
async function prettyStream(): Promise<DestinationStream> {
  const { default: pinoPretty } = await import('pino-pretty');
  return pinoPretty({
    colorize: isatty(1),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service,role',
  });
}

/** One process serving the port: the whole server (WORKERS=1), or one worker of several. */
async function serve(
  config: Readonly<Config>,
  worker: boolean,
  logStream: DestinationStream | undefined,
): Promise<void> {
  const stopEarly = worker ? stopWhenToldBeforeServing() : undefined;
  // Loaded here, not at the top: the supervising primary never needs the application.
  const [{ createApp }, { beforeStart, gatherStartFacts }] = await Promise.all([
    import('./app.js'),
    import('./observability/start-report.js'),
  ]);
  const before = beforeStart(config, Date.now());
  const signet = await createApp(config, {
    ...(logStream ? { logStream } : {}),
    ...(worker ? { collectMetrics: (own) => workerMetrics(own.registry) } : {}),
  });
  const facts = worker ? undefined : await gatherStartFacts(signet, before);
  const port = await listenOrGiveUp(signet, config.port, worker);
  if (port === undefined) return;
  if (worker) signet.logger.info({ pid: process.pid, port }, 'worker listening');
  else if (facts) announce(signet.logger, facts, 1, logStream !== undefined, { port, store: signet.store.kind });

  const shutdown = drainOnce(signet, worker);
  process.once('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  if (worker) {
    // Ctrl-C reaches the whole process group; the primary decides the order of the drain.
    process.on('SIGINT', () => undefined);
    stopEarly?.();
    process.on('message', (message: unknown) => message === SHUTDOWN_MESSAGE && shutdown('primary asked'));
    process.once('disconnect', () => {
      shutdown('primary gone');
    });
  } else {
    process.once('SIGINT', () => {
      shutdown('SIGINT');
    });
  }
}

/**
 * A worker told to stop before it serves anything exits at once: nothing to drain, and nothing
 * acknowledged to lose. Returns what ends that rule, once the worker serves and drains instead.
 */
function stopWhenToldBeforeServing(): () => void {
  const early = (message?: unknown) => (message === undefined || message === SHUTDOWN_MESSAGE) && process.exit(0);
  process.on('message', early);
  process.once('disconnect', early);
  // IPC errors (EPIPE once the primary is gone): the disconnect handlers end this worker; nothing to add.
  cluster.worker?.on('error', () => undefined);
  return () => {
    process.off('message', early);
    process.off('disconnect', early);
  };
}

/** The bound port; undefined when a worker could not listen (the primary then stops every worker). */
async function listenOrGiveUp(signet: SignetApp, port: number, worker: boolean): Promise<number | undefined> {
  try {
    return (await signet.listen(port)).port;
  } catch (err) {
    const reason = describeListenFailure(err, port);
    if (!reason) throw err;
    if (!worker) throw new ListenFailure(reason);
    // The primary says it once for every worker and tells each to stop (the handlers above end this one).
    process.send?.({ type: LISTEN_FAILED_MESSAGE, reason } satisfies ListenFailedMessage);
    setTimeout(() => process.exit(1), 10_000).unref();
    return undefined;
  }
}

/** Drains in-flight requests and exits, at the first reason given; a drain that hangs is cut short. */
function drainOnce(signet: SignetApp, worker: boolean): (reason: string) => void {
  let draining = false;
  return (reason) => {
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
}

/** A drained worker waits for the primary's word that no connection is still being handed to it. */
function released(): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) {
      resolve();
      return;
    }
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
async function supervise(config: Readonly<Config>, logStream: DestinationStream | undefined): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { service: 'signet', role: 'primary' } }, logStream);
  // Migrations, first keys and the development secret are made once, before workers could race to, by a
  // child that exits when done (cluster/prepare.ts): this process only supervises and stays small.
  const facts = await prepareInChild();

  // The workers start with the settings that keep a serving process small; this one needs none of them.
  const settings = memorySettings(config.memoryProfile, process.env, process.execArgv);
  if (settings) cluster.setupPrimary({ execArgv: settings.execArgv });
  const supervisor = superviseWorkers({
    workers: config.workers,
    logger,
    drainTimeoutMs: DRAIN_TIMEOUT_MS,
    ...(settings ? { workerEnv: settings.env } : {}),
  });
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
  announce(logger, facts, config.workers, logStream !== undefined, { port: config.port, store: config.store.kind });
}

/** The one-shot preparer under WORKERS > 1: the core once (migrations, keys, secret), its facts to the primary. */
async function prepare(config: Readonly<Config>, logStream: DestinationStream | undefined): Promise<void> {
  const [{ createCore }, { beforeStart, gatherStartFacts }] = await Promise.all([
    import('./app.js'),
    import('./observability/start-report.js'),
  ]);
  const before = beforeStart(config, Date.now());
  const core = await createCore(config, logStream ? { logStream } : {});
  const facts = await gatherStartFacts(core, before);
  await core.close();
  process.send?.({ type: PREPARED_MESSAGE, facts } satisfies PreparedMessage, () => process.exit(0));
}

/** Where the data lives, what this start created, and where to go next: a block for people, one record for collectors. */
function announce(
  logger: Logger,
  facts: StartFacts,
  workers: number,
  forPeople: boolean,
  extra: Record<string, unknown>,
): void {
  const { headline, fields, lines } = startReport(facts, workers);
  if (forPeople) logger.info(lines.join('\n'));
  else logger.info({ ...extra, ...fields, node: process.version }, headline);
}

main().catch((err: unknown) => {
  const message =
    err instanceof ListenFailure ? err.message : `failed to start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`signet: ${message}\n`);
  process.exit(1);
});
