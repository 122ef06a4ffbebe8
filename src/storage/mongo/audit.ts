import type { Collection, Db, Filter } from 'mongodb';
import type { AuditEvent, AuditQuery, AuditStore } from '../store.js';

/**
 * `details` is JSON text: it is never queried, and its keys come from outside (a consent event names the
 * APIs granted by their URIs), which MongoDB before 5.0, FerretDB and other MongoDB-wire servers refuse
 * when they hold '.' or start with '$' (see payload-codec.ts). Events written earlier hold an object.
 */
export type AuditDocument = Omit<AuditEvent, 'id' | 'details'> & {
  _id: string;
  details: string | Record<string, unknown>;
};

export function toAuditDocument(event: AuditEvent): AuditDocument {
  const { id, details, ...rest } = event;
  return { _id: id, ...rest, details: JSON.stringify(details) };
}

export function readDetails(stored: unknown): Record<string, unknown> {
  if (typeof stored === 'string') return JSON.parse(stored) as Record<string, unknown>;
  return (stored as Record<string, unknown> | null | undefined) ?? {};
}

/** Append-only by interface; the deployment can add a role without update/remove on this collection. */
export class MongoAudit implements AuditStore {
  private readonly col: Collection<AuditDocument>;

  constructor(db: Db) {
    this.col = db.collection<AuditDocument>('audit_events');
  }

  async append(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.col.insertMany(events.map(toAuditDocument), { ordered: true });
  }

  async list(q: AuditQuery): Promise<AuditEvent[]> {
    const filter: Filter<AuditDocument> = {};
    if (q.accountId !== undefined) filter.accountId = q.accountId;
    if (q.since !== undefined) filter.at = { $gte: q.since };
    if (q.types && q.types.length > 0) filter.type = { $in: [...q.types] };
    const docs = await this.col.find(filter).sort({ at: -1, _id: -1 }).limit(q.limit).toArray();
    return docs.map(({ _id, details, ...rest }) => ({ id: _id, ...rest, details: readDetails(details) }));
  }
}
