import type { SqliteWriter } from './sqlite-writer.js';
import { zeroOutboxCounts } from '../store.js';
import type { OutboxMessage, OutboxRecord, OutboxState, OutboxStats, OutboxStore } from '../store.js';

interface Row {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  dedupe_key: string | null;
  state: OutboxState;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  last_error: string | null;
  settled_at: number | null;
}

function toRecord(row: Row): OutboxRecord {
  return {
    id: row.id,
    to: row.recipient,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    dedupeKey: row.dedupe_key,
    createdAt: row.created_at,
    nextAttemptAt: row.next_attempt_at,
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    settledAt: row.settled_at,
  };
}

export class SqliteOutbox implements OutboxStore {
  constructor(private readonly sql: SqliteWriter) {}

  async enqueue(m: OutboxMessage): Promise<{ id: string; created: boolean }> {
    // Insert and look-up in one write: a parallel enqueue with the same key cannot slip in between.
    return this.sql.write(() => {
      const { changes } = this.sql
        .statement(
          `INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, dedupe_key, created_at, next_attempt_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
        )
        .run(m.id, m.to, m.subject, m.text, m.html, m.dedupeKey, m.createdAt, m.nextAttemptAt);
      if (changes === 1 || m.dedupeKey === null) return { id: m.id, created: true };
      const row = this.sql.statement('SELECT id FROM mail_outbox WHERE dedupe_key = ?').get(m.dedupeKey) as {
        id: string;
      };
      return { id: row.id, created: false };
    });
  }

  async claim(now: number, leaseMs: number, id?: string): Promise<OutboxRecord | undefined> {
    // One conditional UPDATE: SQLite serialises writers (across processes too: BEGIN IMMEDIATE), so
    // a message goes to exactly one claimer.
    const row = await this.sql.write(
      () =>
        this.sql
          .statement(
            `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = :leaseUntil
              WHERE id = (SELECT id FROM mail_outbox
                           WHERE state = 'pending' AND next_attempt_at <= :now AND (:only IS NULL OR id = :only)
                           ORDER BY next_attempt_at, created_at, id LIMIT 1)
              RETURNING *`,
          )
          .get({ now, leaseUntil: now + leaseMs, only: id ?? null }) as Row | undefined,
    );
    return row ? toRecord(row) : undefined;
  }

  async markSent(id: string, now: number): Promise<boolean> {
    const { changes } = await this.sql.write(() =>
      this.sql
        .statement(
          `UPDATE mail_outbox SET state = 'sent', settled_at = ?, text_body = '', html_body = '', last_error = NULL WHERE id = ? AND state <> 'sent'`,
        )
        .run(now, id),
    );
    return changes === 1;
  }

  async markFailed(id: string, attempt: number, error: string, retryAt: number | null, now: number): Promise<boolean> {
    const { changes } = await this.sql.write(() =>
      this.sql
        .statement(
          `UPDATE mail_outbox
              SET last_error = :error,
                  state = CASE WHEN :retryAt IS NULL THEN 'dead' ELSE 'pending' END,
                  next_attempt_at = COALESCE(:retryAt, next_attempt_at),
                  settled_at = CASE WHEN :retryAt IS NULL THEN :now ELSE NULL END
            WHERE id = :id AND state = 'pending' AND attempts = :attempt`,
        )
        .run({ id, attempt, error, retryAt, now }),
    );
    return changes === 1;
  }

  get(id: string): Promise<OutboxRecord | undefined> {
    return this.sql.read(() => {
      const row = this.sql.statement('SELECT * FROM mail_outbox WHERE id = ?').get(id) as Row | undefined;
      return row ? toRecord(row) : undefined;
    });
  }

  stats(): Promise<OutboxStats> {
    return this.sql.read(() => this.countByState());
  }

  private countByState(): OutboxStats {
    const rows = this.sql
      .statement('SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM mail_outbox GROUP BY state')
      .all() as Array<{
      state: OutboxState;
      n: number;
      oldest: number;
    }>;
    const counts = zeroOutboxCounts();
    let oldestPendingAt: number | null = null;
    for (const row of rows) {
      counts[row.state] = row.n;
      if (row.state === 'pending') oldestPendingAt = row.oldest;
    }
    return { counts, oldestPendingAt };
  }

  async purge(sentBefore: number, deadBefore: number): Promise<number> {
    const { changes } = await this.sql.write(() =>
      this.sql
        .statement(
          `DELETE FROM mail_outbox WHERE (state = 'sent' AND settled_at < ?) OR (state = 'dead' AND settled_at < ?)`,
        )
        .run(sentBefore, deadBefore),
    );
    return Number(changes);
  }
}
