import type { Db } from 'mongodb';
import { RECORD_MODELS } from '../store.js';
import { collectionFor } from './oidc-records.js';
import { ensureOutboxIndexes } from './outbox.js';

/** Unique lookups exist only where the field is always present (a unique index treats "missing" as a value). */
const UNIQUE_FIELDS: Partial<Record<string, string>> = {
  Session: 'payload.uid',
  DeviceCode: 'payload.userCode',
};

/**
 * Creates every index at start. TTL indexes only where the server honours them: FerretDB v1 accepts the
 * option silently or refuses it, so there the periodic sweep (storage/sweeper.ts) removes expired data.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  const ferret = await isFerretDb(db);
  let ttl = !ferret;
  for (const model of RECORD_MODELS) {
    const col = collectionFor(db, model);
    await col.createIndex({ 'payload.grantId': 1 });
    const unique = UNIQUE_FIELDS[model];
    if (unique) await col.createIndex({ [unique]: 1 }, { unique: true });
    await col.createIndex({ 'payload.accountId': 1, 'payload.clientId': 1, createdAt: -1 });
    try {
      await col.createIndex({ expiresAt: 1 }, ttl ? { expireAfterSeconds: 0 } : {});
    } catch {
      ttl = false;
      await col.createIndex({ expiresAt: 1 });
    }
  }
  await db.collection('oidc_consumed').createIndex({ expiresAt: 1 }, ttl ? { expireAfterSeconds: 0 } : {});
  await db.collection('accounts').createIndex({ email: 1 }, { unique: true });
  await db.collection('keys').createIndex({ kind: 1, createdAt: 1 });
  await db.collection('audit_events').createIndex({ at: -1 });
  await db.collection('throttle_failures').createIndex({ key: 1, at: 1 });
  await db.collection('throttle_failures').createIndex({ at: 1 });
  await db.collection('audit_events').createIndex({ accountId: 1, at: -1 });
  await ensureOutboxIndexes(db);
}

async function isFerretDb(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info || 'ferretdb' in info || JSON.stringify(info).toLowerCase().includes('ferretdb');
}
