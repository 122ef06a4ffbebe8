// @ts-check
// The "Signet beside Keycloak and Hydra" section of BENCHMARKS.md, written from a side-by-side run and
// kept in place when the rest of the file is rewritten (a full `npm run bench` does not run the peers).
// Also runnable alone to re-render an earlier run: node bench/peers/report.mjs bench/results/peers-….json

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../lib/proc.mjs';
import { scenarioTitle } from '../lib/scenarios.mjs';

export const PEERS_HEADING = '## Signet beside Keycloak and Hydra';
/** The section goes right after the published figures it complements. */
const INSERT_BEFORE = '\n## Lookup scaling';

const num = (v, digits) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const rate = (v) => num(v, v >= 100 ? 0 : 1);
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${num(a / b, 2)}×` : '—');
const mib = (bytes) => num(bytes / 2 ** 20, 0);

/** CPU per successful request of the whole deployment, with its split when it has more than one process. */
function cpuCell(r) {
  const helpers = Object.entries(r.helpersCpuMsPerOk ?? {});
  const total = r.serverCpuMsPerOk + helpers.reduce((sum, [, v]) => sum + (Number.isFinite(v) ? v : 0), 0);
  const split = helpers.map(([name, v]) => ` + ${name} ${num(v, 2)}`).join('');
  return {
    total,
    text: helpers.length ? `${num(total, 2)} (server ${num(r.serverCpuMsPerOk, 2)}${split})` : num(total, 2),
  };
}

function memoryCell(r) {
  const helpers = Object.entries(r.helpersPssPeakBytes ?? {});
  return `${mib(r.rssPeakBytes)}${helpers.length ? ` (+ PSS ${helpers.map(([n, v]) => `${n} ${mib(v)}`).join(', ')})` : ''}`;
}

function roundTable(round, servers) {
  const lines = [
    `### Round ${round.round} (load average before: ${round.loadBefore.map((l) => l.toFixed(2)).join(' / ')})`,
    '',
    '| scenario | server | req/s | p50 ms | p99 ms | CPU ms/request | peak RSS MiB | ok / failed | Signet ÷ server, req/s | server ÷ Signet, CPU/request |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const failures = [];
  for (const [name, byKind] of Object.entries(round.results)) {
    const signet = byKind.signet;
    const signetCpu = signet && !signet.error ? cpuCell(signet).total : NaN;
    for (const [kind, r] of Object.entries(byKind)) {
      const label = servers[kind]?.label ?? kind;
      if (r.error) {
        lines.push(
          `| ${name} | ${label} | error: ${String(r.error)
            .replace(/[|\s]+/g, ' ')
            .slice(0, 160)} | | | | | | | |`,
        );
        continue;
      }
      const cpu = cpuCell(r);
      const mine = kind === 'signet';
      lines.push(
        `| ${name} | ${label} | ${rate(r.rps)} | ${num(r.latencyMs.p50, 1)} | ${num(r.latencyMs.p99, 1)} | ${cpu.text} | ${memoryCell(r)} | ` +
          `${r.ok.toLocaleString('en-US')} / ${r.failed}${r.codesLeft === 0 ? ' (code pool ran dry)' : ''} | ` +
          `${mine ? '' : ratio(signet?.rps, r.rps)} | ${mine ? '' : ratio(cpu.total, signetCpu)} |`,
      );
      if (r.errorSamples?.length)
        failures.push(
          `- ${name}, ${label}: ${r.errorSamples.slice(0, 2).join(' · ').replace(/\s+/g, ' ').slice(0, 300)}`,
        );
    }
  }
  return [...lines, '', ...(failures.length ? ['Failure samples:', '', ...failures, ''] : [])].join('\n');
}

function factsTable(servers) {
  const lines = [
    '| server | build | store | password hash (read back) | client secrets | access tokens | id_token key (JWKS) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const { label, facts } of Object.values(servers))
    lines.push(
      `| ${label} | ${facts.server} | ${facts.store} | ${facts.passwordHash} | ${facts.clientSecret} | ${facts.accessToken} | ${facts.signingKeys} |`,
    );
  return lines.join('\n');
}

const CAVEATS = [
  "**Password hashing differs.** Signet: argon2id m = 19 MiB, t = 2, p = 1 (native argon2, at most one hash per core). Keycloak: its own default, read back above (argon2id in Java, smaller memory and more passes since Keycloak 24). Hydra hashes no passwords: login is delegated to the login app, which here verifies with Signet's own PasswordHasher, so Hydra's login row pays Signet's hashing in the app's process (counted in its CPU).",
  "**JWT vs opaque.** Keycloak's access and refresh tokens are signed JWTs, stored nowhere: its client credentials write nothing, and its introspection verifies a signature and looks its session up. Signet's and Hydra's access tokens are opaque and stored: each grant is a durable write, each introspection and userinfo a store read.",
  "**What each server commits before answering.** Signet: its SQLite file in WAL mode with synchronous=FULL, group-committed; no answer before the commit is on disk. Hydra: a PostgreSQL transaction per request with fsync=on and synchronous_commit=on, also on disk before the answer. Keycloak: sessions go to the H2 file database (Keycloak 26 persists them), codes and caches stay in memory, JWTs are not stored; H2's store writes its file in the background rather than syncing each commit (its default; not verified further here), so its answers may promise less durability than the other two's.",
  "**H2 vs PostgreSQL vs SQLite.** Keycloak runs on its embedded H2 (`dev-file`, production mode otherwise: `start --optimized`, theme and template caches on), not on the PostgreSQL a deployment would use. Hydra's production stores are PostgreSQL, MySQL and CockroachDB (its SQLite is for development), so Hydra gets Debian's PostgreSQL in a private cluster, its CPU counted in Hydra's row, with a pool of 32 connections, one per load connection (Hydra's default is 2 × cores).",
  '**Client authentication costs differ.** Signet keeps an HMAC-SHA256 of each client secret (one HMAC per request); Keycloak compares the stored secret; Hydra keeps PBKDF2-SHA256 at its default 25,000 iterations and recomputes it at every client-authenticated request (client credentials, code exchange, refresh), a few milliseconds of CPU each.',
  '**Signing keys differ**: see the JWKS column. Hydra makes RSA-4096 keys, whose signatures cost several times RSA-2048 ones; the code exchange and the refresh both sign an id_token.',
  (workers) =>
    workers > 1
      ? `**Processes and threads.** Signet runs as \`npm start\` runs it by default: a primary that only supervises and ${workers} workers (WORKERS=${workers}), each one event loop with argon2 on its own thread pool; Keycloak's JVM and Hydra use threads on every core. The load generator, one Node process, shares the same cores. Ratios are per whole server on this machine, not per core; Signet's CPU and RSS columns add the primary and the workers, and the goals hold its largest process, a worker, to the RSS limit.`
      : "**One process against threads.** Signet runs with WORKERS=1 (one process, one event loop, argon2 on libuv's pool); Keycloak's JVM and Hydra use threads on every core. The load generator, one Node process, shares the same cores. Ratios are per whole server on this machine, not per core.",
  "**Hydra is three processes**: its CPU column adds Hydra, the login app and PostgreSQL (the split in parentheses); its RSS column is Hydra's own, with the PSS of the app and of the PostgreSQL cluster after it (PSS, because PostgreSQL's backends share their buffers). Keycloak's tree is the JVM that kc.sh becomes. Introspection is an unauthenticated admin endpoint on Hydra; Signet and Keycloak authenticate the introspecting client.",
  '**JIT warm-up.** A JVM reaches full speed long after a 2 s warm-up: round 1 is partly cold for Keycloak, later rounds run on the same, warmed servers.',
  '**No TLS**, plain HTTP on loopback everywhere; keep-alive connections.',
];

/** What Signet is held to beside each peer, per endpoint, in the same round. */
export const GOALS = { rate: 1.5, cpu: 0.5, rssMiB: 150 };

/**
 * Why Signet may fall short of a goal beside a peer: what it does on that endpoint that the peer does
 * not, and which of those are checks it promises (README: opaque tokens read on every call, the account
 * checked on every call, client-authentication throttling, a durable audit trail).
 */
const SHORTFALL_REASONS = {
  introspection: {
    keycloak:
      "Keycloak's access tokens are JWTs: its introspection verifies a signature and finds the session in its in-memory cache. Signet's tokens are opaque and read from the store on every call, so that a revoked token is inactive the moment it is revoked, and it reads the account, so that a disabled account's tokens are inactive at once.",
    hydra:
      "Hydra answers introspection on its admin port without authenticating the caller (its admin API is meant to sit on a private network) and reads one token row. Signet authenticates the calling resource server on every call (the client-authentication throttle, read together with the concurrent calls' in one store call, and the secret's HMAC; the registration itself is kept in memory) and reads the account, so that a disabled account's tokens are inactive at once.",
  },
  userinfo: {
    keycloak:
      'Keycloak verifies a JWT and finds its session in memory; Signet reads the opaque token, its grant and the account from the store on every call, so that a revocation or a disabled account takes effect at once.',
    hydra:
      'Hydra reads its token from PostgreSQL as Signet reads its own from SQLite; Signet reads the account as well on every call, so that a disabled account stops at once.',
  },
  client_credentials: {
    keycloak:
      "Keycloak's tokens are JWTs stored nowhere: a grant writes nothing. Signet commits the opaque token and the grant's audit event to disk before answering, reads the client-authentication throttle before it checks the secret, and resolves the RFC 8707 resource server the token is for.",
    hydra:
      'Hydra recomputes PBKDF2 over the client secret on every request, which Signet does not, but it writes only the token. Signet also commits the audit event and reads the throttle and the resource server.',
  },
  authorization_code: {
    keycloak:
      'Keycloak keeps codes in memory and issues JWT access and refresh tokens it does not store. Signet consumes the code and commits the tokens and the audit event to disk before answering, reads the throttle and checks the account.',
    hydra:
      "Hydra signs with RSA-4096 and recomputes PBKDF2 for the client, both dearer than Signet's; Signet commits the audit event and checks the throttle and the account besides.",
  },
  refresh_token: {
    keycloak:
      "Keycloak's refresh tokens are JWTs checked against an in-memory session. Signet rotates an opaque refresh token: it consumes the old one (a reused one revokes the grant), commits the new tokens and the audit event, reads the throttle and checks the account.",
    hydra:
      'Hydra signs with RSA-4096 and recomputes PBKDF2 for the client; Signet commits the audit event and checks the throttle and the account besides.',
  },
  login: {
    keycloak:
      "Each login verifies one argon2id hash at m = 19 MiB, t = 2, p = 1 (the OWASP minimum Signet keeps), most of a login's CPU; Keycloak's default argon2 (read back above) costs less per hash.",
    hydra:
      "Hydra's login app here verifies with Signet's own hasher, so both pay the same argon2id hash per login (most of a login's CPU): half of Hydra's CPU per login would need a weaker hash.",
  },
};

const MEMORY_REASON = {
  tokens:
    'Most of a worker is `node` itself (its code and ICU\'s data, shared between processes in the page cache) and V8\'s young generation, and far less Signet\'s live heap: the split is measured in "Memory". `MEMORY_PROFILE=lean` (a young generation of 2 × 8 MiB, the old generation collected at 30% growth, V8\'s `--optimize-for-size`) brings a token-serving process under the limit, but each request then costs more CPU, collecting more often and keeping less compiled code, a loss of throughput; both profiles are measured side by side in "Memory profiles: fast and lean", and the faster one is the default.',
  login:
    'A login keeps one argon2id hash of 19 MiB (the OWASP minimum Signet keeps) in memory per hashing slot, one per core, while it verifies: under the login load every slot is busy, on top of what the process holds otherwise.',
};

const pct = (v) => `${num(Math.abs(v) * 100, 0)}%`;

/**
 * Signet beside each peer in the last round (the servers warmed the longest), against the goals: where
 * it falls short, by how much and why.
 */
function goalsSection(run) {
  const round = run.rounds.at(-1);
  if (!round) return [];
  const peers = Object.keys(run.servers).filter((k) => k !== 'signet');
  const label = (kind) => run.servers[kind]?.label ?? kind;
  const lines = [
    `### Goals (round ${round.round})`,
    '',
    `Held to: at least ${GOALS.rate}× each peer's rate at no more than ${GOALS.cpu}× its CPU per request, on every endpoint; ` +
      `a Signet worker's steady RSS (the median of the window, largest process) at most ${GOALS.rssMiB} MiB.`,
    '',
    `| scenario | ${peers.map((k) => `÷ ${label(k)}: rate | CPU/request`).join(' | ')} | Signet worker RSS, steady | result |`,
    `|---|${peers.map(() => '---:|---:').join('|')}|---:|---|`,
  ];
  const shortfalls = [];
  /** @type {Array<{ name: string, bytes: number }>} */
  const overLimit = [];
  for (const [name, byKind] of Object.entries(round.results)) {
    const signet = byKind.signet;
    if (!signet || signet.error) {
      lines.push(`| ${name} | ${peers.map(() => '— | —').join(' | ')} | — | not measured |`);
      continue;
    }
    const signetCpu = cpuCell(signet).total;
    const cells = [];
    const misses = [];
    for (const kind of peers) {
      const r = byKind[kind];
      if (!r || r.error) {
        cells.push('— | —');
        continue;
      }
      const rateRatio = signet.rps / r.rps;
      const cpuRatio = signetCpu / cpuCell(r).total;
      const rateOk = rateRatio >= GOALS.rate;
      const cpuOk = cpuRatio <= GOALS.cpu;
      cells.push(`${num(rateRatio, 2)}×${rateOk ? '' : ' ✗'} | ${num(cpuRatio, 2)}×${cpuOk ? '' : ' ✗'}`);
      const parts = [];
      if (!rateOk)
        parts.push(
          `rate ${num(rateRatio, 2)}× where ${GOALS.rate}× is asked (${pct(1 - rateRatio / GOALS.rate)} short: ${rate(signet.rps)}/s against ${rate(GOALS.rate * r.rps)}/s)`,
        );
      if (!cpuOk)
        parts.push(
          `CPU per request ${num(cpuRatio, 2)}× where ${GOALS.cpu}× is the most allowed (${pct(cpuRatio / GOALS.cpu - 1)} over: ${num(signetCpu, 2)} ms against ${num(GOALS.cpu * cpuCell(r).total, 2)} ms)`,
        );
      if (parts.length) misses.push({ kind, text: parts.join('; ') });
    }
    const rssBytes = signet.largestProcessMedianBytes ?? signet.rssPeakBytes;
    const rssOk = rssBytes / 2 ** 20 <= GOALS.rssMiB;
    const verdict = misses.length || !rssOk ? 'short' : 'met';
    lines.push(`| ${name} | ${cells.join(' | ')} | ${mib(rssBytes)} MiB${rssOk ? '' : ' ✗'} | ${verdict} |`);
    for (const miss of misses)
      shortfalls.push(
        `- **${name} beside ${label(miss.kind)}**: ${miss.text}. Why: ${SHORTFALL_REASONS[name]?.[miss.kind] ?? 'not analysed.'}`,
      );
    if (!rssOk) overLimit.push({ name, bytes: rssBytes });
  }
  if (overLimit.length) {
    const listed = overLimit
      .map(({ name, bytes }) => `${name} ${mib(bytes)} MiB (+${num(bytes / 2 ** 20 - GOALS.rssMiB, 0)})`)
      .join(', ');
    const why = [
      ...(overLimit.some((o) => o.name !== 'login') ? [MEMORY_REASON.tokens] : []),
      ...(overLimit.some((o) => o.name === 'login') ? [MEMORY_REASON.login] : []),
    ].join(' ');
    shortfalls.push(`- **Memory**: a worker's steady RSS is over ${GOALS.rssMiB} MiB in ${listed}. Why: ${why}`);
  }
  lines.push('');
  if (shortfalls.length)
    lines.push(
      'Where Signet falls short, by how much, and why:',
      '',
      ...shortfalls,
      '',
      "How much of each endpoint's CPU per request is Signet's own code, its store calls and oidc-provider, beside the bare provider: \"Where a request's CPU goes\" (`BENCH_ONLY=cpu npm run bench`).",
      '',
    );
  else lines.push('Every goal is met in this round.', '');
  return lines;
}

/** @param {any} run the result of comparePeers, with startedAt, command, options and machine */
export function peersSection(run) {
  const o = run.options;
  const short = o.durationS < 8 || o.warmupS < 2;
  return [
    PEERS_HEADING,
    '',
    `> Measured side by side on this machine on ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC (\`${run.command}\`); raw results in \`${run.resultsFile}\` (gitignored).` +
      (short
        ? ` **A short run** (${o.durationS} s measured after ${o.warmupS} s of warm-up, ${run.rounds.length} round${run.rounds.length > 1 ? 's' : ''}, on a machine shared with other work) that checks the mechanism: do not quote its numbers; a full run is \`BENCH_PEERS=keycloak,hydra npm run bench\`.`
        : ''),
    '',
    'Published figures come from other machines and other load generators. Here the peers are installed from their registries (`bash bench/peers/install.sh`: Keycloak from Maven Central, Hydra built from the Go module proxy, PostgreSQL from Debian, all into `${XDG_CACHE_HOME:-~/.cache}/signet-bench-peers`), configured through their own admin interfaces, and measured with the same load generator and the same scenarios as Signet, one server after the other for each scenario, so each ratio compares figures taken seconds apart.',
    '',
    `Machine: ${run.machine.cpuModel}, ${run.machine.cores} vCPUs, Node ${run.machine.node}. ${o.connections} connections or workers, ${o.loginConcurrency} concurrent logins, 4 users per server. CPU per request is utime + stime of each server's whole process tree during the measured window (from /proc), divided by the successful requests; RSS is the peak of the tree's sum, sampled every 100 ms.`,
    '',
    factsTable(run.servers),
    '',
    ...run.rounds.map((round) => roundTable(round, run.servers)),
    ...goalsSection(run),
    "Scenarios, on each server's own endpoints: " +
      Object.keys(run.rounds[0]?.results ?? {})
        .map((name) => `\`${name}\`: ${scenarioTitle(name)}`)
        .join('; ') +
      '.',
    '',
    'To run it: `bash bench/peers/install.sh` once (idempotent; `BENCH_PEERS=keycloak` or `hydra` installs one), then ' +
      '`BENCH_PEERS=keycloak,hydra npm run bench` (either peer alone works too). It rewrites only this section; the other ' +
      'knobs of `npm run bench` apply (`BENCH_DURATION`, `BENCH_WARMUP`, `BENCH_CONNECTIONS`, `BENCH_LOGIN_CONCURRENCY`, ' +
      '`BENCH_SCENARIOS`), `BENCH_PEERS_ROUNDS` (default 2) repeats the pass on the same servers, `BENCH_PEERS_SIGNET_WORKERS` ' +
      "(default: one per core, as `npm start`) sets Signet's WORKERS, and `BENCH_PEERS_HOME` " +
      "moves the cache. Each server's log is kept under the cache's `runs/`; every process the run starts is stopped at its end.",
    '',
    'Read before quoting a ratio:',
    '',
    ...CAVEATS.map((c) => `- ${typeof c === 'function' ? c(run.servers.signet?.workers ?? 1) : c}`),
    '',
  ].join('\n');
}

/** The section as it is in the file now, or undefined. */
export async function readPeersSection(path) {
  const text = await readFile(path, 'utf8');
  const at = text.indexOf(PEERS_HEADING);
  if (at < 0) return undefined;
  const next = text.indexOf('\n## ', at + PEERS_HEADING.length);
  return text.slice(at, next < 0 ? undefined : next + 1);
}

/** Puts the section in place of the one there, or right after the published figures. */
export async function writePeersSection(section, path) {
  const text = await readFile(path, 'utf8');
  const body = section.trimEnd();
  const at = text.indexOf(PEERS_HEADING);
  const before = text.indexOf(INSERT_BEFORE);
  let out;
  if (at >= 0) {
    const next = text.indexOf('\n## ', at + PEERS_HEADING.length);
    out = text.slice(0, at) + body + (next < 0 ? '\n' : `\n\n${text.slice(next + 1)}`);
  } else if (before >= 0) {
    out = `${text.slice(0, before + 1)}${body}\n\n${text.slice(before + 1)}`;
  } else {
    out = `${text.trimEnd()}\n\n${body}\n`;
  }
  await writeFile(path, out);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node bench/peers/report.mjs bench/results/peers-<time>.json');
  await writePeersSection(peersSection(JSON.parse(await readFile(file, 'utf8'))), join(ROOT, 'BENCHMARKS.md'));
  process.stderr.write(`BENCHMARKS.md: the section on Signet beside its peers rendered from ${file}\n`);
}
