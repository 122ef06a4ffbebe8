import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { KeyKind, KeyRecord, KeyStore } from '../store.js';

type KeyDocument = Omit<KeyRecord, 'kid'> & { _id: string };

export class MongoKeys implements KeyStore {
  private readonly col: Collection<KeyDocument>;

  constructor(db: Db) {
    this.col = db.collection<KeyDocument>('keys');
  }

  async list(kind: KeyKind): Promise<KeyRecord[]> {
    const docs = await this.col.find({ kind }).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map(({ _id, ...rest }) => ({ kid: _id, ...rest }));
  }

  async insert(key: KeyRecord): Promise<boolean> {
    const { kid, ...rest } = key;
    try {
      await this.col.insertOne({ _id: kid, ...rest });
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000) return false;
      throw err;
    }
  }
}
