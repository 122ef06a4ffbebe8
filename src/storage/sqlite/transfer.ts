import {
  KEY_KINDS,
  type Clock,
  type OidcPayload,
  type RecordDump,
  type RecordModel,
  type StoreOccupancy,
  type TransferItem,
  type TransferStore,
} from '../store.js';
import { toRecord as accountFromRow, type Row as AccountRow } from './accounts.js';
import { profileText } from '../account-profile.js';
import { toEvent, type Row as AuditRow } from './audit.js';
import { SqliteKeys } from './keys.js';
import { indexedColumns } from './oidc-records.js';
import type { SqliteWriter } from './sqlite-writer.js';

interface RecordRow {
  model: RecordModel;
  id: string;
  payload: string;
  created_at: number;
  expires_at: number | null;
}

/**
 * Whole-store export and import on the embedded database. Rows are read through statement iterators
 * (one row in memory at a time). Both directions hold a transaction of their own on the connection
 * for their whole run, outside the writer's group commit: only the CLI moves stores, on a store that
 * nothing else in its process writes to.
 */
export class SqliteTransfer implements TransferStore {
  readonly atomicImport = true;

  constructor(
    private readonly sql: SqliteWriter,
    private readonly clock: Clock,
  ) {}

  async *exportAll(): AsyncGenerator<TransferItem> {
    const { db } = this.sql;
    const now = this.clock();
    this.sql.flush();
    // One read transaction: under WAL it is a snapshot, so a server still writing cannot tear the export
    // (a refresh token rotated halfway through would otherwise show up as both old and new, or neither).
    db.exec('BEGIN');
    try {
      const keys = new SqliteKeys(this.sql);
      for (const kind of KEY_KINDS) for (const key of await keys.list(kind)) yield { key };
      for (const row of db.prepare('SELECT * FROM accounts ORDER BY id').iterate()) {
        const account = accountFromRow(row as unknown as AccountRow);
        if (account) yield { account };
      }
      const records = db
        .prepare(
          `SELECT model, id, payload, created_at, expires_at FROM oidc_records
            WHERE expires_at IS NULL OR expires_at > ? ORDER BY model, id`,
        )
        .iterate(now);
      for (const row of records) yield { record: recordFromRow(row as unknown as RecordRow) };
      const events = db
        .prepare('SELECT id, at, type, account_id, client_id, ip, user_agent, details FROM audit_events ORDER BY seq')
        .iterate();
      for (const row of events) yield { audit: toEvent(row as unknown as AuditRow) };
    } finally {
      // Nothing was written: COMMIT only ends the read transaction.
      if (db.isTransaction) db.exec('COMMIT');
    }
  }

  async importAll(items: AsyncIterable<TransferItem>): Promise<void> {
    const { db } = this.sql;
    this.sql.flush();
    // IMMEDIATE takes the write lock now, so a server started on this DATA_DIR meanwhile cannot slip
    // writes in between; everything commits at the end or nothing does. Plain INSERTs: a collision with
    // what the store holds is an error, never an overwrite.
    db.exec('BEGIN IMMEDIATE');
    try {
      const insertKey = this.sql.statement(
        'INSERT INTO keys (kid, kind, alg, created_at, activates_at, retires_at, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const insertAccount = this.sql.statement(
        'INSERT INTO accounts (id, email, name, password_hash, disabled, created_at, updated_at, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const insertRecord = this.sql.statement(
        `INSERT INTO oidc_records
           (model, id, payload, grant_id, uid, user_code, account_id, client_id, created_at, expires_at, consumed_at)
         VALUES (:model, :id, :payload, :grantId, :uid, :userCode, :accountId, :clientId, :createdAt, :expiresAt, :consumed)`,
      );
      const insertEvent = this.sql.statement(
        'INSERT INTO audit_events (id, at, type, account_id, client_id, ip, user_agent, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for await (const item of items) {
        if ('key' in item) {
          const k = item.key;
          insertKey.run(k.kid, k.kind, k.alg, k.createdAt, k.activatesAt, k.retiresAt, k.sealed);
        } else if ('account' in item) {
          const a = item.account;
          insertAccount.run(
            a.id,
            a.email,
            a.name,
            a.passwordHash,
            a.disabled ? 1 : 0,
            a.createdAt,
            a.updatedAt,
            profileText(a.profile),
          );
        } else if ('record' in item) {
          const { model, id, payload, createdAt, expiresAt } = item.record;
          insertRecord.run({
            model,
            id,
            payload: JSON.stringify(payload),
            ...indexedColumns(payload),
            createdAt,
            expiresAt,
          });
        } else {
          const e = item.audit;
          insertEvent.run(e.id, e.at, e.type, e.accountId, e.clientId, e.ip, e.userAgent, JSON.stringify(e.details));
        }
      }
      db.exec('COMMIT');
    } catch (err) {
      // SQLite has already rolled back after some errors (a full disk); a second ROLLBACK would hide the first error.
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  async occupancy(): Promise<StoreOccupancy> {
    const count = (sql: string, ...params: number[]) =>
      Number((this.sql.statement(sql).get(...params) as { n: number }).n);
    return {
      keys: count('SELECT COUNT(*) AS n FROM keys'),
      accounts: count('SELECT COUNT(*) AS n FROM accounts'),
      records: count('SELECT COUNT(*) AS n FROM oidc_records WHERE expires_at IS NULL OR expires_at > ?', this.clock()),
    };
  }
}

function recordFromRow(row: RecordRow): RecordDump {
  return {
    model: row.model,
    id: row.id,
    payload: JSON.parse(row.payload) as OidcPayload,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
