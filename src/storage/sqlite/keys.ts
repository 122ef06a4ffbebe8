import type { DatabaseSync } from 'node:sqlite';
import type { KeyKind, KeyRecord, KeyStore } from '../store.js';

export class SqliteKeys implements KeyStore {
  constructor(private readonly db: DatabaseSync) {}

  async list(kind: KeyKind): Promise<KeyRecord[]> {
    const rows = this.db
      .prepare('SELECT kid, kind, alg, created_at, sealed FROM keys WHERE kind = ? ORDER BY created_at, kid')
      .all(kind) as Array<{ kid: string; kind: KeyKind; alg: string; created_at: number; sealed: string }>;
    return rows.map((r) => ({ kid: r.kid, kind: r.kind, alg: r.alg, createdAt: r.created_at, sealed: r.sealed }));
  }

  async insert(key: KeyRecord): Promise<boolean> {
    const { changes } = this.db
      .prepare('INSERT INTO keys (kid, kind, alg, created_at, sealed) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(key.kid, key.kind, key.alg, key.createdAt, key.sealed);
    return changes === 1;
  }
}
