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

/** What sets one first-party client apart; the rest (secret, code flow) they share. */
interface FirstPartyShape {
  clientId: string;
  scope: string;
  impliedConsent: boolean;
  metadata: Omit<ClientMetadata, 'client_id' | 'client_secret' | 'response_types' | 'token_endpoint_auth_method'>;
}

/**
 * A confidential code-flow client with a secret derived from the pepper, so every node computes the
 * same secret and it is never written anywhere.
 */
function firstParty(shape: FirstPartyShape, pepper: Buffer, secrets: ClientSecretHasher): FirstPartyClient {
  const secret = createHmac('sha256', pepper).update(`first-party:${shape.clientId}`).digest('base64url');
  return {
    secret,
    scope: shape.scope,
    impliedConsent: shape.impliedConsent,
    metadata: {
      client_id: shape.clientId,
      client_secret: secrets.hash(secret),
      ...shape.metadata,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  };
}

/** The account page is a relying party of Signet like any other: it signs users in with the code flow and PKCE. */
export function accountClient(issuer: string, pepper: Buffer, secrets: ClientSecretHasher): FirstPartyClient {
  const metadata = {
    client_name: 'Signet account',
    redirect_uris: [`${issuer}/account/callback`],
    post_logout_redirect_uris: [`${issuer}/account/signed-out`],
    grant_types: ['authorization_code'],
  };
  return firstParty(
    { clientId: ACCOUNT_CLIENT_ID, scope: 'openid email profile', impliedConsent: true, metadata },
    pepper,
    secrets,
  );
}

/**
 * The development demo app at /demo: a relying party built the way the docs tell developers to build
 * one (code + PKCE, backend-for-frontend, back-channel logout). Never registered in production mode.
 */
export function demoClient(issuer: string, pepper: Buffer, secrets: ClientSecretHasher): FirstPartyClient {
  const metadata = {
    client_name: 'Signet demo app',
    redirect_uris: [`${issuer}/demo/callback`],
    post_logout_redirect_uris: [`${issuer}/demo`],
    backchannel_logout_uri: `${issuer}/demo/backchannel-logout`,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code', 'refresh_token'],
  };
  const scope = 'openid email profile offline_access';
  return firstParty({ clientId: DEMO_CLIENT_ID, scope, impliedConsent: false, metadata }, pepper, secrets);
}
