import type { AccountRecord } from './accounts.js';
import type { AuditEvent } from './audit.js';
import type { KeyRecord } from './keys.js';
import type { OidcPayload, RecordModel } from './oidc-records.js';

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
