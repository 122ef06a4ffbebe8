// Runs once per jest run, before any worker starts: workers inherit process.env, so the URI set here
// reaches every Mongo suite. The handle stays on globalThis for global-teardown.ts (same process).
//
// Jest loads this file outside its module system: ts-jest compiles it, but Node's own ESM loader resolves
// its imports, without the `.js` → `.ts` moduleNameMapper. So the launcher is imported by its real file
// name (Node 24 strips the types itself); the type comes from the usual `.js` specifier.

import type { MongoTestServer } from './ferretdb.js';

type Launcher = typeof import('./ferretdb.js');

export default async function globalSetup(): Promise<void> {
  const launcher = new URL('./ferretdb.ts', import.meta.url).href;
  const { startFerretDb } = (await import(launcher)) as Launcher;
  const server = await startFerretDb();
  if (!server) {
    process.env.SIGNET_TEST_MONGODB_SKIP = '1';
    return;
  }
  (globalThis as Record<symbol, MongoTestServer | undefined>)[Symbol.for('signet.test.ferretdb')] = server;
  process.env.SIGNET_TEST_MONGODB_URI = server.uri;
}
