import type { Language, Translator } from '../i18n/translator.js';
import type { MailRequest } from '../mail/mail-service.js';
import { renderMail } from '../mail/render-mail.js';

/** Every mail of the address-proving flows: the code itself, or what happened instead. */
export type CodeMailKind =
  /** A sign-up code for a new address. */
  | 'signup_code'
  /** Someone tried to sign up with an address that already has an account: no code, a way forward. */
  | 'signup_taken'
  /** A recovery code for an account's address. */
  | 'recovery_code'
  /** Someone asked to recover an address no (enabled) account uses: no code. */
  | 'recovery_unknown'
  /** The password was just changed through recovery. */
  | 'password_changed'
  /** A code to prove the new address of an account's email change. */
  | 'email_change_code'
  /** Someone asked to move an account to an address another account already uses: no code. */
  | 'email_change_taken'
  /** To the old address after a change: what happened, and the way back (`link`). */
  | 'email_changed'
  /** Sign-up is by invitation and this address has none: no code. */
  | 'signup_uninvited'
  /** An operator invited this address to sign up: where to go (no code, no link to act on). */
  | 'invitation'
  /** An authenticator app was added to the account (no code: a notice). */
  | 'factor_added'
  /** An authenticator app was removed from the account. */
  | 'factor_removed'
  /** A passkey was added to the account. */
  | 'passkey_added'
  /** A passkey was removed from the account. */
  | 'passkey_removed'
  /** A new set of recovery codes replaced the old one. */
  | 'recovery_codes_issued'
  /** A recovery code was used to sign in. */
  | 'recovery_code_used'
  /** An operator removed every second factor of the account. */
  | 'factors_reset';

export interface CodeMailInput {
  kind: CodeMailKind;
  to: string;
  lang: Language;
  issuer: string;
  code?: string;
  /**
   * The way back from an email change. It only opens a page that asks to confirm with a button, so a
   * mail scanner following it changes nothing.
   */
  link?: string;
  /** The same flow and code mailed twice (a retried request) are one message. */
  dedupeKey?: string;
}

/**
 * Renders one mail in the person's language. Codes are never in the subject (it shows on lock screens
 * and in notification previews), and no mail carries a link to act on: only the code, typed where it
 * was asked for. The one link (an email change's way back, to an address that may no longer sign in)
 * opens a page that asks before it acts.
 */
export function codeMail(translator: Translator, input: CodeMailInput): MailRequest {
  const t = (key: string, vars: Record<string, unknown> = {}) =>
    translator.t(input.lang, `verification:${input.kind}.${key}`, {
      issuer: input.issuer,
      email: input.to,
      ...(input.link ? { link: input.link } : {}),
      ...vars,
    });
  const subject = t('subject');
  const body = renderMail({
    lang: input.lang,
    title: subject,
    paragraphs: [t('intro'), t('next')],
    ...(input.code ? { code: input.code } : {}),
    // A mail with a link says where the link may lead, rather than where a code may be typed.
    footer: translator.t(input.lang, input.link ? 'verification:footerLink' : 'verification:footer', {
      issuer: input.issuer,
      email: input.to,
    }),
  });
  return { to: input.to, subject, ...body, ...(input.dedupeKey ? { dedupeKey: input.dedupeKey } : {}) };
}
