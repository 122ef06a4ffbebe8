import type { AppSummary, SessionSummary } from '../../oidc/account-overview.js';
import type { AccountRecord, AuditEvent } from '../../storage/store.js';
import { apiViews, scopeViews, type ApiView, type ScopeView } from './interaction-view.js';

export type AccountView = {
  title: string;
  email: string;
  name: string | null;
  memberSince: string;
  sessions: Array<{ id: string; device: string; ip: string; lastSeen: string; current: boolean }>;
  apps: Array<{ clientId: string; name: string; scopes: ScopeView[]; apis: ApiView[]; since: string }>;
  notices: Array<{ tone: 'danger' | 'info'; text: string; when: string }>;
  flash: string | null;
  csrf: string;
};

const FLASH: Record<string, string> = {
  password: 'Your password was changed. Every session and app was signed out, this device included; this page stays open until you sign out.',
  session: 'The session was ended.',
  app: 'Access was revoked. The app must ask you again.',
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
  'account.password_changed': { tone: 'info', text: 'Your password was changed.' },
  'account.enabled': { tone: 'info', text: 'Your account was re-enabled by an administrator.' },
  'session.ended': { tone: 'info', text: 'A session was ended.' },
  'grant.revoked': { tone: 'info', text: "An app's access was revoked." },
};

/** "Chrome on Linux" from a User-Agent string: enough for a person to recognise a device. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser =
    /Edg\//.test(userAgent) ? 'Edge'
    : /Firefox\//.test(userAgent) ? 'Firefox'
    : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome'
    : /Safari\//.test(userAgent) ? 'Safari'
    : /curl|node|undici|python|Go-http/i.test(userAgent) ? 'A program'
    : 'A browser';
  const os =
    /Android/.test(userAgent) ? 'Android'
    : /iPhone|iPad/.test(userAgent) ? 'iOS'
    : /Windows/.test(userAgent) ? 'Windows'
    : /Mac OS X|Macintosh/.test(userAgent) ? 'macOS'
    : /Linux/.test(userAgent) ? 'Linux'
    : null;
  return os ? `${browser} on ${os}` : browser;
}

function when(ms: number | null): string {
  return ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'unknown';
}

export function accountView(input: {
  account: AccountRecord;
  sessions: SessionSummary[];
  currentSessionId: string | undefined;
  apps: AppSummary[];
  notices: AuditEvent[];
  flash: string | undefined;
  csrf: string;
}): AccountView {
  return {
    title: 'Your account',
    email: input.account.email,
    name: input.account.name,
    memberSince: when(input.account.createdAt),
    sessions: input.sessions.map((s) => ({
      id: s.id,
      device: describeDevice(s.userAgent),
      ip: s.ip ?? 'unknown',
      lastSeen: when(s.lastSeen ?? s.firstSeen),
      current: s.id === input.currentSessionId,
    })),
    apps: input.apps.map((a) => ({
      clientId: a.clientId,
      name: a.clientName ?? a.clientId,
      scopes: scopeViews(a.scopes),
      apis: apiViews(a.apis),
      since: when(a.since),
    })),
    notices: input.notices.flatMap((e) => {
      const notice = NOTICE_TEXT[e.type];
      return notice ? [{ ...notice, when: when(e.at) }] : [];
    }),
    flash: input.flash ? (FLASH[input.flash] ?? null) : null,
    csrf: input.csrf,
  };
}
