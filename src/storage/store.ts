// The storage port. Everything above this layer speaks these interfaces only; the SQLite and MongoDB
// implementations live beside it and are chosen by the composition root (app.ts).

/** Every oidc-provider model that may reach the adapter. */
export const OIDC_MODELS = [
  'Session',
  'Grant',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'Client',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'RegistrationAccessToken',
  'InitialAccessToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
] as const;

export type OidcModel = (typeof OIDC_MODELS)[number];

/**
 * Signet's own short-lived records, kept with the same semantics (expiry, account index):
 * SessionActivity (device, IP, last seen of a provider session) and AppSession (the server-side session
 * of a first-party relying party such as the account page).
 */
export const SIGNET_MODELS = ['SessionActivity', 'AppSession'] as const;

export const RECORD_MODELS = [...OIDC_MODELS, ...SIGNET_MODELS] as const;

export type RecordModel = (typeof RECORD_MODELS)[number];

/** oidc-provider's opaque payload; we only look inside for the indexed fields. */
export type OidcPayload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  clientId?: string;
  consumed?: number;
};

export interface StoredRecord {
  id: string;
  payload: OidcPayload;
  /** When the record was first written, ms since the epoch. */
  createdAt: number;
}

export interface OidcRecordStore {
  /** Insert or overwrite. `expiresInSeconds` undefined means the record never expires. */
  upsert(model: RecordModel, id: string, payload: OidcPayload, expiresInSeconds?: number): Promise<void>;
  /** Expired records are never returned, whatever the backend still holds. */
  find(model: RecordModel, id: string): Promise<OidcPayload | undefined>;
  findByUid(model: RecordModel, uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(model: RecordModel, userCode: string): Promise<OidcPayload | undefined>;
  /**
   * Marks the record consumed with one conditional write. Resolves true only for the single caller
   * that flipped it; false when it was already consumed, expired or missing.
   */
  consume(model: RecordModel, id: string): Promise<boolean>;
  destroy(model: RecordModel, id: string): Promise<void>;
  revokeByGrantId(model: RecordModel, grantId: string): Promise<void>;
  /** Live records of one account (optionally for one client), newest first, at most `limit`. */
  findByAccount(model: RecordModel, accountId: string, clientId?: string, limit?: number): Promise<StoredRecord[]>;
  /** Live records of one model, newest first (admin listings, e.g. clients). */
  list(model: RecordModel, limit: number): Promise<Array<{ id: string; payload: OidcPayload }>>;
  /** Removes expired records; returns how many. Backends with TTL indexes may do little here. */
  sweepExpired(): Promise<number>;
}

/**
 * The standard profile claims an account may hold besides its name (OIDC Core 5.1), checked by
 * accounts/profile.ts before they get here. A field that is not set is absent.
 */
export interface AccountProfile {
  givenName?: string;
  familyName?: string;
  preferredUsername?: string;
  /** An https URL of a picture of the person. */
  picture?: string;
  /** A BCP 47 language tag, e.g. en-US. */
  locale?: string;
  /** An IANA time zone, e.g. Europe/Paris. */
  zoneinfo?: string;
}

export interface AccountRecord {
  id: string;
  /** Normalized (trimmed, lower-case) and unique. */
  email: string;
  name: string | null;
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  /** Absent when no profile claim is set (stores never return an empty object). */
  profile?: AccountProfile;
}

/** `profile` replaces the whole profile (an empty one removes it). */
export type AccountPatch = Partial<Pick<AccountRecord, 'name' | 'passwordHash' | 'disabled' | 'profile'>>;

/** One page of accounts for the operator, in email order. */
export interface AccountListQuery {
  /** Only accounts whose email or name contains this, ignoring case (ASCII letters at least). */
  search?: string;
  /** Only emails after this one: the last email of the previous page. */
  after?: string;
  limit: number;
}

export interface AccountStore {
  /** Rejects with DuplicateError when the email is taken. */
  create(account: AccountRecord): Promise<void>;
  findById(id: string): Promise<AccountRecord | undefined>;
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  /** Returns the updated record, or undefined when there is no such account. */
  update(id: string, patch: AccountPatch, now: number): Promise<AccountRecord | undefined>;
  /** Resolves false when there was no such account. */
  delete(id: string): Promise<boolean>;
  /** Accounts in email order: at most `limit`, after `after`, matching `search`. */
  list(query: AccountListQuery): Promise<AccountRecord[]>;
  /** Sets a new (normalized) email. Rejects with DuplicateError when it is taken; undefined when there is no such account. */
  changeEmail(id: string, email: string, now: number): Promise<AccountRecord | undefined>;
}

/** signing: JWKs for id_tokens; cookie: Keygrip keys; pepper: the HMAC key for client secrets. */
export const KEY_KINDS = ['signing', 'cookie', 'pepper'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** A key as stored: the secret part is sealed (encrypted) by the key service before it gets here. */
export interface KeyRecord {
  kid: string;
  kind: KeyKind;
  alg: string;
  /** Published (JWKS, cookie verification) from this moment. */
  createdAt: number;
  /** Used to sign from this moment: later than createdAt so every node publishes it first. */
  activatesAt: number;
  /** Neither used nor published from this moment (null: until superseded and scheduled). */
  retiresAt: number | null;
  sealed: string;
}

export type KeyPatch = Partial<Pick<KeyRecord, 'retiresAt' | 'sealed'>>;

export interface KeyStore {
  /** Every key of a kind, retired ones included, ordered by createdAt. */
  list(kind: KeyKind): Promise<KeyRecord[]>;
  /** Inserts unless the kid exists; resolves false in that case. */
  insert(key: KeyRecord): Promise<boolean>;
  /** Resolves false when there is no such kid. */
  update(kid: string, patch: KeyPatch): Promise<boolean>;
}

/** One security event. Never a password, secret or token value: ids and hashes only. */
export interface AuditEvent {
  id: string;
  /** ms since the epoch */
  at: number;
  type: string;
  accountId: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  accountId?: string;
  /** Only events at or after this time (ms since the epoch). */
  since?: number;
  types?: readonly string[];
  limit: number;
}

/** Append-only: there is deliberately no update or delete. */
export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
}

/** Failures of one key (an email hash, an IP, a client) in the sliding window (now - windowMs, now]. */
export interface ThrottleState {
  failures: number;
  /** The oldest failure still in the window. */
  windowStart: number;
  lastFailureAt: number;
}

export interface ThrottleQuery {
  key: string;
  windowMs: number;
}

/**
 * Kept in the store, not in memory, so limits hold across nodes and restarts. Each failure is its own
 * record: an insert is atomic on every backend, where a counter increment is not (FerretDB v1 loses
 * concurrent $inc updates).
 */
export interface ThrottleStore {
  /** Records one failure at `now`; resolves with the key's state afterwards. */
  recordFailure(key: string, now: number, windowMs: number): Promise<ThrottleState>;
  /**
   * Each query's failures in its window (undefined where there are none), in the order asked, in one
   * round trip: every guarded request reads two keys before anything else happens. Keys are distinct.
   */
  get(queries: readonly ThrottleQuery[], now: number): Promise<Array<ThrottleState | undefined>>;
  /** Forgets every failure of the key. */
  reset(key: string): Promise<void>;
  /** Drops failures older than `before`; resolves with how many. */
  sweep(before: number): Promise<number>;
}

/** One mail as a caller hands it to the outbox: its parts already rendered. */
export interface OutboxMessage {
  id: string;
  /** One address, already validated. */
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A second enqueue with the same key gets the first message back instead of a new one. */
  dedupeKey: string | null;
  /** ms since the epoch */
  createdAt: number;
  /** Not delivered before this moment (ms since the epoch). */
  nextAttemptAt: number;
}

/** pending: waiting or being sent; sent: the SMTP server accepted it; dead: given up, kept for the operator. */
export const OUTBOX_STATES = ['pending', 'sent', 'dead'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

export interface OutboxRecord extends OutboxMessage {
  state: OutboxState;
  /** Claims so far: each claim is one delivery attempt, and its number identifies the claim. */
  attempts: number;
  lastError: string | null;
  /** When it was sent or given up; null while pending. */
  settledAt: number | null;
}

export interface OutboxStats {
  counts: Record<OutboxState, number>;
  /** createdAt of the oldest pending message; null when none is pending. */
  oldestPendingAt: number | null;
}

/**
 * The durable mail queue. A claim is a lease: it pushes the message's next attempt to the lease's end,
 * so a sender that dies mid-send leaves a message that becomes claimable again by itself. Once sent, a
 * message keeps no body (mails carry one-time codes).
 */
export interface OutboxStore {
  /** Resolves with the new id, or with the id of the message already holding `dedupeKey` (created: false). */
  enqueue(message: OutboxMessage): Promise<{ id: string; created: boolean }>;
  /**
   * Takes the pending message due first (or the one given by `id`, if due), with one atomic write:
   * among parallel claimers exactly one gets it. Its attempts count goes up by one.
   */
  claim(now: number, leaseMs: number, id?: string): Promise<OutboxRecord | undefined>;
  /** Sent wins over anything but sent: resolves false only when it already was. Drops the body. */
  markSent(id: string, now: number): Promise<boolean>;
  /**
   * For the holder of claim number `attempt` only: back to pending until `retryAt`, or dead when
   * `retryAt` is null. Resolves false when that claim is no longer the message's latest.
   */
  markFailed(id: string, attempt: number, error: string, retryAt: number | null, now: number): Promise<boolean>;
  get(id: string): Promise<OutboxRecord | undefined>;
  stats(): Promise<OutboxStats>;
  /** Deletes sent messages settled before `sentBefore` and dead ones before `deadBefore`; resolves with how many. */
  purge(sentBefore: number, deadBefore: number): Promise<number>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  readonly oidc: OidcRecordStore;
  readonly accounts: AccountStore;
  readonly keys: KeyStore;
  readonly audit: AuditStore;
  readonly throttle: ThrottleStore;
  readonly outbox: OutboxStore;
  readonly transfer: TransferStore;
  /** Resolves when the backend answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  /**
   * True when `err` means the backend cannot be reached or cannot take writes right now (network,
   * failover, busy or full disk): worth a retry, not a bug. The composition root turns these into 503s.
   */
  isUnavailable(err: unknown): boolean;
  close(): Promise<void>;
}

/** Injectable clock: tests move time instead of sleeping. Milliseconds since the epoch. */
export type Clock = () => number;

/** An OIDC record with its absolute times, as it moves from one store to another. */
export interface RecordDump {
  model: RecordModel;
  /** The id as stored: for bearer tokens a hash of the token (see oidc/adapter.ts), never the token. */
  id: string;
  payload: OidcPayload;
  /** ms since the epoch */
  createdAt: number;
  /** ms since the epoch; null: never expires. */
  expiresAt: number | null;
}

/** One unit of an export: exactly one of these properties. */
export type TransferItem =
  { key: KeyRecord } | { account: AccountRecord } | { record: RecordDump } | { audit: AuditEvent };

/** What an import target already holds: anything here means it is not fresh. */
export interface StoreOccupancy {
  keys: number;
  accounts: number;
  /** Live OIDC records of any model (clients, grants, tokens, sessions...). */
  records: number;
}

/**
 * Moves a whole store: everything but throttle counters, which are transient (see cli-store-commands.ts).
 * Both directions stream, so memory stays flat whatever the size.
 */
export interface TransferStore {
  /**
   * Keys, then accounts, then live OIDC records, then audit events. Expired records are left out.
   * Iterate to the end or break out of the loop: the backend may hold a read snapshot until then.
   */
  exportAll(): AsyncIterable<TransferItem>;
  /**
   * Inserts the items exactly as given: ids, payloads, createdAt and absolute expiry. Never overwrites:
   * an item that collides with what the store holds rejects the import.
   */
  importAll(items: AsyncIterable<TransferItem>): Promise<void>;
  /** true: a rejected importAll has written nothing. false: it may leave part of the items behind. */
  readonly atomicImport: boolean;
  occupancy(): Promise<StoreOccupancy>;
}
