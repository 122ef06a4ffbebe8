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

/** Every state at zero: what stats() counts from, so a state without messages still reads 0. */
export function zeroOutboxCounts(): Record<OutboxState, number> {
  return Object.fromEntries(OUTBOX_STATES.map((state) => [state, 0])) as Record<OutboxState, number>;
}

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
