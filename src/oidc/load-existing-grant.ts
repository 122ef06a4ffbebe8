import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import type { OidcRecordStore } from '../storage/store.js';
import type { FirstPartyClient } from '../clients/first-party-clients.js';

/**
 * Which grant answers an authorization request without asking the user again:
 * 1. the grant this session already holds for the client (oidc-provider's default);
 * 2. for Signet's own first-party clients, a fresh grant of exactly what they are allowed — the user
 *    is signing in to Signet itself, there is nothing to consent to;
 * 3. consent given earlier, in another session, to the same client: remembered, but copied into a new
 *    grant of this session, so that logging out here does not revoke the other devices' tokens.
 */
export async function loadExistingGrant(
  ctx: KoaContextWithOIDC,
  records: OidcRecordStore,
  firstParty: readonly FirstPartyClient[],
): Promise<Grant | undefined> {
  const { provider, client, session, result } = ctx.oidc;
  if (!client || !session) return undefined;
  const current = result?.consent?.grantId || session.grantIdFor(client.clientId);
  if (current) return provider.Grant.find(current);

  const accountId = session.accountId;
  if (!accountId) return undefined;
  const own = firstParty.find((c) => c.impliedConsent && c.metadata.client_id === client.clientId);
  if (own) return saved(new provider.Grant({ accountId, clientId: client.clientId }), own.scope);

  const [latest] = await records.findByAccount('Grant', accountId, client.clientId, 1);
  if (!latest) return undefined;
  // Made from the row that query returned (live grants only) as Grant.find makes it from the same row:
  // reading it again by id would cost a round trip for the same answer.
  const earlier = new provider.Grant(latest.payload);
  const grant = new provider.Grant({ accountId, clientId: client.clientId });
  const scope = earlier.getOIDCScope();
  const claims = earlier.getOIDCClaims();
  if (claims.length > 0) grant.addOIDCClaims(claims);
  for (const resource of Object.keys(earlier.resources ?? {})) {
    const resourceScope = earlier.getResourceScope(resource);
    if (resourceScope) grant.addResourceScope(resource, resourceScope);
  }
  return saved(grant, scope);
}

async function saved(grant: Grant, scope: string): Promise<Grant> {
  if (scope) grant.addOIDCScope(scope);
  await grant.save();
  return grant;
}
