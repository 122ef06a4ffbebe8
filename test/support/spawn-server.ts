// Runs the built server (dist/main.js) as its own process, as `npm start` does, for tests that must
// treat it as a black box: signals, crashes, restarts on the same store.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** The start line: written once the port is open (with WORKERS > 1, once every worker listens). */
export const READY_LINE = 'Signet listening on';

// A restart reuses the port, so the issuer stays the same.
export { freePort } from './ferretdb.js';

export interface SpawnedServer {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** http://127.0.0.1:PORT, also passed as ISSUER. */
  readonly issuer: string;
  /** Resolves once the process is gone, with how it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote to stderr so far (startup failures land here). */
  stderr(): string;
  /** Everything it wrote to stdout so far (the JSON log lines, at the LOG_LEVEL given). */
  stdout(): string;
  /** Sends `signal` (unless already gone) and resolves when the process has exited. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node dist/main.js` on 127.0.0.1:`port` with only `env` (plus PATH) and resolves when it says it
 * is listening (its start line, logged at info: the level is always at least that, and only lifecycle
 * events are logged there). ISSUER is set to the address the test fetches, so discovery matches it.
 */
export async function spawnServer(port: number, env: Record<string, string>): Promise<SpawnedServer> {
  const issuer = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info', PORT: String(port), ISSUER: issuer },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Always read, so a chatty log level can never block the child on a full pipe.
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  const server: SpawnedServer = {
    child,
    issuer,
    exited,
    stderr: () => stderr,
    stdout: () => stdout,
    async stop(signal) {
      if (!gone) child.kill(signal);
      return exited;
    },
  };
  try {
    await printed(server, READY_LINE, 0);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- server stderr ---\n${stderr}`, { cause: err });
  }
  return server;
}

/**
 * Resolves once the process has written `text` to stdout after its first `from` characters (pass the
 * length of stdout() before the action that should cause it); rejects if the process exits first.
 */
export function printed(server: SpawnedServer, text: string, from: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const seen = () => server.stdout().indexOf(text, from) !== -1;
    if (seen()) {
      resolve();
      return;
    }
    const onData = () => {
      if (!seen()) return;
      server.child.stdout.off('data', onData);
      resolve();
    };
    // Registered after spawnServer's own listener, so stdout() already holds the chunk when this runs.
    server.child.stdout.on('data', onData);
    void server.exited.then(() => {
      server.child.stdout.off('data', onData);
      reject(new Error(`the server exited before it printed ${JSON.stringify(text)}`));
    });
  });
}

/**
 * Resolves once `stream`, read from this call on, has carried `text` (a child's log line: the event a
 * start waits for, instead of polling); rejects if `exited` settles first, with what was read.
 */
export function waitForOutput(stream: Readable, text: string, exited: Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    let read = '';
    const onData = (chunk: string | Buffer) => {
      read += chunk.toString();
      if (!read.includes(text)) return;
      stream.off('data', onData);
      resolve();
    };
    stream.on('data', onData);
    void exited.then(() => {
      stream.off('data', onData);
      reject(new Error(`the process exited before it printed ${JSON.stringify(text)}:\n${read}`));
    });
  });
}
