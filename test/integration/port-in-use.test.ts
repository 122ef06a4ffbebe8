// A port already taken ends the start with one line that names it and a non-zero exit, in one process
// and with workers alike: no restart loop, no stack trace.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { freePort, MAIN } from '../support/spawn-server.js';
import { stopIfStarted } from '../support/teardown.js';

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a port already in use', () => {
  let dataDir: string;
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-port-'));
    port = await freePort();
    holder = createServer();
    // Bound as Signet binds (every address), so the two truly collide.
    await new Promise<void>((resolve) => holder.listen(port, resolve));
  });

  afterAll(async () => {
    await stopIfStarted(holder, (h) => new Promise((resolve) => h.close(resolve)));
    await rm(dataDir, { recursive: true, force: true });
  });

  test.each([
    ['one process (WORKERS=1)', '1'],
    ['a primary and two workers (WORKERS=2)', '2'],
  ])(
    '%s: one line naming the port, exit non-zero, no restart and no stack trace',
    async (_name, workers) => {
      const result = await run({
        PORT: String(port),
        DATA_DIR: dataDir,
        WORKERS: workers,
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `signet: port ${port} is already in use: another program listens on it (stop it, or set PORT to a free port)\n`,
      );
      expect(result.stdout).not.toMatch(/replacement|EPIPE|EADDRINUSE|at /);
    },
    60_000,
  );
});
