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
 * SessionActivity (device, IP, last seen of a provider session), AppSession (the server-side session
 * of a first-party relying party such as the account page) and EmailCode (a code mailed to prove an
 * address: single use through consume(), gone when it expires) and EmailUndo (the way back from an
 * email change, mailed to the old address: kept under its token's hash, taken once, 72 hours) and
 * Invitation (an address an operator invited to sign up, for a week). Second factors: Factor (an
 * account's authenticator app or its set of recovery codes; never expires), FactorUse (one recovery
 * code, kept under its keyed hash and taken once through consume()) and FactorChallenge (which account
 * passed the password in a sign-in interaction that now asks for the second factor, for ten minutes).
 */
export const SIGNET_MODELS = [
  'SessionActivity',
  'AppSession',
  'EmailCode',
  'EmailUndo',
  'Invitation',
  'Factor',
  'FactorUse',
  'FactorChallenge',
] as const;

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
  /**
   * A number that moves whenever a Client record is written or removed, by any process on this store
   * (a serving node, another node, the CLI, an import): what lets a node keep clients in memory and
   * know when to drop them. Only inequality means anything; 0 before any client was ever written.
   */
  clientChanges(): Promise<number>;
}
