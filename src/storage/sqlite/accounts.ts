import type { SqliteWriter } from './sqlite-writer.js';
import { DuplicateError } from '../../errors.js';
import type { AccountListQuery, AccountPatch, AccountRecord, AccountStore } from '../store.js';
import { listAccountRows } from './account-list.js';
import { profileFromText, profileText } from '../account-profile.js';
import { accountColumns, INSERT_ACCOUNT } from './inserts.js';

export interface Row {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  disabled: number;
  /** Migration 7; absent only in a row read from a database before it. */
  email_verified?: number;
  created_at: number;
  updated_at: number;
  /** JSON of the profile claims (migration 5); NULL when none is set. */
  profile?: string | null;
}

export function toRecord(row: Row | undefined): AccountRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    disabled: row.disabled === 1,
    emailVerified: row.email_verified !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...optionalProfile(row.profile),
  };
}

/** A unique-email clash as the DuplicateError callers expect; any other error as it is. */
function emailTaken(err: unknown): unknown {
  const unique = (err as { errstr?: string }).errstr === 'constraint failed' || /UNIQUE/.test(String(err));
  return unique ? new DuplicateError('an account with this email already exists') : err;
}

/** A boolean patch field as a column value; null leaves the column as it is (COALESCE). */
const flag = (value: boolean | undefined) => (value === undefined ? null : value ? 1 : 0);

function optionalProfile(text: string | null | undefined): Pick<AccountRecord, 'profile'> {
  const profile = profileFromText(text);
  return profile ? { profile } : {};
}

/** Writes a new account row (in the caller's transaction or savepoint). */
export function insertAccount(sql: SqliteWriter, account: AccountRecord): void {
  sql.statement(INSERT_ACCOUNT).run(accountColumns(account));
}

export class SqliteAccounts implements AccountStore {
  constructor(private readonly sql: SqliteWriter) {}

  async create(account: AccountRecord): Promise<void> {
    try {
      await this.sql.write(() => {
        insertAccount(this.sql, account);
      });
    } catch (err) {
      throw emailTaken(err);
    }
  }

  findById(id: string): Promise<AccountRecord | undefined> {
    return this.sql.read(() =>
      toRecord(this.sql.statement('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined),
    );
  }

  findByEmail(email: string): Promise<AccountRecord | undefined> {
    return this.sql.read(() =>
      toRecord(this.sql.statement('SELECT * FROM accounts WHERE email = ?').get(email) as Row | undefined),
    );
  }

  async update(id: string, patch: AccountPatch, now: number): Promise<AccountRecord | undefined> {
    const row = await this.sql.write(
      () =>
        this.sql
          .statement(
            `UPDATE accounts SET
           name = CASE WHEN :setName THEN :name ELSE name END,
           password_hash = COALESCE(:passwordHash, password_hash),
           disabled = COALESCE(:disabled, disabled),
           email_verified = COALESCE(:emailVerified, email_verified),
           profile = CASE WHEN :setProfile THEN :profile ELSE profile END,
           updated_at = :now
         WHERE id = :id RETURNING *`,
          )
          .get({
            id,
            now,
            setName: patch.name !== undefined ? 1 : 0,
            name: patch.name ?? null,
            passwordHash: patch.passwordHash ?? null,
            disabled: flag(patch.disabled),
            emailVerified: flag(patch.emailVerified),
            setProfile: patch.profile !== undefined ? 1 : 0,
            profile: profileText(patch.profile),
          }) as Row | undefined,
    );
    return toRecord(row);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.sql.write(() => this.sql.statement('DELETE FROM accounts WHERE id = ?').run(id))).changes === 1;
  }

  list(query: AccountListQuery): Promise<AccountRecord[]> {
    return this.sql.read(() => listAccountRows(this.sql, query).map((row) => toRecord(row) as AccountRecord));
  }

  async changeEmail(id: string, email: string, now: number, verified: boolean): Promise<AccountRecord | undefined> {
    try {
      const statement = this.sql.statement(
        'UPDATE accounts SET email = ?, email_verified = ?, updated_at = ? WHERE id = ? RETURNING *',
      );
      return toRecord((await this.sql.write(() => statement.get(email, verified ? 1 : 0, now, id))) as Row | undefined);
    } catch (err) {
      throw emailTaken(err);
    }
  }
}
