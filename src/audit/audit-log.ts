import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditEvent, AuditQuery, AuditStore, Clock } from '../storage/store.js';
import { AuditBatch } from './audit-batch.js';

/** The names of security events: one vocabulary for the log, the CLI and the account page. */
export const AUDIT = {
  loginSucceeded: 'login.succeeded',
  loginFailed: 'login.failed',
  loginLocked: 'login.locked',
  consentGranted: 'consent.granted',
  tokenIssued: 'token.issued',
  tokenRefreshed: 'token.refreshed',
  tokenRevoked: 'token.revoked',
  grantRevoked: 'grant.revoked',
  refreshReuseDetected: 'refresh_token.reuse_detected',
  sessionEnded: 'session.ended',
  accountCreated: 'account.created',
  accountDisabled: 'account.disabled',
  accountEnabled: 'account.enabled',
  accountDeleted: 'account.deleted',
  passwordChanged: 'account.password_changed',
  signupStarted: 'signup.started',
  accountInvited: 'account.invited',
  recoveryStarted: 'recovery.started',
  emailChangeStarted: 'email_change.started',
  codeRejected: 'email_code.rejected',
  noticesDismissed: 'account.notices_dismissed',
  accountUpdated: 'account.updated',
  clientRegistered: 'client.registered',
  clientUpdated: 'client.updated',
  clientDeleted: 'client.deleted',
  initialAccessTokenIssued: 'initial_access_token.issued',
  initialAccessTokenRevoked: 'initial_access_token.revoked',
  keysRotated: 'keys.rotated',
  backchannelDelivered: 'backchannel_logout.delivered',
  backchannelFailed: 'backchannel_logout.failed',
  keysRewrapped: 'keys.rewrapped',
  storeImported: 'store.imported',
  factorAdded: 'factor.added',
  factorRemoved: 'factor.removed',
  factorsReset: 'factor.reset',
  factorRejected: 'factor.rejected',
  recoveryCodesIssued: 'factor.recovery_codes_issued',
  recoveryCodeUsed: 'factor.recovery_code_used',
} as const;

export type AuditType = (typeof AUDIT)[keyof typeof AUDIT];

export interface AuditFields {
  accountId?: string | null | undefined;
  clientId?: string | null | undefined;
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
  details?: Record<string, unknown>;
}

/**
 * Who asked: an operator at the CLI, or the person themselves — on the account page, signing up, or
 * recovering a password (with their request's IP/UA).
 */
export type Actor = Pick<AuditFields, 'ip' | 'userAgent'> & {
  via: 'cli' | 'account-page' | 'sign-up' | 'recovery' | 'sign-in';
};

/** An operator at the admin CLI. */
export const CLI_OPERATOR: Actor = Object.freeze({ via: 'cli' });

/** The fields of an event an actor caused: where the request came from, and `via` first in its details. */
export function actedBy(
  actor: Actor,
  fields: Pick<AuditFields, 'accountId' | 'clientId'>,
  details: Record<string, unknown> = {},
): AuditFields {
  return {
    ...fields,
    ip: actor.ip ?? null,
    userAgent: actor.userAgent ?? null,
    details: { via: actor.via, ...details },
  };
}

/**
 * Writes every security event to the append-only audit store (the events of concurrent requests together,
 * audit-batch.ts) and to the structured log. Ids sort by time (then by a per-process sequence), so events
 * of the same millisecond keep their order.
 */
export class AuditLog {
  /** Orders the events one process writes within the same millisecond. */
  private sequence = 0;
  private readonly batch: AuditBatch;

  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** Told of every event type recorded (metrics count them). */
    private readonly onRecorded: (type: AuditType) => void = () => undefined,
    /** The request being served, if any: the trail and the request logs then point at each other. */
    private readonly requestId: () => string | undefined = () => undefined,
  ) {
    this.batch = new AuditBatch(store);
  }

  async record(type: AuditType, fields: AuditFields = {}): Promise<AuditEvent> {
    const at = this.clock();
    const requestId = this.requestId();
    const event: AuditEvent = {
      id: `${at.toString(36).padStart(10, '0')}-${(this.sequence++ % 1_679_616).toString(36).padStart(4, '0')}-${randomBytes(6).toString('hex')}`,
      at,
      type,
      accountId: fields.accountId ?? null,
      clientId: fields.clientId ?? null,
      ip: fields.ip ?? null,
      userAgent: fields.userAgent?.slice(0, 512) ?? null,
      details: requestId ? { ...fields.details, request_id: requestId } : (fields.details ?? {}),
    };
    await this.batch.append(event);
    this.onRecorded(type);
    this.logger.info({ audit: event }, type);
    return event;
  }

  list(query: AuditQuery): Promise<AuditEvent[]> {
    return this.store.list(query);
  }
}
