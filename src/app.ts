import type { Server } from 'node:http';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { pino, type DestinationStream, type Logger } from 'pino';
import { AccountService } from './accounts/account-service.js';
import { createFindAccount } from './accounts/find-account.js';
import { hashingSlots, PasswordHasher, type PasswordParams } from './accounts/password.js';
import { Throttle } from './accounts/throttle.js';
import type { Config } from './config/schema.js';
import { createHttpApp } from './http/create-http-app.js';
import { drainServer } from './http/drain-server.js';
import { Metrics } from './http/metrics.js';
import { providerPages } from './http/provider-pages.js';
import { Views } from './http/views.js';
import { createAdapterClass } from './oidc/adapter.js';
import { RefreshPolicy } from './tokens/refresh-policy.js';
import { AuditLog } from './audit/audit-log.js';
import { InProcessRelyingParty } from './http/relying-party.js';
import { AccountOverview } from './oidc/account-overview.js';
import { AccountSecurity } from './oidc/account-security.js';
import { AppSessions } from './oidc/app-sessions.js';
import { ClientAdmin } from './oidc/client-admin.js';
import { accountClient, demoClient } from './oidc/first-party-clients.js';
import { AccessRevoker } from './oidc/revocation.js';
import { ClientSecretHasher } from './oidc/client-secret.js';
import { createProvider } from './oidc/create-provider.js';
import { developmentSecret, KeySealer } from './oidc/key-encryption.js';
import { KeyAdmin } from './oidc/key-admin.js';
import { loadKeys, type LoadedKeys } from './oidc/key-manager.js';
import { startKeyRefresher } from './oidc/key-refresher.js';
import { createMail, type MailOverrides } from './mail/create-mail.js';
import type { MailService } from './mail/mail-service.js';
import { ProviderHost } from './oidc/provider-host.js';
import { openSqliteStore } from './storage/sqlite/sqlite-store.js';
import type { Clock, Store } from './storage/store.js';
import { guardStore } from './storage/store-guard.js';
import { startSweeper } from './storage/sweeper.js';
import { RequestContext } from './request-context.js';

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

export async function openStore(config: Readonly<Config>, clock: Clock): Promise<Store> {
  if (config.store.kind === 'sqlite') return openSqliteStore({ dataDir: config.store.dataDir, clock });
  // Loaded only when used: the MongoDB driver is a large share of what a start (or a CLI call) would load.
  const { openMongoStore } = await import('./storage/mongo/mongo-store.js');
  return openMongoStore({ uri: config.store.uri, clock });
}

/** How long open connections may take to finish after close(): beyond Node's 5 s keep-alive timeout. */
const DRAIN_GRACE_MS = 10_000;

/** The composition root: the only place that constructs things and wires them together. */
export async function createApp(config: Readonly<Config>, overrides: AppOverrides = {}): Promise<SignetApp> {
  const clock = overrides.clock ?? Date.now;
  const context = new RequestContext();
  // Every line logged while serving a request carries its id, the provider's event listeners included.
  const logger = pino(
    { level: config.logLevel, base: { service: 'signet' }, mixin: () => (context.requestId ? { requestId: context.requestId } : {}) },
    overrides.logStream,
  );
  const metrics = new Metrics();
  const store = guardStore(
    await openStore(config, clock),
    metrics.storeObserver((up, cause) =>
      up ? logger.info('store reachable again') : logger.error({ err: cause }, 'store unreachable: answering 503 until it is back'),
    ),
  );
  try {
    const secret = config.keyEncryptionSecret ?? developmentSecret(config.dataDir);
    const sealer = new KeySealer([secret, ...(config.previousKeyEncryptionSecret ? [config.previousKeyEncryptionSecret] : [])]);
    const keys = await loadKeys(store.keys, sealer, clock);
    const secrets = new ClientSecretHasher(keys.pepper);
    const accounts = new AccountService(store.accounts, new PasswordHasher(overrides.passwordParams, hashingSlots(config.workers)), clock);
    const audit = new AuditLog(store.audit, logger, clock, (type) => metrics.auditRecorded(type), () => context.requestId);
    const revoker = new AccessRevoker(store.oidc);
    const security = new AccountSecurity(accounts, revoker, audit);
    const account = accountClient(config.issuer, keys.pepper, secrets);
    const demo = config.demo ? demoClient(config.issuer, keys.pepper, secrets) : undefined;
    const appSessions = new AppSessions({ records: store.oidc, accounts, sealer, pepper: keys.pepper, idleTtl: config.ttl.sessionIdle });
    const views = new Views(clock);
    const mail = createMail(config, { outbox: store.outbox, clock, logger: logger.child({ component: 'mail' }), observer: metrics.mailObserver() }, overrides.mail);
    metrics.watchOutbox(() => mail.service.health());
    const Adapter = createAdapterClass(store.oidc, secrets, new RefreshPolicy({ clock, leeway: config.refreshReuseLeeway }));
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
          tokenIssued: (type) => metrics.tokensIssued.inc({ type }),
          ...(overrides.retryLater ? { retryLater: overrides.retryLater } : {}),
        },
      });
    const host = new ProviderHost(buildProvider(keys));
    if (config.registration.initialAccessToken) {
      // Idempotent: the same id (stored hashed) is written at every start, never expiring.
      await new host.current.InitialAccessToken({ jti: config.registration.initialAccessToken }).save();
    }
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
      ...(demo ? { demo: { relyingParty: new InProcessRelyingParty(config.issuer, demo, () => internalOrigin), sessions: appSessions, issuer: config.issuer } } : {}),
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
      keyAdmin: new KeyAdmin(store.keys, sealer, audit, clock, {
        activationDelayMs: config.keys.activationDelay * 1000,
        idTokenTtlMs: config.ttl.idToken * 1000,
        sessionTtlMs: config.ttl.sessionAbsolute * 1000,
      }),
      store,
      accounts,
      secrets,
      clients: new ClientAdmin(host, store.oidc, Adapter, config.production, config.outboundAllowedHosts),
      audit,
      security,
      logger,
      mail: mail.service,
      listen(port = config.port, host?: string) {
        return new Promise((resolve, reject) => {
          const s = app.listen(port, host);
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
