// @ts-check
// `npm run bench`: every benchmark in one run, then BENCHMARKS.md rewritten from the measured numbers.
// Never part of the test suite. The servers run as child processes; the load comes from this process.
//
// Knobs (environment):
//   BENCH_DURATION=8             seconds measured per scenario (plus BENCH_WARMUP, default 2, unmeasured)
//   BENCH_STORES=sqlite,mongodb  which stores (mongodb = a throwaway FerretDB v1 on SQLite)
//   BENCH_CONNECTIONS=32         concurrent connections / workers for the token endpoints
//   BENCH_LOGIN_CONCURRENCY=16   concurrent users in the login flow (enough to keep argon2 busy)
//   BENCH_ARGON2_CONCURRENCY=8   verifications in flight while measuring the argon2id ceiling
//   BENCH_SCENARIOS=…            a comma-separated subset of the scenarios
//   BENCH_SCALE=1                lookup scaling on/off (0 skips it)
//   BENCH_SCALE_SQLITE=10000,100000,1000000   grant counts for the scaling run, per store
//   BENCH_SCALE_MONGODB=1000,4000,16000    (FerretDB: see BENCHMARKS.md for why not more)
//   BENCH_SCALE_CONNECTIONS=8    connections for the introspection part of the scaling run
//   BENCH_NO_REPORT=1            keep BENCHMARKS.md as it is (results JSON only)
//   BENCH_ONLY=startup           only the "first ten minutes" section (npm start and CLI times), updated in place
//   BENCH_ONLY=store-ops         only the "store operations per request" section (counts, no rates), updated in place
//   BENCH_ONLY=soak              only the ten-minute memory soak (bench/soak.mjs; SOAK_* knobs), its section updated in place
//   BENCH_ONLY=cpu               only "where a request's CPU goes": Signet and the bare provider profiled
//                                (--cpu-prof) on BENCH_SCENARIOS (default introspection, userinfo, code exchange)
//   BENCH_ONLY=profiles          only "memory profiles": MEMORY_PROFILE=fast and lean side by side on BENCH_SCENARIOS
//                                (default: all), BENCH_PROFILE_ROUNDS=3 rounds, the profiles' order swapped each round
//   BENCH_PEERS=keycloak,hydra   only Signet beside its peers (installed by bench/peers/install.sh), that section
//                                updated in place; BENCH_PEERS_ROUNDS=2 passes over the same servers;
//                                BENCH_PEERS_SIGNET_WORKERS (default one per core, as npm start) Signet's WORKERS

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { authorize, authorizePath, basic, Browser, exchangeCode, HttpClient } from './lib/http.mjs';
import { cannon } from './lib/load.mjs';
import { CPU_HEADING, CPU_SCENARIOS, measureCpuBreakdown, writeCpuSection } from './lib/cpu-breakdown.mjs';
import { machineFacts } from './lib/machine.mjs';
import { measureProfiles, writeProfilesSection } from './lib/memory-profiles.mjs';
import { lastJsonLine, resultsPath, ROOT, runNode, startFerretDb, watchProcess, writeResults } from './lib/proc.mjs';
import { runScenario, SCENARIO_NAMES } from './lib/scenarios.mjs';
import { seededToken } from './lib/seed-ids.mjs';
import { measureStartup, writeStartupSection } from './lib/startup.mjs';
import { startBaseline, startSignet } from './lib/targets.mjs';
import { writeReport } from './report.mjs';
import { writeStoreOpsSection } from './lib/store-ops-report.mjs';
import { comparePeers } from './peers/compare.mjs';
import { peersSection, readPeersSection, writePeersSection } from './peers/report.mjs';
import { runSoak, soakOptions, writeSoakSection } from './soak.mjs';

const env = process.env;
const list = (value, fallback) =>
  (value ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const options = {
  durationS: Number(env.BENCH_DURATION ?? 8),
  warmupS: Number(env.BENCH_WARMUP ?? 2),
  connections: Number(env.BENCH_CONNECTIONS ?? 32),
  loginConcurrency: Number(env.BENCH_LOGIN_CONCURRENCY ?? 16),
  argonConcurrency: Number(env.BENCH_ARGON2_CONCURRENCY ?? 8),
  maxCodes: 200_000,
  stores: list(env.BENCH_STORES, 'sqlite,mongodb'),
  scenarios: list(env.BENCH_SCENARIOS, SCENARIO_NAMES.join(',')),
  scale: env.BENCH_SCALE !== '0',
  scaleConnections: Number(env.BENCH_SCALE_CONNECTIONS ?? 8),
  scaleSizes: {
    sqlite: list(env.BENCH_SCALE_SQLITE, '10000,100000,1000000').map(Number),
    mongodb: list(env.BENCH_SCALE_MONGODB, '1000,4000,16000').map(Number),
  },
};
for (const s of options.scenarios)
  if (!SCENARIO_NAMES.includes(s)) throw new Error(`unknown scenario ${s}; known: ${SCENARIO_NAMES.join(', ')}`);
for (const s of options.stores) if (!['sqlite', 'mongodb'].includes(s)) throw new Error(`unknown store ${s}`);

const log = (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const fmt = (r) =>
  `${r.rps.toFixed(1)}/s p50 ${r.latencyMs.p50?.toFixed(1)} ms p99 ${r.latencyMs.p99?.toFixed(1)} ms${r.failed ? `, ${r.failed} FAILED` : ''}` +
  (r.storeOps
    ? `; store ops/request ${r.storeOps.total.toFixed(2)} (${Object.entries(r.storeOps.perRequest)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')})`
    : '');

async function argon2Ceiling() {
  log(`argon2id ceiling: ${options.durationS}s of verifications, ${options.argonConcurrency} callers`);
  const result = lastJsonLine(
    await runNode('bench/argon2-ceiling.mjs', [String(options.durationS), String(options.argonConcurrency)]),
  );
  log(`  ${result.verifiesPerSecond.toFixed(1)} verifies/s (${result.slots} at a time)`);
  return result;
}

/**
 * Signet and the baselines run side by side, and each scenario is measured on one right after the
 * other: on a shared machine, load from elsewhere drifts over minutes, and a ratio of two figures
 * taken a minute apart would measure that drift as much as the servers. For the same reason the login
 * ceiling is measured again right before and right after the logins, and they are held to the mean.
 */
async function benchPair(store, ferret, { ceilings = true } = {}) {
  const targets = [];
  const results = { signet: {}, baseline: {}, baselineStoredClients: {} };
  let ceiling;
  try {
    const starts = [startSignet, startBaseline, (o) => startBaseline({ ...o, clientsInStore: true })];
    for (const start of starts) {
      const target = await start({ store, ferret });
      targets.push(target);
      log(`${target.kind} on ${store}: ${target.origin} (pid ${target.pid})`);
    }
    for (const name of options.scenarios) {
      const around = name === 'login' && ceilings ? [await argon2Ceiling()] : undefined;
      for (const target of targets) {
        try {
          results[target.kind][name] = await runScenario(name, target, options);
          log(`  ${name} (${target.kind}): ${fmt(results[target.kind][name])}`);
        } catch (err) {
          results[target.kind][name] = { error: err instanceof Error ? err.message : String(err) };
          log(`  ${name} (${target.kind}): ERROR ${results[target.kind][name].error}`);
        }
      }
      if (around) {
        around.push(await argon2Ceiling());
        ceiling = adjacentCeiling(around);
        log(
          `  login ceiling around the logins: ${around.map((c) => c.verifiesPerSecond.toFixed(1)).join(' and ')} verifies/s`,
        );
      }
    }
  } finally {
    for (const target of targets) await target.stop();
  }
  return { results, ceiling };
}

/** The two measurements taken around a store's logins, and their mean (the figure the logins are held to). */
/**
 * @param {Array<{ verifiesPerSecond: number, cpuMsPerVerify: number }>} around
 */
function adjacentCeiling([before, after]) {
  if (!before || !after) throw new Error('a ceiling is measured before and after the logins');
  const mean = (f) => (f(before) + f(after)) / 2;
  return {
    before: before.verifiesPerSecond,
    after: after.verifiesPerSecond,
    verifiesPerSecond: mean((c) => c.verifiesPerSecond),
    cpuMsPerVerify: mean((c) => c.cpuMsPerVerify),
  };
}

/**
 * Lookup scaling: one Signet on a fresh store, one real code flow for a template token, then the
 * store grown size by size (by a helper process writing through the store's own code) and, at each
 * size, the store's find() timed in that process and introspection of random seeded tokens timed
 * over HTTP against the running server.
 */
async function lookupScaling(store, ferret) {
  const sizes = options.scaleSizes[store];
  const target = await startSignet({ store, ferret, users: 1 });
  log(`lookup scaling on ${store}: ${sizes.join(', ')} grants`);
  const http = new HttpClient(target.origin);
  const points = [];
  try {
    const code = await authorize(new Browser(http), authorizePath(target.web.id), target.users[0]);
    const tokens = (await exchangeCode(http, target.web, code)).json;
    if (!tokens?.access_token) throw new Error('no template access token');
    let from = 0;
    for (const size of sizes) {
      const spec = {
        store,
        dataDir: target.dataDir,
        uri: target.env.MONGODB_URI,
        from,
        to: size,
        templateToken: tokens.access_token,
        probes: 5000,
        probeSeconds: options.durationS,
      };
      const t0 = performance.now();
      const point = lastJsonLine(await runNode('bench/lookup-scale.mjs', [JSON.stringify(spec)]));
      from = size;
      log(
        `  ${size}: seeded in ${((performance.now() - t0) / 1000).toFixed(1)}s; find() hit p50 ${point.tokenHit.p50Us.toFixed(0)} µs, miss p50 ${point.tokenMiss.p50Us.toFixed(0)} µs`,
      );
      const request = {
        origin: target.origin,
        method: 'POST',
        path: '/token/introspection',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(target.web.id, target.web.secret),
        },
        next: () => ({ body: `token=${seededToken(Math.floor(Math.random() * size))}` }),
        verify: (body) => body.includes('"active":true'),
        connections: options.scaleConnections,
      };
      await cannon({ ...request, durationS: Math.max(1, options.warmupS) });
      const stop = watchProcess(target.pid);
      const introspection = await cannon({ ...request, durationS: options.durationS });
      const { rssPeakBytes, cpuSeconds } = stop();
      points.push({
        ...point,
        introspection: {
          ...introspection,
          rssPeakBytes,
          serverCpuMsPerOk: introspection.ok ? (cpuSeconds * 1000) / introspection.ok : NaN,
        },
      });
      log(`     introspection of random seeded tokens: ${fmt(introspection)}`);
    }
  } catch (err) {
    points.push({ error: err instanceof Error ? err.message : String(err) });
    log(`  ERROR ${points.at(-1).error}`);
  } finally {
    http.close();
    await target.stop();
  }
  return points;
}

/** Every section made by a run of its own ("## Memory…", the CPU breakdown) as it stands, in order, or ''. */
async function ownRunSections(path) {
  const text = await readFile(path, 'utf8').catch(() => '');
  const sections = text
    .split(/\n(?=## )/)
    .filter((part) => part.startsWith('## Memory') || part.startsWith(CPU_HEADING));
  return sections.map((part) => `${part.trimEnd()}\n`).join('\n');
}

async function main() {
  if (env.BENCH_ONLY === 'startup') {
    const startup = await measureStartup(log);
    if (env.BENCH_NO_REPORT !== '1') await writeStartupSection(startup);
    log(`first ten minutes: ${JSON.stringify(startup)}`);
    return;
  }
  if (env.BENCH_ONLY === 'store-ops') {
    await storeOpsOnly();
    return;
  }
  if (env.BENCH_ONLY === 'cpu') {
    const scenarios = env.BENCH_SCENARIOS ? options.scenarios : CPU_SCENARIOS;
    const cpu = await measureCpuBreakdown({ scenarios, options, log });
    if (env.BENCH_NO_REPORT !== '1') await writeCpuSection(cpu);
    return;
  }
  if (env.BENCH_ONLY === 'profiles') {
    const rounds = Number(env.BENCH_PROFILE_ROUNDS ?? 3);
    const profiles = await measureProfiles({ rounds, scenarios: options.scenarios, options, log });
    const file = await writeResults('profiles', profiles.startedAt, { ...profiles, machine: await machineFacts() });
    log(`results: ${file}`);
    if (env.BENCH_NO_REPORT !== '1') await writeProfilesSection({ ...profiles, resultsFile: relative(ROOT, file) });
    return;
  }
  if (env.BENCH_ONLY === 'soak') {
    const soak = await runSoak(soakOptions(env), log);
    if (env.BENCH_NO_REPORT !== '1') await writeSoakSection(soak);
    log(`soak: ${soak.passed ? 'PASS' : 'FAIL'}; results: ${soak.file}`);
    return;
  }
  if (env.BENCH_PEERS) {
    await peersOnly(list(env.BENCH_PEERS, ''));
    return;
  }
  const startedAt = new Date();
  const results = {
    startedAt: startedAt.toISOString(),
    command: commandLine(),
    options,
    machine: await machineFacts(),
    argon2: undefined,
    stores: {},
    loginCeilings: {},
    scale: {},
  };
  results.argon2 = await argon2Ceiling();
  for (const store of options.stores) {
    const ferret = store === 'mongodb' ? await startFerretDb() : undefined;
    if (ferret) results.machine.ferretdb = ferret.version;
    try {
      const pair = await benchPair(store, ferret);
      results.stores[store] = pair.results;
      if (pair.ceiling) results.loginCeilings[store] = pair.ceiling;
      if (options.scale) results.scale[store] = await lookupScaling(store, ferret);
    } finally {
      await ferret?.stop();
    }
  }
  results.startup = await measureStartup(log);
  results.finishedAt = new Date().toISOString();
  results.machine.loadAverageAtEnd = (await import('node:os')).loadavg();

  const file = await writeResults('bench', results.startedAt, results);
  await copyFile(file, join(dirname(file), 'latest.json'));
  log(`results: ${file}`);
  if (env.BENCH_NO_REPORT !== '1') {
    const report = join(ROOT, 'BENCHMARKS.md');
    // This run measured no peers: their section, from a run of its own, stays as it was.
    const peers = await readPeersSection(report);
    const ownRuns = await ownRunSections(report);
    await writeReport(results, report, relative(ROOT, file));
    if (peers) await writePeersSection(peers, report);
    // Sections from runs of their own (the soak, the memory study, the CPU breakdown): kept as they were.
    if (ownRuns) await writeFile(report, `${(await readFile(report, 'utf8')).trimEnd()}\n\n${ownRuns}`);
    log('BENCHMARKS.md rewritten');
  }
}

/**
 * Signet, Keycloak and Hydra side by side, every scenario on each in turn, and only that section of
 * BENCHMARKS.md rewritten. Signet runs on SQLite, the store the peers' comparison is about.
 */
async function peersOnly(peers) {
  const startedAt = new Date().toISOString();
  const machine = await machineFacts();
  const rounds = Number(env.BENCH_PEERS_ROUNDS ?? 2);
  const compared = await comparePeers({ peers, rounds, scenarios: options.scenarios, options, log });
  const file = resultsPath('peers', startedAt);
  const results = {
    startedAt,
    command: commandLine(),
    options,
    machine,
    resultsFile: relative(ROOT, file),
    ...compared,
  };
  await writeResults('peers', startedAt, results);
  log(`results: ${file}; servers' logs in ${compared.runDir}`);
  if (env.BENCH_NO_REPORT !== '1') {
    await writePeersSection(peersSection(results), join(ROOT, 'BENCHMARKS.md'));
    log('BENCHMARKS.md: the section on Signet beside its peers rewritten');
  }
}

/**
 * Every scenario on every store, for the store operations each request costs, and only that section of
 * BENCHMARKS.md rewritten: the counts do not depend on how long or how quietly the run was, so a short
 * run updates them without replacing the rates of a full one.
 */
async function storeOpsOnly() {
  const results = { startedAt: new Date().toISOString(), command: commandLine(), options, stores: {} };
  for (const store of options.stores) {
    const ferret = store === 'mongodb' ? await startFerretDb() : undefined;
    try {
      results.stores[store] = (await benchPair(store, ferret, { ceilings: false })).results;
    } finally {
      await ferret?.stop();
    }
  }
  const file = await writeResults('store-ops', results.startedAt, results);
  log(`results: ${file}`);
  if (env.BENCH_NO_REPORT !== '1') {
    await writeStoreOpsSection(results, join(ROOT, 'BENCHMARKS.md'));
    log('BENCHMARKS.md: store operations section rewritten');
  }
}

/** The command as it was run, with the knobs that were set, for the report. */
function commandLine() {
  const knobs = Object.entries(env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return [...knobs, 'npm run bench'].join(' ');
}

await main();
