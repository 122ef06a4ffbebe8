import type { AppSummary, SessionSummary } from '../../accounts/account-overview.js';
import type { AccountRecord, AuditEvent } from '../../storage/store.js';
import { apiViews, scopeViews, type ApiView, type ScopeView } from './interaction-view.js';
import { timeView, type TimeView } from './time-view.js';

export type PasswordField = 'current_password' | 'new_password' | 'confirm_password';

/** The profile form's fields, named as the claims they become (OIDC Core 5.1); '' is "not set". */
export const PROFILE_FIELDS = [
  'name',
  'given_name',
  'family_name',
  'preferred_username',
  'picture',
  'locale',
  'zoneinfo',
] as const;
export type ProfileForm = Record<(typeof PROFILE_FIELDS)[number], string>;

/** What the form shows: the account's claims, or what the person typed when it was refused. */
export function profileForm(account: AccountRecord): ProfileForm {
  const p = account.profile ?? {};
  return {
    name: account.name ?? '',
    given_name: p.givenName ?? '',
    family_name: p.familyName ?? '',
    preferred_username: p.preferredUsername ?? '',
    picture: p.picture ?? '',
    locale: p.locale ?? '',
    zoneinfo: p.zoneinfo ?? '',
  };
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
  csrf: string;
};

const FLASH: Record<string, string> = {
  password:
    'Your password was changed. Every session and app was signed out, this page included, so you signed in again with the new password.',
  session: 'The session was ended.',
  others: 'Every other session was ended. This device is still signed in.',
  app: 'Access was revoked. The app must ask you again.',
  notices: 'Notices dismissed. New ones will show here.',
  profile: 'Your profile was saved. Apps see the change the next time they ask for it.',
};

const NOTICE_TEXT: Record<string, { tone: 'danger' | 'info'; text: string }> = {
  'refresh_token.reuse_detected': {
    tone: 'danger',
    text: 'A refresh token that had already been used was presented again. Signet assumed it was stolen and signed that app out.',
  },
  'login.locked': {
    tone: 'danger',
    text: 'Several wrong passwords were tried for your account, so signing in was paused for 15 minutes. If it was not you, change your password.',
  },
  'account.password_changed': {
    tone: 'info',
    text: 'Your password was changed. If it was not you, contact your administrator.',
  },
  'account.enabled': { tone: 'info', text: 'Your account was re-enabled by an administrator.' },
  'session.ended': {
    tone: 'info',
    text: 'Your oldest session was signed out, because more were open than Signet allows.',
  },
};

/** "Chrome on Linux" from a User-Agent string: enough for a person to recognise a device. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : /curl|node|undici|python|Go-http/i.test(userAgent)
            ? 'A program'
            : 'A browser';
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
  return os ? `${browser} on ${os}` : browser;
}

/** An IPv4 client seen through a dual-stack socket arrives as ::ffff:a.b.c.d; people know it as a.b.c.d. */
export function displayIp(ip: string | null): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped?.[1] ?? ip;
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
  csrf: string;
  now: number;
}): AccountView {
  const { now } = input;
  const sessions = input.sessions
    .map((s) => ({
      id: s.id,
      device: describeDevice(s.userAgent),
      ip: displayIp(s.ip),
      lastSeen: (s.lastSeen ?? s.firstSeen) ? timeView((s.lastSeen ?? s.firstSeen) as number, now) : null,
      current: s.id === input.currentSessionId,
    }))
    // This device first: it is the one a person looks for.
    .sort((a, b) => Number(b.current) - Number(a.current));
  const notices = input.notices.flatMap((e) => {
    const notice = NOTICE_TEXT[e.type];
    return notice ? [{ ...notice, at: e.at, when: timeView(e.at, now) }] : [];
  });
  return {
    title: 'Your account',
    email: input.account.email,
    name: input.account.name,
    memberSince: timeView(input.account.createdAt, now),
    sessions,
    otherSessions: sessions.some((s) => !s.current),
    apps: input.apps.map((a) => ({
      clientId: a.clientId,
      name: a.clientName ?? a.clientId,
      scopes: scopeViews(a.scopes),
      apis: apiViews(a.apis),
      since: timeView(a.since, now),
    })),
    notices: notices.map(({ tone, text, when }) => ({ tone, text, when })),
    noticesUpTo: Math.max(0, ...notices.map((n) => n.at)),
    flash: input.flash ? (FLASH[input.flash] ?? null) : null,
    passwordError: input.passwordError ?? null,
    profile: input.profileRefusal?.form ?? profileForm(input.account),
    profileError: input.profileRefusal?.message ?? null,
    csrf: input.csrf,
  };
}

/** The "Revoke access?" page: what the app holds now, and that it must ask again. */
export function revokeView(app: AppSummary, csrf: string, now: number) {
  return {
    title: 'Revoke access',
    clientId: app.clientId,
    name: app.clientName ?? app.clientId,
    scopes: scopeViews(app.scopes),
    apis: apiViews(app.apis),
    since: timeView(app.since, now),
    csrf,
  };
}
