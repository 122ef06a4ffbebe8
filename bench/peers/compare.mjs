// @ts-check
// `BENCH_PEERS=keycloak,hydra npm run bench`: Signet and its peers started side by side on this
// machine, and every scenario measured on each of them in turn (Signet, Keycloak, Hydra, then the next
// scenario), so that each ratio compares figures taken seconds apart with the same load generator.
// Rounds repeat the whole pass on the same servers: a JVM reaches full speed long after a short warm-up.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startHydra } from './hydra.mjs';
import { KC_VERSION, startKeycloak } from './keycloak.mjs';
import { PEERS_HOME, sleep, stopServer } from './processes.mjs';
import { PEER_SCENARIOS, runPeerScenario } from './scenarios.mjs';
import { startSignetPeer } from './signet.mjs';

export const KNOWN_PEERS = ['keycloak', 'hydra'];
const USERS = 4;

/** Fails before anything starts when a peer is missing from the cache. */
function requireInstalled(peers) {
  const marks = { keycloak: join('keycloak', 'java-home'), hydra: join('bin', 'hydra') };
  const missing = peers.filter((peer) => !existsSync(join(PEERS_HOME, marks[peer])));
  if (missing.length > 0)
    throw new Error(
      `${missing.join(' and ')} not installed in ${PEERS_HOME}: run BENCH_PEERS=${peers.join(',')} bash bench/peers/install.sh`,
    );
}

/** The id_token signing keys a server publishes (read after the run: Hydra makes its key on first use). */
async function signingKeys(target) {
  try {
    /** @type {any} */
    const discovery = await (await fetch(`${target.origin}${target.paths.discovery}`)).json();
    /** @type {any} */
    const { keys } = await (await fetch(discovery.jwks_uri)).json();
    return keys
      .filter((k) => k.use !== 'enc')
      .map((k) => `${k.alg ?? k.kty}${k.n ? ` ${Buffer.from(k.n, 'base64url').length * 8}-bit` : ''}`)
      .join(', ');
  } catch (err) {
    return `unknown (${err instanceof Error ? err.message : String(err)})`;
  }
}

/**
 * @param {{ peers: string[], rounds: number, scenarios: string[],
 *   options: import('./scenarios.mjs').Options, log: (message: string) => void }} run
 */
export async function comparePeers({ peers, rounds, scenarios, options, log }) {
  for (const peer of peers)
    if (!KNOWN_PEERS.includes(peer)) throw new Error(`unknown peer ${peer}; known: ${KNOWN_PEERS.join(', ')}`);
  requireInstalled(peers);
  const runDir = join(PEERS_HOME, 'runs', new Date().toISOString().replace(/[:.]/g, '-'));
  await mkdir(runDir, { recursive: true });
  /** @type {import('./scenarios.mjs').PeerTarget[]} */
  const targets = [];
  /** @type {Promise<void> | undefined} */
  let stopping;
  // Once: a signal and the run's own end may both ask, and both must wait for the servers to be gone.
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const target of targets.slice().reverse()) await target.stop().catch((err) => log(`stopping: ${err}`));
    })());
  let interrupted = false;
  /** @type {Set<import('./processes.mjs').Server>} */
  const servers = new Set();
  /** @type {Promise<unknown>} */
  let halted = Promise.resolve();
  const onSignal = (signal) => {
    interrupted = true;
    log(`${signal}: stopping the servers`);
    // Those being started too: they are in no target yet.
    halted = Promise.all([stopAll(), ...[...servers].map((server) => stopServer(server))]);
    void halted.then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const goOn = () => {
    if (interrupted) throw new Error('interrupted');
  };
  try {
    const starts = { signet: startSignetPeer, keycloak: startKeycloak, hydra: startHydra };
    for (const kind of ['signet', ...KNOWN_PEERS.filter((p) => peers.includes(p))]) {
      const t0 = performance.now();
      goOn();
      targets.push(await starts[kind]({ runDir, users: USERS, servers }));
      const target = targets.at(-1);
      log(`${kind} up in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${target?.origin} (pid ${target?.pid})`);
    }
    const measured = scenarios.filter((s) => PEER_SCENARIOS.includes(s));
    const results = [];
    for (let round = 1; round <= rounds; round++) {
      /** @type {Record<string, Record<string, any>>} */
      const byScenario = {};
      const loadBefore = loadavg();
      log(`round ${round}/${rounds}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
      for (const name of measured) {
        byScenario[name] = {};
        for (const target of targets) {
          goOn();
          await sleep(1000); // a second of quiet between two servers' measurements
          try {
            byScenario[name][target.kind] = await runPeerScenario(name, target, options);
          } catch (err) {
            byScenario[name][target.kind] = { error: err instanceof Error ? err.message : String(err) };
          }
          log(`  ${name} (${target.kind}): ${summary(byScenario[name][target.kind])}`);
        }
      }
      results.push({ round, loadBefore, results: byScenario });
    }
    const described = {};
    for (const target of targets)
      described[target.kind] = {
        label: target.label,
        ...(target.workers ? { workers: target.workers } : {}),
        facts: { ...target.facts, signingKeys: await signingKeys(target) },
      };
    return { peers, keycloakVersion: KC_VERSION, runDir, servers: described, rounds: results };
  } finally {
    await stopAll();
    await halted;
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function summary(r) {
  if (r.error) return `ERROR ${String(r.error).slice(0, 300)}`;
  const helpers = Object.entries(r.helpersCpuMsPerOk ?? {})
    .map(([name, ms]) => ` + ${name} ${Number(ms).toFixed(2)}`)
    .join('');
  return (
    `${r.rps.toFixed(1)}/s p50 ${r.latencyMs.p50?.toFixed(1)} ms, CPU ${r.serverCpuMsPerOk.toFixed(2)}${helpers} ms/request, ` +
    `RSS ${(r.rssPeakBytes / 2 ** 20).toFixed(0)} MiB${r.failed ? `, ${r.failed} FAILED (${r.errorSamples?.[0] ?? ''})` : ''}`
  );
}
