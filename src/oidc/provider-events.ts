import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { AUDIT, type AuditFields, type AuditLog, type AuditType } from '../audit/audit-log.js';
import type { Clock, OidcRecordStore } from '../storage/store.js';
import type { AccessRevoker } from './revocation.js';

export interface ProviderEventDeps {
  audit: AuditLog;
  records: OidcRecordStore;
  revoker: AccessRevoker;
  logger: Logger;
  clock: Clock;
  sessionIdleTtl: number;
  maxSessionsPerAccount: number | undefined;
}

/** oidc-provider's error_detail when a rotated refresh token comes back (lib/actions/grants/refresh_token.js). */
const REUSED_REFRESH_TOKEN = 'refresh token already used';

function requestFields(ctx: KoaContextWithOIDC | undefined): AuditFields {
  return { ip: ctx?.ip ?? null, userAgent: ctx?.get('user-agent') || null };
}

/**
 * Turns oidc-provider's events into audit events and session bookkeeping. Listeners cannot be awaited
 * by the emitter, so each write reports its own failure to the log.
 */
export function wireProviderEvents(provider: Provider, deps: ProviderEventDeps): void {
  const { audit } = deps;

  provider.on('grant.success', (ctx) => {
    const { entities, params } = ctx.oidc;
    const token = entities.AccessToken ?? entities.ClientCredentials;
    const type = params?.grant_type === 'refresh_token' ? AUDIT.tokenRefreshed : AUDIT.tokenIssued;
    audit.recordLater(type, {
      ...requestFields(ctx),
      accountId: entities.Account?.accountId ?? null,
      clientId: ctx.oidc.client?.clientId ?? null,
      details: {
        grant_type: params?.grant_type,
        grant_id: entities.Grant?.jti,
        scope: token?.scope,
        refresh_token_issued: Boolean(ctx.body && typeof ctx.body === 'object' && 'refresh_token' in ctx.body),
      },
    });
  });

  provider.on('grant.error', (ctx, error) => {
    if ((error as { error_detail?: string }).error_detail !== REUSED_REFRESH_TOKEN) return;
    const token = ctx.oidc.entities.RefreshToken;
    // oidc-provider has already revoked the grant; this is the trail the user and the operator see.
    audit.recordLater(AUDIT.refreshReuseDetected, {
      ...requestFields(ctx),
      accountId: token?.accountId ?? null,
      clientId: token?.clientId ?? ctx.oidc.client?.clientId ?? null,
      details: { grant_id: token?.grantId, consumed_at: token?.consumed },
    });
  });

  provider.on('grant.revoked', (ctx, grantId) => {
    audit.recordLater(AUDIT.grantRevoked, {
      ...requestFields(ctx),
      accountId: ctx.oidc.entities.Grant?.accountId ?? ctx.oidc.session?.accountId ?? null,
      clientId: ctx.oidc.client?.clientId ?? null,
      details: { grant_id: grantId, route: ctx.oidc.route },
    });
  });

  provider.on('access_token.destroyed', (token) => {
    audit.recordLater(AUDIT.tokenRevoked, {
      accountId: token.accountId ?? null,
      clientId: token.clientId ?? null,
      details: { kind: 'access_token', grant_id: token.grantId },
    });
  });

  const clientEvent = (type: AuditType) => (ctx: KoaContextWithOIDC, client: { clientId: string }) =>
    audit.recordLater(type, { ...requestFields(ctx), clientId: client.clientId, details: { via: 'registration' } });
  provider.on('registration_create.success', clientEvent(AUDIT.clientRegistered));
  provider.on('registration_update.success', clientEvent(AUDIT.clientUpdated));
  provider.on('registration_delete.success', clientEvent(AUDIT.clientDeleted));

  provider.on('end_session.success', (ctx) => {
    audit.recordLater(AUDIT.sessionEnded, {
      ...requestFields(ctx),
      accountId: ctx.oidc.session?.accountId ?? null,
      clientId: ctx.oidc.client?.clientId ?? null,
      details: { via: 'logout' },
    });
  });

  provider.on('authorization.success', (ctx) => {
    trackSession(ctx, deps).catch((err: unknown) => deps.logger.error({ err }, 'session bookkeeping failed'));
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
  const others = (await deps.records.findByAccount('Session', accountId)).filter((s) => s.id !== id && s.payload.uid !== session.uid);
  // findByAccount is newest first: everything past the cap (counting this session) is the oldest.
  for (const stale of others.slice(cap - 1)) {
    await deps.revoker.endSession(accountId, stale.id);
    await deps.audit.record(AUDIT.sessionEnded, { accountId, details: { reason: 'session_cap', cap } });
  }
}
