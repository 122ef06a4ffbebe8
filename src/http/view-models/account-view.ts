import type { AppSummary, SessionSummary } from '../../accounts/account-overview.js';
import { PROFILE_CLAIM_FIELDS, PROFILE_CLAIMS, type ProfileClaim } from '../../accounts/claims.js';
import type { ProfileChanges } from '../../accounts/profile.js';
import type { AccountProfile, AccountRecord, AuditEvent } from '../../storage/store.js';
import type { FactorSummary, FactorsSummary } from '../../factors/factors.js';
import { apiViews, scopeViews, type ApiView, type ScopeView } from './interaction-view.js';
import { timeView, type TimeView } from './time-view.js';
import { type Language, type Translate } from '../../i18n/translator.js';

/** The password change's fields, and the password the two-step forms ask again. */
export type PasswordField =
  'current_password' | 'new_password' | 'confirm_password' | 'factor_password' | 'passkey_password';

/** The profile form's fields, named as the claims they become (OIDC Core 5.1); '' is "not set". */
export const PROFILE_FIELDS = PROFILE_CLAIMS.filter(
  (claim): claim is Exclude<ProfileClaim, 'updated_at'> => claim !== 'updated_at',
);
export type ProfileForm = Record<(typeof PROFILE_FIELDS)[number], string>;

const KEPT_CLAIMS = Object.entries(PROFILE_CLAIM_FIELDS) as Array<
  [keyof typeof PROFILE_CLAIM_FIELDS, keyof AccountProfile]
>;

/** What the form shows: the account's claims, or what the person typed when it was refused. */
export function profileForm(account: AccountRecord): ProfileForm {
  const p = account.profile ?? {};
  const kept = Object.fromEntries(KEPT_CLAIMS.map(([claim, field]) => [claim, p[field] ?? '']));
  return { ...(kept as Omit<ProfileForm, 'name'>), name: account.name ?? '' };
}

/** The form as changes to the account: every field given, so an emptied one is cleared. */
export function profileChanges(form: ProfileForm): ProfileChanges {
  return { ...Object.fromEntries(KEPT_CLAIMS.map(([claim, field]) => [field, form[claim]])), name: form.name };
}

export type AccountView = {
  title: string;
  email: string;
  name: string | null;
  memberSince: TimeView;
  sessions: Array<{ id: string; device: string; ip: string; lastSeen: TimeView | null; current: boolean }>;
  /** Other sessions exist besides this device's: "Sign out everywhere else" has something to do. */
  otherSessions: boolean;
  apps: Array<{ clientId: string; name: string; scopes: ScopeView[]; apis: ApiView[]; since: TimeView }>;
  notices: Array<{ tone: 'danger' | 'info'; text: string; when: TimeView }>;
  /** The newest notice shown: "Dismiss" hides it and every older one, not one that arrives meanwhile. */
  noticesUpTo: number;
  flash: string | null;
  /** A refused password change: the message beside the field it concerns. */
  passwordError: { field: PasswordField; message: string } | null;
  profile: ProfileForm;
  /** A refused profile change: what was wrong (the form keeps what was typed). */
  profileError: string | null;
  /** The account's authenticator apps and recovery codes left (null: none made yet). */
  twoStep: {
    apps: FactorView[];
    passkeys: FactorView[];
    codesLeft: number | null;
  };
  csrf: string;
};

/** An authenticator app or a passkey as the account page lists it. */
interface FactorView {
  id: string;
  name: string;
  added: TimeView;
  lastUsed: TimeView | null;
}

/** The flashes `?done=` may name, each a key of `account:flash`. */
const FLASHES = new Set([
  'password',
  'session',
  'others',
  'app',
  'notices',
  'profile',
  'email',
  'twostep',
  'twostepoff',
  'passkey',
  'passkeyoff',
]);

/** The audit events an account's owner is told about, and their key in `account:notices`. */
const NOTICE_TEXT: Record<string, { tone: 'danger' | 'info'; key: string }> = {
  'refresh_token.reuse_detected': { tone: 'danger', key: 'account:notices.reuseDetected' },
  'login.locked': { tone: 'danger', key: 'account:notices.locked' },
  'account.password_changed': { tone: 'info', key: 'account:notices.passwordChanged' },
  'account.enabled': { tone: 'info', key: 'account:notices.enabled' },
  'session.ended': { tone: 'info', key: 'account:notices.sessionEnded' },
  // Only the changes of the sign-in address reach the page (AccountOverview's filter).
  'account.updated': { tone: 'info', key: 'account:notices.emailChanged' },
  'factor.added': { tone: 'info', key: 'account:notices.factorAdded' },
  'factor.removed': { tone: 'info', key: 'account:notices.factorRemoved' },
  'factor.reset': { tone: 'danger', key: 'account:notices.factorsReset' },
  'factor.recovery_codes_issued': { tone: 'info', key: 'account:notices.recoveryCodesIssued' },
  'factor.recovery_code_used': { tone: 'danger', key: 'account:notices.recoveryCodeUsed' },
};

/** "Chrome on Linux" from a User-Agent string: enough for a person to recognise a device. */
export function describeDevice(userAgent: string | null, t: Translate): string {
  if (!userAgent) return t('account:device.unknown');
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : /curl|node|undici|python|Go-http/i.test(userAgent)
            ? t('account:device.program')
            : t('account:device.browser');
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  return os ? t('account:device.on', { browser, os }) : browser;
}

/** An IPv4 client seen through a dual-stack socket arrives as ::ffff:a.b.c.d; people know it as a.b.c.d. */
export function displayIp(ip: string | null, t: Translate): string {
  if (!ip) return t('account:unknownIp');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped?.[1] ?? ip;
}

function twoStepView(summary: FactorsSummary | undefined, when: (ms: number) => TimeView): AccountView['twoStep'] {
  const shown = (f: FactorSummary) => ({
    id: f.id,
    name: f.name,
    added: when(f.createdAt),
    lastUsed: f.lastUsedAt === null ? null : when(f.lastUsedAt),
  });
  return {
    apps: (summary?.apps ?? []).map(shown),
    passkeys: (summary?.passkeys ?? []).map(shown),
    codesLeft: summary?.recoveryCodesLeft ?? null,
  };
}

export function accountView(input: {
  account: AccountRecord;
  sessions: SessionSummary[];
  currentSessionId: string | undefined;
  apps: AppSummary[];
  notices: AuditEvent[];
  flash: string | undefined;
  passwordError?: AccountView['passwordError'];
  profileRefusal?: { form: ProfileForm; message: string } | undefined;
  twoStep?: FactorsSummary;
  csrf: string;
  now: number;
  lang?: Language;
  t: Translate;
}): AccountView {
  const { now, lang = 'en' } = input;
  const { t } = input;
  const when = (ms: number) => timeView(ms, now, lang, t);
  const sessions = input.sessions
    .map((s) => ({
      id: s.id,
      device: describeDevice(s.userAgent, t),
      ip: displayIp(s.ip, t),
      lastSeen: (s.lastSeen ?? s.firstSeen) ? when((s.lastSeen ?? s.firstSeen) as number) : null,
      current: s.id === input.currentSessionId,
    }))
    // This device first: it is the one a person looks for.
    .sort((a, b) => Number(b.current) - Number(a.current));
  const notices = input.notices.flatMap((e) => {
    const notice = NOTICE_TEXT[e.type];
    return notice ? [{ tone: notice.tone, text: t(notice.key), at: e.at, when: when(e.at) }] : [];
  });
  return {
    title: t('account:title'),
    email: input.account.email,
    name: input.account.name,
    memberSince: when(input.account.createdAt),
    sessions,
    otherSessions: sessions.some((s) => !s.current),
    apps: input.apps.map((a) => ({
      clientId: a.clientId,
      name: a.clientName ?? a.clientId,
      scopes: scopeViews(a.scopes, t),
      apis: apiViews(a.apis, t),
      since: when(a.since),
    })),
    notices: notices.map(({ tone, text, when }) => ({ tone, text, when })),
    noticesUpTo: Math.max(0, ...notices.map((n) => n.at)),
    flash: input.flash && FLASHES.has(input.flash) ? t(`account:flash.${input.flash}`) : null,
    passwordError: input.passwordError ?? null,
    profile: input.profileRefusal?.form ?? profileForm(input.account),
    profileError: input.profileRefusal?.message ?? null,
    twoStep: twoStepView(input.twoStep, when),
    csrf: input.csrf,
  };
}

/** The "Revoke access?" page: what the app holds now, and that it must ask again. */
export function revokeView(app: AppSummary, csrf: string, now: number, lang: Language = 'en', t: Translate) {
  return {
    title: t('account:revoke.title'),
    clientId: app.clientId,
    name: app.clientName ?? app.clientId,
    scopes: scopeViews(app.scopes, t),
    apis: apiViews(app.apis, t),
    since: timeView(app.since, now, lang, t),
    csrf,
  };
}
