import type { Server } from 'node:http';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { DestinationStream, Logger } from 'pino';
import type { AccountSecurity } from './accounts/account-security.js';
import type { AccountService } from './accounts/account-service.js';
import type { PasswordParams } from './accounts/password.js';
import type { AuditLog } from './audit/audit-log.js';
import type { ClientAdmin } from './clients/client-admin.js';
import type { ClientCache } from './oidc/client-cache.js';
import type { ClientSecretHasher } from './clients/client-secret.js';
import type { FirstPartyClient } from './clients/first-party-clients.js';
import type { Config } from './config/schema.js';
import type { Views } from './http/views.js';
import type { KeyAdmin } from './keys/key-admin.js';
import type { KeySealer } from './keys/key-encryption.js';
import type { LoadedKeys } from './keys/key-manager.js';
import type { Mail, MailOverrides } from './mail/create-mail.js';
import type { MailService } from './mail/mail-service.js';
import type { Metrics } from './observability/metrics.js';
import type { RequestContext } from './observability/request-context.js';
import type { ProviderHost } from './oidc/provider-host.js';
import type { Clock, Store } from './storage/store.js';
import type { GuardedStore } from './storage/store-guard.js';
import type { AccessRevoker } from './tokens/revocation.js';

// What the composition root (app.ts) builds, as its callers see it: the core every process needs, the
// provider parts on it, and the whole server.

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
  /** Re-reads the client change counter now instead of at the next interval. */
  refreshClients(): Promise<void>;
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
  /** Client registrations kept between requests; inert until a serving process starts it (app-upkeep.ts). */
  clientCache: ClientCache;
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

/** The core's services, built at once; the provider and mail are built from them on demand. */
export type CoreServices = Omit<SignetCore, 'oidc' | 'mail' | 'close'>;
