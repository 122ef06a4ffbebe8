import type { SqliteWriter } from './sqlite-writer.js';
import type { Clock, OidcPayload, OidcRecordStore, RecordModel, StoredRecord } from '../store.js';
import { INSERT_RECORD, recordColumns } from './inserts.js';

const LIVE = '(expires_at IS NULL OR expires_at > :now)';

const UPSERT = `${INSERT_RECORD}
  ON CONFLICT (model, id) DO UPDATE SET
    payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
    user_code = excluded.user_code, account_id = excluded.account_id, client_id = excluded.client_id,
    expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`;

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
    const expiresAt = expiresInSeconds === undefined ? null : now + expiresInSeconds * 1000;
    // createdAt is kept on overwrite: the conflict clause leaves created_at as it was.
    await this.sql.write(() =>
      this.sql.statement(UPSERT).run(recordColumns({ model, id, payload, createdAt: now, expiresAt })),
    );
  }

  find(model: RecordModel, id: string): Promise<OidcPayload | undefined> {
    return this.findBy(model, 'id', id);
  }

  findByUid(model: RecordModel, uid: string): Promise<OidcPayload | undefined> {
    return this.findBy(model, 'uid', uid);
  }

  findByUserCode(model: RecordModel, userCode: string): Promise<OidcPayload | undefined> {
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

  findByAccount(model: RecordModel, accountId: string, clientId?: string, limit = 200): Promise<StoredRecord[]> {
    return this.sql.read(() => {
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
    });
  }

  list(model: RecordModel, limit: number): Promise<Array<{ id: string; payload: OidcPayload }>> {
    return this.sql.read(() => {
      const rows = this.sql
        .statement(
          `SELECT id, payload FROM oidc_records WHERE model = :model AND ${LIVE}
            ORDER BY created_at DESC, id LIMIT :limit`,
        )
        .all({ model, now: this.clock(), limit }) as Array<{ id: string; payload: string }>;
      return rows.map((row) => ({ id: row.id, payload: JSON.parse(row.payload) as OidcPayload }));
    });
  }

  async sweepExpired(): Promise<number> {
    const { changes } = await this.sql.write(() =>
      this.sql.statement('DELETE FROM oidc_records WHERE expires_at IS NOT NULL AND expires_at <= ?').run(this.clock()),
    );
    return Number(changes);
  }

  clientChanges(): Promise<number> {
    return this.sql.read(() => {
      const row = this.sql.statement("SELECT value FROM change_marks WHERE name = 'Client'").get() as
        { value: number } | undefined;
      return row?.value ?? 0;
    });
  }

  private findBy(
    model: RecordModel,
    column: 'id' | 'uid' | 'user_code',
    value: string,
  ): Promise<OidcPayload | undefined> {
    return this.sql.read(() =>
      parse(
        this.sql
          .statement(`SELECT payload FROM oidc_records WHERE model = :model AND ${column} = :value AND ${LIVE}`)
          .get({ model, value, now: this.clock() }),
      ),
    );
  }
}
