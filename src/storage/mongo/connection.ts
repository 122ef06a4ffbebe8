import { MongoClient, type Db } from 'mongodb';

export interface MongoConnection {
  client: MongoClient;
  db: Db;
}

/**
 * Majority, journaled writes: an acknowledged grant, token or revocation survives a primary
 * failover. Short server selection so an outage surfaces as a fast 503 rather than a hung request.
 */
export async function connectMongo(uri: string, dbName?: string): Promise<MongoConnection> {
  const client = new MongoClient(uri, {
    writeConcern: { w: 'majority', journal: true },
    readConcern: { level: 'majority' },
    retryWrites: true,
    serverSelectionTimeoutMS: 3000,
    // A partitioned (not refused) connection would otherwise hang a request forever.
    socketTimeoutMS: 20_000,
    connectTimeoutMS: 3000,
    maxPoolSize: 50,
    appName: 'signet',
  });
  await client.connect();
  return { client, db: client.db(dbName) };
}
