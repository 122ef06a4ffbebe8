import { parseDisplayName } from '../accounts/display-name.js';
import { validEmail } from '../accounts/email.js';
import type { AccountSecurity } from '../accounts/account-security.js';
import { DuplicateError, ValidationError } from '../errors.js';
import type { AccountRecord } from '../storage/store.js';
import type { CodeMailKind } from '../verification/code-mails.js';
import {
  auditRefusal,
  startProof,
  resendProof,
  type CodeFlowDeps,
  type CodeRefusal,
  type PasswordProblem,
  type Requester,
  type Started,
} from './code-flow.js';
import type { Invitations } from './invitations.js';

export interface SignUpDeps extends CodeFlowDeps {
  security: AccountSecurity;
  /** Present where sign-up is by invitation only (SIGNUP=invite). */
  invitations?: Invitations;
  /** Sign-up only for addresses in these domains; undefined: any. */
  domains?: readonly string[];
}

export type SignUpStart = Started | { kind: 'refused'; reason: 'invalid_email' | 'domain' };

export type SignUpOutcome =
  | { kind: 'created'; account: AccountRecord }
  | { kind: 'password'; problem: PasswordProblem }
  | { kind: 'name' }
  | { kind: 'code'; refusal: CodeRefusal }
  /** The flow is gone (expired, used, another browser): start again. */
  | { kind: 'expired' }
  /** The address got an account meanwhile (an operator, another tab): sign in instead. */
  | { kind: 'taken' };

export interface NewPerson {
  code: string;
  name: string;
  password: string;
}

/**
 * Self sign-up: the address is proven by a mailed code before the account exists. An address that
 * already has an account is answered exactly like a new one; its owner gets a mail saying so instead of
 * a code, so the page never tells a stranger who has an account here.
 */
export class SignUp {
  constructor(private readonly deps: SignUpDeps) {}

  async begin(emailInput: string, who: Requester): Promise<SignUpStart> {
    const email = validEmail(emailInput);
    if (email === undefined) return { kind: 'refused', reason: 'invalid_email' };
    // The allowed domains are the operator's public policy: saying no to others tells nothing about anyone.
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (this.deps.domains && !this.deps.domains.includes(domain)) return { kind: 'refused', reason: 'domain' };
    const notice = await this.noticeFor(email);
    return startProof(
      this.deps,
      { purpose: 'signup', email, accountId: null, mailKind: notice ?? 'signup_code', real: notice === undefined },
      who,
    );
  }

  resend(flowId: string, who: Requester): Promise<Started | undefined> {
    const decoy = async (email: string) => (await this.noticeFor(email)) ?? 'signup_taken';
    return resendProof(this.deps, flowId, { code: 'signup_code', decoy }, who);
  }

  /**
   * The mail an address gets instead of a code, if it may not sign up: it has an account already, or
   * sign-up is by invitation and it has none. Both questions are asked for every address.
   */
  private async noticeFor(email: string): Promise<CodeMailKind | undefined> {
    const [existing, invited] = await Promise.all([
      this.deps.accounts.lookup(email),
      this.deps.invitations ? this.deps.invitations.isInvited(email) : true,
    ]);
    if (existing) return 'signup_taken';
    return invited ? undefined : 'signup_uninvited';
  }

  /** The flow's address, while it is open in this browser (to show it on the code page). */
  async pending(flowId: string, bindTo: string): Promise<string | undefined> {
    return (await this.deps.codes.find(flowId, bindTo))?.email;
  }

  /** Checks the person's name and password first, so a typo there never spends the code. */
  async complete(flowId: string, person: NewPerson, who: Requester): Promise<SignUpOutcome> {
    const open = await this.deps.codes.find(flowId, who.bindTo);
    if (!open) return { kind: 'expired' };
    let name: string | null;
    try {
      name = parseDisplayName(person.name);
    } catch (err) {
      if (err instanceof ValidationError) return { kind: 'name' };
      throw err;
    }
    const problem = await this.deps.judgePassword(person.password, { email: open.email, ...(name ? { name } : {}) });
    if (problem) return { kind: 'password', problem };
    const checked = await this.deps.codes.check(flowId, who.bindTo, person.code, who.ip);
    if (!checked.ok) {
      await auditRefusal(this.deps, checked, open.email, who);
      return { kind: 'code', refusal: checked };
    }
    try {
      const account = await this.deps.security.create(
        { email: checked.flow.email, password: person.password, ...(name ? { name } : {}), emailVerified: true },
        { via: 'sign-up', ip: who.ip, userAgent: who.userAgent },
      );
      await this.deps.invitations?.redeem(account.email);
      return { kind: 'created', account };
    } catch (err) {
      if (err instanceof DuplicateError) return { kind: 'taken' };
      throw err;
    }
  }
}
