import type { SqliteWriter } from './sqlite-writer.js';
import type { AuditEvent, AuditQuery, AuditStore } from '../store.js';
import { auditColumns, INSERT_AUDIT } from './inserts.js';

export interface Row {
  id: string;
  at: number;
  type: string;
  account_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: string;
}

export function toEvent(r: Row): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    type: r.type,
    accountId: r.account_id,
    clientId: r.client_id,
    ip: r.ip,
    userAgent: r.user_agent,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

export class SqliteAudit implements AuditStore {
  constructor(private readonly sql: SqliteWriter) {}

  async append(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.sql.write(() => {
      const insert = this.sql.statement(INSERT_AUDIT);
      for (const e of events) insert.run(auditColumns(e));
    });
  }

  list(q: AuditQuery): Promise<AuditEvent[]> {
    return this.sql.read(() => this.rows(q).map(toEvent));
  }

  private rows(q: AuditQuery): Row[] {
    const types = q.types && q.types.length > 0 ? JSON.stringify(q.types) : null;
    return this.sql
      .statement(
        `SELECT id, at, type, account_id, client_id, ip, user_agent, details FROM audit_events
          WHERE (:accountId IS NULL OR account_id = :accountId)
            AND (:since IS NULL OR at >= :since)
            AND (:types IS NULL OR type IN (SELECT value FROM json_each(:types)))
          ORDER BY at DESC, id DESC LIMIT :limit`,
      )
      .all({ accountId: q.accountId ?? null, since: q.since ?? null, types, limit: q.limit }) as unknown as Row[];
  }
}
