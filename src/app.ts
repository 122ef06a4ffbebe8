import type { Server } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import { AccountSecurity } from './accounts/account-security.js';
import { AccountService } from './accounts/account-service.js';
import { hashingSlots, PasswordHasher } from './accounts/password.js';
import type { AppOverrides, CoreServices, OidcParts, SignetApp, SignetCore } from './app-types.js';
import { AuditLog } from './audit/audit-log.js';
import { ClientSecretHasher } from './clients/client-secret.js';
import type { Config } from './config/schema.js';
import { configuredSealer } from './keys/configured-sealer.js';
import { KeyAdmin } from './keys/key-admin.js';
import { loadKeys } from './keys/key-manager.js';
import type { Mail } from './mail/create-mail.js';
import type { Metrics } from './observability/metrics.js';
import { RequestContext } from './observability/request-context.js';
import { openSqliteStore } from './storage/sqlite/sqlite-store.js';
import type { Clock, Store } from './storage/store.js';
import { guardStore, type GuardedStore } from './storage/store-guard.js';
import { AccessRevoker } from './tokens/revocation.js';
import { lazily } from './util/lazily.js';

export type { AppOverrides, OidcParts, SignetApp, SignetCore } from './app-types.js';

// The composition root. Its static imports are the core every process needs (store, keys, accounts,
// audit); the provider (app-oidc.ts), the HTTP layer (app-http.ts) and mail are imported when first
// built, so that an admin command or the cluster primary does not load oidc-provider, Koa and nodemailer
// (most of a start's time) only to leave them unused. What is built, and from which parts, is decided
// here and in those two files, and nowhere else.

export async function openStore(config: Readonly<Config>, clock: Clock): Promise<Store> {
  if (config.store.kind === 'sqlite') return openSqliteStore({ dataDir: config.store.dataDir, clock });
  // Loaded only when used: the MongoDB driver is a large share of what a start (or a CLI call) would load.
  const { openMongoStore } = await import('./storage/mongo/mongo-store.js');
  return openMongoStore({ uri: config.store.uri, clock });
}

/** Runs `work` at the first call; every later call gets the same promise. */
function once(work: () => Promise<void>): () => Promise<void> {
  return lazily(work).get;
}

/** Every line logged while serving a request carries its id, the provider's event listeners included. */
function createLogger(config: Readonly<Config>, context: RequestContext, stream?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'signet' },
      mixin: () => (context.requestId ? { requestId: context.requestId } : {}),
    },
    stream,
  );
}

/** The store, answering 503 while it is unreachable (and saying so in the log), observed by `metrics`. */
async function openGuardedStore(
  config: Readonly<Config>,
  clock: Clock,
  logger: Logger,
  metrics: Metrics | undefined,
): Promise<GuardedStore> {
  const availability = (up: boolean, cause?: unknown) => {
    if (up) logger.info('store reachable again');
    else logger.error({ err: cause }, 'store unreachable: answering 503 until it is back');
  };
  return guardStore(
    await openStore(config, clock),
    metrics?.storeObserver(availability) ?? { operation: () => undefined, availability },
  );
}

type CoreBasics = Pick<CoreServices, 'config' | 'clock' | 'context' | 'logger' | 'store'>;

/** The keys (made on a store's first start) and the services every command and request uses. */
async function buildServices(basics: CoreBasics, overrides: AppOverrides, metrics?: Metrics): Promise<CoreServices> {
  const { config, clock, context, logger, store } = basics;
  const sealer = configuredSealer(config);
  const keys = await loadKeys(store.keys, sealer, clock);
  const hasher = new PasswordHasher(overrides.passwordParams, hashingSlots(config.workers));
  const accounts = new AccountService(store.accounts, hasher, clock);
  const audit = new AuditLog(
    store.audit,
    logger,
    clock,
    (type) => metrics?.auditRecorded(type),
    () => context.requestId,
  );
  const revoker = new AccessRevoker(store.oidc);
  const keyAdmin = new KeyAdmin(store.keys, sealer, audit, clock, {
    activationDelayMs: config.keys.activationDelay * 1000,
    idTokenTtlMs: config.ttl.idToken * 1000,
    sessionTtlMs: config.ttl.sessionAbsolute * 1000,
  });
  const security = new AccountSecurity(accounts, revoker, audit, store.oidc);
  const secrets = new ClientSecretHasher(keys.pepper);
  return { ...basics, sealer, keys, secrets, accounts, audit, revoker, security, keyAdmin };
}

/** Mail through the outbox, observed by `metrics`; stopped once, whoever asks first. */
async function buildMail(core: CoreServices, overrides: AppOverrides, metrics?: Metrics): Promise<Mail> {
  const { createMail } = await import('./mail/create-mail.js');
  const deps = {
    outbox: core.store.outbox,
    clock: core.clock,
    logger: core.logger.child({ component: 'mail' }),
    ...(metrics ? { observer: metrics.mailObserver() } : {}),
  };
  const made = createMail(core.config, deps, overrides.mail);
  metrics?.watchOutbox(() => made.service.health());
  // The app's drain stops it first, then the core's close asks again.
  return { ...made, stop: once(() => made.stop()) };
}

/**
 * The core (see SignetCore). `metrics`, given by createApp, observes the store, audit events, tokens and
 * mail; the CLI and the cluster primary serve no /metrics and pass none.
 */
export async function createCore(
  config: Readonly<Config>,
  overrides: AppOverrides = {},
  metrics?: Metrics,
): Promise<SignetCore> {
  const clock = overrides.clock ?? Date.now;
  const context = new RequestContext();
  const logger = createLogger(config, context, overrides.logStream);
  const store = await openGuardedStore(config, clock, logger, metrics);
  try {
    const core = await buildServices({ config, clock, context, logger, store }, overrides, metrics);
    const oidc = lazily(async (): Promise<OidcParts> => {
      const { buildOidcParts } = await import('./app-oidc.js');
      return buildOidcParts(core, overrides.retryLater, metrics);
    });
    const mail = lazily(() => buildMail(core, overrides, metrics));
    const close = once(async () => {
      await mail.built()?.then(
        (m) => m.stop(),
        () => undefined,
      );
      await store.close();
    });
    return { ...core, oidc: oidc.get, mail: mail.get, close };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The server: the core, the provider, mail and the HTTP app around them. */
export async function createApp(config: Readonly<Config>, overrides: AppOverrides = {}): Promise<SignetApp> {
  const [{ Metrics }, http, { startUpkeep }] = await Promise.all([
    import('./observability/metrics.js'),
    import('./app-http.js'),
    import('./app-upkeep.js'),
  ]);
  const metrics = new Metrics();
  const core = await createCore(config, overrides, metrics);
  try {
    const [oidc, mail] = await Promise.all([core.oidc(), core.mail()]);
    let server: Server | undefined;
    let internalOrigin: string | undefined;
    const app = http.buildHttpApp({
      core,
      oidc,
      mail,
      metrics,
      collectMetrics: overrides.collectMetrics,
      rereadKeys: () => upkeep.keys.onDemand(),
      internalOrigin: () => internalOrigin,
    });
    const upkeep = await startUpkeep(core, oidc, app, overrides.sweepIntervalMs);
    mail.start();
    return {
      ...pick(core, ['config', 'keyAdmin', 'store', 'accounts', 'secrets', 'audit', 'security', 'logger']),
      app,
      get provider() {
        return oidc.host.current;
      },
      refreshKeys: upkeep.keys.refresh,
      refreshClients: upkeep.refreshClients,
      clients: oidc.clients,
      mail: mail.service,
      async listen(port = config.port, bindHost?: string) {
        const bound = await http.listen(app, port, bindHost);
        server = bound.server;
        internalOrigin = `http://127.0.0.1:${bound.port}`;
        return bound;
      },
      close: once(async () => {
        upkeep.stop();
        const mailStopped = mail.stop();
        if (server) await http.drain(server);
        await mailStopped;
        await core.close();
      }),
    };
  } catch (err) {
    await core.close();
    throw err;
  }
}

/** The named fields of `from`, and only those. */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
}
