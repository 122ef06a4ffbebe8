import { validEmail } from '../accounts/email.js';
import type { AccountSecurity, Actor } from '../accounts/account-security.js';
import { DuplicateError } from '../errors.js';
import type { AccountRecord } from '../storage/store.js';
import { codeMail } from '../verification/code-mails.js';
import {
  auditRefusal,
  resendProof,
  startProof,
  type CodeFlowDeps,
  type CodeRefusal,
  type Requester,
  type Started,
} from './code-flow.js';
import type { EmailUndos, UndoOutcome } from './email-undo.js';

export interface EmailChangeDeps extends CodeFlowDeps {
  security: AccountSecurity;
  undos: EmailUndos;
}

export type EmailChangeStart = Started | { kind: 'refused'; reason: 'invalid_email' | 'same' };

export type EmailChangeOutcome =
  | { kind: 'changed'; account: AccountRecord }
  | { kind: 'code'; refusal: CodeRefusal }
  /** The flow is gone (expired, used, another session), or the account changed under it: start again. */
  | { kind: 'expired' };

/**
 * A signed-in person moves their account to another address: the new one is proven by a mailed code,
 * and the old one is told, with a way back valid for 72 hours (email-undo.ts). An address another
 * account uses is answered exactly like a free one; its owner gets a notice instead of a code, so the
 * page never tells who has an account here. The password is asked again before any of this (the
 * routes do that, counted like a sign-in), so a session left open is not enough to take an account.
 */
export class EmailChange {
  constructor(private readonly deps: EmailChangeDeps) {}

  async begin(account: AccountRecord, emailInput: string, who: Requester): Promise<EmailChangeStart> {
    const email = validEmail(emailInput);
    if (email === undefined) return { kind: 'refused', reason: 'invalid_email' };
    // Their own address is no secret to them.
    if (email === account.email) return { kind: 'refused', reason: 'same' };
    const free = (await this.deps.accounts.lookup(email)) === undefined;
    return startProof(
      this.deps,
      {
        purpose: 'email_change',
        email,
        accountId: account.id,
        mailKind: free ? 'email_change_code' : 'email_change_taken',
        real: free,
      },
      who,
    );
  }

  resend(flowId: string, who: Requester): Promise<Started | undefined> {
    return resendProof(this.deps, flowId, { code: 'email_change_code', decoy: 'email_change_taken' }, who);
  }

  /** The new address of a flow open in this session (to show it on the code page). */
  async pending(flowId: string, bindTo: string): Promise<string | undefined> {
    return (await this.deps.codes.find(flowId, bindTo))?.email;
  }

  /** The right code moves the account to the proven address; the old one gets the way back. */
  async complete(account: AccountRecord, flowId: string, code: string, who: Requester): Promise<EmailChangeOutcome> {
    const open = await this.deps.codes.find(flowId, who.bindTo);
    if (open?.accountId !== account.id) return { kind: 'expired' };
    const checked = await this.deps.codes.check(flowId, who.bindTo, code, who.ip);
    if (!checked.ok) {
      await auditRefusal(this.deps, checked, open.email, who);
      return { kind: 'code', refusal: checked };
    }
    // Read again: a disabled account, or one changed in another tab meanwhile, moves nowhere.
    const current = await this.deps.accounts.findById(account.id);
    if (!current || current.disabled || current.email !== account.email) return { kind: 'expired' };
    const actor: Actor = { via: 'account-page', ip: who.ip, userAgent: who.userAgent };
    let updated: AccountRecord;
    try {
      updated = await this.deps.security.changeIdentity(
        current,
        { email: checked.flow.email, emailVerified: true },
        actor,
      );
    } catch (err) {
      // Taken meanwhile (an operator, a sign-up): the code proved the address, but it is no longer free.
      if (err instanceof DuplicateError) return { kind: 'expired' };
      throw err;
    }
    const link = await this.deps.undos.issue(current);
    await this.deps.mail.enqueue(
      codeMail(this.deps.translator, {
        kind: 'email_changed',
        to: current.email,
        lang: who.lang,
        issuer: this.deps.issuer,
        link,
      }),
    );
    return { kind: 'changed', account: updated };
  }

  /** Where a way back mailed to an old address leads, while it still works. */
  undoTarget(token: string): Promise<string | undefined> {
    return this.deps.undos.peek(token);
  }

  /** Back to the old address, everyone signed out (email-undo.ts). */
  undo(token: string, actor: Actor): Promise<UndoOutcome> {
    return this.deps.undos.undo(token, actor);
  }
}
