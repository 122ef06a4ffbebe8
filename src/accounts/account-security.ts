import type { AccountService } from './account-service.js';
import { AUDIT, type AuditFields, type AuditLog } from '../audit/audit-log.js';
import type { AccountRecord } from '../storage/store.js';
import type { AccessRevoker } from '../tokens/revocation.js';

/** Who asked: an operator at the CLI, or the user through the account page (with their request's IP/UA). */
export type Actor = Pick<AuditFields, 'ip' | 'userAgent'> & { via: 'cli' | 'account-page' };

/**
 * Account changes that must take effect everywhere at once: each one revokes what it invalidates
 * (grants, sessions) in the same call and leaves an audit event. findAccount re-reads the account on
 * every token use as well, so even a token created mid-change cannot outlive a disable or delete.
 */
export class AccountSecurity {
  constructor(
    private readonly accounts: AccountService,
    private readonly revoker: AccessRevoker,
    private readonly audit: AuditLog,
  ) {}

  async disable(account: AccountRecord, actor: Actor): Promise<AccountRecord> {
    const updated = await this.accounts.setDisabled(account.id, true);
    await this.signOutEverywhere(account.id);
    await this.audit.record(AUDIT.accountDisabled, this.fields(account.id, actor));
    return updated;
  }

  async enable(account: AccountRecord, actor: Actor): Promise<AccountRecord> {
    const updated = await this.accounts.setDisabled(account.id, false);
    await this.audit.record(AUDIT.accountEnabled, this.fields(account.id, actor));
    return updated;
  }

  async delete(account: AccountRecord, actor: Actor): Promise<void> {
    await this.accounts.delete(account.id);
    await this.signOutEverywhere(account.id);
    await this.audit.record(
      AUDIT.accountDeleted,
      this.fields(account.id, actor, { email_domain: account.email.split('@')[1] }),
    );
  }

  /** A new password ends every session and grant: whoever knew the old one is out. */
  async setPassword(account: AccountRecord, password: string, actor: Actor): Promise<AccountRecord> {
    const updated = await this.accounts.setPassword(account.id, password);
    const revoked = await this.signOutEverywhere(account.id);
    await this.audit.record(AUDIT.passwordChanged, this.fields(account.id, actor, revoked));
    return updated;
  }

  async revokeApps(account: AccountRecord, clientId: string | undefined, actor: Actor): Promise<string[]> {
    const clients = await this.revoker.revokeGrants(account.id, clientId);
    for (const client of clients) {
      await this.audit.record(AUDIT.grantRevoked, { ...this.fields(account.id, actor), clientId: client });
    }
    return clients;
  }

  async endSession(account: AccountRecord, sessionId: string, actor: Actor): Promise<boolean> {
    const ended = await this.revoker.endSession(account.id, sessionId);
    if (ended) await this.audit.record(AUDIT.sessionEnded, this.fields(account.id, actor));
    return ended;
  }

  private async signOutEverywhere(accountId: string): Promise<{ grants_revoked: number; sessions_ended: number }> {
    const clients = await this.revoker.revokeGrants(accountId);
    const sessions = await this.revoker.endSessions(accountId);
    return { grants_revoked: clients.length, sessions_ended: sessions };
  }

  private fields(accountId: string, actor: Actor, details: Record<string, unknown> = {}): AuditFields {
    return {
      accountId,
      ip: actor.ip ?? null,
      userAgent: actor.userAgent ?? null,
      details: { via: actor.via, ...details },
    };
  }
}
