// The MongoDB store's shared rules: which server errors mean "that unique value is taken" (MongoDB's
// code 11000, and FerretDB v1's wording on an update), and which records are still live at a moment.

import { describe, expect, test } from '@jest/globals';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { isDuplicateKey, isDuplicateKeyOnUpdate } from '../../src/storage/mongo/duplicate-key.js';
import { isLive, liveFilter } from '../../src/storage/mongo/live.js';

const serverError = (code: number, errmsg: string) => new MongoServerError({ code, errmsg, message: errmsg });

describe('duplicate keys', () => {
  const duplicate = serverError(11000, 'E11000 duplicate key error collection: signet.accounts index: email_1');
  const ferretUpdate = serverError(1, 'UNIQUE constraint failed: accounts.email');

  test('a duplicate-key error is one, on insert and on update', () => {
    expect(isDuplicateKey(duplicate)).toBe(true);
    expect(isDuplicateKeyOnUpdate(duplicate)).toBe(true);
  });

  test("FerretDB v1's internal error naming the unique constraint counts on update only", () => {
    expect(isDuplicateKeyOnUpdate(ferretUpdate)).toBe(true);
    expect(isDuplicateKey(ferretUpdate)).toBe(false);
  });

  test('other errors are not', () => {
    for (const err of [
      serverError(2, 'BadValue'),
      serverError(11600, 'interrupted at shutdown'),
      new MongoNetworkError('connection reset'),
      new Error('UNIQUE constraint failed: accounts.email'),
      Object.assign(new Error('E11000'), { code: 11000 }),
      undefined,
    ]) {
      expect(isDuplicateKey(err)).toBe(false);
      expect(isDuplicateKeyOnUpdate(err)).toBe(false);
    }
  });
});

describe('live records', () => {
  const now = 1_700_000_000_000;

  test('a record lives until its expiry, exclusive; one without an expiry forever', () => {
    expect(isLive({ expiresAt: null }, now)).toBe(true);
    expect(isLive({ expiresAt: new Date(now + 1) }, now)).toBe(true);
    expect(isLive({ expiresAt: new Date(now) }, now)).toBe(false);
    expect(isLive({ expiresAt: new Date(now - 1) }, now)).toBe(false);
  });

  test('the query asks the server for the same rule', () => {
    expect(liveFilter(now)).toEqual({ $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date(now) } }] });
  });
});
