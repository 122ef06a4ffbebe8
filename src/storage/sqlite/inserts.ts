import { profileText } from '../account-profile.js';
import type { AccountRecord, AuditEvent, KeyRecord, OidcPayload, RecordDump } from '../store.js';

// One INSERT per table, with the binding of a record to its columns, shared by the store that writes
// one row and the import that writes them all: a column added to a table is added here once. Callers
// append their conflict clause (none in an import: a collision there is an error, never an overwrite).

export const INSERT_KEY = `INSERT INTO keys (kid, kind, alg, created_at, activates_at, retires_at, sealed)
  VALUES (:kid, :kind, :alg, :createdAt, :activatesAt, :retiresAt, :sealed)`;

export function keyColumns(key: KeyRecord) {
  const { kid, kind, alg, createdAt, activatesAt, retiresAt, sealed } = key;
  return { kid, kind, alg, createdAt, activatesAt, retiresAt, sealed };
}

export const INSERT_ACCOUNT = `INSERT INTO accounts (id, email, name, password_hash, disabled, email_verified, created_at, updated_at, profile)
  VALUES (:id, :email, :name, :passwordHash, :disabled, :emailVerified, :createdAt, :updatedAt, :profile)`;

export function accountColumns(account: AccountRecord) {
  const { id, email, name, passwordHash, createdAt, updatedAt } = account;
  return {
    id,
    email,
    name,
    passwordHash,
    disabled: account.disabled ? 1 : 0,
    emailVerified: account.emailVerified ? 1 : 0,
    createdAt,
    updatedAt,
    profile: profileText(account.profile),
  };
}

export const INSERT_RECORD = `INSERT INTO oidc_records
  (model, id, payload, grant_id, uid, user_code, account_id, client_id, created_at, expires_at, consumed_at)
  VALUES (:model, :id, :payload, :grantId, :uid, :userCode, :accountId, :clientId, :createdAt, :expiresAt, :consumed)`;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The payload as JSON, and the fields copied out of it into columns for lookups. */
export function recordColumns(record: RecordDump) {
  const { model, id, payload, createdAt, expiresAt } = record;
  return { model, id, payload: JSON.stringify(payload), ...indexedColumns(payload), createdAt, expiresAt };
}

function indexedColumns(payload: OidcPayload) {
  return {
    grantId: text(payload.grantId),
    uid: text(payload.uid),
    userCode: text(payload.userCode),
    accountId: text(payload.accountId),
    clientId: text(payload.clientId),
    consumed: typeof payload.consumed === 'number' ? payload.consumed : null,
  };
}

export const INSERT_AUDIT = `INSERT INTO audit_events (id, at, type, account_id, client_id, ip, user_agent, details)
  VALUES (:id, :at, :type, :accountId, :clientId, :ip, :userAgent, :details)`;

export function auditColumns(event: AuditEvent) {
  const { id, at, type, accountId, clientId, ip, userAgent } = event;
  return { id, at, type, accountId, clientId, ip, userAgent, details: JSON.stringify(event.details) };
}
