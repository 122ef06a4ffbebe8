import { AUDIT, type AuditLog } from '../../audit/audit-log.js';
import type { Language, Translate } from '../../i18n/translator.js';
import type { AccountView } from '../view-models/account-view.js';
import { timeView } from '../view-models/time-view.js';

// A change of the address an account signs in with is a security notice on the account page: whoever
// made it (the owner, an operator, or the way back from the old address), the owner must be able to see
// that it happened.

/** The events, newest first, that changed the account's address since the owner last dismissed notices. */
async function emailChanges(audit: AuditLog, accountId: string): Promise<Array<{ at: number }>> {
  const [dismissed] = await audit.list({ accountId, types: [AUDIT.noticesDismissed], limit: 1 });
  const upTo = dismissed?.details.up_to;
  const since = (typeof upTo === 'number' && Number.isFinite(upTo) ? upTo : 0) + 1;
  const updates = await audit.list({ accountId, types: [AUDIT.accountUpdated], since, limit: 50 });
  return updates.filter((e) => Array.isArray(e.details.fields) && e.details.fields.includes('email')).slice(0, 20);
}

/** The page's view with those events among its notices (by time), and the flashes of the email pages. */
export async function withEmailNotices(
  view: AccountView,
  input: { audit: AuditLog; accountId: string; flash: string | undefined; now: number; lang: Language; t: Translate },
): Promise<AccountView> {
  const { t } = input;
  const changes = await emailChanges(input.audit, input.accountId);
  const added = changes.map((e) => ({
    tone: 'info' as const,
    text: t('account:notices.emailChanged'),
    when: timeView(e.at, input.now, input.lang, t),
  }));
  const notices = [...view.notices, ...added].sort((a, b) => b.when.iso.localeCompare(a.when.iso));
  return {
    ...view,
    notices,
    noticesUpTo: Math.max(view.noticesUpTo, ...changes.map((e) => e.at)),
    ...(input.flash === 'email' ? { flash: t('account:flash.email') } : {}),
  };
}
