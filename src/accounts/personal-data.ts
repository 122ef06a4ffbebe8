import type { AuditLog } from '../audit/audit-log.js';
import type { AccountRecord } from '../storage/store.js';
import type { AccountOverview } from './account-overview.js';

/** The most security events one download carries: years of an ordinary account's history. */
export const PERSONAL_DATA_EVENTS = 1000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Everything Signet holds about an account that its owner may take away, as one JSON document: the
 * profile, where it is signed in, the apps it allowed and its security events. Never the password hash,
 * tokens or session ids an attacker could replay from a leaked download.
 */
export async function personalData(
  deps: { overview: AccountOverview; audit: AuditLog },
  account: AccountRecord,
  now: number,
): Promise<Record<string, unknown>> {
  const [sessions, apps, events] = await Promise.all([
    deps.overview.sessions(account.id),
    deps.overview.apps(account.id),
    deps.audit.list({ accountId: account.id, limit: PERSONAL_DATA_EVENTS }),
  ]);
  return {
    format: 'signet-personal-data',
    version: 1,
    exported_at: iso(now),
    account: {
      id: account.id,
      email: account.email,
      email_verified: account.emailVerified,
      name: account.name,
      profile: account.profile ?? {},
      created_at: iso(account.createdAt),
      updated_at: iso(account.updatedAt),
    },
    sessions: sessions.map((s) => ({
      ip: s.ip,
      user_agent: s.userAgent,
      first_seen: iso(s.firstSeen),
      last_seen: iso(s.lastSeen),
    })),
    apps: apps.map((a) => ({
      client_id: a.clientId,
      name: a.clientName,
      scopes: a.scopes,
      apis: a.apis,
      since: iso(a.since),
    })),
    security_events: events.map((e) => ({
      at: iso(e.at),
      type: e.type,
      client_id: e.clientId,
      ip: e.ip,
      user_agent: e.userAgent,
      details: e.details,
    })),
  };
}
