import type { Collection, Db, Filter } from 'mongodb';
import type { AuditEvent, AuditQuery, AuditStore } from '../store.js';

type AuditDocument = Omit<AuditEvent, 'id'> & { _id: string };

/** Append-only by interface; the deployment can add a role without update/remove on this collection. */
export class MongoAudit implements AuditStore {
  private readonly col: Collection<AuditDocument>;

  constructor(db: Db) {
    this.col = db.collection<AuditDocument>('audit_events');
  }

  async append(event: AuditEvent): Promise<void> {
    const { id, ...rest } = event;
    await this.col.insertOne({ _id: id, ...rest });
  }

  async list(q: AuditQuery): Promise<AuditEvent[]> {
    const filter: Filter<AuditDocument> = {};
    if (q.accountId !== undefined) filter.accountId = q.accountId;
    if (q.since !== undefined) filter.at = { $gte: q.since };
    if (q.types && q.types.length > 0) filter.type = { $in: [...q.types] };
    const docs = await this.col.find(filter).sort({ at: -1, _id: -1 }).limit(q.limit).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }
}
