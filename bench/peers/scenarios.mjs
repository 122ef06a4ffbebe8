// @ts-check
// The scenarios of bench/lib/scenarios.mjs (same preparation, pool sizes, load generators and success
// checks), written once against a target that names its endpoints, so that the same code drives Signet,
// Keycloak and Hydra. Differences forced by the peers: the walk crosses origins (Hydra's login app);
// Hydra introspects on its admin port without client authentication; the refresh chains ask
// `prompt=consent` on Signet only (oidc-provider requires it for offline_access); code production
// gives each of its 16 workers its own signed-in browser (Hydra keeps one CSRF cookie per client, so
// two flows racing in one browser fail there, as two tabs would).

import { URLSearchParams } from 'node:url';
import { basic, PKCE_VERIFIER, REDIRECT_URI } from '../lib/http.mjs';
import { cannon, closedLoop } from '../lib/load.mjs';
import { authorize, authorizeUrl, bounded, Browser, Clients } from './browser.mjs';
import { watchTree } from './processes.mjs';

/**
 * @typedef {import('./browser.mjs').User} User
 * @typedef {{
 *   kind: string, label: string, origin: string, pid: number, workers?: number,
 *   helpers: Array<{ name: string, pid: number }>,
 *   paths: { authorize: string, token: string, userinfo: string, discovery: string },
 *   introspection: { origin: string, path: string, authenticated: boolean },
 *   web: { id: string, secret: string }, service: { id: string, secret: string },
 *   clientCredentialsForm: Record<string, string>,
 *   refreshAuthorize: { scope: string, prompt?: string },
 *   users: User[], fillForm: import('./browser.mjs').FormFiller,
 *   facts: Record<string, string>, stop: () => Promise<void>,
 * }} PeerTarget
 * @typedef {{ durationS: number, warmupS: number, connections: number, loginConcurrency: number, maxCodes: number }} Options
 */

const TOKEN_POOL = 64;

/** The target's users round-robin. @param {PeerTarget} target @param {number} i @returns {User} */
function userAt(target, i) {
  const user = target.users[i % target.users.length];
  if (!user) throw new Error(`${target.kind} has no users`);
  return user;
}

/** @param {PeerTarget} target @param {import('../lib/http.mjs').HttpClient} http @param {Record<string, string>} form @param {{ id: string, secret: string }} client */
function tokenRequest(target, http, form, client) {
  return bounded(
    http.postForm(target.paths.token, form, { authorization: basic(client.id, client.secret) }),
    `POST ${target.paths.token}`,
  );
}

/** @param {PeerTarget} target @param {Clients} clients @param {string} code */
function exchangeCode(target, clients, code) {
  const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: PKCE_VERIFIER };
  return tokenRequest(target, clients.for(target.origin), form, target.web);
}

/** @param {PeerTarget} target @param {Clients} clients @param {string} code */
async function tokensFor(target, clients, code) {
  const res = await exchangeCode(target, clients, code);
  if (res.status !== 200 || !res.json?.access_token)
    throw new Error(`code exchange failed during preparation: ${res.status} ${res.body.slice(0, 200)}`);
  return res.json;
}

/** @param {PeerTarget} target @param {Clients} clients @param {User} user @param {{ scope?: string, prompt?: string }} [options] */
async function signIn(target, clients, user, options) {
  const browser = new Browser(clients);
  const code = await authorize(browser, target, authorizeUrl(target, options), user);
  return { browser, code };
}

/** Signed-in browsers, users round-robin, four at a time. */
async function sessions(target, clients, count) {
  const out = [];
  for (let i = 0; i < count; i += 4) {
    const batch = Array.from({ length: Math.min(4, count - i) }, (_, j) =>
      signIn(target, clients, userAt(target, i + j)),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out.map((s) => s.browser);
}

/** `count` access tokens from code flows (no offline_access: session-bound, as a web login gets). */
async function accessTokens(target, clients, count) {
  const browsers = await sessions(target, clients, 4);
  /** @type {string[]} */
  const tokens = [];
  await Promise.all(
    browsers.map(async (browser) => {
      while (tokens.length < count) {
        const code = await authorize(browser, target, authorizeUrl(target), userAt(target, 0));
        tokens.push((await tokensFor(target, clients, code)).access_token);
      }
    }),
  );
  return tokens.slice(0, count);
}

function rotating(pool, make) {
  let i = 0;
  return () => make(pool[i++ % pool.length]);
}

/** @type {Record<string, (target: PeerTarget, o: Options, clients: Clients) => Promise<Record<string, unknown>>>} */
const SCENARIOS = {
  async introspection(target, o, clients) {
    const pool = await accessTokens(target, clients, TOKEN_POOL);
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    if (target.introspection.authenticated) headers.authorization = basic(target.web.id, target.web.secret);
    return measuredCannon(target, o, {
      origin: target.introspection.origin,
      method: 'POST',
      path: target.introspection.path,
      headers,
      next: rotating(pool, (token) => ({ body: `token=${encodeURIComponent(token)}` })),
      verify: (body) => /"active":\s*true/.test(body),
    });
  },

  async userinfo(target, o, clients) {
    const pool = await accessTokens(target, clients, TOKEN_POOL);
    return measuredCannon(target, o, {
      origin: target.origin,
      method: 'GET',
      path: target.paths.userinfo,
      next: rotating(pool, (token) => ({ headers: { authorization: `Bearer ${token}` } })),
      verify: (body) => body.includes('"sub"'),
    });
  },

  async client_credentials(target, o) {
    return measuredCannon(target, o, {
      origin: target.origin,
      method: 'POST',
      path: target.paths.token,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(target.service.id, target.service.secret),
      },
      body: new URLSearchParams(target.clientCredentialsForm).toString(),
      verify: (body) => body.includes('"access_token"'),
    });
  },

  async authorization_code(target, o, clients) {
    const browsers = await sessions(target, clients, 16);
    /** @type {string[]} */
    const codes = [];
    // Twice the time they will be redeemed in, as in bench/lib/scenarios.mjs.
    const produceUntil = performance.now() + (o.durationS + o.warmupS) * 1000 * 2;
    await Promise.all(
      browsers.map(async (browser) => {
        while (performance.now() < produceUntil && codes.length < o.maxCodes)
          codes.push(await authorize(browser, target, authorizeUrl(target), userAt(target, 0)));
      }),
    );
    const produced = codes.length;
    const op = async () => {
      const code = codes.pop();
      if (code === undefined) return null;
      const res = await exchangeCode(target, clients, code);
      return res.status === 200 && res.json?.id_token ? true : `${res.status}: ${res.body}`;
    };
    const result = await measured(target, o, (durationS) => closedLoop({ connections: o.connections, durationS, op }));
    return { ...result, codesProduced: produced, codesLeft: codes.length };
  },

  async refresh_token(target, o, clients) {
    /** @type {string[]} */
    const chains = [];
    for (let i = 0; i < o.connections; i += 8) {
      const batch = Array.from({ length: Math.min(8, o.connections - i) }, async (_, j) => {
        const user = userAt(target, i + j);
        const { code } = await signIn(target, clients, user, target.refreshAuthorize);
        const tokens = await tokensFor(target, clients, code);
        if (!tokens.refresh_token) throw new Error('no refresh token issued during preparation');
        return String(tokens.refresh_token);
      });
      chains.push(...(await Promise.all(batch)));
    }
    const http = clients.for(target.origin);
    const broken = new Set();
    const op = async (worker) => {
      if (broken.has(worker)) return null;
      const res = await tokenRequest(
        target,
        http,
        { grant_type: 'refresh_token', refresh_token: chains[worker] ?? '' },
        target.web,
      );
      if (res.status === 200 && res.json?.refresh_token) {
        chains[worker] = res.json.refresh_token;
        return true;
      }
      broken.add(worker);
      return `${res.status}: ${res.body}`;
    };
    const result = await measured(target, o, (durationS) => closedLoop({ connections: o.connections, durationS, op }));
    return { ...result, brokenChains: broken.size };
  },

  async login(target, o, clients) {
    let next = 0;
    const op = async () => {
      const user = userAt(target, next++);
      const code = await authorize(new Browser(clients), target, authorizeUrl(target), user);
      return code.length > 0;
    };
    return measured(target, { ...o, connections: o.loginConcurrency }, (durationS) =>
      closedLoop({ connections: o.loginConcurrency, durationS, op }),
    );
  },
};

/** @param {PeerTarget} target @param {Options} o @param {Omit<Parameters<typeof cannon>[0], 'connections' | 'durationS'>} request */
function measuredCannon(target, o, request) {
  return measured(target, o, (durationS) => cannon({ ...request, connections: o.connections, durationS }));
}

/**
 * Warm-up, then the measured run while the server's process tree and the other processes of its
 * deployment (Hydra's login app and PostgreSQL, whose memory is summed as PSS) are watched.
 * @param {PeerTarget} target
 * @param {Options} o
 * @param {(durationS: number) => Promise<Awaited<ReturnType<typeof closedLoop>>>} run
 */
async function measured(target, o, run) {
  if (o.warmupS > 0) await run(o.warmupS);
  const stop = watchTree(target.pid);
  const helpers = target.helpers.map((h) => ({ name: h.name, stop: watchTree(h.pid, { memory: 'pss' }) }));
  const generatorCpu = process.cpuUsage();
  const result = await run(o.durationS);
  const { rssPeakBytes, rssMedianBytes, largestPeakBytes, largestMedianBytes, cpuSeconds } = stop();
  const used = helpers.map((h) => ({ name: h.name, ...h.stop() }));
  const { user, system } = process.cpuUsage(generatorCpu);
  const perOk = (seconds) => (result.ok ? (seconds * 1000) / result.ok : NaN);
  return {
    ...result,
    rssPeakBytes,
    rssMedianBytes,
    largestProcessPeakBytes: largestPeakBytes,
    largestProcessMedianBytes: largestMedianBytes,
    serverCpuMsPerOk: perOk(cpuSeconds),
    helpersCpuMsPerOk: Object.fromEntries(used.map((h) => [h.name, perOk(h.cpuSeconds)])),
    helpersPssPeakBytes: Object.fromEntries(used.map((h) => [h.name, h.rssPeakBytes])),
    generatorCpuMsPerOk: perOk((user + system) / 1e6),
    connections: o.connections,
  };
}

export const PEER_SCENARIOS = Object.keys(SCENARIOS);

/**
 * Preparation, warm-up and measurement of one scenario on one server, bounded as a whole.
 * @param {string} name
 * @param {PeerTarget} target
 * @param {Options} options
 */
export async function runPeerScenario(name, target, options) {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  const clients = new Clients(128);
  try {
    const limitMs = 300_000 + (options.durationS + options.warmupS) * 3000;
    return await bounded(scenario(target, options, clients), `${name} on ${target.kind}`, limitMs);
  } finally {
    clients.close();
  }
}
