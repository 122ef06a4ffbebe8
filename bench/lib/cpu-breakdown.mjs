// @ts-check
// Where a request's CPU goes. Signet and the bare provider with its clients in the store each serve a
// scenario under V8's sampling profiler (`--cpu-prof`); the main-thread samples of the measured window
// are sorted by what they were doing (store, engine, HTTP, Signet's own code…) and divided by the
// requests served, side by side. It shows what a change could still save and what only dropping a
// promised check (a store read on every call, the account check) or the engine itself would.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, tempDir, removeDir } from './proc.mjs';
import { replaceSection } from './report-section.mjs';
import { runScenario, scenarioTitle } from './scenarios.mjs';
import { startBaseline, startSignet } from './targets.mjs';

export const CPU_HEADING = "## Where a request's CPU goes";
export const CPU_SCENARIOS = ['introspection', 'userinfo', 'authorization_code'];
/** Sampling interval of the profiler, µs: fine enough for a request of half a millisecond. */
const INTERVAL_US = 250;

/** In the order they are told apart; the first that matches a sample takes it. */
export const CATEGORIES = /** @type {const} */ ([
  ['gc', 'V8 garbage collection (main thread)'],
  ['engineErrors', 'oidc-provider: error objects built on a success path'],
  ['store', 'store calls (SQLite, the JSON of each record)'],
  ['crypto', 'signing and hashing (jose, node:crypto)'],
  ['metrics', 'metrics (prom-client, request observation)'],
  ['engine', 'oidc-provider, the rest'],
  ['own', "the server's own code (Signet: middleware, checks, audit; baseline: its few lines)"],
  ['libraries', 'Koa, its router and other libraries'],
  ['node', 'Node: HTTP, sockets, streams, promises'],
  ['v8', 'V8 and native code the profiler cannot place'],
]);

/** @typedef {{ functionName: string, url: string }} Frame */

const isStore = (/** @type {string} */ url) => /\/\.?dist[^/]*\/storage\//.test(url);
const inPackage = (/** @type {string} */ url, /** @type {string} */ name) => url.includes(`/node_modules/${name}/`);
const isOwn = (/** @type {string} */ url) => /\/\.?dist[^/]*\//.test(url) || url.includes('/bench/baseline-server.mjs');

/**
 * The category of one sample, from its leaf frame and the frames that called it.
 * @param {Frame[]} stack leaf first
 * @returns {string | undefined} undefined for an idle sample
 */
export function categoryOf(stack) {
  const leaf = stack[0];
  if (!leaf || leaf.functionName === '(idle)') return undefined;
  if (leaf.functionName === '(garbage collector)') return 'gc';
  if (leaf.functionName === '(program)') return 'v8';
  const any = (/** @type {(f: Frame) => boolean} */ test) => stack.some(test);
  if (any((f) => f.url.endsWith('/oidc-provider/lib/helpers/errors.js'))) return 'engineErrors';
  if (any((f) => isStore(f.url))) return 'store';
  if (any((f) => inPackage(f.url, 'jose') || f.url.startsWith('node:internal/crypto'))) return 'crypto';
  if (any((f) => inPackage(f.url, 'prom-client')) || /\/observability\//.test(leaf.url)) return 'metrics';
  if (inPackage(leaf.url, 'oidc-provider')) return 'engine';
  if (isOwn(leaf.url)) return 'own';
  if (leaf.url.includes('/node_modules/')) return 'libraries';
  return leaf.url.startsWith('node:') || leaf.url === '' ? 'node' : 'v8';
}

/**
 * Main-thread CPU by category (µs) over the samples taken between `fromUs` and `toUs`, on the clock
 * of the profile: V8's monotonic clock, the same as `process.hrtime` on Linux.
 * @param {{ nodes: Array<{ id: number, callFrame: Frame, children?: number[] }>, startTime: number, samples: number[], timeDeltas: number[] }} profile
 * @param {number} fromUs
 * @param {number} toUs
 */
export function breakdown(profile, fromUs, toUs) {
  /** @type {Map<number, { frame: Frame, parent?: number }>} */
  const nodes = new Map();
  for (const node of profile.nodes) nodes.set(node.id, { frame: node.callFrame });
  for (const node of profile.nodes)
    for (const child of node.children ?? []) {
      const entry = nodes.get(child);
      if (entry) entry.parent = node.id;
    }
  /** @type {Map<number, string | undefined>} */
  const categoryByNode = new Map();
  const stackOf = (/** @type {number} */ id) => {
    const stack = [];
    for (let at = nodes.get(id); at; at = at.parent === undefined ? undefined : nodes.get(at.parent))
      stack.push(at.frame);
    return stack;
  };
  /** @type {Record<string, number>} */
  const byCategory = Object.fromEntries(CATEGORIES.map(([key]) => [key, 0]));
  let time = profile.startTime;
  let samples = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if (time < fromUs || time > toUs) continue;
    const id = profile.samples[i] ?? -1;
    if (!categoryByNode.has(id)) categoryByNode.set(id, categoryOf(stackOf(id)));
    const category = categoryByNode.get(id);
    samples++;
    // A sample stands for the time until the next one.
    if (category !== undefined)
      byCategory[category] = (byCategory[category] ?? 0) + (profile.timeDeltas[i + 1] ?? INTERVAL_US);
  }
  if (samples === 0) throw new Error('no profile sample falls in the measured window: clocks differ?');
  return byCategory;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** The profile `--cpu-prof` wrote for process `pid` when it exited. */
async function profileOf(dir, pid) {
  const name = (await readdir(dir)).find((file) => file.includes(`.${pid}.`) && file.endsWith('.cpuprofile'));
  if (!name) throw new Error(`no CPU profile of pid ${pid} in ${dir}`);
  return JSON.parse(await readFile(join(dir, name), 'utf8'));
}

/**
 * One scenario on a fresh Signet and a fresh bare provider (clients in the store), each profiled.
 * @param {string} name
 * @param {{ durationS: number, warmupS: number, connections: number, loginConcurrency: number, maxCodes: number }} options
 */
async function profileScenario(name, options) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [kind, start] of /** @type {const} */ ([
    ['signet', startSignet],
    [
      'baselineStoredClients',
      (/** @type {{ store: string, ferret: undefined, env: Record<string, string> }} */ o) =>
        startBaseline({ ...o, clientsInStore: true }),
    ],
  ])) {
    const dir = await tempDir('signet-bench-cpu-');
    // The admin CLI that sets Signet up is profiled too, under pids of its own; only the server's is read.
    const env = { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=${INTERVAL_US}` };
    const target = await start({ store: 'sqlite', ferret: undefined, env });
    let window = { from: 0, to: 0 };
    let result;
    try {
      result = await runScenario(name, target, {
        ...options,
        around: async (/** @type {unknown} */ _t, /** @type {() => Promise<unknown>} */ run) => {
          const from = nowUs();
          const r = await run();
          window = { from, to: nowUs() };
          return r;
        },
      });
    } finally {
      // The profile is written when the server exits.
      await target.stop();
    }
    try {
      const byCategory = breakdown(await profileOf(dir, target.pid), window.from, window.to);
      const ok = result.ok;
      out[kind] = {
        ok,
        rps: result.rps,
        serverCpuMsPerOk: result.serverCpuMsPerOk,
        msPerOk: Object.fromEntries(Object.entries(byCategory).map(([k, us]) => [k, us / 1000 / ok])),
      };
    } finally {
      await removeDir(dir);
    }
  }
  return out;
}

/**
 * @param {{ scenarios?: string[], options: { durationS: number, warmupS: number, connections: number, loginConcurrency: number, maxCodes: number }, log: (m: string) => void }} args
 */
export async function measureCpuBreakdown({ scenarios = CPU_SCENARIOS, options, log }) {
  const startedAt = new Date().toISOString();
  /** @type {Record<string, any>} */
  const byScenario = {};
  for (const name of scenarios) {
    log(`CPU profile: ${name}`);
    byScenario[name] = await profileScenario(name, options);
    const s = byScenario[name].signet;
    const b = byScenario[name].baselineStoredClients;
    log(
      `  signet ${s.serverCpuMsPerOk.toFixed(3)} ms/req, bare (clients in store) ${b.serverCpuMsPerOk.toFixed(3)} ms/req`,
    );
  }
  return { startedAt, durationS: options.durationS, connections: options.connections, byScenario };
}

const ms = (/** @type {number} */ v) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const signed = (/** @type {number} */ v) =>
  Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}` : '–';
const pct = (/** @type {number} */ part, /** @type {number} */ whole) => `${Math.round((100 * part) / whole)}%`;

/** @param {Awaited<ReturnType<typeof measureCpuBreakdown>>} r */
export function cpuSection(r) {
  const lines = [
    CPU_HEADING,
    '',
    `> Measured by \`BENCH_ONLY=cpu npm run bench\` (bench/lib/cpu-breakdown.mjs) on ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC: SQLite, ${r.durationS} s per scenario, ${r.connections} connections, each server fresh and under \`--cpu-prof\` (one sample every ${INTERVAL_US} µs).`,
    '',
    "Each server's main-thread samples in the measured window, sorted by what they were doing and divided by the requests",
    'it answered: Signet beside the bare oidc-provider that reads its clients from the store (the fair baseline of "Store',
    'operations per request"). A sample counts for the first line below that it matches, looking at every frame that',
    'called it for lines two to five and at the running function alone for the rest. "Other threads" is the',
    "process's whole CPU (from /proc) less its sampled main thread: V8's compiler and collector helpers, libuv's pool. The",
    "profiler adds to both servers' CPU: compare the two columns with each other, not with the figures elsewhere here.",
    '',
  ];
  for (const [name, pair] of Object.entries(r.byScenario)) {
    const s = pair.signet;
    const b = pair.baselineStoredClients;
    const mainOf = (/** @type {any} */ x) =>
      Object.values(x.msPerOk).reduce((a, v) => a + /** @type {number} */ (v), 0);
    lines.push(
      `### ${name}: ${scenarioTitle(name)}`,
      '',
      `Signet ${Math.round(s.rps).toLocaleString('en-US')} req/s, the bare provider ${Math.round(b.rps).toLocaleString('en-US')} req/s (each alone on the machine with the load generator).`,
      '',
      '| CPU ms per request | Signet | share | bare, clients in store | Signet − bare |',
      '|---|---:|---:|---:|---:|',
    );
    for (const [key, label] of CATEGORIES) {
      const sv = s.msPerOk[key] ?? 0;
      const bv = b.msPerOk[key] ?? 0;
      lines.push(`| ${label} | ${ms(sv)} | ${pct(sv, s.serverCpuMsPerOk)} | ${ms(bv)} | ${signed(sv - bv)} |`);
    }
    const sOther = s.serverCpuMsPerOk - mainOf(s);
    const bOther = b.serverCpuMsPerOk - mainOf(b);
    lines.push(
      `| other threads | ${ms(sOther)} | ${pct(sOther, s.serverCpuMsPerOk)} | ${ms(bOther)} | ${signed(sOther - bOther)} |`,
      `| **whole process** | **${ms(s.serverCpuMsPerOk)}** | 100% | **${ms(b.serverCpuMsPerOk)}** | **${signed(s.serverCpuMsPerOk - b.serverCpuMsPerOk)}** |`,
      '',
    );
    const ownAndMetrics = (s.msPerOk.own ?? 0) + (s.msPerOk.metrics ?? 0);
    const promised = s.msPerOk.store ?? 0;
    const engine = (s.msPerOk.engine ?? 0) + (s.msPerOk.engineErrors ?? 0);
    lines.push(
      `Signet's own code and its metrics: ${ms(ownAndMetrics)} ms (${pct(ownAndMetrics, s.serverCpuMsPerOk)} of its CPU per request). ` +
        `Its store calls, which revocation and the account check need on every request: ${ms(promised)} ms (${pct(promised, s.serverCpuMsPerOk)}). ` +
        `oidc-provider: ${ms(engine)} ms (${pct(engine, s.serverCpuMsPerOk)}), of which ${ms(s.msPerOk.engineErrors ?? 0)} ms builds error objects that a successful request never throws.`,
      '',
    );
  }
  return lines;
}

export function writeCpuSection(result, path = join(ROOT, 'BENCHMARKS.md')) {
  return replaceSection(path, CPU_HEADING, cpuSection(result));
}
