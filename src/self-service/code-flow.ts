import type { AccountService } from '../accounts/account-service.js';
import type { PasswordProblem } from '../accounts/password-policy.js';
import { emailFingerprint } from '../accounts/email.js';
import { AUDIT, type AuditLog, type AuditType } from '../audit/audit-log.js';
import type { Language, Translator } from '../i18n/translator.js';
import type { MailService } from '../mail/mail-service.js';
import { codeMail, type CodeMailKind } from '../verification/code-mails.js';
import type { CodeCheck, CodePurpose, EmailCodes } from '../verification/email-codes.js';

export type { PasswordProblem } from '../accounts/password-policy.js';

/** The password policy as the flows use it (accounts/password-policy.ts decides). */
export type JudgePassword = (
  password: string,
  identity: { email: string; name?: string },
) => Promise<PasswordProblem | null>;

/** Who is asking, from where, and in which language they read. */
export interface Requester {
  ip: string;
  userAgent: string | null;
  lang: Language;
  /** The browser flow (the sign-in interaction) the proof belongs to. */
  bindTo: string;
}

export interface CodeFlowDeps {
  accounts: AccountService;
  codes: EmailCodes;
  mail: MailService;
  audit: AuditLog;
  translator: Translator;
  judgePassword: JudgePassword;
  issuer: string;
}

/** The audit event of each kind of proof's first step. */
const STARTED: Record<CodePurpose, AuditType> = {
  signup: AUDIT.signupStarted,
  recovery: AUDIT.recoveryStarted,
  email_change: AUDIT.emailChangeStarted,
};

/** The first step's answers: the code is on its way (or seems to be), or the requester must wait. */
export type Started = { kind: 'sent'; flowId: string; email: string } | { kind: 'wait'; seconds: number };

/** A code check that failed, as the page tells it. */
export type CodeRefusal = Exclude<CodeCheck, { ok: true }>;

/**
 * Starts a proof of `email` for `purpose` and sends the one mail it leads to: a code when `mailKind` is
 * a code mail, or the notice in its place. Known and unknown addresses go through the same steps (a flow
 * stored, a mail queued, an audit line), so neither the answer nor its timing tells them apart.
 */
export async function startProof(
  deps: CodeFlowDeps,
  input: { purpose: CodePurpose; email: string; accountId: string | null; mailKind: CodeMailKind; real: boolean },
  who: Requester,
): Promise<Started> {
  const wait = await deps.codes.sendWait(input.purpose, input.email, who.ip);
  if (wait > 0) return { kind: 'wait', seconds: wait };
  const started = await deps.codes.start({ ...input, bindTo: who.bindTo }, who.ip);
  const { flow } = started;
  await deps.mail.enqueue(
    codeMail(deps.translator, {
      kind: input.mailKind,
      to: flow.email,
      lang: who.lang,
      issuer: deps.issuer,
      ...(started.code ? { code: started.code } : {}),
      dedupeKey: `${flow.purpose}:${flow.id}:1`,
    }),
  );
  await deps.audit.record(STARTED[input.purpose], {
    // A signed-in person moving their own address is no secret from themselves: that one names the account.
    ...(input.purpose === 'email_change' && input.accountId ? { accountId: input.accountId } : {}),
    ip: who.ip,
    userAgent: who.userAgent,
    // The trail correlates attempts by a hash; whether an account exists stays out of it too.
    details: { email_sha256: emailFingerprint(flow.email) },
  });
  return { kind: 'sent', flowId: flow.id, email: flow.email };
}

/** Another code for the same flow, mailed like the first (a notice again where there is no code). */
export async function resendProof(
  deps: CodeFlowDeps,
  flowId: string,
  mailKinds: { code: CodeMailKind; decoy: CodeMailKind | ((email: string) => Promise<CodeMailKind>) },
  who: Requester,
): Promise<Started | undefined> {
  const found = await deps.codes.find(flowId, who.bindTo);
  if (!found) return undefined;
  const wait = await deps.codes.sendWait(found.purpose, found.email, who.ip);
  if (wait > 0) return { kind: 'wait', seconds: wait };
  // Which notice a decoy gets is decided again, for every flow alike, so a resend's timing tells nothing.
  const decoyKind = typeof mailKinds.decoy === 'string' ? mailKinds.decoy : await mailKinds.decoy(found.email);
  const again = await deps.codes.resend(flowId, who.bindTo, who.ip);
  if (!again) return undefined;
  await deps.mail.enqueue(
    codeMail(deps.translator, {
      kind: again.code ? mailKinds.code : decoyKind,
      to: again.flow.email,
      lang: who.lang,
      issuer: deps.issuer,
      ...(again.code ? { code: again.code } : {}),
    }),
  );
  return { kind: 'sent', flowId, email: again.flow.email };
}

/** A wrong or stale code is audited by address hash, so guessing shows in the trail. */
export async function auditRefusal(deps: CodeFlowDeps, refusal: CodeRefusal, email: string, who: Requester) {
  if (refusal.reason === 'expired') return;
  await deps.audit.record(AUDIT.codeRejected, {
    ip: who.ip,
    userAgent: who.userAgent,
    details: { email_sha256: emailFingerprint(email), reason: refusal.reason },
  });
}
