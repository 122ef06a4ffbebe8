import { createHmac } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { ClientSecretHasher } from './client-secret.js';

export interface FirstPartyClient {
  /** Static client metadata for oidc-provider (client_secret already hashed, as in the store). */
  metadata: ClientMetadata & { client_id: string };
  /** The plain secret, for the in-process relying party only. */
  secret: string;
  scope: string;
}

export const ACCOUNT_CLIENT_ID = 'signet-account';

/**
 * The account page is a relying party of Signet like any other: it signs users in with the code flow
 * and PKCE. Its secret is derived from the pepper, so every node computes the same one and it is
 * never written anywhere.
 */
export function accountClient(issuer: string, pepper: Buffer, secrets: ClientSecretHasher): FirstPartyClient {
  const secret = createHmac('sha256', pepper).update(`first-party:${ACCOUNT_CLIENT_ID}`).digest('base64url');
  return {
    secret,
    scope: 'openid email profile',
    metadata: {
      client_id: ACCOUNT_CLIENT_ID,
      client_secret: secrets.hash(secret),
      client_name: 'Signet account',
      redirect_uris: [`${issuer}/account/callback`],
      post_logout_redirect_uris: [`${issuer}/account/signed-out`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  };
}
