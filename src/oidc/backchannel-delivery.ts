import type Provider from 'oidc-provider';
import { AUDIT, type AuditLog } from '../audit/audit-log.js';
import { requestFields, type RecordWithRequest } from './event-records.js';
import type { ProviderEventDeps } from './provider-events.js';

/** Delays before the 2nd, 3rd and 4th back-channel logout attempts. */
const BACKCHANNEL_RETRIES = [1_000, 5_000, 30_000];

interface BackchannelClient {
  clientId: string;
  backchannelLogout(accountId: string, sid: string): Promise<void>;
}

function laterByTimer(run: () => void, delayMs: number): void {
  setTimeout(run, delayMs).unref();
}

interface Attempt {
  client: BackchannelClient;
  accountId: string;
  sid: string;
  attempt: number;
}

/** The retries after a failed first delivery: each attempt audited, the last failure final. */
function retrier(audit: AuditLog, retryLater: NonNullable<ProviderEventDeps['retryLater']>) {
  const deliver = (a: Attempt) => {
    a.client.backchannelLogout(a.accountId, a.sid).then(
      () =>
        void audit
          .record(AUDIT.backchannelDelivered, {
            accountId: a.accountId,
            clientId: a.client.clientId,
            details: { attempt: a.attempt },
          })
          .catch(() => undefined),
      (err: unknown) => {
        failed(a, err);
      },
    );
  };
  const failed = (a: Attempt, err: unknown) => {
    const retry = a.attempt < BACKCHANNEL_RETRIES.length + 1;
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 200);
    audit
      .record(AUDIT.backchannelFailed, {
        accountId: a.accountId,
        clientId: a.client.clientId,
        details: { attempt: a.attempt, error, will_retry: retry },
      })
      .catch(() => undefined);
    if (!retry) return;
    retryLater(
      () => {
        deliver({ ...a, attempt: a.attempt + 1 });
      },
      BACKCHANNEL_RETRIES[a.attempt - 1] ?? 0,
    );
  };
  return failed;
}

/**
 * Back-channel logout deliveries: each attempt audited; a failed one retried a few times with backoff,
 * outside the logout request (the user is not kept waiting on a slow relying party).
 */
export function auditBackchannelLogouts(
  provider: Provider,
  deps: Pick<ProviderEventDeps, 'audit' | 'retryLater'>,
  record: RecordWithRequest,
): void {
  const failed = retrier(deps.audit, deps.retryLater ?? laterByTimer);
  provider.on('backchannel.success', (ctx, client, accountId) => {
    record(ctx, AUDIT.backchannelDelivered, {
      ...requestFields(ctx),
      accountId,
      clientId: client.clientId,
      details: { attempt: 1 },
    });
  });
  provider.on('backchannel.error', (_ctx, err, client, accountId, sid) => {
    failed({ client: client as unknown as BackchannelClient, accountId, sid, attempt: 1 }, err);
  });
}
