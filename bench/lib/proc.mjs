// @ts-check
// Child processes of the benchmark: the servers under test, FerretDB, the admin CLI, and the helper
// processes (argon2 ceiling, lookup scaling). Every server runs in its own process so that the load
// generator (this process) never shares an event loop with it.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFerretDb, freePort, launchFerretDb } from '../../test/support/ferretdb.ts';

export { freePort };

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The Node that runs the bench (Node 24 from the npm `node` package when started by `npm run bench`). */
export const NODE = process.execPath;
const NODE_FLAGS = ['--disable-warning=ExperimentalWarning'];

export async function tempDir(prefix) {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir) {
  await rm(dir, { recursive: true, force: true });
}

/** Keeps the tail of a child's output, to explain a failure without flooding the console. */
function capture(child) {
  const limit = 32 * 1024;
  let text = '';
  const append = (chunk) => {
    text += chunk.toString('utf8');
    if (text.length > limit) text = text.slice(-limit);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => text || '(no output)';
}

/** Spawns `node script` with the bench's own Node; the child's pid is the server's pid (for RSS). */
export function spawnNode(script, args, env, name, cwd = ROOT) {
  const child = spawn(NODE, [...NODE_FLAGS, script, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = capture(child);
  return { child, name, output };
}

export async function waitForHttp(url, proc, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited during start (code ${proc.child.exitCode}):\n${proc.output()}`);
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} not ready at ${url} after ${timeoutMs} ms:\n${proc.output()}`);
}

export async function stopProcess(proc, signal = 'SIGTERM') {
  const { child } = proc;
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Resident set size and its high-water mark, in bytes, from /proc (Linux). */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** User + system CPU time of a process so far, in seconds (/proc/PID/stat, clock ticks of 1/100 s). */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Where a run's raw results go: bench/results/<kind>-<startedAt>.json, in a gitignored directory.
 * @param {string} kind
 * @param {string} startedAt ISO 8601
 */
export function resultsPath(kind, startedAt) {
  return join(ROOT, 'bench', 'results', `${kind}-${startedAt.replace(/[:.]/g, '-')}.json`);
}

/**
 * Writes a run's raw results at resultsPath (the directory made when missing) and returns that path.
 * @param {string} kind
 * @param {string} startedAt ISO 8601
 * @param {unknown} results
 */
export async function writeResults(kind, startedAt, results) {
  const file = resultsPath(kind, startedAt);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/** The middle value of `values` (the upper one of the two middles), or NaN when there is none. */
export function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
}

/**
 * Watches the server while a scenario runs: its RSS every `intervalMs` (the peak is what a sizing
 * needs; the median is the steady size under the load) and the CPU time it used (per request, it does
 * not depend on what else the machine runs).
 */
export function watchProcess(pid, intervalMs = 100) {
  const samples = [];
  const sample = () => {
    const { rss } = memoryOf(pid);
    if (Number.isFinite(rss)) samples.push(rss);
  };
  sample();
  const cpuStart = cpuSecondsOf(pid);
  const timer = setInterval(sample, intervalMs);
  return () => {
    clearInterval(timer);
    sample();
    return {
      rssPeakBytes: samples.length ? Math.max(...samples) : NaN,
      rssMedianBytes: median(samples),
      cpuSeconds: cpuSecondsOf(pid) - cpuStart,
    };
  };
}

/** Runs a helper script to completion; resolves with its stdout (its last line is a JSON result). */
/**
 * @param {string} script
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 * @param {{ input?: string, cwd?: string }} [options]
 * @returns {Promise<string>}
 */
export function runNode(script, args, env = {}, { input, cwd = ROOT } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [...NODE_FLAGS, script, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c) => (out += c));
    child.stderr?.on('data', (c) => (err += c));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${script} ${args.join(' ')} exited with ${code}: ${err.trim() || out.trim()}`));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export function lastJsonLine(text) {
  const lines = text.trim().split('\n').filter(Boolean);
  return JSON.parse(lines[lines.length - 1] ?? 'null');
}

/** The admin CLI, exactly as an operator runs it, against the store of the server under test. */
export async function cli(env, args, input, cwd = ROOT) {
  return lastJsonLine(await runNode('dist/cli.js', args, env, { input, cwd }));
}

// ---- FerretDB ----------------------------------------------------------------------------------

/**
 * A throwaway FerretDB v1 on SQLite in a temp dir, launched by the same code as the test suite's
 * (Node 24 runs that TypeScript file as is). MONGODB_URI is deliberately not honoured: the bench must
 * not write load into someone's real database.
 */
export async function startFerretDb() {
  const binary = findFerretDb();
  if (!binary)
    throw new Error(
      'ferretdb not found on PATH, in $GOPATH/bin or /root/go/bin (bash .ci/install-ferretdb.sh installs it)',
    );
  const dir = await tempDir('signet-bench-ferretdb-');
  let running;
  try {
    running = await launchFerretDb(binary, dir, await freePort());
  } catch (err) {
    await removeDir(dir);
    throw err;
  }
  const version = await runFerretVersion(binary);
  return {
    uri: (db) => `${running.uri}${db}`,
    version,
    async stop() {
      await running.stop();
      await removeDir(dir);
    },
  };
}

function runFerretVersion(binary) {
  return new Promise((resolve) => {
    const child = spawn(binary, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.once('error', () => resolve('unknown'));
    child.once('exit', () => resolve(/version:\s*(\S+)/.exec(out)?.[1] ?? (out.trim().split('\n')[0] || 'unknown')));
  });
}
