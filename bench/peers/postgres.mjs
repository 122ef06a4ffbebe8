// @ts-check
// A private PostgreSQL cluster for Hydra (its production stores are PostgreSQL, MySQL and CockroachDB;
// its SQLite is for development, and the build of install.sh leaves it out). Debian's binaries, a
// fresh cluster in a temp dir, loopback only, durable defaults (fsync=on, synchronous_commit=on): every
// commit is on disk before Hydra answers, as Signet's are.

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, removeDir, tempDir } from '../lib/proc.mjs';
import { startServer, stopServer, waitUntil } from './processes.mjs';

function binaries() {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  if (!version) throw new Error('PostgreSQL is not installed (bash bench/peers/install.sh installs Debian’s)');
  return { dir: join(root, version, 'bin'), version };
}

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
function asPostgres(command, args) {
  return process.getuid?.() === 0
    ? { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args] }
    : { command, args };
}

/** @param {{ runDir: string, servers: Set<import('./processes.mjs').Server> }} run */
export async function startPostgres({ runDir, servers }) {
  const { dir, version } = binaries();
  // In the temp dir rather than the cache: the `postgres` user cannot enter root's home.
  const data = await tempDir('signet-bench-postgres-');
  if (process.getuid?.() === 0) {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(data, id('-u'), id('-g'));
  }
  const initdb = asPostgres(join(dir, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8']);
  execFileSync(initdb.command, initdb.args, { stdio: 'ignore' });
  const port = await freePort();
  const settings = [
    'listen_addresses=127.0.0.1',
    `unix_socket_directories=${data}`,
    'fsync=on',
    'synchronous_commit=on',
  ];
  const postgres = asPostgres(join(dir, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    ...settings.flatMap((s) => ['-c', s]),
  ]);
  const server = startServer('postgres', postgres.command, postgres.args, {
    logFile: join(runDir, 'postgres.log'),
    servers,
  });
  const stop = async () => {
    // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
    await stopServer(server, 'SIGINT');
    await removeDir(data);
  };
  try {
    const psql = [join(dir, 'psql'), '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
    await waitUntil(
      'PostgreSQL',
      server,
      () => {
        execFileSync(psql[0] ?? 'psql', [...psql.slice(1), '-c', 'CREATE DATABASE hydra'], { stdio: 'ignore' });
        return Promise.resolve(true);
      },
      60_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    version,
    // runuser waits for the postmaster, whose children are the backends: the tree holds them all.
    pid: server.pid,
    // Hydra's pool defaults to 2 × cores connections; a token request can hold one while it waits for a
    // second (the signing keys), and 32 concurrent refreshes then stall. One per load connection.
    dsn: `postgres://postgres@127.0.0.1:${port}/hydra?sslmode=disable&max_conns=32&max_idle_conns=32`,
    stop,
  };
}
