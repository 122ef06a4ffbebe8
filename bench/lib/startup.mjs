// @ts-check
// "The first ten minutes": how long a newcomer waits, measured the way they run things: `npm start` until
// /healthz answers 200, and `npm run --silent cli -- …` until it exits, with nothing changed since the
// last build (a build that happens anyway is reported, not hidden). Runnable alone:
//   BENCH_ONLY=startup npm run bench      (updates only this section of BENCHMARKS.md)

import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { freePort, removeDir, ROOT, tempDir } from './proc.mjs';
import { replaceSection } from './report-section.mjs';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
export const STARTUP_HEADING = '## First ten minutes: start and CLI';

/** Runs `command args` to its exit: `npm …` as a newcomer types it, or the Node that `npm run` would start. */
function run(command, args, env, stdin = '') {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ms: performance.now() - started, stderr }));
    child.stdin.end(stdin);
  });
}

const npm = (args, env, stdin) => run('npm', args, env, stdin);

/** `npm start` until /healthz is 200; then SIGTERM to the whole group (npm, its shell, Signet and workers). */
async function timeStart(env) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return { ms: performance.now() - started, built: /building/.test(stderr) };
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const summary = (samples) => ({
  medianMs: median(samples.map((s) => s.ms)),
  minMs: Math.min(...samples.map((s) => s.ms)),
  maxMs: Math.max(...samples.map((s) => s.ms)),
  runs: samples.length,
  builds: samples.filter((s) => s.built).length,
});

/** @param {(line: string) => void} [log] */
export async function measureStartup(log = () => undefined) {
  const prepared = await npm(['run', '--silent', 'build'], {});
  if (prepared.code !== 0) throw new Error(`build failed: ${prepared.stderr}`);
  const dataDir = await tempDir('signet-bench-startup-');
  const env = { DATA_DIR: dataDir };
  try {
    const result = {
      runs: RUNS,
      loadAverageAtStart: os.loadavg(),
      cores: os.availableParallelism(),
      node: process.version,
      start: {},
      cli: {},
    };
    // The first start of a data folder makes keys; every later one only opens them.
    result.start.first = summary([await timeStart({ ...env, WORKERS: '1' })]);
    for (const [name, workers] of [
      ['workers1', '1'],
      ['perCore', String(os.availableParallelism())],
    ]) {
      const samples = [];
      for (let i = 0; i < RUNS; i++) samples.push(await timeStart({ ...env, WORKERS: workers }));
      result.start[name] = summary(samples);
      log(
        `npm start, WORKERS=${workers}: /healthz after ${result.start[name].medianMs.toFixed(0)} ms (median of ${RUNS})`,
      );
    }
    // Through npm, as the README says; and the same call without npm (what `npm run cli` starts), so that
    // npm's own start-up, which Signet cannot shorten, is seen apart.
    const viaNpm = (args, stdin) => npm(['run', '--silent', 'cli', '--', ...args], env, stdin);
    const direct = (args, stdin) =>
      run(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', join(ROOT, 'scripts', 'launch.mjs'), 'cli', ...args],
        env,
        stdin,
      );
    const cli = async (how, args, stdin) => {
      const done = await how(args, stdin);
      if (done.code !== 0) throw new Error(`cli ${args.join(' ')} failed: ${done.stderr}`);
      return { ms: done.ms, built: /building/.test(done.stderr) };
    };
    let users = 0;
    for (const [name, how] of [
      ['npm', viaNpm],
      ['direct', direct],
    ]) {
      const create = [];
      for (let i = 0; i < RUNS; i++)
        create.push(
          await cli(
            how,
            ['user', 'create', '--email', `bench${users++}@example.com`, '--password-stdin'],
            'a long enough passphrase\n',
          ),
        );
      const list = [];
      for (let i = 0; i < RUNS; i++) list.push(await cli(how, ['client', 'list']));
      result.cli[name] = { userCreate: summary(create), clientList: summary(list) };
      log(
        `cli (${name}) user create ${result.cli[name].userCreate.medianMs.toFixed(0)} ms, client list ${result.cli[name].clientList.medianMs.toFixed(0)} ms (medians)`,
      );
    }
    return result;
  } finally {
    await removeDir(dataDir);
  }
}

const ms = (v) => `${Math.round(v).toLocaleString('en-US')} ms`;

export function startupSection(s) {
  const row = (what, r, target) =>
    `| ${what} | ${ms(r.medianMs)} | ${ms(r.minMs)} – ${ms(r.maxMs)} | ${r.runs} | ${target} |${r.builds ? ` ${r.builds} run(s) rebuilt: sources changed meanwhile |` : ''}`;
  return [
    STARTUP_HEADING,
    '',
    `What a newcomer waits for, with nothing changed since the last build (\`npm ci\` builds once; \`npm start\` and \`npm run cli\` build again only when \`src/\` changed).`,
    `Wall-clock from the command to /healthz 200 (start) or to its exit (CLI), npm included; ${s.cores} cores, Node ${s.node}, load average ${s.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')} when measured.`,
    '',
    ...(s.loadAverageAtStart[0] > 0.25 * s.cores
      ? [
          `> **Not an idle machine** (load average ${s.loadAverageAtStart[0].toFixed(1)} on ${s.cores} cores): other processes used the CPU as well, so these`,
          '> figures are upper bounds. Before builds happened once, every CLI call and start compiled first: 5–10 s per CLI call on an idle',
          '> machine, 13–26 s on a busy one, 11–18 s from `npm start` to healthy.',
          '',
        ]
      : []),
    '| command | median | range | runs | target |',
    '|---|---:|---:|---:|---|',
    row('`npm start` (WORKERS=1), first start of a data folder (keys generated)', s.start.first, '—'),
    row('`npm start` (WORKERS=1)', s.start.workers1, '< 3 s to /healthz'),
    row(`\`npm start\` (default: one worker per core, ${s.cores})`, s.start.perCore, '< 3 s to /healthz'),
    row(
      '`npm run --silent cli -- user create … --password-stdin` (argon2id hash included)',
      s.cli.npm.userCreate,
      '< 1 s',
    ),
    row(
      '`npm run --silent cli -- client list` (loads oidc-provider: client commands validate through it)',
      s.cli.npm.clientList,
      '< 1 s',
    ),
    row('the same `user create` without npm (`node scripts/launch.mjs cli …`)', s.cli.direct.userCreate, '—'),
    row('the same `client list` without npm', s.cli.direct.clientList, '—'),
    '',
    'The difference between a command through npm and without it is npm starting up, the same for any script. A command on',
    'accounts, keys or audit loads the core only (store, keys, accounts, audit); client commands load oidc-provider too; the',
    'cluster primary prepares the store with the core and forks the workers, which load the server. Before that, every',
    'command and the primary built the whole server first (about 850 modules): on this machine at load average 8.2, 1.5 s for',
    '`user create`, 1.6 s for `client list`, 3.8 s from `npm start` to /healthz with 2 workers and 1.6 s with one.',
    '',
    'Measured by `BENCH_ONLY=startup npm run bench` (bench/lib/startup.mjs; `BENCH_STARTUP_RUNS`, default 5, runs each).',
    '',
  ];
}

/** Replaces this section of BENCHMARKS.md (or adds it at the end), leaving every other section as it was. */
export function writeStartupSection(result, path = join(ROOT, 'BENCHMARKS.md')) {
  return replaceSection(path, STARTUP_HEADING, startupSection(result));
}
