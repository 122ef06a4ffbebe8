import type { DatabaseSync } from 'node:sqlite';
import type { Clock, KeyKind, OidcPayload, RecordDump, RecordModel, StoreOccupancy, TransferItem, TransferStore } from '../store.js';
import { SqliteAccounts, toRecord as accountFromRow, type Row as AccountRow } from './accounts.js';
import { SqliteAudit, toEvent, type Row as AuditRow } from './audit.js';
import { SqliteKeys } from './keys.js';
import { indexedColumns } from './oidc-records.js';

const KEY_KINDS: readonly KeyKind[] = ['signing', 'cookie', 'pepper'];

interface RecordRow {
  model: RecordModel;
  id: string;
  payload: string;
  created_at: number;
  expires_at: number | null;
}

/**
 * Whole-store export and import on the embedded database. Rows are read through statement iterators
 * (one row in memory at a time) and written through the same code paths as ordinary writes, apart from
 * OIDC records, whose times must be kept as they were rather than taken from the clock.
 */
export class SqliteTransfer implements TransferStore {
  readonly atomicImport = true;

  private readonly keys: SqliteKeys;

  private readonly accounts: SqliteAccounts;

  private readonly audit: SqliteAudit;

  constructor(
    private readonly db: DatabaseSync,
    private readonly clock: Clock,
  ) {
    this.keys = new SqliteKeys(db);
    this.accounts = new SqliteAccounts(db);
    this.audit = new SqliteAudit(db);
  }

  async *exportAll(): AsyncGenerator<TransferItem> {
    const now = this.clock();
    // One read transaction: under WAL it is a snapshot, so a server still writing cannot tear the export
    // (a refresh token rotated halfway through would otherwise show up as both old and new, or neither).
    this.db.exec('BEGIN');
    try {
      for (const kind of KEY_KINDS) for (const key of await this.keys.list(kind)) yield { key };
      for (const row of this.db.prepare('SELECT * FROM accounts ORDER BY id').iterate()) {
        const account = accountFromRow(row as unknown as AccountRow);
        if (account) yield { account };
      }
      const records = this.db
        .prepare(
          `SELECT model, id, payload, created_at, expires_at FROM oidc_records
            WHERE expires_at IS NULL OR expires_at > ? ORDER BY model, id`,
        )
        .iterate(now);
      for (const row of records) yield { record: recordFromRow(row as unknown as RecordRow) };
      const events = this.db
        .prepare('SELECT id, at, type, account_id, client_id, ip, user_agent, details FROM audit_events ORDER BY seq')
        .iterate();
      for (const row of events) yield { audit: toEvent(row as unknown as AuditRow) };
    } finally {
      // Nothing was written: COMMIT only ends the read transaction.
      if (this.db.isTransaction) this.db.exec('COMMIT');
    }
  }

  async importAll(items: AsyncIterable<TransferItem>): Promise<void> {
    // IMMEDIATE takes the write lock now, so a server started on this DATA_DIR meanwhile cannot slip
    // writes in between; everything commits at the end or nothing does.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const insertRecord = this.db.prepare(
        `INSERT INTO oidc_records
           (model, id, payload, grant_id, uid, user_code, account_id, client_id, created_at, expires_at, consumed_at)
         VALUES (:model, :id, :payload, :grantId, :uid, :userCode, :accountId, :clientId, :createdAt, :expiresAt, :consumed)`,
      );
      for await (const item of items) {
        if ('key' in item) {
          if (!(await this.keys.insert(item.key))) throw new Error(`key ${item.key.kid} is already in the target store`);
        } else if ('account' in item) {
          await this.accounts.create(item.account);
        } else if ('record' in item) {
          const { model, id, payload, createdAt, expiresAt } = item.record;
          insertRecord.run({ model, id, payload: JSON.stringify(payload), ...indexedColumns(payload), createdAt, expiresAt });
        } else {
          await this.audit.append(item.audit);
        }
      }
      this.db.exec('COMMIT');
    } catch (err) {
      // SQLite has already rolled back after some errors (a full disk); a second ROLLBACK would hide the first error.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async occupancy(): Promise<StoreOccupancy> {
    const count = (sql: string, ...params: number[]) => Number((this.db.prepare(sql).get(...params) as { n: number }).n);
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
