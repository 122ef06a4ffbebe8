import { createHash } from 'node:crypto';
import type { Clock, ThrottleState, ThrottleStore } from '../storage/store.js';
import { normalizeEmail } from '../accounts/email.js';
import { ThrottleReads } from './throttle-reads.js';

/**
 * How many failures a key may have in its window before each further attempt must wait, and how
 * long: 2^(n - free) seconds, up to `lockSeconds`; from `lockAfter` failures on, a full lock.
 */
export interface ThrottlePolicy {
  free: number;
  lockAfter: number;
  lockSeconds: number;
  windowMs: number;
}

/**
 * Per account (by email hash, so unknown emails are throttled exactly like known ones) a lock after 10
 * failures: with 15-minute locks in a one-hour window that allows at most ~14 failures an hour, far
 * under OWASP ASVS 2.2.1's 100. Per IP, room for a shared NAT before the same treatment.
 */
export const LOGIN_ACCOUNT_POLICY: ThrottlePolicy = { free: 4, lockAfter: 10, lockSeconds: 900, windowMs: 3_600_000 };
export const LOGIN_IP_POLICY: ThrottlePolicy = { free: 50, lockAfter: 100, lockSeconds: 900, windowMs: 3_600_000 };
/**
 * Per client and IP. Client secrets carry at least 256 random bits (CLI, registration, first-party), so
 * no online guess succeeds anyway: this bounds what a caller costs (store writes, log lines) and tells it
 * to back off.
 */
export const CLIENT_AUTH_POLICY: ThrottlePolicy = { free: 10, lockAfter: 20, lockSeconds: 900, windowMs: 3_600_000 };
/** Many relying parties may share one host: an IP gets far more room than one client. */
export const CLIENT_AUTH_IP_POLICY: ThrottlePolicy = {
  free: 100,
  lockAfter: 200,
  lockSeconds: 900,
  windowMs: 3_600_000,
};

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

export interface ThrottleVerdict {
  /** Seconds to wait before the next attempt may be evaluated; 0 means go ahead. */
  retryAfter: number;
  /** True when this failure is the one that reached the full lock (audit it once). */
  lockedNow: boolean;
  /** Each key's failures in its window, this one included, in the order the keys were given. */
  failures: number[];
}

export interface ThrottleCheck {
  /** Seconds to wait before the attempt may be evaluated; 0 means go ahead. */
  wait: number;
  /** Keys that had failures in their window: the only ones a success has anything to clear on. */
  failing: ReadonlySet<string>;
}

export function retryAt(state: ThrottleState | undefined, policy: ThrottlePolicy): number {
  if (!state || state.failures < policy.free) return 0;
  const seconds =
    state.failures >= policy.lockAfter
      ? policy.lockSeconds
      : Math.min(2 ** (state.failures - policy.free), policy.lockSeconds);
  return state.lastFailureAt + seconds * 1000;
}

export class Throttle {
  private readonly reads: ThrottleReads;

  constructor(
    private readonly store: ThrottleStore,
    private readonly clock: Clock,
  ) {
    this.reads = new ThrottleReads(store);
  }

  /** Before any work: how long the caller must still wait (the longest of all its keys). */
  async check(keys: readonly ThrottleKey[]): Promise<ThrottleCheck> {
    const now = this.clock();
    const states = await this.reads.get(
      keys.map(({ key, policy }) => ({ key, windowMs: policy.windowMs })),
      now,
    );
    let until = 0;
    const failing = new Set<string>();
    keys.forEach(({ key, policy }, i) => {
      const state = states[i];
      if (state) failing.add(key);
      until = Math.max(until, retryAt(state, policy));
    });
    return { wait: until > now ? Math.ceil((until - now) / 1000) : 0, failing };
  }

  async fail(keys: readonly ThrottleKey[]): Promise<ThrottleVerdict> {
    const now = this.clock();
    let until = 0;
    let lockedNow = false;
    const failures: number[] = [];
    for (const { key, policy } of keys) {
      const state = await this.store.recordFailure(key, now, policy.windowMs);
      failures.push(state.failures);
      until = Math.max(until, retryAt(state, policy));
      if (state.failures === policy.lockAfter) lockedNow = true;
    }
    return { retryAfter: until > now ? Math.ceil((until - now) / 1000) : 0, lockedNow, failures };
  }

  /**
   * Clears the failures of `keys` that `checked` found failing. Most successes had none, and then this
   * writes nothing (a write on every successful token request was a third of the store's work there).
   */
  async succeed(keys: readonly ThrottleKey[], checked: ThrottleCheck): Promise<void> {
    for (const { key } of keys) if (checked.failing.has(key)) await this.store.reset(key);
  }

  /**
   * Records one use of `key` and tells whether it was the only one in the window. The store appends,
   * then counts: of callers racing on one key at most one counts 1 (both may count 2, and then both are
   * refused), on every backend and across nodes, with no compare-and-set needed.
   */
  async firstUse(key: string, windowMs: number): Promise<boolean> {
    const state = await this.store.recordFailure(key, this.clock(), windowMs);
    return state.failures === 1;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 32);

export const loginKeys = (email: string, ip: string): ThrottleKey[] => [
  { key: `login:email:${digest(normalizeEmail(email))}`, policy: LOGIN_ACCOUNT_POLICY },
  { key: `login:ip:${ip}`, policy: LOGIN_IP_POLICY },
];

export interface ClientAuthKeys {
  /** The client's key at this address (none when the request names no client): a success clears it. */
  client: ThrottleKey[];
  /** The address's key, over every client: a success leaves it, or one good client would launder it. */
  ip: ThrottleKey;
}

/**
 * Client authentication is throttled per (client, IP) and per IP, never per client alone: the client_id
 * is public, and a key anyone may fail on from anywhere is a key anyone may lock. So a stranger's wrong
 * secrets refuse the stranger's address, and the client goes on from its own.
 */
export const clientAuthKeys = (clientId: string | undefined, ip: string): ClientAuthKeys => ({
  client: clientId ? [{ key: `client:pair:${digest(clientId)}:${ip}`, policy: CLIENT_AUTH_POLICY }] : [],
  ip: { key: `client:ip:${ip}`, policy: CLIENT_AUTH_IP_POLICY },
});

/**
 * Codes mailed to prove an address. Sending: three to one address, then one per ten minutes (a person
 * whose mail is slow asks again; nobody gets a mailbox flooded through us). Per IP, room for a shared NAT.
 */
export const CODE_SEND_ADDRESS_POLICY: ThrottlePolicy = {
  free: 3,
  lockAfter: 3,
  lockSeconds: 600,
  windowMs: 3_600_000,
};
export const CODE_SEND_IP_POLICY: ThrottlePolicy = { free: 20, lockAfter: 40, lockSeconds: 900, windowMs: 3_600_000 };
/**
 * Wrong codes: five per address in ten minutes, whatever number of codes were sent (a new code never
 * buys new guesses), so a six-digit code holds against guessing (NIST SP 800-63B-4: device codes).
 */
export const CODE_WRONG_POLICY: ThrottlePolicy = { free: 5, lockAfter: 5, lockSeconds: 600, windowMs: 600_000 };
export const CODE_WRONG_IP_POLICY: ThrottlePolicy = { free: 30, lockAfter: 60, lockSeconds: 900, windowMs: 3_600_000 };

/** Throttle keys of one address for one purpose (sign-up, recovery…), and of the caller's IP. */
export const codeSendKeys = (purpose: string, email: string, ip: string): ThrottleKey[] => [
  { key: `code:send:${purpose}:${digest(normalizeEmail(email))}`, policy: CODE_SEND_ADDRESS_POLICY },
  { key: `code:send-ip:${ip}`, policy: CODE_SEND_IP_POLICY },
];
export const codeWrongKeys = (purpose: string, email: string, ip: string): ThrottleKey[] => [
  { key: `code:wrong:${purpose}:${digest(normalizeEmail(email))}`, policy: CODE_WRONG_POLICY },
  { key: `code:wrong-ip:${ip}`, policy: CODE_WRONG_IP_POLICY },
];

/**
 * Wrong second-factor codes, per account: a six-digit code with one step either side has three right
 * answers in a million, so five wrong ones in a quarter of an hour, then a quarter-hour lock, leave
 * under one chance in ten thousand a day. Per IP it shares the login's counter.
 */
export const SECOND_FACTOR_POLICY: ThrottlePolicy = { free: 3, lockAfter: 5, lockSeconds: 900, windowMs: 900_000 };

export const secondFactorKeys = (accountId: string, ip: string): ThrottleKey[] => [
  { key: `factor:account:${digest(accountId)}`, policy: SECOND_FACTOR_POLICY },
  { key: `login:ip:${ip}`, policy: LOGIN_IP_POLICY },
];

/**
 * Passkey sign-ins that fail, per address: a real passkey never fails its signature, so failures are a
 * broken authenticator or someone probing; ten are free, then a growing wait. They also count on the
 * login's per-address counter, beside wrong passwords.
 */
export const PASSKEY_IP_POLICY: ThrottlePolicy = { free: 10, lockAfter: 20, lockSeconds: 900, windowMs: 3_600_000 };

export const passkeyKeys = (ip: string): ThrottleKey[] => [
  { key: `passkey:ip:${ip}`, policy: PASSKEY_IP_POLICY },
  { key: `login:ip:${ip}`, policy: LOGIN_IP_POLICY },
];

/** "3 minutes", "40 seconds": for the page that asks a person to wait. */
export function humanWait(seconds: number): string {
  if (seconds >= 90) return `${Math.ceil(seconds / 60)} minutes`;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}
