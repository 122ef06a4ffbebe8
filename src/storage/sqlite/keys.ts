import type { SqliteWriter } from './sqlite-writer.js';
import type { KeyKind, KeyPatch, KeyRecord, KeyStore } from '../store.js';

interface Row {
  kid: string;
  kind: KeyKind;
  alg: string;
  created_at: number;
  activates_at: number | null;
  retires_at: number | null;
  sealed: string;
}

export class SqliteKeys implements KeyStore {
  constructor(private readonly sql: SqliteWriter) {}

  async list(kind: KeyKind): Promise<KeyRecord[]> {
    const rows = this.sql
      .statement(
        'SELECT kid, kind, alg, created_at, activates_at, retires_at, sealed FROM keys WHERE kind = ? ORDER BY created_at, kid',
      )
      .all(kind) as unknown as Row[];
    return rows.map((r) => ({
      kid: r.kid,
      kind: r.kind,
      alg: r.alg,
      createdAt: r.created_at,
      activatesAt: r.activates_at ?? r.created_at,
      retiresAt: r.retires_at,
      sealed: r.sealed,
    }));
  }

  async insert(key: KeyRecord): Promise<boolean> {
    const { changes } = await this.sql.write(() =>
      this.sql
        .statement(
          `INSERT INTO keys (kid, kind, alg, created_at, activates_at, retires_at, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        )
        .run(key.kid, key.kind, key.alg, key.createdAt, key.activatesAt, key.retiresAt, key.sealed),
    );
    return changes === 1;
  }

  async update(kid: string, patch: KeyPatch): Promise<boolean> {
    const { changes } = await this.sql.write(() =>
      this.sql
        .statement(
          `UPDATE keys SET
           retires_at = CASE WHEN :setRetires THEN :retiresAt ELSE retires_at END,
           sealed = COALESCE(:sealed, sealed)
         WHERE kid = :kid`,
        )
        .run({
          kid,
          setRetires: patch.retiresAt !== undefined ? 1 : 0,
          retiresAt: patch.retiresAt ?? null,
          sealed: patch.sealed ?? null,
        }),
    );
    return changes === 1;
  }
}
