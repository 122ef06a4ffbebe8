import type { AccountListQuery } from '../store.js';
import type { Row } from './accounts.js';
import type { SqliteWriter } from './sqlite-writer.js';

/** A search is a substring: LIKE's own wildcards in it are taken literally. */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Walks the unique index on email from the cursor, in order, and stops at `limit` rows: a page costs
 * `limit` index steps without a search, and with one, the rows read until `limit` of them match.
 * LIKE folds case for ASCII letters; emails are stored lower-case anyway.
 */
export function listAccountRows(sql: SqliteWriter, query: AccountListQuery): Row[] {
  return sql
    .statement(
      `SELECT * FROM accounts
       WHERE email > :after AND (:search IS NULL OR email LIKE :search ESCAPE '\\' OR name LIKE :search ESCAPE '\\')
       ORDER BY email LIMIT :limit`,
    )
    .all({
      after: query.after ?? '',
      search: query.search ? contains(query.search) : null,
      limit: query.limit,
    }) as unknown as Row[];
}
