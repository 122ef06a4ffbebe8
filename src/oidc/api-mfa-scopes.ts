import type { KoaContextWithOIDC } from 'oidc-provider';
import { mfaScopesOf } from '../clients/client-metadata.js';
import { ACR, meetsAcr } from './authentication-context.js';

// An API's own second-factor policy (MFA_SCOPES), as the provider applies it: at issuance, and as a
// reason for the login prompt to ask a signed-in session for its second factor.

/**
 * The class of the sign-in a token is being issued for, wherever the request stands: the code or the
 * refresh token at the token endpoint (each keeps the sign-in's acr from the start), the browser's
 * session at the authorization endpoint. A client-credentials token has no person, so no class: a
 * machine never gets a scope that needs a second factor, whatever it was allowed.
 */
export function signInAcr(ctx: KoaContextWithOIDC): string | undefined {
  const { oidc } = ctx;
  if (oidc.params?.grant_type === 'client_credentials') return undefined;
  const { AuthorizationCode, RefreshToken } = oidc.entities;
  if (AuthorizationCode) return AuthorizationCode.acr;
  if (RefreshToken) return RefreshToken.acr;
  return oidc.session?.acr;
}

/** The scopes this resource server offers that the sign-in behind the request may not have in a token. */
export function withheldScopes(ctx: KoaContextWithOIDC, resourceServer: object): Set<string> {
  return meetsAcr(signInAcr(ctx), ACR.multiFactor) ? new Set() : new Set(mfaScopesOf(resourceServer));
}

function indicators(resource: unknown): string[] {
  const all = Array.isArray(resource) ? (resource as unknown[]) : [resource];
  return all.filter((value): value is string => typeof value === 'string' && value !== '');
}

/**
 * Whether the authorization request asks an API for a scope it gives only after a second factor.
 * The store is read only for a request that names a resource (most name none).
 */
export async function requestsMfaScope(ctx: KoaContextWithOIDC): Promise<boolean> {
  const { oidc } = ctx;
  const resources = indicators(oidc.params?.resource);
  if (resources.length === 0) return false;
  const requested = oidc.requestParamScopes;
  for (const indicator of resources) {
    const api = await oidc.provider.Client.find(indicator);
    if (mfaScopesOf(api).some((scope) => requested.has(scope))) return true;
  }
  return false;
}
