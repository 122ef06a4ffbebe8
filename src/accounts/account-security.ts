import type { AccountService, IdentityChanges, NewAccount } from './account-service.js';
import { actedBy, AUDIT, type Actor, type AuditFields, type AuditLog } from '../audit/audit-log.js';
import type { AccountRecord, OidcRecordStore, RecordModel } from '../storage/store.js';
import type { AccessRevoker } from '../tokens/revocation.js';
import type { ProfileChanges } from './profile.js';

export type { Actor } from '../audit/audit-log.js';

/** What an account keeps of its second factors: gone with the account, never left to a later one. */
const FACTOR_MODELS: readonly RecordModel[] = ['Factor', 'FactorUse', 'FactorChallenge'];

/**
 * Account changes made on someone's behalf (an operator, or the user on the account page): each leaves an
 * audit event, so every caller records the same trail. Those that must take effect everywhere at once
 * revoke what they invalidate (grants, sessions) in the same call; findAccount re-reads the account on
 * every token use as well, so even a token created mid-change cannot outlive a disable or delete.
 */
export class AccountSecurity {
  constructor(
    private readonly accounts: AccountService,
    private readonly revoker: AccessRevoker,
    private readonly audit: AuditLog,
    /** Where second factors are kept; deleting an account removes them. */
    private readonly records?: OidcRecordStore,
  ) {}

  async create(input: NewAccount, actor: Actor): Promise<AccountRecord> {
    const account = await this.accounts.create(input);
    await this.audit.record(
      AUDIT.accountCreated,
      this.fields(account.id, actor, { email_verified: account.emailVerified }),
    );
    return account;
  }

  /**
   * A new sign-in email, display name and/or verified flag (see AccountService.changeIdentity); sessions
   * and tokens stay. The trail names what changed, the flag's loss with a new address included.
   */
  async changeIdentity(account: AccountRecord, changes: IdentityChanges, actor: Actor): Promise<AccountRecord> {
    const updated = await this.accounts.changeIdentity(account.id, changes);
    const fields = [
      ...(updated.email !== account.email ? ['email'] : []),
      ...(changes.name !== undefined ? ['name'] : []),
      ...(updated.emailVerified !== account.emailVerified ? ['email_verified'] : []),
    ];
    await this.audit.record(AUDIT.accountUpdated, this.fields(account.id, actor, { fields }));
    return updated;
  }

  /** The user's own profile claims (or the operator's); the trail names the fields that changed, not their values. */
  async updateProfile(account: AccountRecord, changes: ProfileChanges, actor: Actor): Promise<AccountRecord> {
    const updated = await this.accounts.updateProfile(account.id, changes);
    const before: Record<string, unknown> = { ...account.profile, name: account.name };
    const after: Record<string, unknown> = { ...updated.profile, name: updated.name };
    const fields = Object.keys(changes).filter((field) => before[field] !== after[field]);
    if (fields.length > 0) await this.audit.record(AUDIT.accountUpdated, this.fields(account.id, actor, { fields }));
    return updated;
  }

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

  /**
   * Second factors go with the account (a password reset, by contrast, leaves them: recovery proves the
   * address, not the phone). Disabling keeps them, so the account comes back as it was.
   */
  async delete(account: AccountRecord, actor: Actor): Promise<void> {
    await this.accounts.delete(account.id);
    await this.signOutEverywhere(account.id);
    await this.removeFactors(account.id);
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

  private async removeFactors(accountId: string): Promise<void> {
    if (!this.records) return;
    for (const model of FACTOR_MODELS) {
      for (;;) {
        const found = await this.records.findByAccount(model, accountId);
        if (found.length === 0) break;
        for (const record of found) await this.records.destroy(model, record.id);
      }
    }
  }

  private fields(accountId: string, actor: Actor, details: Record<string, unknown> = {}): AuditFields {
    return actedBy(actor, { accountId }, details);
  }
}
