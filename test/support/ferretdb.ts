// Starts a throwaway FerretDB (SQLite handler) so the Mongo contract suites run without a MongoDB server.
// MONGODB_URI wins when set (e.g. a real replica set in CI). Outside CI a missing binary means "skip,
// loudly"; in CI it is an error, so the Mongo suites fail instead of silently not running.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface MongoTestServer {
  uri: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startFerretDb(): Promise<MongoTestServer | undefined> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, stop: async () => {} };

  const binary = findFerretDb();
  if (!binary) {
    const message =
      'ferretdb binary not found (looked on PATH, in $(go env GOPATH)/bin and /root/go/bin); ' +
      'install it with `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1` or set MONGODB_URI';
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`\n!!! ${message}. The MongoDB contract suites will be SKIPPED. !!!\n`);
    return undefined;
  }

  const dir = await mkdtemp(join(tmpdir(), 'signet-ferretdb-'));
  let running: FerretDbProcess;
  try {
    running = await launchFerretDb(binary, dir, await freePort());
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    uri: running.uri,
    stop: async () => {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface FerretDbProcess {
  uri: string;
  /** Ends the process (SIGTERM, then SIGKILL); the data in its directory stays for a relaunch. */
  stop(): Promise<void>;
}

/** One FerretDB process on `port` keeping its data in `dir`: relaunching on both brings the same data back. */
export async function launchFerretDb(binary: string, dir: string, port: number): Promise<FerretDbProcess> {
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      '--debug-addr=127.0.0.1:0',
      '--telemetry=disable',
      // Info, for the line that says the listener is up: waiting for it needs no polling.
      '--log-level=info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = captureOutput(child);
  try {
    await waitForListening(port, child, READY_TIMEOUT_MS);
  } catch (err) {
    await kill(child);
    throw new Error(`ferretdb (${binary}) did not start: ${(err as Error).message}\n--- its output ---\n${output()}`, {
      cause: err,
    });
  }
  return { uri: `mongodb://127.0.0.1:${port}/`, stop: () => kill(child) };
}

export function findFerretDb(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const p of gopath.trim().split(delimiter)) if (p) dirs.push(join(p, 'bin'));
  } catch {
    // no Go toolchain: fall through to the usual install location
  }
  dirs.push('/root/go/bin');
  for (const dir of dirs) {
    const candidate = join(dir, 'ferretdb');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Asks the kernel for a free port by listening on 0; tiny race until ferretdb binds it, fine for tests. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the free port'))));
    });
  });
}

function captureOutput(child: ChildProcess): () => string {
  const limit = 64 * 1024;
  let text = '';
  const append = (chunk: Buffer): void => {
    if (text.length < limit) text += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => text || '(no output)';
}

/**
 * Resolves when FerretDB logs that its listener is up (it logs that once the socket listens), rejects
 * when it exits or cannot be spawned first, or after `timeoutMs`.
 */
function waitForListening(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const line = `Listening on TCP 127.0.0.1:${port}`;
  return new Promise((resolve, reject) => {
    let seen = '';
    const settle = (err?: Error): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', settle);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      const text = seen + chunk.toString('utf8');
      if (text.includes(line)) settle();
      // Kept: just enough of the tail to find the line when a chunk boundary cuts it in two.
      else seen = text.slice(-line.length);
    };
    const onExit = (code: number | null, signal: string | null): void =>
      settle(new Error(`exited early (code ${code}, signal ${signal})`));
    const timer = setTimeout(() => settle(new Error(`no "${line}" after ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', settle);
  });
}

async function kill(child: ChildProcess): Promise<void> {
  // pid is undefined when the spawn itself failed: there is nothing to stop.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
