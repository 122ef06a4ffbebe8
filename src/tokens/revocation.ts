import type { OidcModel, OidcRecordStore } from '../storage/store.js';

/** Everything oidc-provider ties to a grant: removing these makes each of them unusable at once. */
const GRANT_BOUND: readonly OidcModel[] = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
];

/**
 * Revocation that does not wait for expiry: tokens are references, so deleting them is enough for
 * introspection, userinfo and the token endpoint to refuse them on every node at once.
 */
export class AccessRevoker {
  constructor(private readonly records: OidcRecordStore) {}

  async revokeGrant(grantId: string): Promise<void> {
    for (const model of GRANT_BOUND) await this.records.revokeByGrantId(model, grantId);
    await this.records.destroy('Grant', grantId);
  }

  /** Revokes every grant of an account, or only those for one client. Returns the client ids touched. */
  async revokeGrants(accountId: string, clientId?: string): Promise<string[]> {
    const clients = new Set<string>();
    const seen = new Set<string>();
    for (;;) {
      const grants = (await this.records.findByAccount('Grant', accountId, clientId)).filter((g) => !seen.has(g.id));
      if (grants.length === 0) break;
      for (const grant of grants) {
        seen.add(grant.id);
        await this.revokeGrant(grant.id);
        if (typeof grant.payload.clientId === 'string') clients.add(grant.payload.clientId);
      }
    }
    return [...clients];
  }

  /**
   * Ends one provider session of an account (false when it is not theirs or gone). Tokens bound to the
   * session stop working with it; grants meant to outlive it (offline_access) do not.
   */
  async endSession(accountId: string, sessionId: string): Promise<boolean> {
    const session = await this.records.find('Session', sessionId);
    if (!session || session.accountId !== accountId) return false;
    await this.records.destroy('Session', sessionId);
    await this.records.destroy('SessionActivity', sessionId);
    return true;
  }

  async endSessions(accountId: string): Promise<number> {
    let ended = 0;
    const seen = new Set<string>();
    for (;;) {
      const sessions = (await this.records.findByAccount('Session', accountId)).filter((s) => !seen.has(s.id));
      if (sessions.length === 0) break;
      for (const session of sessions) {
        seen.add(session.id);
        if (await this.endSession(accountId, session.id)) ended += 1;
      }
    }
    for (const activity of await this.records.findByAccount('SessionActivity', accountId)) {
      await this.records.destroy('SessionActivity', activity.id);
    }
    return ended;
  }
}
