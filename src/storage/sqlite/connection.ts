import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DATABASE_FILE } from './database-file.js';

export { DATABASE_FILE } from './database-file.js';

/**
 * Opens the embedded database. WAL lets the CLI read and write while the server runs;
 * synchronous=FULL makes every acknowledged commit survive a power cut or kill -9, which an
 * identity provider owes its users (a lost grant is a logged-out user, a lost revocation is a hole).
 */
export function openDatabase(dataDir: string): DatabaseSync {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(join(dataDir, DATABASE_FILE));
  // First: another process (the CLI, a second worker) may hold a lock for a moment, and switching a
  // fresh database to WAL needs one ("database is locked" when two CLI commands start on a new DATA_DIR).
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}
