// @ts-check
// The scenarios, each run the same way against Signet and against the baseline: prepare what the
// measured requests need (tokens, codes, refresh chains) outside the measurement, warm up, then
// measure for a fixed time while watching the server's RSS and CPU time.

import { URLSearchParams } from 'node:url';
import { authorize, authorizePath, basic, Browser, exchangeCode, HttpClient } from './http.mjs';
import { cannon, closedLoop } from './load.mjs';
import { watchProcess } from './proc.mjs';
import { settledCounts, storeOpsBetween } from './store-ops.mjs';

/** Signs a fresh browser in (login form, consent when asked) and returns it with the code it got. */
export async function signIn(target, http, user, options = {}) {
  const browser = new Browser(http);
  const code = await authorize(browser, authorizePath(target.web.id, options), user);
  return { browser, code };
}

async function tokensFor(target, http, code) {
  const res = await exchangeCode(http, target.web, code);
  if (res.status !== 200 || !res.json?.access_token)
    throw new Error(`code exchange failed during preparation: ${res.status} ${res.body.slice(0, 200)}`);
  return res.json;
}

/** Signed-in browsers, one per user round-robin; later authorizations in them need no password. */
async function sessions(target, http, count) {
  const out = [];
  for (let i = 0; i < count; i += 4) {
    const batch = Array.from({ length: Math.min(4, count - i) }, (_, j) =>
      signIn(target, http, target.users[(i + j) % target.users.length]),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out.map((s) => s.browser);
}

/** `count` access tokens from code flows (no offline_access: session-bound, as a web login gets). */
async function accessTokens(target, http, count) {
  const browsers = await sessions(target, http, Math.min(4, count));
  const tokens = [];
  await Promise.all(
    browsers.map(async (browser) => {
      while (tokens.length < count) {
        const code = await authorize(browser, authorizePath(target.web.id), target.users[0]);
        tokens.push((await tokensFor(target, http, code)).access_token);
      }
    }),
  );
  return tokens.slice(0, count);
}

const TOKEN_POOL = 64;

function rotating(pool, make) {
  let i = 0;
  return () => make(pool[i++ % pool.length]);
}

// Read-only scenarios first: on FerretDB every lookup scans its collection, so tokens written by an
// earlier scenario would slow the later ones down; on SQLite the order makes no difference.
const SCENARIOS = {
  introspection: {
    title: 'token introspection (active user access token)',
    method:
      `A pool of ${TOKEN_POOL} user access tokens from code flows, each introspected by the client it was issued to (RFC 7662, ` +
      'no `token_type_hint`, so oidc-provider looks in three models); an answer other than `"active":true` counts as failed.',
    async run(target, o, http) {
      const pool = await accessTokens(target, http, TOKEN_POOL);
      const headers = {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(target.web.id, target.web.secret),
      };
      return measuredCannon(target, o, {
        method: 'POST',
        path: '/token/introspection',
        headers,
        next: rotating(pool, (token) => ({ body: `token=${encodeURIComponent(token)}` })),
        verify: (body) => body.includes('"active":true'),
      });
    },
  },

  userinfo: {
    title: 'userinfo (GET /me with a bearer token)',
    method: `The same kind of pool of ${TOKEN_POOL} user access tokens (scope \`openid email profile\`), as bearer tokens.`,
    async run(target, o, http) {
      const pool = await accessTokens(target, http, TOKEN_POOL);
      return measuredCannon(target, o, {
        method: 'GET',
        path: '/me',
        next: rotating(pool, (token) => ({ headers: { authorization: `Bearer ${token}` } })),
        verify: (body) => body.includes('"sub"'),
      });
    },
  },

  client_credentials: {
    title: 'client credentials grant',
    method:
      "Signet's service client (created with `client create --type service --scope read:things`) asks for scope `read:things` " +
      "of a registered resource server (RFC 8707 `resource`); the baselines' clients ask for no scope.",
    async run(target, o) {
      const form = new URLSearchParams(target.clientCredentialsForm).toString();
      return measuredCannon(target, o, {
        method: 'POST',
        path: '/token',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(target.service.id, target.service.secret),
        },
        body: form,
        verify: (body) => body.includes('"access_token"'),
      });
    },
  },

  authorization_code: {
    title: 'authorization code exchange (POST /token, id_token + access token)',
    method:
      'Codes are made first by signed-in browsers (one `GET /auth` each; codes live 600 s for this), then redeemed with PKCE: ' +
      'the measurement is the token endpoint alone, which signs an RS256 id_token each time.',
    async run(target, o, http) {
      // Twice the time they will be redeemed in: making a code is cheaper than redeeming it, so the
      // pool outlasts the measurement (the report says so when it did not).
      const browsers = await sessions(target, http, 8);
      const codes = [];
      const produceUntil = performance.now() + (o.durationS + o.warmupS) * 1000 * 2;
      await Promise.all(
        Array.from({ length: 16 }, async (_, w) => {
          const browser = browsers[w % browsers.length];
          while (performance.now() < produceUntil && codes.length < o.maxCodes) {
            codes.push(await authorize(browser, authorizePath(target.web.id), target.users[0]));
          }
        }),
      );
      const produced = codes.length;
      const op = async () => {
        const code = codes.pop();
        if (code === undefined) return null;
        const res = await exchangeCode(http, target.web, code);
        return res.status === 200 && res.json?.id_token ? true : `${res.status}: ${res.body}`;
      };
      const result = await measured(target, o, (durationS) =>
        closedLoop({ connections: o.connections, durationS, op }),
      );
      return { ...result, codesProduced: produced, codesLeft: codes.length };
    },
  },

  refresh_token: {
    title: 'refresh token grant with rotation',
    method:
      'One independent grant per worker (its own login and `offline_access` consent), refreshed as a chain: every request ' +
      'presents the refresh token the previous one returned. A chain that fails stops (its failure is counted).',
    async run(target, o, http) {
      const chains = [];
      for (let i = 0; i < o.connections; i += 8) {
        const batch = Array.from({ length: Math.min(8, o.connections - i) }, async (_, j) => {
          const { code } = await signIn(target, http, target.users[(i + j) % target.users.length], {
            scope: 'openid email profile offline_access',
            prompt: 'consent',
          });
          const tokens = await tokensFor(target, http, code);
          if (!tokens.refresh_token) throw new Error('no refresh token issued during preparation');
          return tokens.refresh_token;
        });
        chains.push(...(await Promise.all(batch)));
      }
      const broken = new Set();
      const op = async (worker) => {
        if (broken.has(worker)) return null;
        const res = await http.postForm(
          '/token',
          { grant_type: 'refresh_token', refresh_token: chains[worker] },
          { authorization: basic(target.web.id, target.web.secret) },
        );
        if (res.status === 200 && res.json?.refresh_token) {
          chains[worker] = res.json.refresh_token;
          return true;
        }
        // A chain that failed once cannot go on (its token may be consumed); the failure is reported.
        broken.add(worker);
        return `${res.status}: ${res.body}`;
      };
      const result = await measured(target, o, (durationS) =>
        closedLoop({ connections: o.connections, durationS, op }),
      );
      return { ...result, brokenChains: broken.size };
    },
  },

  login: {
    title: 'password login, full flow (GET /auth → login form → POST credentials → redirect with code)',
    method:
      'A fresh cookie jar per login: `GET /auth` → login page → `POST` email, password and CSRF token (one argon2id ' +
      "verification) → redirect with the code. Consent is remembered after each user's first login (during the warm-up). " +
      'The baseline walks the same redirects with no page and no password check: its rate is the flow without argon2.',
    async run(target, o, http) {
      let next = 0;
      const op = async () => {
        const user = target.users[next++ % target.users.length];
        const browser = new Browser(http);
        const code = await authorize(browser, authorizePath(target.web.id), user);
        return typeof code === 'string' && code.length > 0;
      };
      // The first login of each user asks for consent; later ones find it remembered. Warm-up covers that.
      return measured(target, { ...o, connections: o.loginConcurrency }, (durationS) =>
        closedLoop({ connections: o.loginConcurrency, durationS, op }),
      );
    },
  },
};

/** One request shape fired by autocannon at the target, over `o.connections` connections. */
function measuredCannon(target, o, request) {
  return measured(target, o, (durationS) =>
    cannon({ ...request, origin: target.origin, connections: o.connections, durationS }),
  );
}

/** `o.around` (optional) wraps the measured run alone, e.g. to attach a profiler or strace to the server. */
async function measured(target, o, run) {
  if (o.warmupS > 0) await run(o.warmupS);
  // Read after the warm-up has settled, so that only the measured requests are counted.
  const countsBefore = await settledCounts(target);
  const stop = watchProcess(target.pid);
  // The generator shares the machine's cores with the server: its own cost is reported too.
  const generatorCpu = process.cpuUsage();
  const result = o.around ? await o.around(target, () => run(o.durationS)) : await run(o.durationS);
  const { rssPeakBytes, rssMedianBytes, cpuSeconds } = stop();
  const { user, system } = process.cpuUsage(generatorCpu);
  const countsAfter = await settledCounts(target);
  const storeOps = storeOpsBetween(countsBefore, countsAfter);
  const perOk = (seconds) => (result.ok ? (seconds * 1000) / result.ok : NaN);
  // Only Signet reports its collections (in /metrics); the bare providers' adapters count store calls alone.
  const gcSeconds =
    countsBefore.gcSeconds !== undefined && countsAfter.gcSeconds !== undefined
      ? countsAfter.gcSeconds - countsBefore.gcSeconds
      : NaN;
  return {
    ...result,
    rssPeakBytes,
    rssMedianBytes,
    gcMsPer1000Ok: perOk(gcSeconds) * 1000,
    serverCpuSeconds: cpuSeconds,
    serverCpuMsPerOk: perOk(cpuSeconds),
    generatorCpuMsPerOk: perOk((user + system) / 1e6),
    connections: o.connections,
    storeOps,
  };
}

export const SCENARIO_NAMES = Object.keys(SCENARIOS);

export function scenarioTitle(name) {
  return SCENARIOS[name].title;
}

export function scenarioMethod(name) {
  return SCENARIOS[name].method;
}

export async function runScenario(name, target, options) {
  const http = new HttpClient(target.origin, 128);
  try {
    return await SCENARIOS[name].run(target, options, http);
  } finally {
    http.close();
  }
}
