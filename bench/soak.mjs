// @ts-check
// The soak: one Signet under a steady mixed load for ten minutes, its memory sampled all along, to show
// that it does not grow. A leak, a cache without a bound or a heap that only ever expands shows up
// here as a last minute above the first; a scenario of ten seconds cannot tell that from a warm-up.
//
// `node bench/soak.mjs` runs it alone; bench/run.mjs runs it under BENCH_ONLY=soak and writes its
// section of BENCHMARKS.md with writeSoakSection. Knobs (environment):
//   SOAK_MINUTES=10          measured minutes (0.5 for a try), after SOAK_WARMUP seconds (default 60) of the same load
//   SOAK_SAMPLE_SECONDS=2    how often RSS (per process, /proc) and the V8 heap (/metrics) are read
//   SOAK_WORKERS=1           WORKERS of the server: above 1 the primary and each worker are sampled apart
//   SOAK_MAX_GROWTH_MIB=10   growth of the last minute's lowest RSS over the first's that still passes
//   SOAK_NO_REPORT=1         write the results JSON only, leave BENCHMARKS.md as it is

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authorize, authorizePath, basic, Browser, exchangeCode, HttpClient } from './lib/http.mjs';
import { closedLoop, percentile } from './lib/load.mjs';
import { machineFacts } from './lib/machine.mjs';
import { memoryOf, ROOT, writeResults } from './lib/proc.mjs';
import { replaceSection } from './lib/report-section.mjs';
import { startSignet } from './lib/targets.mjs';

const MiB = 2 ** 20;
export const SOAK_HEADING = '## Memory under a ten-minute soak';

/** @param {NodeJS.ProcessEnv} env */
export function soakOptions(env = process.env) {
  return {
    minutes: Number(env.SOAK_MINUTES ?? 10),
    warmupS: Number(env.SOAK_WARMUP ?? 60),
    sampleS: Number(env.SOAK_SAMPLE_SECONDS ?? 2),
    workers: Number(env.SOAK_WORKERS ?? 1),
    maxGrowthMiB: Number(env.SOAK_MAX_GROWTH_MIB ?? 10),
    // Concurrent loops per kind of request: every kind at once, none alone able to starve the others.
    // The code flows also keep the access tokens of userinfo and introspection younger than their 10 minutes.
    mix: { login: 4, authorization_code: 2, refresh_token: 4, userinfo: 4, introspection: 4, client_credentials: 4 },
  };
}

/** The server's processes: itself, and under WORKERS > 1 its children (the workers). */
function processTree(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone between the listing and the read
    }
  }
  return { main: pid, children };
}

/** V8 heap and external memory of every serving process, from Signet's own /metrics (prom-client's defaults). */
async function heapFigures(http) {
  const res = await http.request('GET', '/metrics');
  const value = (name) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(res.body);
    return m ? Number(m[1]) / MiB : NaN;
  };
  return {
    heapUsedMiB: value('signet_nodejs_heap_size_used_bytes'),
    heapTotalMiB: value('signet_nodejs_heap_size_total_bytes'),
    externalMiB: value('signet_nodejs_external_memory_bytes'),
  };
}

/** Tokens and refresh chains the load needs, made before it starts. */
async function prepare(target, http, mix) {
  const browsers = [];
  for (const user of target.users) {
    const browser = new Browser(http);
    await authorize(browser, authorizePath(target.web.id), user);
    browsers.push(browser);
  }
  const accessTokens = [];
  for (let i = 0; i < 16; i++) {
    const code = await authorize(browsers[i % browsers.length], authorizePath(target.web.id), target.users[0]);
    accessTokens.push((await exchangeCode(http, target.web, code)).json.access_token);
  }
  const chains = [];
  for (let i = 0; i < mix.refresh_token; i++) {
    const offline = { scope: 'openid email profile offline_access', prompt: 'consent' };
    const code = await authorize(new Browser(http), authorizePath(target.web.id, offline), target.users[i % 4]);
    chains.push((await exchangeCode(http, target.web, code)).json.refresh_token);
  }
  return { browsers, accessTokens, chains };
}

/** One request of each kind, as a closed-loop operation: true for a success, a message for a failure. */
function operations(target, http, prepared) {
  const web = { authorization: basic(target.web.id, target.web.secret) };
  const service = { authorization: basic(target.service.id, target.service.secret) };
  let next = 0;
  let minted = 0;
  const token = () => prepared.accessTokens[next++ % prepared.accessTokens.length];
  const outcome = (res, ok) => (ok ? true : `${res.status}: ${res.body.slice(0, 200)}`);
  return {
    login: async () => {
      const user = target.users[next++ % target.users.length];
      return (await authorize(new Browser(http), authorizePath(target.web.id), user)).length > 0;
    },
    authorization_code: async () => {
      const browser = prepared.browsers[next++ % prepared.browsers.length];
      const res = await exchangeCode(
        http,
        target.web,
        await authorize(browser, authorizePath(target.web.id), target.users[0]),
      );
      if (res.json?.access_token)
        prepared.accessTokens[minted++ % prepared.accessTokens.length] = res.json.access_token;
      return outcome(res, res.status === 200 && Boolean(res.json?.id_token));
    },
    refresh_token: async (/** @type {number} */ i) => {
      const form = { grant_type: 'refresh_token', refresh_token: prepared.chains[i] };
      const res = await http.postForm('/token', form, web);
      if (res.json?.refresh_token) prepared.chains[i] = res.json.refresh_token;
      return outcome(res, res.status === 200);
    },
    userinfo: async () => {
      const res = await http.request('GET', '/me', { headers: { authorization: `Bearer ${token()}` } });
      return outcome(res, res.status === 200);
    },
    introspection: async () => {
      const res = await http.postForm('/token/introspection', { token: token() }, web);
      return outcome(res, res.body.includes('"active":true'));
    },
    client_credentials: async () => {
      const res = await http.postForm('/token', target.clientCredentialsForm, service);
      return outcome(res, res.status === 200);
    },
  };
}

/** Every `sampleS` seconds until stopped: RSS of each process, the heap, and requests done so far. */
function sampler(target, http, sampleS, done) {
  const samples = [];
  const t0 = performance.now();
  const take = async () => {
    const tree = processTree(target.pid);
    const rss = (pid) => memoryOf(pid).rss / MiB;
    let heap = { heapUsedMiB: NaN, heapTotalMiB: NaN, externalMiB: NaN };
    try {
      heap = await heapFigures(http);
    } catch {
      // a missed scrape is a gap in the heap figures, not a failed soak
    }
    samples.push({
      t: (performance.now() - t0) / 1000,
      rssMiB: rss(tree.main),
      workersRssMiB: tree.children.map(rss),
      ...heap,
      requests: done(),
    });
  };
  const timer = setInterval(() => void take(), sampleS * 1000);
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await take();
    },
  };
}

const median = (values) => percentile(Float64Array.from(values).sort(), 50);

/**
 * First-minute and last-minute medians of the measured part, and lowest values. A login holds 19 MiB
 * while argon2 verifies, so an RSS sample holds none, one or two of them by the chance of its instant,
 * and a median of a few dozen samples moves by 19 MiB with it; the lowest value is what stays.
 */
export function growth(samples, from, to, pick) {
  const window = Math.min(60, (to - from) / 3);
  const inside = (a, b) =>
    samples
      .filter((s) => s.t >= a && s.t <= b)
      .map(pick)
      .filter(Number.isFinite);
  const first = inside(from, from + window);
  const last = inside(to - window, to);
  return {
    windowS: window,
    firstMiB: median(first),
    lastMiB: median(last),
    growthMiB: median(last) - median(first),
    firstLowestMiB: Math.min(...first),
    lastLowestMiB: Math.min(...last),
    lowestGrowthMiB: Math.min(...last) - Math.min(...first),
  };
}

/** Runs the soak and returns its result (also written to bench/results/soak-*.json). */
export async function runSoak(options = soakOptions(), log = (m) => process.stderr.write(`[soak] ${m}\n`)) {
  const startedAt = new Date();
  const target = await startSignet({ store: 'sqlite', ferret: undefined, env: { WORKERS: String(options.workers) } });
  const http = new HttpClient(target.origin, 128);
  const requests = { ok: 0, failed: 0 };
  let result;
  try {
    log(`Signet at ${target.origin} (pid ${target.pid}, WORKERS=${options.workers}); preparing tokens`);
    const ops = operations(target, http, await prepare(target, http, options.mix));
    const counted = (op) => async (i) => {
      const r = await op(i).catch((/** @type {unknown} */ err) => (err instanceof Error ? err.message : String(err)));
      if (r === true) requests.ok++;
      else requests.failed++;
      return r;
    };
    const measuredS = options.minutes * 60;
    const sampling = sampler(target, http, options.sampleS, () => ({ ...requests }));
    log(`${options.warmupS}s of warm-up, then ${options.minutes} min measured, sampled every ${options.sampleS}s`);
    const loads = await Promise.all(
      Object.entries(options.mix).map(async ([name, connections]) => [
        name,
        await closedLoop({ connections, durationS: options.warmupS + measuredS, op: counted(ops[name]) }),
      ]),
    );
    await sampling.stop();
    result = summarize(options, sampling.samples, Object.fromEntries(loads));
  } finally {
    http.close();
    await target.stop();
  }
  result = { startedAt: startedAt.toISOString(), options, machine: await machineFacts(), ...result };
  const file = await writeResults('soak', result.startedAt, result);
  log(`results: ${file}`);
  return { ...result, file };
}

function summarize(options, samples, loads) {
  const from = options.warmupS;
  const to = samples.at(-1)?.t ?? from;
  const serving = (s) => (s.workersRssMiB.length ? Math.max(...s.workersRssMiB) : s.rssMiB);
  const rss = growth(samples, from, to, serving);
  const measured = samples.filter((s) => s.t >= from);
  const first = measured[0]?.requests.ok ?? 0;
  const okPerS = ((measured.at(-1)?.requests.ok ?? 0) - first) / Math.max(1, to - (measured[0]?.t ?? to));
  return {
    rss,
    primary: options.workers > 1 ? growth(samples, from, to, (s) => s.rssMiB) : undefined,
    heapUsed: growth(samples, from, to, (s) => s.heapUsedMiB),
    heapTotal: growth(samples, from, to, (s) => s.heapTotalMiB),
    rssPeakMiB: Math.max(...measured.map(serving)),
    okPerSecond: okPerS,
    passed: rss.lowestGrowthMiB <= options.maxGrowthMiB && Object.values(loads).every((l) => l.failed === 0),
    loads: Object.fromEntries(
      Object.entries(loads).map(([name, l]) => [
        name,
        { ok: l.ok, failed: l.failed, rps: l.rps, errors: l.errorSamples },
      ]),
    ),
    samples,
  };
}

const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : '–');

/** The BENCHMARKS.md section of a soak, replaced in place (the rest of the file is kept). */
export function soakSection(r) {
  const role = r.options.workers > 1 ? `the largest of ${r.options.workers} workers` : 'the one process (WORKERS=1)';
  const window = r.rss.windowS >= 59.5 ? 'minute' : `${f1(r.rss.windowS)} s`;
  const signed = (n) => `${n >= 0 ? '+' : ''}${f1(n)}`;
  const row = (name, g) =>
    `| ${name} | ${f1(g.firstMiB)} | ${f1(g.lastMiB)} | ${signed(g.growthMiB)} | ${f1(g.firstLowestMiB)} | ${f1(g.lastLowestMiB)} | ${signed(g.lowestGrowthMiB)} |`;
  return [
    SOAK_HEADING,
    '',
    `> Measured by \`node bench/soak.mjs\` (or \`BENCH_ONLY=soak npm run bench\`) on ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC; ` +
      `raw samples in \`bench/results/\` (gitignored).`,
    '',
    `${r.options.minutes} minutes of a steady mixed load after ${r.options.warmupS} s of the same load unmeasured: ` +
      Object.entries(r.options.mix)
        .map(([k, v]) => `${v} × ${k}`)
        .join(', ') +
      ' closed loops at once, on SQLite. RSS of ' +
      `${role} read from /proc every ${r.options.sampleS} s, the V8 heap from \`/metrics\`: medians and lowest values of the ` +
      `first and the last ${f1(r.rss.windowS)} s. A login holds 19 MiB while argon2 verifies, so a sample holds none, one ` +
      'or two of them (one per hashing slot) by the chance of its instant: the lowest value is the memory that stays, and ' +
      'the one held to the limit.',
    '',
    `| figure (MiB) | first ${window}: median | last ${window}: median | growth | first ${window}: lowest | last ${window}: lowest | growth |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    row('RSS', r.rss),
    ...(r.primary ? [row('RSS of the primary', r.primary)] : []),
    row('V8 heap used', r.heapUsed),
    row('V8 heap total', r.heapTotal),
    '',
    `Peak RSS ${f1(r.rssPeakMiB)} MiB; ${f1(r.okPerSecond)} requests/s all along ` +
      `(${Object.entries(r.loads)
        .map(([k, l]) => `${k} ${f1(l.rps)}/s`)
        .join(', ')}); ` +
      `${Object.values(r.loads).reduce((a, l) => a + l.failed, 0)} failed. ` +
      `Result: **${r.passed ? 'PASS' : 'FAIL'}** (no failure, growth of the lowest RSS ≤ ${r.options.maxGrowthMiB} MiB).`,
    '',
  ];
}

export function writeSoakSection(result, path = join(ROOT, 'BENCHMARKS.md')) {
  return replaceSection(path, SOAK_HEADING, soakSection(result));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runSoak();
  process.stderr.write(`${JSON.stringify({ ...result, samples: result.samples.length })}\n`);
  if (process.env.SOAK_NO_REPORT !== '1') await writeSoakSection(result);
  process.exitCode = result.passed ? 0 : 1;
}
