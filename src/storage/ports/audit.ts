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
  /**
   * Appends the events, in order, in one store call: on SQLite in one transaction (all or none), on
   * MongoDB in one ordered insert (a failure keeps the events before the one that failed). Rejects when
   * any could not be written, an id already taken included.
   */
  append(events: readonly AuditEvent[]): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
}
