// The export file, "signet-export" version 1: JSON Lines. Line 1 is the header, then one line per
// key, account, OIDC record or audit event, each an object with exactly one property naming its kind,
// and last an end line with the counts, so a file cut short is told from a complete one.
//
//   {"format":"signet-export","version":1,"source":"sqlite","exportedAt":"2026-01-31T12:00:00.000Z"}
//   {"key":{"kid":"…","kind":"signing","alg":"RS256","createdAt":…,"activatesAt":…,"retiresAt":null,"sealed":"v2.…"}}
//   {"account":{"id":"…","email":"…","name":null,"passwordHash":"$argon2id$…","disabled":false,"emailVerified":true,"createdAt":…,"updatedAt":…,"profile":{…}}}
//   {"record":{"model":"RefreshToken","id":"sha256.…","payload":{…},"createdAt":…,"expiresAt":…}}
//   {"audit":{"id":"…","at":…,"type":"login.succeeded","accountId":"…","clientId":null,"ip":"…","userAgent":"…","details":{}}}
//   {"end":{"counts":{"keys":4,"accounts":1,"records":{"Client":1,…},"audit_events":7}}}
//
// Times are milliseconds since the epoch, absolute. Keys stay sealed under the source's key-encryption
// secret. A reader refuses any other format name, a newer version, unknown fields and unknown kinds.
// Optional fields came later within version 1: an account's profile (absent when none is set) and
// emailVerified (absent from files written before it, whose accounts were all made by an operator, so
// they read as verified).

import { z } from 'zod';
import { KEY_KINDS, RECORD_MODELS, type RecordModel, type TransferItem } from '../storage/store.js';

export const FORMAT_NAME = 'signet-export';
export const FORMAT_VERSION = 1;

export const headerSchema = z.strictObject({
  format: z.literal(FORMAT_NAME),
  version: z.literal(FORMAT_VERSION),
  source: z.enum(['sqlite', 'mongodb']),
  exportedAt: z.iso.datetime(),
});

export type ExportHeader = z.infer<typeof headerSchema>;

/** How many items of each kind; records per model (models with none are left out). */
export interface Counts {
  keys: number;
  accounts: number;
  records: Partial<Record<RecordModel, number>>;
  audit_events: number;
}

const time = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const id = z.string().min(1);
const object = z.record(z.string(), z.unknown());
const count = z.number().int().nonnegative();

const keySchema = z.strictObject({
  kid: id,
  kind: z.enum(KEY_KINDS),
  alg: z.string().min(1),
  createdAt: time,
  activatesAt: time,
  retiresAt: time.nullable(),
  sealed: z.string().min(1),
});

const accountSchema = z.strictObject({
  id,
  // The store finds accounts by the normalized address only: any other form could never sign in.
  email: z
    .string()
    .min(1)
    .refine((email) => email === email.trim().toLowerCase(), 'must be normalized (trimmed, lower-case)'),
  name: z.string().nullable(),
  passwordHash: z.string().min(1),
  disabled: z.boolean(),
  emailVerified: z.boolean().default(true),
  createdAt: time,
  updatedAt: time,
  profile: z
    .strictObject({
      givenName: z.string().min(1),
      familyName: z.string().min(1),
      middleName: z.string().min(1),
      nickname: z.string().min(1),
      preferredUsername: z.string().min(1),
      profile: z.string().min(1),
      picture: z.string().min(1),
      website: z.string().min(1),
      gender: z.string().min(1),
      birthdate: z.string().min(1),
      locale: z.string().min(1),
      zoneinfo: z.string().min(1),
    })
    .partial()
    .optional(),
});

const recordSchema = z.strictObject({
  model: z.enum(RECORD_MODELS),
  id,
  payload: object,
  createdAt: time,
  expiresAt: time.nullable(),
});

const auditSchema = z.strictObject({
  id,
  at: time,
  type: z.string().min(1),
  accountId: z.string().nullable(),
  clientId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: object,
});

const endSchema = z.strictObject({
  counts: z.strictObject({
    keys: count,
    accounts: count,
    records: z.partialRecord(z.enum(RECORD_MODELS), count),
    audit_events: count,
  }),
});

/** Each line kind and what its one property holds. */
const LINE_SCHEMAS = {
  key: keySchema,
  account: accountSchema,
  record: recordSchema,
  audit: auditSchema,
  end: endSchema,
} as const;

export type ParsedLine = TransferItem | { end: { counts: Counts } };

/**
 * Validates one line after the header (already JSON-parsed). Throws an Error whose message says what is
 * wrong, without the line number (the reader adds it).
 */
export function parseLine(value: unknown): ParsedLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  const names = Object.keys(value);
  const [kind] = names;
  if (names.length !== 1 || kind === undefined || !(kind in LINE_SCHEMAS)) {
    throw new Error(
      `expected an object with one property, one of ${Object.keys(LINE_SCHEMAS).join(', ')}; found ${names.length === 0 ? 'none' : names.join(', ')}`,
    );
  }
  const schema = LINE_SCHEMAS[kind as keyof typeof LINE_SCHEMAS];
  const parsed = schema.safeParse((value as Record<string, unknown>)[kind]);
  if (!parsed.success) throw new Error(describeIssue(kind, parsed.error));
  // The schemas mirror the store's types field for field; payloads are opaque objects by design.
  if (kind === 'record') {
    const record = parsed.data as z.infer<typeof recordSchema>;
    return { record: { ...record, payload: record.payload } };
  }
  return { [kind]: parsed.data } as ParsedLine;
}

/** The first problem zod found, as "kind.path: message". */
export function describeIssue(prefix: string, error: z.ZodError): string {
  const [issue] = error.issues;
  if (!issue) return `${prefix}: invalid`;
  const path = [prefix, ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`;
}

/** The line an item is written as, its fields in a fixed order whatever the backend returned. */
export function toLine(item: TransferItem): string {
  if ('key' in item) {
    const { kid, kind, alg, createdAt, activatesAt, retiresAt, sealed } = item.key;
    return JSON.stringify({ key: { kid, kind, alg, createdAt, activatesAt, retiresAt, sealed } });
  }
  if ('account' in item) {
    const { id, email, name, passwordHash, disabled, emailVerified, createdAt, updatedAt, profile } = item.account;
    const account = { id, email, name, passwordHash, disabled, emailVerified, createdAt, updatedAt };
    return JSON.stringify({ account: profile ? { ...account, profile } : account });
  }
  if ('record' in item) {
    const { model, id, payload, createdAt, expiresAt } = item.record;
    return JSON.stringify({ record: { model, id, payload, createdAt, expiresAt } });
  }
  const { id, at, type, accountId, clientId, ip, userAgent, details } = item.audit;
  return JSON.stringify({ audit: { id, at, type, accountId, clientId, ip, userAgent, details } });
}

export function emptyCounts(): Counts {
  return { keys: 0, accounts: 0, records: {}, audit_events: 0 };
}

export function addToCounts(counts: Counts, item: TransferItem): void {
  if ('key' in item) counts.keys += 1;
  else if ('account' in item) counts.accounts += 1;
  else if ('record' in item) counts.records[item.record.model] = (counts.records[item.record.model] ?? 0) + 1;
  else counts.audit_events += 1;
}

export function sameCounts(a: Counts, b: Counts): boolean {
  const models = new Set([...Object.keys(a.records), ...Object.keys(b.records)] as RecordModel[]);
  return (
    a.keys === b.keys &&
    a.accounts === b.accounts &&
    a.audit_events === b.audit_events &&
    [...models].every((model) => (a.records[model] ?? 0) === (b.records[model] ?? 0))
  );
}
