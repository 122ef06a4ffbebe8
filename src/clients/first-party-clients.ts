import { createHmac } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { ClientSecretHasher } from './client-secret.js';

export interface FirstPartyClient {
  /** Static client metadata for oidc-provider (client_secret already hashed, as in the store). */
  metadata: ClientMetadata & { client_id: string };
  /** The plain secret, for the in-process relying party only. */
  secret: string;
  scope: string;
  /** Signet's own pages need no consent; the demo app asks like any third-party app would. */
  impliedConsent: boolean;
}

export const ACCOUNT_CLIENT_ID = 'signet-account';
export const DEMO_CLIENT_ID = 'signet-demo';

/** Derived from the pepper, so every node computes the same secret and it is never written anywhere. */
function derivedSecret(pepper: Buffer, clientId: string): string {
  return createHmac('sha256', pepper).update(`first-party:${clientId}`).digest('base64url');
}

/** The account page is a relying party of Signet like any other: it signs users in with the code flow and PKCE. */
export function accountClient(issuer: string, pepper: Buffer, secrets: ClientSecretHasher): FirstPartyClient {
  const secret = derivedSecret(pepper, ACCOUNT_CLIENT_ID);
  return {
    secret,
    scope: 'openid email profile',
    impliedConsent: true,
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

/**
 * The development demo app at /demo: a relying party built the way the docs tell developers to build
 * one (code + PKCE, backend-for-frontend, back-channel logout). Never registered in production mode.
 */
export function demoClient(issuer: string, pepper: Buffer, secrets: ClientSecretHasher): FirstPartyClient {
  const secret = derivedSecret(pepper, DEMO_CLIENT_ID);
  return {
    secret,
    scope: 'openid email profile offline_access',
    impliedConsent: false,
    metadata: {
      client_id: DEMO_CLIENT_ID,
      client_secret: secrets.hash(secret),
      client_name: 'Signet demo app',
      redirect_uris: [`${issuer}/demo/callback`],
      post_logout_redirect_uris: [`${issuer}/demo`],
      backchannel_logout_uri: `${issuer}/demo/backchannel-logout`,
      backchannel_logout_session_required: true,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  };
}
