import type { SqliteWriter } from './sqlite-writer.js';
import type { Clock, OidcPayload, OidcRecordStore, RecordModel, StoredRecord } from '../store.js';

const LIVE = '(expires_at IS NULL OR expires_at > :now)';

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The columns copied out of the payload for lookups, as named parameters of the insert statements. */
export function indexedColumns(payload: OidcPayload) {
  return {
    grantId: text(payload.grantId),
    uid: text(payload.uid),
    userCode: text(payload.userCode),
    accountId: text(payload.accountId),
    clientId: text(payload.clientId),
    consumed: typeof payload.consumed === 'number' ? payload.consumed : null,
  };
}

function parse(row: unknown): OidcPayload | undefined {
  if (!row) return undefined;
  return JSON.parse((row as { payload: string }).payload) as OidcPayload;
}

export class SqliteOidcRecords implements OidcRecordStore {
  constructor(
    private readonly sql: SqliteWriter,
    private readonly clock: Clock,
  ) {}

  async upsert(model: RecordModel, id: string, payload: OidcPayload, expiresInSeconds?: number): Promise<void> {
    const now = this.clock();
    await this.sql.write(() =>
      this.sql
        .statement(
          `INSERT INTO oidc_records
           (model, id, payload, grant_id, uid, user_code, account_id, client_id, created_at, expires_at, consumed_at)
         VALUES (:model, :id, :payload, :grantId, :uid, :userCode, :accountId, :clientId, :now, :expiresAt, :consumed)
         ON CONFLICT (model, id) DO UPDATE SET
           payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
           user_code = excluded.user_code, account_id = excluded.account_id, client_id = excluded.client_id,
           expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`,
        )
        .run({
          model,
          id,
          payload: JSON.stringify(payload),
          ...indexedColumns(payload),
          now,
          expiresAt: expiresInSeconds === undefined ? null : now + expiresInSeconds * 1000,
        }),
    );
  }

  async find(model: RecordModel, id: string): Promise<OidcPayload | undefined> {
    return this.findBy(model, 'id', id);
  }

  async findByUid(model: RecordModel, uid: string): Promise<OidcPayload | undefined> {
    return this.findBy(model, 'uid', uid);
  }

  async findByUserCode(model: RecordModel, userCode: string): Promise<OidcPayload | undefined> {
    return this.findBy(model, 'user_code', userCode);
  }

  async consume(model: RecordModel, id: string): Promise<boolean> {
    const now = this.clock();
    // One conditional UPDATE: SQLite serialises writers, so exactly one caller sees changes = 1.
    const { changes } = await this.sql.write(() =>
      this.sql
        .statement(
          `UPDATE oidc_records
            SET consumed_at = :now, payload = json_set(payload, '$.consumed', :seconds)
          WHERE model = :model AND id = :id AND consumed_at IS NULL AND ${LIVE}`,
        )
        .run({ model, id, now, seconds: Math.floor(now / 1000) }),
    );
    return changes === 1;
  }

  async destroy(model: RecordModel, id: string): Promise<void> {
    await this.sql.write(() =>
      this.sql.statement('DELETE FROM oidc_records WHERE model = ? AND id = ?').run(model, id),
    );
  }

  async revokeByGrantId(model: RecordModel, grantId: string): Promise<void> {
    await this.sql.write(() =>
      this.sql.statement('DELETE FROM oidc_records WHERE model = ? AND grant_id = ?').run(model, grantId),
    );
  }

  async findByAccount(model: RecordModel, accountId: string, clientId?: string, limit = 200): Promise<StoredRecord[]> {
    const rows = this.sql
      .statement(
        `SELECT id, payload, created_at FROM oidc_records
          WHERE model = :model AND account_id = :accountId AND (:clientId IS NULL OR client_id = :clientId) AND ${LIVE}
          ORDER BY created_at DESC, id LIMIT :limit`,
      )
      .all({ model, accountId, clientId: clientId ?? null, now: this.clock(), limit }) as Array<{
      id: string;
      payload: string;
      created_at: number;
    }>;
    return rows.map((row) => ({
      id: row.id,
      payload: JSON.parse(row.payload) as OidcPayload,
      createdAt: row.created_at,
    }));
  }

  async list(model: RecordModel, limit: number): Promise<Array<{ id: string; payload: OidcPayload }>> {
    const rows = this.sql
      .statement(
        `SELECT id, payload FROM oidc_records WHERE model = :model AND ${LIVE}
          ORDER BY created_at DESC, id LIMIT :limit`,
      )
      .all({ model, now: this.clock(), limit }) as Array<{ id: string; payload: string }>;
    return rows.map((row) => ({ id: row.id, payload: JSON.parse(row.payload) as OidcPayload }));
  }

  async sweepExpired(): Promise<number> {
    const { changes } = await this.sql.write(() =>
      this.sql.statement('DELETE FROM oidc_records WHERE expires_at IS NOT NULL AND expires_at <= ?').run(this.clock()),
    );
    return Number(changes);
  }

  private findBy(model: RecordModel, column: 'id' | 'uid' | 'user_code', value: string): OidcPayload | undefined {
    const row = this.sql
      .statement(`SELECT payload FROM oidc_records WHERE model = :model AND ${column} = :value AND ${LIVE}`)
      .get({ model, value, now: this.clock() });
    return parse(row);
  }
}
