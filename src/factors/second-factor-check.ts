import { AUDIT, type AuditLog } from '../audit/audit-log.js';
import type { KeySealer } from '../keys/key-encryption.js';
import type { Clock } from '../storage/store.js';
import { secondFactorKeys, type Throttle, type ThrottleCheck } from '../throttle/throttle.js';
import { sealContext, type FactorRecords, type TotpRecord } from './factor-records.js';
import { readRecoveryCode } from './recovery-codes.js';
import { matchingStep, readTotpCode, TOTP_PERIOD_SECONDS, TOTP_WINDOW } from './totp.js';

/** A code's verdict: an app's code or a recovery code took, or why not. */
export type CheckResult =
  | { ok: 'otp' }
  | { ok: 'recovery' }
  /** Wrong (or already used) code; 'gone': the pending app to confirm no longer exists. */
  | { ok: false; reason: 'wrong' | 'gone' }
  /** Too many wrong codes for the account (or from the address): wait this many seconds. */
  | { ok: false; reason: 'wait'; seconds: number };

export interface SecondFactorCheckDeps {
  store: FactorRecords;
  sealer: KeySealer;
  clock: Clock;
  throttle: Throttle;
  audit: AuditLog;
  hashCode: (accountId: string, code: string) => string;
}

/** A step's claim outlives the whole window it could be accepted in; past that, lastStep refuses it. */
const CLAIM_WINDOW_MS = (2 * TOTP_WINDOW + 2) * TOTP_PERIOD_SECONDS * 1000;

/**
 * Checks second-factor codes behind a per-account throttle (checked first: during a lock even the right
 * code waits). Each time step of an app is accepted once: steps at or before the last one used are
 * refused, and a step is claimed in the store first, so two requests carrying the same code at the same
 * moment (on any node) cannot both pass.
 */
export class SecondFactorCheck {
  constructor(private readonly deps: SecondFactorCheckDeps) {}

  /** Any confirmed app's code, or a recovery code of the current set. */
  async check(accountId: string, typed: string, ip: string): Promise<CheckResult> {
    return this.guarded(accountId, ip, async () => {
      const code = readTotpCode(typed);
      if (code !== undefined) {
        for (const { id, factor } of await this.deps.store.all(accountId)) {
          if (factor.kind === 'totp' && factor.confirmed && (await this.takeStep(id, factor, code))) return 'otp';
        }
        return false;
      }
      return (await this.takeRecoveryCode(accountId, typed)) ? 'recovery' : false;
    });
  }

  /** One app's code, confirmed or not (the first code that confirms an app being added). */
  async totpOnly(accountId: string, factorId: string, factor: TotpRecord, code: string, ip: string) {
    return this.guarded(accountId, ip, async () => ((await this.takeStep(factorId, factor, code)) ? 'otp' : false));
  }

  private async guarded(
    accountId: string,
    ip: string,
    attempt: () => Promise<'otp' | 'recovery' | false>,
  ): Promise<CheckResult> {
    const keys = secondFactorKeys(accountId, ip);
    const checked: ThrottleCheck = await this.deps.throttle.check(keys);
    if (checked.wait > 0) return { ok: false, reason: 'wait', seconds: checked.wait };
    const took = await attempt();
    if (took) {
      await this.deps.throttle.succeed(keys.slice(0, 1), checked);
      return { ok: took };
    }
    const verdict = await this.deps.throttle.fail(keys);
    if (verdict.lockedNow) {
      await this.deps.audit.record(AUDIT.loginLocked, {
        accountId,
        ip,
        details: { factor: 'second', retry_after: verdict.retryAfter },
      });
    }
    return verdict.retryAfter > 0
      ? { ok: false, reason: 'wait', seconds: verdict.retryAfter }
      : { ok: false, reason: 'wrong' };
  }

  private async takeStep(factorId: string, factor: TotpRecord, code: string): Promise<boolean> {
    const now = this.deps.clock();
    const secret = this.deps.sealer.open(factor.sealedSecret, sealContext(factorId));
    const step = matchingStep(secret, code, now, factor.lastStep);
    if (step === undefined) return false;
    if (!(await this.deps.throttle.firstUse(`factor:step:${factorId}:${step}`, CLAIM_WINDOW_MS))) return false;
    // Read again: another step may have been taken meanwhile; the later one stays the mark.
    const latest = (await this.deps.store.totp(factor.accountId, factorId)) ?? factor;
    const lastStep = Math.max(latest.lastStep ?? step, step);
    await this.deps.store.saveTotp(factorId, { ...latest, lastStep, lastUsedAt: now });
    return true;
  }

  private async takeRecoveryCode(accountId: string, typed: string): Promise<boolean> {
    if (readRecoveryCode(typed) === undefined) return false;
    const set = (await this.deps.store.all(accountId)).find(({ factor }) => factor.kind === 'recovery');
    if (!set) return false;
    return this.deps.store.takeCode(accountId, this.deps.hashCode(accountId, typed), set.id);
  }
}
