// Boots Signet the way main.ts does, listen() included (which tells the in-process relying parties the
// loopback address for their back-channel calls), on an ephemeral port of 127.0.0.1, with an issuer
// that need not be that address: the public URL of a TLS-terminating proxy in front of it, say.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type SignetApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { mongoTestUri, type StoreKind } from './start-test-server.js';
import { dropTestDatabase } from './stores.js';

export interface ListeningServer {
  signet: SignetApp;
  issuer: string;
  /** The plain-http loopback port Signet listens on (what a proxy forwards to). */
  port: number;
  /** http://127.0.0.1:port */
  origin: string;
  dataDir: string;
  /** Stops the server and the store, and deletes what it stored. */
  destroy(): Promise<void>;
}

export async function startListeningServer(options: {
  store: StoreKind;
  issuer: string;
  env?: Record<string, string>;
}): Promise<ListeningServer> {
  // mkdtemp makes the folder 0700: what strict mode demands of DATA_DIR.
  const dataDir = await mkdtemp(join(tmpdir(), 'signet-listen-'));
  const mongoDb = `it_${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    ISSUER: options.issuer,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...(options.store === 'mongodb' ? { MONGODB_URI: mongoTestUri(mongoDb) } : {}),
    ...options.env,
  });
  const signet = await createApp(config);
  let port: number;
  try {
    ({ port } = await signet.listen(0, '127.0.0.1'));
  } catch (err) {
    await signet.close();
    throw err;
  }
  return {
    signet,
    issuer: config.issuer,
    port,
    origin: `http://127.0.0.1:${port}`,
    dataDir,
    async destroy() {
      await signet.close();
      await rm(dataDir, { recursive: true, force: true });
      if (options.store === 'mongodb') await dropTestDatabase(mongoDb);
    },
  };
}
