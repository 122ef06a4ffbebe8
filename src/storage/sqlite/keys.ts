import type { SqliteWriter } from './sqlite-writer.js';
import type { KeyKind, KeyPatch, KeyRecord, KeyStore } from '../store.js';
import { INSERT_KEY, keyColumns } from './inserts.js';

interface Row {
  kid: string;
  kind: KeyKind;
  alg: string;
  created_at: number;
  activates_at: number | null;
  retires_at: number | null;
  sealed: string;
}

function toRecord(row: Row): KeyRecord {
  const { kid, kind, alg, sealed, created_at: createdAt } = row;
  return { kid, kind, alg, createdAt, activatesAt: row.activates_at ?? createdAt, retiresAt: row.retires_at, sealed };
}

export class SqliteKeys implements KeyStore {
  constructor(private readonly sql: SqliteWriter) {}

  list(kind: KeyKind): Promise<KeyRecord[]> {
    return this.sql.read(() => this.rows(kind).map(toRecord));
  }

  async insert(key: KeyRecord): Promise<boolean> {
    const { changes } = await this.sql.write(() =>
      this.sql.statement(`${INSERT_KEY} ON CONFLICT DO NOTHING`).run(keyColumns(key)),
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

  private rows(kind: KeyKind): Row[] {
    return this.sql
      .statement(
        'SELECT kid, kind, alg, created_at, activates_at, retires_at, sealed FROM keys WHERE kind = ? ORDER BY created_at, kid',
      )
      .all(kind) as unknown as Row[];
  }
}
