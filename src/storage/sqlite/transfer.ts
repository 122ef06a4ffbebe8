import type {
  AccountRecord,
  AuditEvent,
  Clock,
  OidcPayload,
  RecordDump,
  RecordModel,
  StoreOccupancy,
  TransferItem,
  TransferStore,
} from '../store.js';
import { exportInOrder, writeItem, type TransferSink, type TransferSource } from '../transfer-order.js';
import { toRecord as accountFromRow, insertAccount, type Row as AccountRow } from './accounts.js';
import { toEvent, type Row as AuditRow } from './audit.js';
import { auditColumns, INSERT_AUDIT, INSERT_KEY, INSERT_RECORD, keyColumns, recordColumns } from './inserts.js';
import { SqliteKeys } from './keys.js';
import { settled, type SqliteWriter } from './sqlite-writer.js';

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
    const source: TransferSource = {
      keys: new SqliteKeys(this.sql),
      accounts: () => this.accounts(),
      records: (at) => this.records(at),
      audit: () => this.auditEvents(),
    };
    this.sql.flush();
    // One read transaction: under WAL it is a snapshot, so a server still writing cannot tear the export
    // (a refresh token rotated halfway through would otherwise show up as both old and new, or neither).
    db.exec('BEGIN');
    try {
      yield* exportInOrder(source, now);
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
      const sink = this.inserts();
      for await (const item of items) writeItem(item, sink);
      db.exec('COMMIT');
    } catch (err) {
      // SQLite has already rolled back after some errors (a full disk); a second ROLLBACK would hide the first error.
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  occupancy(): Promise<StoreOccupancy> {
    const count = (sql: string, ...params: number[]) => (this.sql.statement(sql).get(...params) as { n: number }).n;
    return settled(() => ({
      keys: count('SELECT COUNT(*) AS n FROM keys'),
      accounts: count('SELECT COUNT(*) AS n FROM accounts'),
      records: count('SELECT COUNT(*) AS n FROM oidc_records WHERE expires_at IS NULL OR expires_at > ?', this.clock()),
    }));
  }

  private inserts(): TransferSink<unknown> {
    const statement = (sql: string) => this.sql.statement(sql);
    return {
      key: (key) => statement(INSERT_KEY).run(keyColumns(key)),
      account: (account) => {
        insertAccount(this.sql, account);
      },
      record: (record) => statement(INSERT_RECORD).run(recordColumns(record)),
      audit: (event) => statement(INSERT_AUDIT).run(auditColumns(event)),
    };
  }

  private *accounts(): Generator<AccountRecord> {
    for (const row of this.sql.db.prepare('SELECT * FROM accounts ORDER BY id').iterate()) {
      const account = accountFromRow(row as unknown as AccountRow);
      if (account) yield account;
    }
  }

  private *records(now: number): Generator<RecordDump> {
    const rows = this.sql.db
      .prepare(
        `SELECT model, id, payload, created_at, expires_at FROM oidc_records
          WHERE expires_at IS NULL OR expires_at > ? ORDER BY model, id`,
      )
      .iterate(now);
    for (const row of rows) yield recordFromRow(row as unknown as RecordRow);
  }

  private *auditEvents(): Generator<AuditEvent> {
    const events = this.sql.db
      .prepare('SELECT id, at, type, account_id, client_id, ip, user_agent, details FROM audit_events ORDER BY seq')
      .iterate();
    for (const row of events) yield toEvent(row as unknown as AuditRow);
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
