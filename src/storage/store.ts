// The storage port. Everything above this layer speaks these interfaces only; the SQLite and MongoDB
// implementations live beside it and are chosen by the composition root (app.ts). Each part's records
// and operations have a file of their own under ports/; this one composes them into the whole store.

import type { AccountStore } from './ports/accounts.js';
import type { AuditStore } from './ports/audit.js';
import type { KeyStore } from './ports/keys.js';
import type { OidcRecordStore } from './ports/oidc-records.js';
import type { OutboxStore } from './ports/outbox.js';
import type { ThrottleStore } from './ports/throttle.js';
import type { TransferStore } from './ports/transfer.js';

export * from './ports/accounts.js';
export * from './ports/audit.js';
export * from './ports/keys.js';
export * from './ports/oidc-records.js';
export * from './ports/outbox.js';
export * from './ports/throttle.js';
export * from './ports/transfer.js';

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
