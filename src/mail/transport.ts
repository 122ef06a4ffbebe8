import type { OutboxRecord } from '../storage/store.js';

/** Where a claimed message goes. Resolves once the message is accepted; rejects otherwise (or when `signal` aborts). */
export interface MailTransport {
  readonly kind: 'smtp' | 'files';
  send(message: OutboxRecord, signal: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * A refusal that will not change by trying again: the server rejected this recipient or this content
 * (a 5xx reply to RCPT TO or DATA, RFC 5321 4.2.1). Any other failure — connection, TLS, login, a 4xx —
 * may be an outage or a configuration being fixed, and is retried.
 */
export function isPermanentFailure(err: unknown): boolean {
  const e = err as { responseCode?: unknown; command?: unknown } | null;
  if (!e || typeof e.responseCode !== 'number' || e.responseCode < 500 || e.responseCode > 599) return false;
  return e.command === 'RCPT TO' || e.command === 'DATA';
}

/** A one-line reason for the outbox record and the log: the server's reply, never a stack or the URL. */
export function failureReason(err: unknown): string {
  const e = err as { response?: unknown; code?: unknown; message?: unknown } | null;
  const text = typeof e?.response === 'string' ? e.response : typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? `${e.code}: ` : '';
  return `${code}${text}`.replace(/\s+/g, ' ').slice(0, 500);
}
