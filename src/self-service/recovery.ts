import { validEmail } from '../accounts/email.js';
import type { AccountSecurity } from '../accounts/account-security.js';
import type { AccountRecord } from '../storage/store.js';
import { codeMail } from '../verification/code-mails.js';
import {
  auditRefusal,
  resendProof,
  startProof,
  type CodeFlowDeps,
  type CodeRefusal,
  type PasswordProblem,
  type Requester,
  type Started,
} from './code-flow.js';

export interface RecoveryDeps extends CodeFlowDeps {
  security: AccountSecurity;
}

export type RecoveryStart = Started | { kind: 'refused'; reason: 'invalid_email' };

export type RecoveryOutcome =
  | { kind: 'changed'; account: AccountRecord }
  | { kind: 'password'; problem: PasswordProblem }
  | { kind: 'code'; refusal: CodeRefusal }
  | { kind: 'expired' };

/**
 * "Forgot password?": a code mailed to the account's address lets its owner set a new password, which
 * ends every session and grant of the account (as an operator's set-password does) and is announced by
 * mail. Unknown and disabled addresses get the same answer and a notice instead of a code. Recovery
 * never signs anyone in: the new password is used on the sign-in form like any other, so it can never
 * skip what signing in asks for.
 */
export class Recovery {
  constructor(private readonly deps: RecoveryDeps) {}

  async begin(emailInput: string, who: Requester): Promise<RecoveryStart> {
    const email = validEmail(emailInput);
    if (email === undefined) return { kind: 'refused', reason: 'invalid_email' };
    const account = await this.deps.accounts.lookup(email);
    const usable = account !== undefined && !account.disabled;
    return startProof(
      this.deps,
      {
        purpose: 'recovery',
        email,
        accountId: usable ? account.id : null,
        mailKind: usable ? 'recovery_code' : 'recovery_unknown',
        real: usable,
      },
      who,
    );
  }

  resend(flowId: string, who: Requester): Promise<Started | undefined> {
    return resendProof(this.deps, flowId, { code: 'recovery_code', decoy: 'recovery_unknown' }, who);
  }

  async pending(flowId: string, bindTo: string): Promise<string | undefined> {
    return (await this.deps.codes.find(flowId, bindTo))?.email;
  }

  async complete(flowId: string, input: { code: string; password: string }, who: Requester): Promise<RecoveryOutcome> {
    const open = await this.deps.codes.find(flowId, who.bindTo);
    if (!open) return { kind: 'expired' };
    const problem = await this.deps.judgePassword(input.password, { email: open.email });
    if (problem) return { kind: 'password', problem };
    const checked = await this.deps.codes.check(flowId, who.bindTo, input.code, who.ip);
    if (!checked.ok) {
      await auditRefusal(this.deps, checked, open.email, who);
      return { kind: 'code', refusal: checked };
    }
    // Read again: an account disabled or deleted while the code was on its way recovers nothing.
    const account = checked.flow.accountId ? await this.deps.accounts.findById(checked.flow.accountId) : undefined;
    if (!account || account.disabled || account.email !== checked.flow.email) return { kind: 'expired' };
    const actor = { via: 'recovery' as const, ip: who.ip, userAgent: who.userAgent };
    let updated = await this.deps.security.setPassword(account, input.password, actor);
    // The code reached the address: it is proven now, whatever an operator said of it before.
    if (!updated.emailVerified)
      updated = await this.deps.security.changeIdentity(updated, { emailVerified: true }, actor);
    await this.deps.mail.enqueue(
      codeMail(this.deps.translator, {
        kind: 'password_changed',
        to: account.email,
        lang: who.lang,
        issuer: this.deps.issuer,
      }),
    );
    return { kind: 'changed', account: updated };
  }
}
