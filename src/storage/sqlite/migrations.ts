import type { DatabaseSync } from 'node:sqlite';

/**
 * Schema versions, applied in order and recorded in schema_migrations. Never edit a shipped entry:
 * append a new one, so every existing DATA_DIR upgrades the same way.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE oidc_records (
        model       TEXT NOT NULL,
        id          TEXT NOT NULL,
        payload     TEXT NOT NULL,
        grant_id    TEXT,
        uid         TEXT,
        user_code   TEXT,
        account_id  TEXT,
        client_id   TEXT,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER,
        consumed_at INTEGER,
        PRIMARY KEY (model, id)
      ) WITHOUT ROWID;
      CREATE INDEX oidc_records_grant ON oidc_records (model, grant_id) WHERE grant_id IS NOT NULL;
      CREATE UNIQUE INDEX oidc_records_uid ON oidc_records (model, uid) WHERE uid IS NOT NULL;
      CREATE UNIQUE INDEX oidc_records_user_code ON oidc_records (model, user_code) WHERE user_code IS NOT NULL;
      CREATE INDEX oidc_records_account_client ON oidc_records (model, account_id, client_id, created_at)
        WHERE account_id IS NOT NULL;
      CREATE INDEX oidc_records_expiry ON oidc_records (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE accounts (
        id            TEXT PRIMARY KEY,
        email         TEXT NOT NULL UNIQUE,
        name          TEXT,
        password_hash TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );

      CREATE TABLE keys (
        kid        TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        alg        TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sealed     TEXT NOT NULL
      );
      CREATE INDEX keys_kind ON keys (kind, created_at);
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE audit_events (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        at         INTEGER NOT NULL,
        type       TEXT NOT NULL,
        account_id TEXT,
        client_id  TEXT,
        ip         TEXT,
        user_agent TEXT,
        details    TEXT NOT NULL
      );
      CREATE INDEX audit_events_at ON audit_events (at);
      CREATE INDEX audit_events_account ON audit_events (account_id, at) WHERE account_id IS NOT NULL;
      -- Append-only, enforced by the database itself and not only by the code above it.
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
      -- REPLACE deletes without firing DELETE triggers: refuse any insert that would collide.
      CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
        WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id OR seq = NEW.seq)
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE throttle_failures (
        key TEXT NOT NULL,
        at  INTEGER NOT NULL
      );
      CREATE INDEX throttle_failures_key ON throttle_failures (key, at);
      CREATE INDEX throttle_failures_at ON throttle_failures (at);
    `,
  },
  {
    version: 4,
    sql: `
      ALTER TABLE keys ADD COLUMN activates_at INTEGER;
      ALTER TABLE keys ADD COLUMN retires_at INTEGER;
      UPDATE keys SET activates_at = created_at;
    `,
  },
  {
    version: 5,
    // The standard profile claims (given_name, locale...) as one JSON object: read and written whole.
    sql: `
      ALTER TABLE accounts ADD COLUMN profile TEXT;
    `,
  },
  {
    version: 6,
    // The mail outbox. A NULL dedupe key never collides (SQLite treats NULLs as distinct in UNIQUE).
    sql: `
      CREATE TABLE mail_outbox (
        id              TEXT PRIMARY KEY,
        recipient       TEXT NOT NULL,
        subject         TEXT NOT NULL,
        text_body       TEXT NOT NULL,
        html_body       TEXT NOT NULL,
        dedupe_key      TEXT UNIQUE,
        state           TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        created_at      INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,
        settled_at      INTEGER
      );
      CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at, created_at);
      CREATE INDEX mail_outbox_settled ON mail_outbox (state, settled_at);
    `,
  },
  {
    version: 7,
    // Whether each account's address is verified. Rows from before were made by an operator, who vouched
    // for the address: they become verified. A row written without the column is unverified, the safe side.
    sql: `
      ALTER TABLE accounts ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
      UPDATE accounts SET email_verified = 1;
    `,
  },
  {
    version: 8,
    // Nodes keep clients in memory (oidc/client-cache.ts) and re-read this counter to learn when to drop
    // them. Triggers, not the code that writes, move it: every writer of a client (a node, the CLI, an
    // import, a sweep) moves it in the same transaction as its write.
    sql: `
      CREATE TABLE change_marks (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO change_marks (name, value) VALUES ('Client', 0);
      CREATE TRIGGER change_marks_client_insert AFTER INSERT ON oidc_records WHEN NEW.model = 'Client'
        BEGIN UPDATE change_marks SET value = value + 1 WHERE name = 'Client'; END;
      CREATE TRIGGER change_marks_client_update AFTER UPDATE ON oidc_records
        WHEN NEW.model = 'Client' OR OLD.model = 'Client'
        BEGIN UPDATE change_marks SET value = value + 1 WHERE name = 'Client'; END;
      CREATE TRIGGER change_marks_client_delete AFTER DELETE ON oidc_records WHEN OLD.model = 'Client'
        BEGIN UPDATE change_marks SET value = value + 1 WHERE name = 'Client'; END;
    `,
  },
];

export interface Migration {
  version: number;
  sql: string;
}

/**
 * Applies every step not yet recorded, each by its own record rather than by the highest one: steps
 * written in parallel may ship out of order (6 before 5), and a database that has 6 must still get 5.
 * Steps are therefore independent of each other's order beyond what they name. Returns the highest.
 */
export function migrate(db: DatabaseSync, now: number, steps: readonly Migration[] = MIGRATIONS): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const rows = db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>;
  const applied = new Set(rows.map((row) => row.version));
  let current = Math.max(0, ...applied);
  for (const { version, sql } of steps) {
    if (applied.has(version)) continue;
    // BEGIN IMMEDIATE: two processes starting at once must not both apply the same step.
    db.exec('BEGIN IMMEDIATE');
    try {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version);
      if (!again) {
        db.exec(sql);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, now);
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    current = Math.max(current, version);
  }
  return current;
}
