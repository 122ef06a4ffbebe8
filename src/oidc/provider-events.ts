import type Provider from 'oidc-provider';
import { pkceOptional } from '../clients/client-metadata.js';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { AUDIT, type AuditLog, type AuditType } from '../audit/audit-log.js';
import type { Clock, OidcRecordStore } from '../storage/store.js';
import { RefreshPolicy } from '../tokens/refresh-policy.js';
import type { AccessRevoker } from '../tokens/revocation.js';
import { auditBackchannelLogouts } from './backchannel-delivery.js';
import { recordWithRequest, requestFields, settleWithRequest, type RecordWithRequest } from './event-records.js';

export { PENDING_WRITES } from './event-records.js';

export interface ProviderEventDeps {
  audit: AuditLog;
  records: OidcRecordStore;
  revoker: AccessRevoker;
  logger: Logger;
  clock: Clock;
  sessionIdleTtl: number;
  maxSessionsPerAccount: number | undefined;
  /** Told of every token issued, by type (metrics count them). */
  tokenIssued?: (type: IssuedTokenType) => void;
  /** Runs a back-channel retry later (a timer by default; tests run it when they choose). */
  retryLater?: (run: () => void, delayMs: number) => void;
}

export type IssuedTokenType =
  'authorization_code' | 'access_token' | 'client_credentials' | 'refresh_token' | 'id_token';

/** Turns oidc-provider's events into audit events, token counts and session bookkeeping. */
export function wireProviderEvents(provider: Provider, deps: ProviderEventDeps): void {
  const record = recordWithRequest(deps.audit, deps.logger);
  if (deps.tokenIssued) countIssuedTokens(provider, deps.tokenIssued);
  auditGrants(provider, record, deps.tokenIssued);
  auditClientsAndLogouts(provider, record);
  auditBackchannelLogouts(provider, deps, record);
  provider.on('authorization.success', (ctx) => {
    settleWithRequest(ctx, trackSession(ctx, deps), deps.logger);
  });
}

/** Each opaque token is saved exactly once, when issued; a JWT access token is issued without a save. */
function countIssuedTokens(provider: Provider, tokenIssued: (type: IssuedTokenType) => void): void {
  provider.on('authorization_code.saved', () => {
    tokenIssued('authorization_code');
  });
  provider.on('access_token.saved', () => {
    tokenIssued('access_token');
  });
  provider.on('access_token.issued', () => {
    tokenIssued('access_token');
  });
  provider.on('client_credentials.saved', () => {
    tokenIssued('client_credentials');
  });
  provider.on('refresh_token.saved', () => {
    tokenIssued('refresh_token');
  });
}

function hasBodyField(ctx: KoaContextWithOIDC, field: string): boolean {
  return Boolean(ctx.body && typeof ctx.body === 'object' && field in ctx.body);
}

function auditGrants(
  provider: Provider,
  record: RecordWithRequest,
  tokenIssued: ((type: IssuedTokenType) => void) | undefined,
): void {
  provider.on('grant.success', (ctx) => {
    const { entities, params } = ctx.oidc;
    if (hasBodyField(ctx, 'id_token')) tokenIssued?.('id_token');
    const token = entities.AccessToken ?? entities.ClientCredentials;
    const type = params?.grant_type === 'refresh_token' ? AUDIT.tokenRefreshed : AUDIT.tokenIssued;
    record(ctx, type, {
      ...requestFields(ctx),
      accountId: entities.Account?.accountId ?? null,
      clientId: ctx.oidc.client?.clientId ?? null,
      details: {
        grant_type: params?.grant_type,
        grant_id: entities.Grant?.jti,
        scope: token?.scope,
        refresh_token_issued: hasBodyField(ctx, 'refresh_token'),
      },
    });
  });
  provider.on('grant.error', (ctx) => {
    if (!RefreshPolicy.isReuse(ctx)) return;
    // oidc-provider has already revoked the grant; this is the trail the user and the operator see.
    record(ctx, AUDIT.refreshReuseDetected, { ...requestFields(ctx), ...RefreshPolicy.reuseFacts(ctx) });
  });
  provider.on('grant.revoked', (ctx, grantId) => {
    record(ctx, AUDIT.grantRevoked, {
      ...requestFields(ctx),
      accountId: ctx.oidc.entities.Grant?.accountId ?? ctx.oidc.session?.accountId ?? null,
      clientId: ctx.oidc.client?.clientId ?? null,
      details: { grant_id: grantId, route: ctx.oidc.route },
    });
  });
  provider.on('access_token.destroyed', (token) => {
    // Typed as always present; an audit row takes null rather than a missing field all the same.
    const { accountId, clientId } = token as { accountId?: string; clientId?: string };
    record(undefined, AUDIT.tokenRevoked, {
      accountId: accountId ?? null,
      clientId: clientId ?? null,
      details: { kind: 'access_token', grant_id: token.grantId },
    });
  });
}

function auditClientsAndLogouts(provider: Provider, record: RecordWithRequest): void {
  const clientEvent = (type: AuditType) => (ctx: KoaContextWithOIDC, client: { clientId: string }) => {
    // An exemption from PKCE granted by the operator's token is said where the client came in.
    const pkce = pkceOptional(client) ? { pkce: 'optional' } : {};
    record(ctx, type, { ...requestFields(ctx), clientId: client.clientId, details: { via: 'registration', ...pkce } });
  };
  provider.on('registration_create.success', clientEvent(AUDIT.clientRegistered));
  provider.on('registration_update.success', clientEvent(AUDIT.clientUpdated));
  provider.on('registration_delete.success', clientEvent(AUDIT.clientDeleted));
  provider.on('end_session.success', (ctx) => {
    record(ctx, AUDIT.sessionEnded, {
      ...requestFields(ctx),
      accountId: ctx.oidc.session?.accountId ?? null,
      clientId: ctx.oidc.client?.clientId ?? null,
      details: { via: 'logout' },
    });
  });
}
/**
 * Records device, IP and last use of the provider session (for the account page), and applies the
 * optional cap on concurrent sessions: beyond it, the account's oldest other sessions end.
 */
async function trackSession(ctx: KoaContextWithOIDC, deps: ProviderEventDeps): Promise<void> {
  const session = ctx.oidc.session;
  const accountId = session?.accountId;
  if (!session || !accountId) return;
  const id = session.jti;
  const now = deps.clock();
  const previous = await deps.records.find('SessionActivity', id);
  await deps.records.upsert(
    'SessionActivity',
    id,
    {
      accountId,
      ip: ctx.ip,
      userAgent: (ctx.get('user-agent') || '').slice(0, 512),
      firstSeen: typeof previous?.firstSeen === 'number' ? previous.firstSeen : now,
      lastSeen: now,
    },
    deps.sessionIdleTtl,
  );

  const cap = deps.maxSessionsPerAccount;
  if (!cap) return;
  // By uid, not id: the session's id is rotated at login, and its record under the old id may
  // still be there when this runs (the provider saves the session after the response).
  const others = (await deps.records.findByAccount('Session', accountId)).filter(
    (s) => s.id !== id && s.payload.uid !== session.uid,
  );
  // findByAccount is newest first: everything past the cap (counting this session) is the oldest.
  for (const stale of others.slice(cap - 1)) {
    await deps.revoker.endSession(accountId, stale.id);
    await deps.audit.record(AUDIT.sessionEnded, { accountId, details: { reason: 'session_cap', cap } });
  }
}
