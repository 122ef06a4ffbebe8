import type { AccountRecord } from '../storage/store.js';

/**
 * The claims an account can release. oidc-provider filters them by the granted scopes
 * (openid → sub, email → email/email_verified, profile → name), so this returns them all.
 */
export function accountClaims(account: AccountRecord): Record<string, unknown> {
  return {
    sub: account.id,
    email: account.email,
    // Accounts are created by an operator, who vouches for the address; self sign-up would change this.
    email_verified: true,
    ...(account.name ? { name: account.name } : {}),
    updated_at: Math.floor(account.updatedAt / 1000),
  };
}
