// Boots a real Signet on an ephemeral loopback port, on either store, exactly as main.ts would
// (loadConfig → createApp), so integration tests speak HTTP to the real thing.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type AppOverrides, type SignetApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { dropTestDatabase } from './stores.js';

export type StoreKind = 'sqlite' | 'mongodb';

export interface TestServer {
  issuer: string;
  port: number;
  signet: SignetApp;
  dataDir: string;
  /** Stops the server and the store; keeps DATA_DIR (and the Mongo database) for a restart. */
  stop(): Promise<void>;
  /** stop() and delete what the server stored. */
  destroy(): Promise<void>;
}

export interface TestServerOptions {
  store: StoreKind;
  /** Reuse a DATA_DIR (and Mongo database) of an earlier server: restart tests. */
  dataDir?: string;
  mongoDb?: string;
  /** Listen on this port instead of a free one (a restart keeps its issuer). */
  port?: number;
  env?: Record<string, string>;
  overrides?: AppOverrides;
  /**
   * The issuer's host name: 'localhost' where a browser must accept it as a WebAuthn relying party
   * (passkeys refuse IP addresses); the server listens on 127.0.0.1 either way.
   */
  issuerHost?: 'localhost' | '127.0.0.1';
}

export function mongoTestUri(dbName: string): string {
  const base = process.env.SIGNET_TEST_MONGODB_URI;
  if (!base) throw new Error('SIGNET_TEST_MONGODB_URI is unset: global-setup did not start FerretDB');
  const url = new URL(base);
  url.pathname = `/${dbName}`;
  return url.toString();
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer & { mongoDb: string }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const issuer = `http://${options.issuerHost ?? '127.0.0.1'}:${port}`;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'signet-it-')));
  const mongoDb = options.mongoDb ?? `it_${randomBytes(6).toString('hex')}`;

  const config = loadConfig({
    PORT: String(port),
    ISSUER: issuer,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(options.store === 'mongodb' ? { MONGODB_URI: mongoTestUri(mongoDb) } : {}),
    ...options.env,
  });
  let signet: SignetApp;
  try {
    signet = await createApp(config, options.overrides);
  } catch (err) {
    await new Promise((resolve) => server.close(resolve));
    throw err;
  }
  const handle = signet.app.callback();
  // Koa answers its own errors: the promise it returns never needs awaiting here.
  server.on('request', (req, res) => void handle(req, res));

  const stop = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await signet.close();
    // Let this process's own HTTP clients see their sockets close before anyone reuses the port.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    issuer,
    port,
    signet,
    dataDir,
    mongoDb,
    stop,
    async destroy() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
      if (options.store === 'mongodb') await dropTestDatabase(mongoDb);
    },
  };
}
