// @ts-check
// The peers' processes: each started in a process group of its own and stopped by its pid (the group it
// leads, so a JVM under kc.sh or PostgreSQL's backends go with it), and watched as a whole tree while a
// scenario runs. Keycloak's kc.sh and PostgreSQL's postmaster have children: one pid would miss them.

import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSecondsOf, median, memoryOf } from '../lib/proc.mjs';

/** The cache the peers are installed in (bench/peers/install.sh), outside the repository. */
export const PEERS_HOME =
  process.env.BENCH_PEERS_HOME ??
  join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/tmp', '.cache'), 'signet-bench-peers');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @typedef {{ name: string, pid: number, logFile: string, child: import('node:child_process').ChildProcess,
 *   exited: Promise<unknown> }} Server
 */

/**
 * What one side-by-side run shares with the servers it starts: where their logs go, how many users
 * each gets, and every process started so far (an interrupted run stops those still starting too).
 * @typedef {{ runDir: string, users: number, servers: Set<Server> }} PeerRun
 */

/**
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, cwd?: string, logFile: string, servers: Set<Server> }} options
 * @returns {Server}
 */
export function startServer(name, command, args, { env = {}, cwd, logFile, servers }) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error(`${name}: ${command} did not start`);
  const server = { name, pid: child.pid, logFile, child, exited };
  servers.add(server);
  void exited.then(() => servers.delete(server));
  return server;
}

const running = (server) => server.child.exitCode === null && server.child.signalCode === null;

/** `signal` to the group the server leads (only what this run started), SIGKILL after `graceMs`. */
export async function stopServer(server, signal = 'SIGTERM', graceMs = 20_000) {
  if (!server || !running(server)) return;
  const send = (sig) => {
    try {
      process.kill(-server.pid, sig);
    } catch {
      // the group is gone already
    }
  };
  send(signal);
  const timer = setTimeout(() => send('SIGKILL'), graceMs);
  await server.exited;
  clearTimeout(timer);
  // Members of the group that outlived its leader (a JVM whose shell was killed first).
  send('SIGKILL');
}

export function logTail(file, chars = 3000) {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}

/** Polls `probe` until it resolves true; fails early with the log's tail when the server exits. */
export async function waitUntil(what, server, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server && !running(server))
      throw new Error(`${server.name} exited while starting (${what}):\n${logTail(server.logFile)}`);
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${server ? `:\n${logTail(server.logFile)}` : ''}`);
}

/** A GET that answers 200. */
export async function answers(url) {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status === 200;
}

function parentOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The pid and its descendants alive now. */
export function processTree(root) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = parentOf(entry);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** Proportional set size: pages shared by a tree's processes (PostgreSQL's buffers) counted once. */
function pssOf(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

const rssOf = (pid) => {
  const { rss } = memoryOf(pid);
  return Number.isFinite(rss) ? rss : 0;
};

/**
 * The tree's summed memory (RSS, or PSS for a tree sharing memory) sampled every `intervalMs` for its
 * peak and its median (the steady size under the load), the same for its largest process (a cluster's
 * busiest worker), and the CPU time its processes used in the window (also those that started during it).
 * @param {number} root
 * @param {{ intervalMs?: number, memory?: 'rss' | 'pss' }} [options]
 */
export function watchTree(root, { intervalMs = 100, memory = 'rss' } = {}) {
  const size = memory === 'pss' ? pssOf : rssOf;
  const cpuAtStart = new Map(processTree(root).map((pid) => [pid, cpuSecondsOf(pid)]));
  /** @type {number[]} */
  const totals = [];
  /** @type {number[]} */
  const largest = [];
  const sample = () => {
    const sizes = processTree(root).map(size);
    totals.push(sizes.reduce((sum, v) => sum + v, 0));
    largest.push(Math.max(0, ...sizes));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return () => {
    clearInterval(timer);
    sample();
    let cpuSeconds = 0;
    for (const pid of processTree(root)) {
      const now = cpuSecondsOf(pid);
      if (Number.isFinite(now)) cpuSeconds += now - (cpuAtStart.get(pid) ?? 0);
    }
    return {
      rssPeakBytes: Math.max(...totals),
      rssMedianBytes: median(totals),
      largestPeakBytes: Math.max(...largest),
      largestMedianBytes: median(largest),
      cpuSeconds,
    };
  };
}
