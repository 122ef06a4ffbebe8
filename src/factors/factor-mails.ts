import type { Translator } from '../i18n/translator.js';
import type { MailService } from '../mail/mail-service.js';
import { codeMail } from '../verification/code-mails.js';
import type { FactorNotifier } from './factors.js';

/**
 * Every change to an account's second factors is mailed to its address: someone who learned the
 * password and added their own app, or used a recovery code, is told about to the one person it matters to.
 */
export function mailFactorNotices(mail: MailService, translator: Translator, issuer: string): FactorNotifier {
  return async (account, kind, lang) => {
    await mail.enqueue(codeMail(translator, { kind, to: account.email, lang, issuer }));
  };
}

/** Where no mail can go out: the audit trail and the account page's notices still tell. */
export const noFactorNotices: FactorNotifier = () => Promise.resolve();
