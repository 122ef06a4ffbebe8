import type { SignetCore } from '../app.js';
import type { ClientAdmin } from '../clients/client-admin.js';

/** The flag of each client field (NewClient, ClientChanges, initial access tokens), for refusals that name one. */
export const CLIENT_FIELD_FLAGS: Readonly<Record<string, string>> = {
  name: 'name',
  type: 'type',
  redirectUris: 'redirect-uri',
  postLogoutRedirectUris: 'post-logout-redirect-uri',
  public: 'public',
  pkce: 'pkce',
  requireMfa: 'require-mfa',
  requirePasskey: 'require-passkey',
  mfaScopes: 'mfa-scope',
  scope: 'scope',
  resource: 'resource',
  accessTokenFormat: 'access-token-format',
  scopeDescriptions: 'scope-description',
  tokenEndpointAuthMethod: 'token-endpoint-auth-method',
  jwksUri: 'jwks-uri',
  backchannelLogoutUri: 'backchannel-logout-uri',
  expiresIn: 'expires-in',
  maxUses: 'max-uses',
};

/** The core's client admin (it records every change in the core's audit log). */
export async function clientAdmin(app: SignetCore): Promise<ClientAdmin> {
  return (await app.oidc()).clients;
}
