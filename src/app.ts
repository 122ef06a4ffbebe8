import type { Server } from 'node:http';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { pino, type DestinationStream, type Logger } from 'pino';
import { AccountService } from './accounts/account-service.js';
import { hashingSlots, PasswordHasher, type PasswordParams } from './accounts/password.js';
import type { Config } from './config/schema.js';
import type { Metrics } from './observability/metrics.js';
import type { Views } from './http/views.js';
import { AuditLog } from './audit/audit-log.js';
import { AccountSecurity } from './accounts/account-security.js';
import type { ClientAdmin } from './clients/client-admin.js';
import type { FirstPartyClient } from './clients/first-party-clients.js';
import { AccessRevoker } from './tokens/revocation.js';
import { ClientSecretHasher } from './clients/client-secret.js';
import { developmentSecret, KeySealer } from './keys/key-encryption.js';
import { KeyAdmin } from './keys/key-admin.js';
import { loadKeys, type LoadedKeys } from './keys/key-manager.js';
import type { Mail, MailOverrides } from './mail/create-mail.js';
import type { MailService } from './mail/mail-service.js';
import type { ProviderHost } from './oidc/provider-host.js';
import { openSqliteStore } from './storage/sqlite/sqlite-store.js';
import type { Clock, Store } from './storage/store.js';
import { guardStore, type GuardedStore } from './storage/store-guard.js';
import { RequestContext } from './observability/request-context.js';

// The composition root. Its static imports are the core every process needs (store, keys, accounts,
// audit); the provider, the HTTP app and mail are imported when first built, so that an admin command
// or the cluster primary does not load oidc-provider, Koa and nodemailer (most of a start's time) only to
// leave them unused. What is built, and from which parts, is decided here and nowhere else.

export interface AppOverrides {
  clock?: Clock;
  /** Where log lines go (default stdout); tests read them from here. */
  logStream?: DestinationStream;
  passwordParams?: Partial<PasswordParams>;
  sweepIntervalMs?: number;
  /** Schedules back-channel logout retries (default: a timer after each backoff delay). */
  retryLater?: (run: () => void, delayMs: number) => void;
  /** The source of /metrics instead of this app's own registry (a cluster worker asks its primary). */
  collectMetrics?: (own: Metrics) => () => Promise<string>;
  /** The mail delivery loop: off for the CLI; test schedules and policies. */
  mail?: MailOverrides;
}

export interface SignetApp {
  config: Readonly<Config>;
  app: Koa;
  /** The provider in service (rebuilt when keys rotate). */
  readonly provider: Provider;
  /** Re-reads the key store now instead of at the next interval. */
  refreshKeys(): Promise<void>;
  keyAdmin: KeyAdmin;
  store: Store;
  accounts: AccountService;
  secrets: ClientSecretHasher;
  clients: ClientAdmin;
  audit: AuditLog;
  security: AccountSecurity;
  logger: Logger;
  /** Sends mail through the outbox: enqueue() commits it and returns; the sender delivers it. */
  mail: MailService;
  /** Starts listening; port 0 picks a free one. Resolves with the bound port. */
  listen(port?: number, host?: string): Promise<{ port: number; server: Server }>;
  /** Stops accepting, lets in-flight requests finish, closes the store. Idempotent. */
  close(): Promise<void>;
}

/** The provider and what stands on it. */
export interface OidcParts {
  host: ProviderHost;
  /** A provider for these keys, wired like the one in service (key rotation swaps one in). */
  buildProvider(keys: LoadedKeys): Provider;
  views: Views;
  account: FirstPartyClient;
  demo: FirstPartyClient | undefined;
  clients: ClientAdmin;
}

/**
 * What every process builds first: the store, the keys (made on the first start of a store, with the
 * development secret when none is configured), accounts, audit. The admin CLI runs its commands on it,
 * the cluster primary prepares the store with it, and createApp builds the server on top of it.
 */
export interface SignetCore {
  config: Readonly<Config>;
  clock: Clock;
  context: RequestContext;
  logger: Logger;
  store: GuardedStore;
  sealer: KeySealer;
  /** The keys as read (or generated) at start. */
  keys: LoadedKeys;
  secrets: ClientSecretHasher;
  accounts: AccountService;
  audit: AuditLog;
  revoker: AccessRevoker;
  security: AccountSecurity;
  keyAdmin: KeyAdmin;
  /** Loads oidc-provider and builds the provider at the first call; the same parts every later call. */
  oidc(): Promise<OidcParts>;
  /** Mail through the outbox; its transport is loaded at the first call. Not started: createApp starts it. */
  mail(): Promise<Mail>;
  /** Stops mail (if it was built) and closes the store. Idempotent. */
  close(): Promise<void>;
}

export async function openStore(config: Readonly<Config>, clock: Clock): Promise<Store> {
  if (config.store.kind === 'sqlite') return openSqliteStore({ dataDir: config.store.dataDir, clock });
  // Loaded only when used: the MongoDB driver is a large share of what a start (or a CLI call) would load.
  const { openMongoStore } = await import('./storage/mongo/mongo-store.js');
  return openMongoStore({ uri: config.store.uri, clock });
}

/** How long open connections may take to finish after close(): beyond Node's 5 s keep-alive timeout. */
const DRAIN_GRACE_MS = 10_000;

/** A part built at its first use, once; `built` tells whether anyone asked for it. */
function lazily<T>(build: () => Promise<T>): { get: () => Promise<T>; built: () => Promise<T> | undefined } {
  let made: Promise<T> | undefined;
  return { get: () => (made ??= build()), built: () => made };
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
  // Every line logged while serving a request carries its id, the provider's event listeners included.
  const logger = pino(
    {
      level: config.logLevel,
      base: { service: 'signet' },
      mixin: () => (context.requestId ? { requestId: context.requestId } : {}),
    },
    overrides.logStream,
  );
  const availability = (up: boolean, cause?: unknown) =>
    up
      ? logger.info('store reachable again')
      : logger.error({ err: cause }, 'store unreachable: answering 503 until it is back');
  const store = guardStore(
    await openStore(config, clock),
    metrics?.storeObserver(availability) ?? { operation: () => undefined, availability },
  );
  try {
    const secret = config.keyEncryptionSecret ?? developmentSecret(config.dataDir);
    const sealer = new KeySealer([
      secret,
      ...(config.previousKeyEncryptionSecret ? [config.previousKeyEncryptionSecret] : []),
    ]);
    const keys = await loadKeys(store.keys, sealer, clock);
    const secrets = new ClientSecretHasher(keys.pepper);
    const accounts = new AccountService(
      store.accounts,
      new PasswordHasher(overrides.passwordParams, hashingSlots(config.workers)),
      clock,
    );
    const audit = new AuditLog(
      store.audit,
      logger,
      clock,
      (type) => metrics?.auditRecorded(type),
      () => context.requestId,
    );
    const revoker = new AccessRevoker(store.oidc);
    const security = new AccountSecurity(accounts, revoker, audit);

    const oidc = lazily(async (): Promise<OidcParts> => {
      const [
        { createProvider },
        { createAdapterClass },
        { RefreshPolicy },
        { createFindAccount },
        { providerPages },
        { Views },
        { accountClient, demoClient },
        { ProviderHost },
        { ClientAdmin },
      ] = await Promise.all([
        import('./oidc/create-provider.js'),
        import('./oidc/adapter.js'),
        import('./tokens/refresh-policy.js'),
        import('./accounts/find-account.js'),
        import('./http/provider-pages.js'),
        import('./http/views.js'),
        import('./clients/first-party-clients.js'),
        import('./oidc/provider-host.js'),
        import('./clients/client-admin.js'),
      ]);
      const account = accountClient(config.issuer, keys.pepper, secrets);
      const demo = config.demo ? demoClient(config.issuer, keys.pepper, secrets) : undefined;
      const views = new Views(clock);
      const Adapter = createAdapterClass(
        store.oidc,
        secrets,
        new RefreshPolicy({ clock, leeway: config.refreshReuseLeeway }),
      );
      const buildProvider = (current: LoadedKeys) =>
        createProvider({
          config,
          keys: current,
          records: store.oidc,
          adapter: Adapter,
          findAccount: createFindAccount(accounts),
          pages: providerPages(views),
          firstParty: demo ? [account, demo] : [account],
          secrets,
          logger,
          events: {
            audit,
            records: store.oidc,
            revoker,
            clock,
            sessionIdleTtl: config.ttl.sessionIdle,
            maxSessionsPerAccount: config.maxSessionsPerAccount,
            tokenIssued: (type) => metrics?.tokensIssued.inc({ type }),
            ...(overrides.retryLater ? { retryLater: overrides.retryLater } : {}),
          },
        });
      const host = new ProviderHost(buildProvider(keys));
      if (config.registration.initialAccessToken) {
        // Idempotent: the same id (stored hashed) is written at every start, never expiring.
        await new host.current.InitialAccessToken({ jti: config.registration.initialAccessToken }).save();
      }
      const clients = new ClientAdmin(host, store.oidc, Adapter, config.production, config.outboundAllowedHosts);
      return { host, buildProvider, views, account, demo, clients };
    });

    const mail = lazily(async (): Promise<Mail> => {
      const { createMail } = await import('./mail/create-mail.js');
      const made = createMail(
        config,
        {
          outbox: store.outbox,
          clock,
          logger: logger.child({ component: 'mail' }),
          ...(metrics ? { observer: metrics.mailObserver() } : {}),
        },
        overrides.mail,
      );
      metrics?.watchOutbox(() => made.service.health());
      // Stopped once, whoever asks first (the app's drain, then the core's close).
      let stopped: Promise<void> | undefined;
      return { ...made, stop: () => (stopped ??= made.stop()) };
    });

    let closing: Promise<void> | undefined;
    return {
      config,
      clock,
      context,
      logger,
      store,
      sealer,
      keys,
      secrets,
      accounts,
      audit,
      revoker,
      security,
      keyAdmin: new KeyAdmin(store.keys, sealer, audit, clock, {
        activationDelayMs: config.keys.activationDelay * 1000,
        idTokenTtlMs: config.ttl.idToken * 1000,
        sessionTtlMs: config.ttl.sessionAbsolute * 1000,
      }),
      oidc: oidc.get,
      mail: mail.get,
      close() {
        closing ??= (async () => {
          const made = mail.built();
          if (made)
            await made.then(
              (m) => m.stop(),
              () => undefined,
            );
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The server: the core, the provider, mail and the HTTP app around them. */
export async function createApp(config: Readonly<Config>, overrides: AppOverrides = {}): Promise<SignetApp> {
  const [
    { Metrics },
    { createHttpApp },
    { drainServer },
    { Throttle },
    { InProcessRelyingParty },
    { AccountOverview },
    { AppSessions },
    { startKeyRefresher },
    { startSweeper },
  ] = await Promise.all([
    import('./observability/metrics.js'),
    import('./http/create-http-app.js'),
    import('./http/drain-server.js'),
    import('./throttle/throttle.js'),
    import('./sessions/relying-party.js'),
    import('./accounts/account-overview.js'),
    import('./sessions/app-sessions.js'),
    import('./keys/key-refresher.js'),
    import('./storage/sweeper.js'),
  ]);
  const metrics = new Metrics();
  const core = await createCore(config, overrides, metrics);
  try {
    const { clock, context, logger, store, sealer, keys, secrets, accounts, audit, security } = core;
    const [{ host, buildProvider, views, account, demo, clients }, mail] = await Promise.all([
      core.oidc(),
      core.mail(),
    ]);
    const appSessions = new AppSessions({
      records: store.oidc,
      accounts,
      sealer,
      pepper: keys.pepper,
      idleTtl: config.ttl.sessionIdle,
    });
    let internalOrigin: string | undefined;
    const app = createHttpApp({
      config,
      host,
      accounts,
      audit,
      throttle: new Throttle(store.throttle, clock),
      secrets,
      metrics,
      ...(overrides.collectMetrics ? { collectMetrics: overrides.collectMetrics(metrics) } : {}),
      context,
      views,
      logger,
      cookieKeys: keys.cookie,
      rereadKeys: () => keyRefresher.onDemand(),
      ping: () => store.ping(),
      readyDetail: async () => ({ outbox: await mail.service.health() }),
      account: {
        security,
        overview: new AccountOverview(store.oidc, host, audit, new Set([account.metadata.client_id])),
        sessions: appSessions,
        relyingParty: new InProcessRelyingParty(config.issuer, account, () => internalOrigin),
        issuer: config.issuer,
      },
      ...(demo
        ? {
            demo: {
              relyingParty: new InProcessRelyingParty(config.issuer, demo, () => internalOrigin),
              sessions: appSessions,
              issuer: config.issuer,
            },
          }
        : {}),
    });
    const keyRefresher = startKeyRefresher({
      initial: keys,
      load: () => loadKeys(store.keys, sealer, clock),
      onChange: (next) => {
        host.swap(buildProvider(next));
        app.keys = next.cookie;
      },
      intervalMs: config.keys.refreshInterval * 1000,
      clock,
      logger,
    });
    const stopSweeper = startSweeper(store, overrides.sweepIntervalMs ?? 60_000, clock, (err) =>
      logger.warn({ err }, 'expired-record sweep failed'),
    );
    mail.start();

    let server: Server | undefined;
    let closing: Promise<void> | undefined;
    return {
      config,
      app,
      get provider() {
        return host.current;
      },
      refreshKeys: keyRefresher.refresh,
      keyAdmin: core.keyAdmin,
      store,
      accounts,
      secrets,
      clients,
      audit,
      security,
      logger,
      mail: mail.service,
      listen(port = config.port, bindHost?: string) {
        return new Promise((resolve, reject) => {
          const s = app.listen(port, bindHost);
          s.once('error', reject);
          s.once('listening', () => {
            server = s;
            const address = s.address();
            const bound = typeof address === 'object' && address ? address.port : port;
            internalOrigin = `http://127.0.0.1:${bound}`;
            resolve({ port: bound, server: s });
          });
        });
      },
      close() {
        closing ??= (async () => {
          stopSweeper();
          keyRefresher.stop();
          const mailStopped = mail.stop();
          if (server) await drainServer(server, DRAIN_GRACE_MS);
          await mailStopped;
          await core.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await core.close();
    throw err;
  }
}
