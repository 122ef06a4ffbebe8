import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { normalizeEmail } from '../accounts/email.js';
import type { Clock, OidcPayload, OidcRecordStore } from '../storage/store.js';
import { CODE_WRONG_POLICY, codeSendKeys, codeWrongKeys, type Throttle } from '../throttle/throttle.js';

/** What a mailed code proves the address for. */
export type CodePurpose = 'signup' | 'recovery' | 'email_change';

/** Ten minutes (NIST SP 800-63B-4 and OWASP ASVS 6.5.5 for out-of-band codes). */
export const CODE_TTL_SECONDS = 600;
export const CODE_DIGITS = 6;

/** One proof in progress: an address, what it is for, and the browser flow it belongs to. */
export interface CodeFlow {
  id: string;
  purpose: CodePurpose;
  email: string;
  /** The sign-in interaction (or app session) it was started in; a code is only taken there. */
  bindTo: string;
  /** The account it concerns (recovery, email change); null for sign-up. */
  accountId: string | null;
}

export interface StartedFlow {
  flow: CodeFlow;
  /** Absent for a decoy: the flow answers like any other but no code exists to mail or to find. */
  code?: string;
}

export type CodeCheck =
  | { ok: true; flow: CodeFlow }
  /** Wrong code: `triesLeft` more before the address must wait (and this code is gone at zero). */
  | { ok: false; reason: 'wrong'; triesLeft: number }
  /** Unknown, expired, used, or taken in another flow: start again. */
  | { ok: false; reason: 'expired' }
  /** Too many wrong codes, or too many mails: wait this many seconds. */
  | { ok: false; reason: 'wait'; seconds: number };

interface StoredCode extends OidcPayload {
  purpose: CodePurpose;
  email: string;
  bindTo: string;
  /** Indexed by the store, so an account's open flows end with it. */
  accountId?: string;
  /** null: a decoy, which no code matches. */
  codeHash: string | null;
}

export interface EmailCodeDeps {
  records: OidcRecordStore;
  throttle: Throttle;
  clock: Clock;
  /** The store's sealed pepper: codes are kept as keyed hashes, so a store dump holds no code. */
  pepper: Buffer;
}

/**
 * Six-digit codes mailed to prove an address, never links, so a mail scanner that opens every link
 * spends nothing. Each is kept hashed, taken once, expires in ten minutes; wrong tries and mails are
 * counted per address and per IP in the store, so limits hold across nodes and a new code buys no new
 * guesses. Known and unknown addresses cost the same work: a decoy flow is stored exactly like a real one.
 */
export class EmailCodes {
  private readonly key: Buffer;

  constructor(private readonly deps: EmailCodeDeps) {
    this.key = createHmac('sha256', deps.pepper).update('signet email codes').digest();
  }

  /** Seconds the address or IP must wait before another mail; 0 when one may go. */
  async sendWait(purpose: CodePurpose, email: string, ip: string): Promise<number> {
    return (await this.deps.throttle.check(codeSendKeys(purpose, email, ip))).wait;
  }

  /** Stores a new flow (a decoy when `real` is false) and counts the mail it leads to. */
  async start(
    input: { purpose: CodePurpose; email: string; bindTo: string; accountId: string | null; real: boolean },
    ip: string,
  ): Promise<StartedFlow> {
    const flow: CodeFlow = {
      id: randomBytes(18).toString('base64url'),
      purpose: input.purpose,
      email: normalizeEmail(input.email),
      bindTo: input.bindTo,
      accountId: input.accountId,
    };
    const code = this.newCode();
    await this.save(flow, input.real ? code : undefined);
    await this.deps.throttle.fail(codeSendKeys(flow.purpose, flow.email, ip));
    return input.real ? { flow, code } : { flow };
  }

  /** The flow as stored, if it is still open in this binding. */
  async find(id: string, bindTo: string): Promise<(CodeFlow & { decoy: boolean }) | undefined> {
    const stored = (await this.deps.records.find('EmailCode', id)) as StoredCode | undefined;
    if (stored?.bindTo !== bindTo || stored.consumed !== undefined) return undefined;
    return { ...toFlow(id, stored), decoy: stored.codeHash === null };
  }

  /** A fresh code for an open flow (the old one stops working); the send limits apply as to a first one. */
  async resend(id: string, bindTo: string, ip: string): Promise<StartedFlow | undefined> {
    const found = await this.find(id, bindTo);
    if (!found) return undefined;
    const { decoy, ...flow } = found;
    const code = this.newCode();
    await this.save(flow, decoy ? undefined : code);
    await this.deps.throttle.fail(codeSendKeys(flow.purpose, flow.email, ip));
    return decoy ? { flow } : { flow, code };
  }

  /** Takes the code once: right, wrong (counted), or no longer there. */
  async check(id: string, bindTo: string, code: string, ip: string): Promise<CodeCheck> {
    const stored = (await this.deps.records.find('EmailCode', id)) as StoredCode | undefined;
    if (stored?.bindTo !== bindTo || stored.consumed !== undefined) return { ok: false, reason: 'expired' };
    const keys = codeWrongKeys(stored.purpose, stored.email, ip);
    const checked = await this.deps.throttle.check(keys);
    if (checked.wait > 0) return { ok: false, reason: 'wait', seconds: checked.wait };
    if (!this.matches(id, stored.codeHash, code)) {
      const verdict = await this.deps.throttle.fail(keys);
      const triesLeft = Math.max(0, CODE_WRONG_POLICY.lockAfter - (verdict.failures[0] ?? 0));
      if (triesLeft === 0) await this.deps.records.destroy('EmailCode', id);
      if (verdict.retryAfter > 0 && triesLeft > 0) return { ok: false, reason: 'wait', seconds: verdict.retryAfter };
      return { ok: false, reason: 'wrong', triesLeft };
    }
    // Two tabs submitting the right code at once: one conditional write decides which of them goes on.
    if (!(await this.deps.records.consume('EmailCode', id))) return { ok: false, reason: 'expired' };
    await this.deps.records.destroy('EmailCode', id);
    return { ok: true, flow: toFlow(id, stored) };
  }

  private newCode(): string {
    return String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  }

  private hash(id: string, code: string): string {
    return createHmac('sha256', this.key).update(`${id}:${code}`).digest('base64url');
  }

  private matches(id: string, stored: string | null, presented: string): boolean {
    // A decoy still costs one hash and one comparison, like a real flow.
    const a = Buffer.from(this.hash(id, presented.replace(/\s+/g, '')));
    const b = Buffer.from(stored ?? this.hash(id, 'no code matches a decoy'));
    return a.length === b.length && timingSafeEqual(a, b) && stored !== null;
  }

  private async save(flow: CodeFlow, code: string | undefined): Promise<void> {
    const payload: StoredCode = {
      purpose: flow.purpose,
      email: flow.email,
      bindTo: flow.bindTo,
      ...(flow.accountId === null ? {} : { accountId: flow.accountId }),
      codeHash: code === undefined ? null : this.hash(flow.id, code),
    };
    await this.deps.records.upsert('EmailCode', flow.id, payload, CODE_TTL_SECONDS);
  }
}

function toFlow(id: string, stored: StoredCode): CodeFlow {
  return {
    id,
    purpose: stored.purpose,
    email: stored.email,
    bindTo: stored.bindTo,
    accountId: stored.accountId ?? null,
  };
}
