import type { AccountService } from './account-service.js';
import { accountClaims } from './claims.js';

export interface OidcAccount {
  accountId: string;
  claims(): Record<string, unknown>;
}

/**
 * oidc-provider's findAccount. Reads the store on every call — userinfo, token refresh and
 * introspection all go through it — so a disabled account stops working at once, with no cache.
 */
export function createFindAccount(accounts: AccountService) {
  return async (_ctx: unknown, sub: string): Promise<OidcAccount | undefined> => {
    const account = await accounts.findById(sub);
    if (!account || account.disabled) return undefined;
    return { accountId: account.id, claims: () => accountClaims(account) };
  };
}
