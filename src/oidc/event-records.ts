import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { AuditFields, AuditLog, AuditType } from '../audit/audit-log.js';

/**
 * Where listeners park their writes on the request. http/middleware/settle-writes.ts awaits them
 * before the response leaves, so an audit event is in the store by the time the client sees the result.
 */
export const PENDING_WRITES = 'signetPendingWrites';

/** Records an audit event from a provider listener, settled with the request when there is one. */
export type RecordWithRequest = (ctx: KoaContextWithOIDC | undefined, type: AuditType, fields: AuditFields) => void;

export function settleWithRequest(ctx: KoaContextWithOIDC | undefined, work: Promise<unknown>, logger: Logger): void {
  const guarded = work.catch((err: unknown) => logger.error({ err }, 'event bookkeeping failed'));
  const pending = ctx?.state[PENDING_WRITES] as Array<Promise<unknown>> | undefined;
  if (pending) pending.push(guarded);
}

export function requestFields(ctx: KoaContextWithOIDC | undefined): AuditFields {
  return { ip: ctx?.ip ?? null, userAgent: ctx?.get('user-agent') || null };
}

/** Listeners cannot be awaited by the emitter, so each write reports its own failure to the log. */
export function recordWithRequest(audit: AuditLog, logger: Logger): RecordWithRequest {
  return (ctx, type, fields) => {
    settleWithRequest(ctx, audit.record(type, fields), logger);
  };
}
