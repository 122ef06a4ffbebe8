import type { Context } from 'koa';
import type { AccountService } from '../accounts/account-service.js';
import { AUDIT, type AuditLog } from '../audit/audit-log.js';
import type { Throttle, ThrottleCheck, ThrottleKey } from '../throttle/throttle.js';
import { loginKeys } from '../throttle/throttle.js';
import { emailFingerprint, requestOrigin } from './request-info.js';

// Every place that takes a password (the login form, and the account page asking for it again) counts
// its attempts the same way: on the same counters, audited alike, the lock audited once when reached.

export interface PasswordAttempt {
  email: string;
  /** The account's key first, then the address's (loginKeys). */
  keys: ThrottleKey[];
  clientId: string | null;
}

export interface PasswordAttemptDeps {
  accounts: AccountService;
  audit: AuditLog;
  throttle: Throttle;
}

export function passwordAttempt(ctx: Context, email: string, clientId: string | null = null): PasswordAttempt {
  return { email, keys: loginKeys(email, ctx.ip), clientId };
}

/** A wrong email or password: audited (by email hash), counted, and a lock audited once when reached. */
export async function attemptFailed(deps: PasswordAttemptDeps, ctx: Context, attempt: PasswordAttempt): Promise<void> {
  const { email, keys, clientId } = attempt;
  const origin = requestOrigin(ctx);
  // No password and no email in the trail: a hash is enough to correlate attempts.
  const fingerprint = { email_sha256: emailFingerprint(email) };
  await deps.audit.record(AUDIT.loginFailed, { ...origin, clientId, details: fingerprint });
  const verdict = await deps.throttle.fail(keys);
  if (!verdict.lockedNow) return;
  const owner = await deps.accounts.lookup(email);
  await deps.audit.record(AUDIT.loginLocked, {
    ...origin,
    accountId: owner?.id,
    clientId,
    details: { ...fingerprint, retry_after: verdict.retryAfter },
  });
}

/** The right password clears the account's failures, not the address's: one success there forgives no guessing. */
export async function attemptSucceeded(
  throttle: Throttle,
  attempt: PasswordAttempt,
  checked: ThrottleCheck,
): Promise<void> {
  await throttle.succeed(attempt.keys.slice(0, 1), checked);
}
