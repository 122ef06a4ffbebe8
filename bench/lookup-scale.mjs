// @ts-check
// Lookup scaling: grows a store to a given number of grants, each with its own opaque access token,
// then times the store's own find() for random tokens (hits), their grants, and unknown tokens
// (misses: introspection without a hint looks in three models, so most of its lookups miss).
// The seeded records are clones of a real access token and grant that the server issued in a code
// flow, so their shape and size are what Signet writes; only the ids, grant ids and dates differ.
//
// Usage: node bench/lookup-scale.mjs '{"store":"sqlite","dataDir":…,"from":0,"to":10000,"templateToken":…,"probes":5000}'
//        ("store":"mongodb" with "uri" instead of "dataDir"). Prints one JSON line.

import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MongoClient } from 'mongodb';
import { storedTokenId } from '../dist/oidc/adapter.js';
import { openMongoStore } from '../dist/storage/mongo/mongo-store.js';
import { DATABASE_FILE } from '../dist/storage/sqlite/connection.js';
import { SqliteOidcRecords } from '../dist/storage/sqlite/oidc-records.js';
import { SqliteWriter } from '../dist/storage/sqlite/sqlite-writer.js';
import { openSqliteStore } from '../dist/storage/sqlite/sqlite-store.js';
import { seededGrantId, seededToken } from './lib/seed-ids.mjs';

const TTL_S = 6 * 3600;
const BATCH = 20_000;

function clones(template, i, nowS) {
  const grantId = seededGrantId(i);
  // A copy without the session binding.
  const token = { ...template.token };
  delete token.expiresWithSession;
  delete token.sessionUid;
  // Not session-bound (like offline_access tokens): each clone has its own grant, which no session holds.
  return {
    tokenId: storedTokenId(seededToken(i)),
    token: { ...token, grantId, iat: nowS, exp: nowS + TTL_S },
    grantId,
    grant: { ...template.grant, jti: grantId, iat: nowS, exp: nowS + TTL_S },
  };
}

async function seedSqlite(options, template) {
  const db = new DatabaseSync(join(options.dataDir, DATABASE_FILE));
  db.exec('PRAGMA busy_timeout = 30000');
  // Durability of the seed itself does not matter; the server under test keeps its own settings.
  db.exec('PRAGMA synchronous = OFF');
  // Random ids land all over the primary key and index B-trees: with SQLite's default 2 MiB page cache,
  // a million-grant seed spends most of its time re-reading pages it just wrote.
  db.exec('PRAGMA cache_size = -1048576');
  // The store's own upsert through its own writer, so the rows carry exactly the columns and indexes
  // Signet's writes do. A batch is issued without awaiting each write, so the writer's group commit puts
  // the whole batch in one transaction (one commit per row would take hours at a million).
  const records = new SqliteOidcRecords(new SqliteWriter(db), Date.now);
  const nowS = Math.floor(Date.now() / 1000);
  for (let from = options.from; from < options.to; from += BATCH) {
    const writes = [];
    for (let i = from; i < Math.min(from + BATCH, options.to); i++) {
      const c = clones(template, i, nowS);
      writes.push(
        records.upsert('Grant', c.grantId, c.grant, TTL_S),
        records.upsert('AccessToken', c.tokenId, c.token, TTL_S),
      );
    }
    await Promise.all(writes);
  }
  db.close();
}

async function seedMongo(options, template) {
  const client = new MongoClient(options.uri);
  await client.connect();
  try {
    const db = client.db();
    const nowS = Math.floor(Date.now() / 1000);
    const createdAt = new Date();
    const expiresAt = new Date(Date.now() + TTL_S * 1000);
    // The document shape of MongoOidcRecords.upsert; insertMany because one round trip per record
    // is what would make a million take hours on FerretDB.
    for (let from = options.from; from < options.to; from += BATCH) {
      const grants = [];
      const tokens = [];
      for (let i = from; i < Math.min(from + BATCH, options.to); i++) {
        const c = clones(template, i, nowS);
        grants.push({ _id: c.grantId, payload: c.grant, createdAt, expiresAt });
        tokens.push({ _id: c.tokenId, payload: c.token, createdAt, expiresAt });
      }
      // String ids, as the store writes them; the driver's default document type expects ObjectIds.
      await db.collection('oidc_Grant').insertMany(/** @type {any[]} */ (grants), { ordered: false });
      await db.collection('oidc_AccessToken').insertMany(/** @type {any[]} */ (tokens), { ordered: false });
    }
  } finally {
    await client.close();
  }
}

function stats(samplesUs) {
  samplesUs.sort((a, b) => a - b);
  const at = (p) => samplesUs[Math.min(samplesUs.length - 1, Math.ceil((p / 100) * samplesUs.length) - 1)];
  return { p50Us: at(50), p99Us: at(99), meanUs: samplesUs.reduce((a, b) => a + b, 0) / samplesUs.length };
}

/** At most `count` rounds or `seconds` of them (FerretDB's lookups can take seconds each), at least 5. */
async function probe(store, size, count, seconds) {
  const hit = [];
  const grant = [];
  const miss = [];
  let found = 0;
  const deadline = performance.now() + seconds * 1000;
  for (let n = 0; n < count && (n < 5 || performance.now() < deadline); n++) {
    const i = Math.floor(Math.random() * size);
    let t0 = performance.now();
    const token = await store.oidc.find('AccessToken', storedTokenId(seededToken(i)));
    hit.push((performance.now() - t0) * 1000);
    t0 = performance.now();
    const g = await store.oidc.find('Grant', seededGrantId(i));
    grant.push((performance.now() - t0) * 1000);
    t0 = performance.now();
    await store.oidc.find('AccessToken', storedTokenId(randomBytes(32).toString('base64url')));
    miss.push((performance.now() - t0) * 1000);
    if (token?.grantId === seededGrantId(i) && g) found++;
  }
  if (found !== hit.length) throw new Error(`only ${found} of ${hit.length} seeded tokens were found with their grant`);
  return { rounds: hit.length, tokenHit: stats(hit), grantHit: stats(grant), tokenMiss: stats(miss) };
}

/** On-disk size of the SQLite store (database and WAL); not known for a MongoDB server. */
function storeBytes(options) {
  if (options.store === 'mongodb') return undefined;
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(join(options.dataDir, DATABASE_FILE + suffix)).size;
    } catch {
      // no WAL right now
    }
  }
  return total;
}

async function main() {
  const options = JSON.parse(process.argv[2] ?? '{}');
  const store =
    options.store === 'mongodb'
      ? await openMongoStore({ uri: options.uri })
      : await openSqliteStore({ dataDir: options.dataDir });
  try {
    const tokenRecord = await store.oidc.find('AccessToken', storedTokenId(options.templateToken));
    if (!tokenRecord?.grantId) throw new Error('template access token not found in the store');
    const grantRecord = await store.oidc.find('Grant', tokenRecord.grantId);
    if (!grantRecord) throw new Error('template grant not found in the store');
    const template = { token: tokenRecord, grant: grantRecord };

    const t0 = performance.now();
    if (options.to > options.from) {
      if (options.store === 'mongodb') await seedMongo(options, template);
      else await seedSqlite(options, template);
    }
    const seedSeconds = (performance.now() - t0) / 1000;
    // Warm the connection and the statement paths before timing.
    await probe(store, options.to, Math.min(200, options.probes), 1);
    const result = await probe(store, options.to, options.probes, options.probeSeconds ?? 10);
    process.stdout.write(
      `${JSON.stringify({ size: options.to, seeded: options.to - options.from, seedSeconds, storeBytes: storeBytes(options), ...result })}\n`,
    );
  } finally {
    await store.close();
  }
}

await main();
