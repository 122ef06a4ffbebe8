/** How the sender paces its work; every number here is a default the composition root may override. */
export interface DeliveryPolicy {
  /** A claim lasts this long: longer than any send can take (see MAIL_SEND_TIMEOUT), so it ends first. */
  leaseMs: number;
  /** The first retry waits this long, each later one twice the previous... */
  firstRetryMs: number;
  /** ...up to this. */
  maxRetryMs: number;
  /** Attempts (claims) before a message is given up as dead. */
  maxAttempts: number;
  /** How often an idle sender looks for due messages (other processes enqueue too). */
  pollIntervalMs: number;
  /** Sent messages are kept (without body) this long, so dedupe keys hold and the operator can look. */
  keepSentMs: number;
  /** Dead messages are kept this long for the operator. */
  keepDeadMs: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** With these, a message is retried nine times over about three hours: 30 s, 1, 2, 4, 8, 16, 32 min, then hourly. */
export function deliveryPolicy(sendTimeoutMs: number, overrides: Partial<DeliveryPolicy> = {}): DeliveryPolicy {
  return {
    // A send is bounded at twice the phase timeout (smtp-transport.ts); twice that again leaves time to record it.
    leaseMs: 4 * sendTimeoutMs,
    firstRetryMs: 30_000,
    maxRetryMs: 60 * MINUTE,
    maxAttempts: 10,
    pollIntervalMs: 2_000,
    keepSentMs: DAY,
    keepDeadMs: 30 * DAY,
    ...overrides,
  };
}

/** The wait after failed attempt number `attempt` (1-based): exponential, capped. */
export function retryDelay(policy: Pick<DeliveryPolicy, 'firstRetryMs' | 'maxRetryMs'>, attempt: number): number {
  return Math.min(policy.maxRetryMs, policy.firstRetryMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
}

/**
 * When to try again after failed attempt number `attempt` at `now`, or null to give up: the failure is
 * permanent (the server refused the message itself), or it was the last attempt the policy allows.
 */
export function retryAt(
  policy: Pick<DeliveryPolicy, 'firstRetryMs' | 'maxRetryMs' | 'maxAttempts'>,
  attempt: number,
  now: number,
  permanent: boolean,
): number | null {
  if (permanent || attempt >= policy.maxAttempts) return null;
  return now + retryDelay(policy, attempt);
}
