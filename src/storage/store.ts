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

/** oidc-provider's opaque payload; we only look inside for the indexed fields. */
export type OidcPayload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  clientId?: string;
  consumed?: number;
};

export interface OidcRecordStore {
  /** Insert or overwrite. `expiresInSeconds` undefined means the record never expires. */
  upsert(model: OidcModel, id: string, payload: OidcPayload, expiresInSeconds?: number): Promise<void>;
  /** Expired records are never returned, whatever the backend still holds. */
  find(model: OidcModel, id: string): Promise<OidcPayload | undefined>;
  findByUid(model: OidcModel, uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(model: OidcModel, userCode: string): Promise<OidcPayload | undefined>;
  /**
   * Marks the record consumed with one conditional write. Resolves true only for the single caller
   * that flipped it; false when it was already consumed, expired or missing.
   */
  consume(model: OidcModel, id: string): Promise<boolean>;
  destroy(model: OidcModel, id: string): Promise<void>;
  revokeByGrantId(model: OidcModel, grantId: string): Promise<void>;
  /** Newest live Grant of an account for a client: consent is remembered across sessions. */
  findLatestGrantId(accountId: string, clientId: string): Promise<string | undefined>;
  /** Live records of one model, newest first (admin listings, e.g. clients). */
  list(model: OidcModel, limit: number): Promise<Array<{ id: string; payload: OidcPayload }>>;
  /** Removes expired records; returns how many. Backends with TTL indexes may do little here. */
  sweepExpired(): Promise<number>;
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
}

export type AccountPatch = Partial<Pick<AccountRecord, 'name' | 'passwordHash' | 'disabled'>>;

export interface AccountStore {
  /** Rejects with DuplicateError when the email is taken. */
  create(account: AccountRecord): Promise<void>;
  findById(id: string): Promise<AccountRecord | undefined>;
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  /** Returns the updated record, or undefined when there is no such account. */
  update(id: string, patch: AccountPatch, now: number): Promise<AccountRecord | undefined>;
}

/** signing: JWKs for id_tokens; cookie: Keygrip keys; pepper: the HMAC key for client secrets. */
export type KeyKind = 'signing' | 'cookie' | 'pepper';

/** A key as stored: the secret part is sealed (encrypted) by the key service before it gets here. */
export interface KeyRecord {
  kid: string;
  kind: KeyKind;
  alg: string;
  createdAt: number;
  sealed: string;
}

export interface KeyStore {
  list(kind: KeyKind): Promise<KeyRecord[]>;
  /** Inserts unless the kid exists; resolves false in that case. */
  insert(key: KeyRecord): Promise<boolean>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  readonly oidc: OidcRecordStore;
  readonly accounts: AccountStore;
  readonly keys: KeyStore;
  /** Resolves when the backend answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Injectable clock: tests move time instead of sleeping. Milliseconds since the epoch. */
export type Clock = () => number;
