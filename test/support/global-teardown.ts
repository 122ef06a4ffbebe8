// Stops the FerretDB started by global-setup.ts; its stop() also removes the temporary directory.

import type { MongoTestServer } from './ferretdb.js';

export default async function globalTeardown(): Promise<void> {
  const slot = globalThis as Record<symbol, MongoTestServer | undefined>;
  const key = Symbol.for('signet.test.ferretdb');
  const server = slot[key];
  slot[key] = undefined;
  await server?.stop();
}
