// CONTRACT.md "Start" and "Environment", black-box: the built server as `npm start` runs it.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { freePort, MAIN, waitForOutput } from '../support/spawn-server.js';

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

describe('process lifecycle', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-life-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test.each([
    ['one process (WORKERS=1)', { WORKERS: '1' }],
    ['a primary and one worker per core (the default)', {}],
  ])(
    '%s: ready on /healthz and /readyz; SIGTERM drains an in-flight request, closes, and exits 0',
    async (_name, extra: Record<string, string>) => {
      const port = await freePort();
      const server = start({ PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info', ...extra });
      const base = `http://127.0.0.1:${port}`;
      // Logged once the port is open (with workers: once every worker listens).
      await waitForOutput(server.child.stdout, 'Signet listening on', server.exited);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      // A request already under way when the signal arrives still gets its answer.
      const inFlight = fetch(`${base}/.well-known/openid-configuration`);
      server.child.kill('SIGTERM');
      expect((await inFlight).status).toBe(200);
      expect(await server.exited).toBe(0);
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    },
    30_000,
  );

  test('a bad variable stops the process with a message naming it', async () => {
    const server = start({ PORT: 'eighty', DATA_DIR: dataDir, MONGODB_URI: 'postgres://nope' });
    expect(await server.exited).not.toBe(0);
    expect(server.stderr()).toMatch(/PORT/);
    expect(server.stderr()).toMatch(/MONGODB_URI/);
  }, 30_000);

  test('production mode refuses development defaults, naming each problem', async () => {
    const server = start({ NODE_ENV: 'production', ISSUER: 'http://id.example.com', DATA_DIR: dataDir, DEMO: 'true' });
    expect(await server.exited).not.toBe(0);
    for (const name of ['ISSUER', 'KEY_ENCRYPTION_SECRET', 'DEMO']) expect(server.stderr()).toContain(name);
  }, 30_000);
});
