import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { AUDIT, type AuditFields, type AuditLog, type AuditType } from '../audit/audit-log.js';
import type { Clock, OidcRecordStore } from '../storage/store.js';
import { RefreshPolicy } from '../tokens/refresh-policy.js';
import type { AccessRevoker } from '../tokens/revocation.js';

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

function laterByTimer(run: () => void, delayMs: number): void {
  setTimeout(run, delayMs).unref();
}

/** Delays before the 2nd, 3rd and 4th back-channel logout attempts. */
const BACKCHANNEL_RETRIES = [1_000, 5_000, 30_000];

interface BackchannelClient {
  clientId: string;
  backchannelLogout(accountId: string, sid: string): Promise<void>;
}

export type IssuedTokenType =
  'authorization_code' | 'access_token' | 'client_credentials' | 'refresh_token' | 'id_token';

/**
 * Where listeners park their writes on the request. http/middleware/settle-writes.ts awaits them
 * before the response leaves, so an audit event is in the store by the time the client sees the result.
 */
export const PENDING_WRITES = 'signetPendingWrites';

function settleWithRequest(ctx: KoaContextWithOIDC | undefined, work: Promise<unknown>, logger: Logger): void {
  const guarded = work.catch((err: unknown) => logger.error({ err }, 'event bookkeeping failed'));
  const pending = ctx?.state?.[PENDING_WRITES] as Array<Promise<unknown>> | undefined;
  if (pending) pending.push(guarded);
}

function requestFields(ctx: KoaContextWithOIDC | undefined): AuditFields {
  return { ip: ctx?.ip ?? null, userAgent: ctx?.get('user-agent') || null };
}

/**
 * Turns oidc-provider's events into audit events and session bookkeeping. Listeners cannot be awaited
 * by the emitter, so each write reports its own failure to the log.
 */
export function wireProviderEvents(provider: Provider, deps: ProviderEventDeps): void {
  const record = (ctx: KoaContextWithOIDC | undefined, type: AuditType, fields: AuditFields) =>
    settleWithRequest(ctx, deps.audit.record(type, fields), deps.logger);

  const tokenIssued = deps.tokenIssued;
  if (tokenIssued) {
    // Each opaque token is saved exactly once, when issued; a JWT access token is issued without a save.
    provider.on('authorization_code.saved', () => tokenIssued('authorization_code'));
    provider.on('access_token.saved', () => tokenIssued('access_token'));
    provider.on('access_token.issued', () => tokenIssued('access_token'));
    provider.on('client_credentials.saved', () => tokenIssued('client_credentials'));
    provider.on('refresh_token.saved', () => tokenIssued('refresh_token'));
  }

  provider.on('grant.success', (ctx) => {
    const { entities, params } = ctx.oidc;
    if (ctx.body && typeof ctx.body === 'object' && 'id_token' in ctx.body) tokenIssued?.('id_token');
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
        refresh_token_issued: Boolean(ctx.body && typeof ctx.body === 'object' && 'refresh_token' in ctx.body),
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
    record(undefined, AUDIT.tokenRevoked, {
      accountId: token.accountId ?? null,
      clientId: token.clientId ?? null,
      details: { kind: 'access_token', grant_id: token.grantId },
    });
  });

  const clientEvent = (type: AuditType) => (ctx: KoaContextWithOIDC, client: { clientId: string }) =>
    record(ctx, type, { ...requestFields(ctx), clientId: client.clientId, details: { via: 'registration' } });
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

  // Back-channel logout deliveries: each attempt audited; a failed one retried a few times with backoff,
  // outside the logout request (the user is not kept waiting on a slow relying party).
  const deliver = (client: BackchannelClient, accountId: string, sid: string, attempt: number) => {
    client.backchannelLogout(accountId, sid).then(
      () =>
        void deps.audit
          .record(AUDIT.backchannelDelivered, { accountId, clientId: client.clientId, details: { attempt } })
          .catch(() => undefined),
      (err: unknown) => failed(client, accountId, sid, attempt, err),
    );
  };
  const failed = (client: BackchannelClient, accountId: string, sid: string, attempt: number, err: unknown) => {
    const retry = attempt < BACKCHANNEL_RETRIES.length + 1;
    deps.audit
      .record(AUDIT.backchannelFailed, {
        accountId,
        clientId: client.clientId,
        details: { attempt, error: String((err as Error)?.message ?? err).slice(0, 200), will_retry: retry },
      })
      .catch(() => undefined);
    if (!retry) return;
    (deps.retryLater ?? laterByTimer)(
      () => deliver(client, accountId, sid, attempt + 1),
      BACKCHANNEL_RETRIES[attempt - 1] ?? 0,
    );
  };
  provider.on('backchannel.success', (ctx, client, accountId) => {
    record(ctx, AUDIT.backchannelDelivered, {
      ...requestFields(ctx),
      accountId,
      clientId: client.clientId,
      details: { attempt: 1 },
    });
  });
  provider.on('backchannel.error', (_ctx, err, client, accountId, sid) => {
    failed(client as unknown as BackchannelClient, accountId, sid, 1, err);
  });

  provider.on('authorization.success', (ctx) => {
    settleWithRequest(ctx, trackSession(ctx, deps), deps.logger);
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
