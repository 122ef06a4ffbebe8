import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Everything Signet decides about refresh tokens, in one place:
 * - rotation: every refresh returns a new refresh token and consumes the one presented;
 * - race: of N parallel refreshes with one token, the store's atomic consume picks one winner and the
 *   others get invalid_grant, grant untouched (they never saw a rotated token: no theft);
 * - reuse: a token already consumed when it is presented means someone kept a copy: the grant is
 *   revoked (oidc-provider does that once it sees `consumed`), audited, and shown to the user;
 * - leeway: for REFRESH_TOKEN_REUSE_LEEWAY seconds after its rotation, a consumed token is answered as
 *   unknown instead (invalid_grant, grant kept), for clients that refresh from several tabs at once.
 */
export const ROTATE_REFRESH_TOKENS = true;

export interface RefreshPolicyOptions {
  /** ms since the epoch */
  clock: () => number;
  /** Seconds after a rotation during which the old token is refused without revoking anything. */
  leeway: number;
}

export class RefreshPolicy {
  constructor(private readonly options: RefreshPolicyOptions) {}

  /**
   * Whether a stored refresh token is looked up as "not found": only a consumed one, inside the
   * leeway. Outside it, the consumed token is returned and oidc-provider treats it as reuse.
   */
  hiddenByLeeway(record: { consumed?: unknown } | undefined): boolean {
    if (typeof record?.consumed !== 'number') return false;
    return this.options.clock() / 1000 - record.consumed < this.options.leeway;
  }

  /**
   * Whether a failed token request was the reuse of a rotated refresh token, read from the token's own
   * state: it was already consumed when it was loaded, by the client it belongs to, and not expired
   * (the checks oidc-provider makes before it revokes the grant). A request that lost a race loaded the
   * token unconsumed.
   */
  static isReuse(ctx: KoaContextWithOIDC): boolean {
    const token = ctx.oidc.entities.RefreshToken;
    return (
      ctx.oidc.params?.grant_type === 'refresh_token' &&
      typeof token?.consumed === 'number' &&
      token.clientId === ctx.oidc.client?.clientId &&
      !token.isExpired
    );
  }

  /** What the audit trail keeps of a reuse: whose grant, and when the token had been rotated. */
  static reuseFacts(ctx: KoaContextWithOIDC) {
    const token = ctx.oidc.entities.RefreshToken;
    return {
      accountId: token?.accountId ?? null,
      clientId: token?.clientId ?? ctx.oidc.client?.clientId ?? null,
      details: { grant_id: token?.grantId, consumed_at: token?.consumed },
    };
  }
}
