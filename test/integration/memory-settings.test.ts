// The start-time memory settings reach the processes that serve, and only them: a single process runs
// again in place with them, a cluster primary keeps Node's defaults and starts its workers with them,
// and an operator's own choice is what runs. Read from what the kernel says each process was started
// with (/proc/PID/cmdline and environ), as an operator would check it.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { freePort, spawnServer, type SpawnedServer } from '../support/spawn-server.js';

const TIMEOUT = 60_000;
const SEMI = '--max-semi-space-size=16';
const GROWING = '--heap-growing-percent=50';
/**
 * glibc reads GLIBC_TUNABLES at start by cutting the original string at each ':' where it lies, so
 * /proc/PID/environ shows only the first tunable afterwards (the process's own copy keeps them all;
 * the unit test checks the whole value).
 */
const FIRST_TUNABLE = /^glibc\.malloc\.arena_max=2(:|$)/;

interface Started {
  argv: string[];
  env: Map<string, string>;
}

async function startedWith(pid: number): Promise<Started> {
  const split = (text: string) => text.split('\0').filter(Boolean);
  const argv = split(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
  const env = new Map<string, string>();
  for (const entry of split(await readFile(`/proc/${pid}/environ`, 'utf8'))) {
    const at = entry.indexOf('=');
    env.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return { argv, env };
}

/** The pids the workers logged in their "worker listening" lines (whole lines only: a chunk may end mid-line). */
function workerPids(stdout: string): number[] {
  return stdout
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; pid?: number })
    .filter((entry) => entry.msg === 'worker listening' && typeof entry.pid === 'number')
    .map((entry) => entry.pid as number);
}

/**
 * The pids of `count` workers, once each has logged that it listens: the primary's start line may
 * reach the shared stdout before a worker's own line does, so the start line alone does not say that.
 */
function listeningWorkers(server: SpawnedServer, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const pids = workerPids(server.stdout());
      if (pids.length < count) return;
      server.child.stdout.off('data', check);
      resolve(pids);
    };
    // Registered after spawnServer's own listener, so stdout() already holds the chunk when this runs.
    server.child.stdout.on('data', check);
    void server.exited.then(() => {
      server.child.stdout.off('data', check);
      reject(new Error(`the server exited before ${count} workers listened:\n${server.stdout()}`));
    });
    check();
  });
}

describe('memory settings of a started server', () => {
  let dir: string;
  let runs = 0;
  const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: join(dir, `data-${++runs}`), ...extra });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signet-memory-settings-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A server started with `extra` in its environment, given to `check`, then stopped whatever happened. */
  async function withServer(extra: Record<string, string>, check: (server: SpawnedServer) => Promise<void>) {
    const server = await spawnServer(await freePort(), env(extra));
    try {
      await check(server);
    } finally {
      await server.stop('SIGTERM');
    }
  }

  test(
    'WORKERS=1 runs again in place, same pid, with the V8 flags and the malloc tunables',
    async () => {
      await withServer({ WORKERS: '1' }, async (server) => {
        const pid = server.child.pid as number;
        const { argv, env: seen } = await startedWith(pid);
        expect(argv).toEqual(expect.arrayContaining([SEMI, GROWING]));
        expect(seen.get('SIGNET_MEMORY_SETTINGS')).toBe('applied');
        expect(seen.get('GLIBC_TUNABLES')).toMatch(FIRST_TUNABLE);
        // Serving, not only started: the restarted process answers.
        expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
      });
    },
    TIMEOUT,
  );

  test(
    'WORKERS=2: the primary keeps Node’s defaults, each worker starts with the settings',
    async () => {
      await withServer({ WORKERS: '2' }, async (server) => {
        const primary = await startedWith(server.child.pid as number);
        expect(primary.argv).not.toContain(SEMI);
        expect(primary.env.has('SIGNET_MEMORY_SETTINGS')).toBe(false);
        expect(primary.env.has('GLIBC_TUNABLES')).toBe(false);
        const pids = await listeningWorkers(server, 2);
        expect(pids).toHaveLength(2);
        for (const pid of pids) {
          const worker = await startedWith(pid);
          expect(worker.argv).toEqual(expect.arrayContaining([SEMI, GROWING]));
          expect(worker.env.get('SIGNET_MEMORY_SETTINGS')).toBe('applied');
          expect(worker.env.get('GLIBC_TUNABLES')).toMatch(FIRST_TUNABLE);
        }
      });
    },
    TIMEOUT,
  );

  test(
    'MEMORY_PROFILE=lean: the workers start with the smaller young generation, earlier collections, V8 for size',
    async () => {
      await withServer({ WORKERS: '2', MEMORY_PROFILE: 'lean' }, async (server) => {
        const pids = await listeningWorkers(server, 2);
        expect(pids).toHaveLength(2);
        for (const pid of pids) {
          const { argv } = await startedWith(pid);
          expect(argv).toEqual(
            expect.arrayContaining(['--max-semi-space-size=8', '--heap-growing-percent=30', '--optimize-for-size']),
          );
          expect(argv).not.toContain(SEMI);
        }
      });
    },
    TIMEOUT,
  );

  test(
    "an operator's young generation and empty GLIBC_TUNABLES are what runs; the rest is still added",
    async () => {
      await withServer(
        { WORKERS: '1', NODE_OPTIONS: '--max-semi-space-size=8', GLIBC_TUNABLES: '' },
        async (server) => {
          const { argv, env: seen } = await startedWith(server.child.pid as number);
          expect(argv).not.toContain(SEMI);
          expect(argv).toContain(GROWING);
          expect(seen.get('NODE_OPTIONS')).toBe('--max-semi-space-size=8');
          expect(seen.get('GLIBC_TUNABLES')).toBe('');
          expect(seen.get('SIGNET_MEMORY_SETTINGS')).toBe('applied');
        },
      );
    },
    TIMEOUT,
  );

  test(
    'SIGNET_MEMORY_SETTINGS=off adds no flag and no tunable',
    async () => {
      await withServer({ WORKERS: '1', SIGNET_MEMORY_SETTINGS: 'off' }, async (server) => {
        const { argv, env: seen } = await startedWith(server.child.pid as number);
        expect(argv).not.toContain(SEMI);
        expect(argv).not.toContain(GROWING);
        expect(seen.get('SIGNET_MEMORY_SETTINGS')).toBe('off');
        expect(seen.has('GLIBC_TUNABLES')).toBe(false);
      });
    },
    TIMEOUT,
  );
});
