// A CLI call and a start take the time of what they load. An admin command builds only what it uses (no
// provider, HTTP app, mail or metrics for a command on accounts, keys or audit), the cluster primary only
// prepares the store and supervises, and the workers a launched Signet forks compile with the cache.
// Checked by what each process loads, recorded by test/support/record-modules.mjs: no timings.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { jsonLine, runCli } from '../support/run-cli.js';
import { freePort, READY_LINE, spawnServer, waitForOutput } from '../support/spawn-server.js';

const TIMEOUT = 60_000;
const RECORDER = fileURLToPath(new URL('../support/record-modules.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** What serving needs and an admin command on the core does not. */
const SERVING = ['oidc-provider', 'koa', '@koa/router', 'nodemailer', 'undici', 'prom-client', 'ejs', 'openid-client'];

interface Loaded {
  pid: number;
  role: string;
  compileCache: string;
  packages: Set<string>;
}

/** Per process: its role, its compile cache directory and the npm packages it loaded. */
async function readLog(file: string): Promise<Loaded[]> {
  const byPid = new Map<number, Loaded>();
  for (const line of (await readFile(file, 'utf8')).split('\n').filter(Boolean)) {
    const [pid, role, what] = line.split('\t') as [string, string, string];
    const entry = byPid.get(Number(pid)) ?? { pid: Number(pid), role, compileCache: '', packages: new Set<string>() };
    byPid.set(entry.pid, entry);
    if (what.startsWith('compile-cache:')) entry.compileCache = what.slice('compile-cache:'.length);
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(what)?.[1];
    if (pkg) entry.packages.add(pkg);
  }
  return [...byPid.values()];
}

const serving = (loaded: Loaded) => SERVING.filter((pkg) => loaded.packages.has(pkg));

describe('what a process loads', () => {
  let dir: string;
  let log: string;
  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? '',
    DATA_DIR: join(dir, 'data'),
    NODE_OPTIONS: `--import=${RECORDER}`,
    SIGNET_MODULE_LOG: log,
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-light-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test.each([
    [['user', 'create', '--email', 'light@example.com', '--password-stdin'], 'a long enough passphrase\n'],
    [['user', 'list'], ''],
    [['keys', 'list'], ''],
    [['audit', 'list'], ''],
  ])(
    'cli %j works on the core: no provider, HTTP app, mail or metrics',
    async (args, stdin) => {
      log = join(dir, `cli-${args.join('-')}.log`);
      jsonLine(await runCli(args, env(), stdin));
      const [cli] = await readLog(log);
      if (!cli) throw new Error(`${log} holds no record`);
      expect(cli.packages.has('argon2')).toBe(true);
      expect(serving(cli)).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'cli client list builds the provider it needs, and still no HTTP app, mail or metrics',
    async () => {
      log = join(dir, 'cli-client-list.log');
      jsonLine(await runCli(['client', 'list'], env()));
      const [cli] = await readLog(log);
      if (!cli) throw new Error(`${log} holds no record`);
      expect(cli.packages.has('oidc-provider')).toBe(true);
      expect(
        serving(cli).filter((pkg) =>
          ['@koa/router', 'nodemailer', 'undici', 'prom-client', 'openid-client'].includes(pkg),
        ),
      ).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'WORKERS=2: the primary loads no part of the server, its workers do',
    async () => {
      log = join(dir, 'workers.log');
      const server = await spawnServer(await freePort(), env({ WORKERS: '2' }));
      try {
        const loaded = await readLog(log);
        const primary = loaded.find((p) => p.pid === server.child.pid);
        const workers = loaded.filter((p) => p.role === 'worker');
        expect(primary && serving(primary)).toEqual([]);
        // Nor the store: migrations and first keys are made by a preparer that exits before workers start.
        expect(['argon2', 'mongodb', 'jose'].filter((pkg) => primary?.packages.has(pkg))).toEqual([]);
        expect(loaded.filter((p) => p.role === 'preparer')).toHaveLength(1);
        expect(workers).toHaveLength(2);
        for (const worker of workers)
          expect(serving(worker)).toEqual(expect.arrayContaining(['oidc-provider', 'koa', 'prom-client']));
      } finally {
        await server.stop('SIGTERM');
      }
    },
    TIMEOUT,
  );

  test(
    'the workers of a launched Signet compile with the launcher’s cache',
    async () => {
      log = join(dir, 'launched.log');
      const port = await freePort();
      const child = execFile(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', join(REPO, 'scripts', 'launch.mjs'), 'main'],
        {
          env: env({ WORKERS: '2', PORT: String(port), ISSUER: `http://127.0.0.1:${port}`, LOG_LEVEL: 'info' }),
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        // The launcher builds first if the sources changed since the last build; then the start line.
        if (!child.stdout) throw new Error('the launcher has no stdout to read');
        await waitForOutput(child.stdout, READY_LINE, exited);
        const workers = (await readLog(log)).filter((p) => p.role === 'worker');
        expect(workers).toHaveLength(2);
        for (const worker of workers)
          expect(worker.compileCache).toContain(join('node_modules', '.cache', 'signet-compile-cache'));
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
    2 * TIMEOUT,
  );
});
