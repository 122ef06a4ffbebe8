// @ts-check
// The two memory profiles of a serving process (MEMORY_PROFILE=fast, the default, and lean) side by
// side: one Signet process each (WORKERS=1, SQLite), the same scenarios in the same order, the profiles
// taken in turn and their order swapped every round, so that what the machine does meanwhile falls on
// both alike. What each profile costs (CPU and collection time per request) and what it saves (steady
// RSS) are then read from the same run.

import { join } from 'node:path';
import { median, ROOT } from './proc.mjs';
import { replaceSection } from './report-section.mjs';
import { runScenario } from './scenarios.mjs';
import { startSignet } from './targets.mjs';

const PROFILES_HEADING = '## Memory profiles: fast and lean';
const PROFILES = /** @type {const} */ (['fast', 'lean']);
/** The limit BENCHMARKS.md holds a serving process's steady RSS to. */
const RSS_LIMIT_MIB = 150;

/**
 * @typedef {{ rps: number, cpuMsPerOk: number, gcMsPer1000Ok: number, rssMedianMiB: number, failed: number }} Sample
 */

/**
 * @param {{ rounds: number, scenarios: string[], options: { durationS: number, warmupS: number, connections: number, loginConcurrency: number, maxCodes: number }, log: (m: string) => void }} args
 */
export async function measureProfiles({ rounds, scenarios, options, log }) {
  const startedAt = new Date().toISOString();
  /** @type {Record<string, Record<string, Sample[]>>} scenario → profile → one sample a round */
  const samples = Object.fromEntries(scenarios.map((s) => [s, Object.fromEntries(PROFILES.map((p) => [p, []]))]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? PROFILES : [...PROFILES].reverse();
    for (const profile of order) {
      log(`memory profiles: round ${round + 1}/${rounds}, ${profile}`);
      const target = await startSignet({
        store: 'sqlite',
        ferret: undefined,
        users: 16,
        env: { MEMORY_PROFILE: profile },
      });
      try {
        for (const name of scenarios) {
          const r = await runScenario(name, target, options);
          /** @type {Sample} */
          const sample = {
            rps: r.rps,
            cpuMsPerOk: r.serverCpuMsPerOk,
            gcMsPer1000Ok: r.gcMsPer1000Ok,
            rssMedianMiB: r.rssMedianBytes / 2 ** 20,
            failed: r.failed,
          };
          samples[name]?.[profile]?.push(sample);
          log(
            `  ${name}: ${Math.round(sample.rps)}/s, ${sample.cpuMsPerOk.toFixed(3)} ms CPU, ` +
              `${sample.gcMsPer1000Ok.toFixed(0)} ms GC per 1,000, RSS ${sample.rssMedianMiB.toFixed(1)} MiB`,
          );
        }
      } finally {
        await target.stop();
      }
    }
  }
  return { startedAt, rounds, durationS: options.durationS, connections: options.connections, samples };
}

const mib = (/** @type {number} */ v) => v.toFixed(0);
const change = (/** @type {number} */ lean, /** @type {number} */ fast) => {
  const pct = Math.round((100 * (lean - fast)) / fast);
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct)}%`;
};

/** @param {Awaited<ReturnType<typeof measureProfiles>> & { resultsFile?: string }} r */
export function profilesSection(r) {
  const raw = r.resultsFile ? ` Raw results in \`${r.resultsFile}\` (gitignored).` : '';
  const lines = [
    PROFILES_HEADING,
    '',
    `> Measured by \`BENCH_ONLY=profiles npm run bench\` (bench/lib/memory-profiles.mjs) on ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC: one Signet process (WORKERS=1, SQLite) per profile and round, the scenarios in turn on it (${r.durationS} s each after the warm-up, ${r.connections} connections), the two profiles taken one after the other and their order swapped every round; medians of ${r.rounds} rounds${r.rounds % 2 === 0 ? ' (of an even count, the higher middle)' : ''}.${raw}`,
    '',
    '`MEMORY_PROFILE=fast` (the default): a young generation of 2 × 16 MiB, the old generation collected at 50% growth.',
    "`MEMORY_PROFILE=lean`: 2 × 8 MiB, collected at 30% growth, and V8's `--optimize-for-size` (less compiled code",
    'and smaller caches). Steady RSS is the median of the scenario’s window; collection time is V8’s own pause time per',
    "1,000 requests (from /metrics); CPU per request is the process's whole CPU from /proc, which on a shared machine",
    'moves by a tenth or more between identical runs.',
    '',
    '| scenario | steady RSS MiB: fast | lean | CPU ms/request: fast | lean | change | GC ms / 1,000 req: fast | lean | req/s: fast | lean | failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  /** @type {string[]} */
  const over = [];
  /** @type {number[]} */
  const tokenCpu = [];
  let largest = { name: '', rss: 0 };
  for (const [name, byProfile] of Object.entries(r.samples)) {
    const pick = (/** @type {string} */ profile, /** @type {keyof Sample} */ key) =>
      median((byProfile[profile] ?? []).map((s) => s[key]));
    const failed = PROFILES.reduce((n, p) => n + (byProfile[p] ?? []).reduce((m, s) => m + s.failed, 0), 0);
    const leanRss = pick('lean', 'rssMedianMiB');
    const fastCpu = pick('fast', 'cpuMsPerOk');
    const leanCpu = pick('lean', 'cpuMsPerOk');
    if (leanRss > RSS_LIMIT_MIB) over.push(`${name} ${mib(leanRss)} MiB`);
    if (leanRss > largest.rss) largest = { name, rss: leanRss };
    if (name !== 'login') tokenCpu.push((100 * (leanCpu - fastCpu)) / fastCpu);
    lines.push(
      `| ${name} | ${mib(pick('fast', 'rssMedianMiB'))} | ${mib(leanRss)} | ${fastCpu.toFixed(3)} | ${leanCpu.toFixed(3)} | ${change(leanCpu, fastCpu)} | ${pick('fast', 'gcMsPer1000Ok').toFixed(0)} | ${pick('lean', 'gcMsPer1000Ok').toFixed(0)} | ${Math.round(pick('fast', 'rps')).toLocaleString('en-US')} | ${Math.round(pick('lean', 'rps')).toLocaleString('en-US')} | ${failed} |`,
    );
  }
  const within = over.length
    ? `is over ${RSS_LIMIT_MIB} MiB in ${over.join(', ')}`
    : `is within ${RSS_LIMIT_MIB} MiB in every scenario (the largest: ${largest.name}, ${mib(largest.rss)} MiB)`;
  const cpuRange = tokenCpu.length
    ? `; each request of the token scenarios costs ${Math.round(Math.min(...tokenCpu))}% to ${Math.round(Math.max(...tokenCpu))}% more CPU than under the fast profile, so the same cores serve fewer of them`
    : '';
  lines.push(
    '',
    `Under the lean profile, steady RSS ${within}${cpuRange}. The fast profile stays the default; the lean one is for a`,
    'host where memory is scarcer than CPU. A login holds one argon2id hash of 19 MiB per hashing slot (one per core)',
    'while it verifies, whatever the profile.',
    '',
  );
  return lines;
}

/** @param {Awaited<ReturnType<typeof measureProfiles>> & { resultsFile?: string }} result */
export function writeProfilesSection(result, path = join(ROOT, 'BENCHMARKS.md')) {
  return replaceSection(path, PROFILES_HEADING, profilesSection(result));
}
