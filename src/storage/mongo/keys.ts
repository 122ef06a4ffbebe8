import type { Collection, Db } from 'mongodb';
import type { KeyKind, KeyPatch, KeyRecord, KeyStore } from '../store.js';
import { isDuplicateKey } from './duplicate-key.js';

type KeyDocument = Omit<KeyRecord, 'kid' | 'activatesAt' | 'retiresAt'> & {
  _id: string;
  /** Absent on keys written before rotation existed: they were active from creation. */
  activatesAt?: number;
  retiresAt?: number | null;
};

export class MongoKeys implements KeyStore {
  private readonly col: Collection<KeyDocument>;

  constructor(db: Db) {
    this.col = db.collection<KeyDocument>('keys');
  }

  async list(kind: KeyKind): Promise<KeyRecord[]> {
    const docs = await this.col.find({ kind }).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map(({ _id, activatesAt, retiresAt, ...rest }) => ({
      kid: _id,
      ...rest,
      activatesAt: activatesAt ?? rest.createdAt,
      retiresAt: retiresAt ?? null,
    }));
  }

  async insert(key: KeyRecord): Promise<boolean> {
    const { kid, ...rest } = key;
    try {
      await this.col.insertOne({ _id: kid, ...rest });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async update(kid: string, patch: KeyPatch): Promise<boolean> {
    const set: Partial<KeyDocument> = {};
    if (patch.retiresAt !== undefined) set.retiresAt = patch.retiresAt;
    if (patch.sealed !== undefined) set.sealed = patch.sealed;
    return (await this.col.updateOne({ _id: kid }, { $set: set })).matchedCount === 1;
  }
}
