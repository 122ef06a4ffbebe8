import type { ProviderHost } from '../oidc/provider-host.js';
import { AUDIT, type AuditFields, type AuditLog } from '../audit/audit-log.js';
import { describeApis, type ApiAccess } from '../consent/access-description.js';
import type { AccountRecord, AuditEvent, OidcRecordStore } from '../storage/store.js';
import { personalData } from './personal-data.js';

export interface SessionSummary {
  id: string;
  ip: string | null;
  userAgent: string | null;
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface AppSummary {
  clientId: string;
  clientName: string | null;
  scopes: string[];
  /** The APIs it may call on the account's behalf, and with which scopes. */
  apis: ApiAccess[];
  since: number;
}

/**
 * Events the account owner is shown as security notices on the account page: things that happen to
 * an account, not things its owner just did. A sign-out, or an app or session the owner ended, is not
 * one; a session ended because too many were open is.
 */
export const NOTICE_TYPES = [
  AUDIT.refreshReuseDetected,
  AUDIT.loginLocked,
  AUDIT.passwordChanged,
  AUDIT.accountEnabled,
  AUDIT.sessionEnded,
  AUDIT.accountUpdated,
  AUDIT.factorAdded,
  AUDIT.factorRemoved,
  AUDIT.factorsReset,
  AUDIT.recoveryCodesIssued,
  AUDIT.recoveryCodeUsed,
] as const;

/**
 * Of the events above, those the owner must see: a session ended by the cap (not one they ended), and a
 * change of the address the account signs in with, whoever made it (the owner, an operator, the way
 * back from the old address).
 */
function isSecurityNotice(e: AuditEvent): boolean {
  if (e.type === AUDIT.sessionEnded) return e.details.reason === 'session_cap';
  if (e.type === AUDIT.accountUpdated) return Array.isArray(e.details.fields) && e.details.fields.includes('email');
  return true;
}

/** What the account page shows: read from the store on every view, nothing cached. */
export class AccountOverview {
  constructor(
    private readonly records: OidcRecordStore,
    private readonly host: ProviderHost,
    private readonly audit: AuditLog,
    private readonly hiddenClients: ReadonlySet<string>,
  ) {}

  async sessions(accountId: string): Promise<SessionSummary[]> {
    const sessions = await this.records.findByAccount('Session', accountId);
    return Promise.all(
      sessions.map(async ({ id, createdAt }) => {
        const activity = await this.records.find('SessionActivity', id);
        return {
          id,
          ip: typeof activity?.ip === 'string' ? activity.ip : null,
          userAgent: typeof activity?.userAgent === 'string' ? activity.userAgent : null,
          firstSeen: typeof activity?.firstSeen === 'number' ? activity.firstSeen : createdAt,
          lastSeen: typeof activity?.lastSeen === 'number' ? activity.lastSeen : null,
        };
      }),
    );
  }

  /** One entry per client the account has granted access to (Signet's own pages excluded). */
  async apps(accountId: string): Promise<AppSummary[]> {
    const byClient = new Map<string, { scopes: Set<string>; resources: Map<string, Set<string>>; since: number }>();
    for (const grant of await this.records.findByAccount('Grant', accountId)) {
      const clientId = grant.payload.clientId;
      if (typeof clientId !== 'string' || this.hiddenClients.has(clientId)) continue;
      const entry = byClient.get(clientId) ?? {
        scopes: new Set<string>(),
        resources: new Map<string, Set<string>>(),
        since: grant.createdAt,
      };
      const openid = grant.payload.openid as { scope?: unknown } | undefined;
      addScopes(entry.scopes, openid?.scope);
      const resources = grant.payload.resources;
      for (const [indicator, scope] of Object.entries(resources && typeof resources === 'object' ? resources : {})) {
        const offered = entry.resources.get(indicator) ?? new Set<string>();
        entry.resources.set(indicator, offered);
        addScopes(offered, scope);
      }
      entry.since = Math.min(entry.since, grant.createdAt);
      byClient.set(clientId, entry);
    }
    const find = (id: string) => this.host.current.Client.find(id);
    return Promise.all(
      [...byClient].map(async ([clientId, { scopes, resources, since }]) => {
        const client = await find(clientId);
        const apis = await describeApis(
          find,
          Object.fromEntries([...resources].map(([indicator, set]) => [indicator, [...set]])),
        );
        return { clientId, clientName: client?.clientName ?? null, scopes: [...scopes], apis, since };
      }),
    );
  }

  /** The notices newer than the last dismissal. */
  async notices(accountId: string): Promise<AuditEvent[]> {
    const since = (await this.dismissedUpTo(accountId)) + 1;
    const events = await this.audit.list({ accountId, types: NOTICE_TYPES, since, limit: 50 });
    return events.filter(isSecurityNotice).slice(0, 20);
  }

  /**
   * The owner has read the notices up to `upTo` (the newest one their page showed, so one that arrived
   * meanwhile stays). Kept as an audit event: the trail is append-only and already per account on both
   * stores, and "the owner saw the warning" belongs in it.
   */
  /** The owner's "download my data" document (personal-data.ts). */
  personalData(account: AccountRecord, now: number): Promise<Record<string, unknown>> {
    return personalData({ overview: this, audit: this.audit }, account, now);
  }

  async dismissNotices(accountId: string, upTo: number, actor: Pick<AuditFields, 'ip' | 'userAgent'>): Promise<void> {
    if (upTo <= (await this.dismissedUpTo(accountId))) return;
    await this.audit.record(AUDIT.noticesDismissed, {
      accountId,
      ip: actor.ip ?? null,
      userAgent: actor.userAgent ?? null,
      details: { up_to: upTo },
    });
  }

  private async dismissedUpTo(accountId: string): Promise<number> {
    const [last] = await this.audit.list({ accountId, types: [AUDIT.noticesDismissed], limit: 1 });
    const upTo = last?.details.up_to;
    return typeof upTo === 'number' && Number.isFinite(upTo) ? upTo : 0;
  }
}

function addScopes(into: Set<string> | undefined, scope: unknown): void {
  if (typeof scope === 'string') for (const s of scope.split(' ')) if (s) into?.add(s);
}
