// A deterministic HTTP fuzzer against a started server: a few thousand malformed requests at every
// endpoint and form, then the checks that matter: never a 5xx, still healthy, bounded memory, and
// nothing in the store changed that garbage must not change. Run once per store.
//
// Reproduce a run with SIGNET_FUZZ_SEED=<seed printed at the start>.

import { Agent, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BrowserSession, csrfFrom, formAction } from '../support/browser-session.js';
import { edgeCorpus, randomRequest, type FuzzContext, type FuzzRequest } from '../support/fuzz-grammar.js';
import {
  authorize,
  exchange,
  introspect,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import type { RecordModel } from '../../src/storage/store.js';
import { stopIfStarted } from '../support/teardown.js';

const EMAIL = 'fuzz@example.com';
const PASSWORD = 'correct horse battery staple';
const LOGGED_OUT_URI = 'http://127.0.0.1:8787/bye';
const INITIAL_ACCESS_TOKEN = 'fuzz-initial-access-token-0123456789';
const BATCH = 1_250;
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_HEAP_GROWTH = 50 * 1024 * 1024;
/**
 * What garbage must never change. Left out on purpose: Interaction (any well-formed /auth creates one),
 * SessionActivity and AppSession (Signet's bookkeeping of visits, and the account page's pending sign-ins,
 * which an anonymous GET /account legitimately starts), ReplayDetection (a well-formed assertion's jti).
 * Audit events and throttle counters live outside these models.
 */
const GUARDED_MODELS: readonly RecordModel[] = [
  'Client',
  'Grant',
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'Session',
];

export function fuzzSeed(): number {
  const fromEnv = Number(process.env.SIGNET_FUZZ_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 0x51_6e_e7;
}

interface Offender {
  label: string;
  method: string;
  path: string;
  status: number | string;
  requestBody: string;
  responseBody: string;
}

interface Tally {
  sent: number;
  byLabel: Map<string, Map<number, number>>;
  offenders: Offender[];
  transportErrors: Offender[];
}

function send(
  port: number,
  agent: Agent | false,
  req: FuzzRequest,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: { status: number; body: string } | { error: string }) => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    const out = request(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < 400) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 400) }),
        );
        res.on('error', (err) => done({ status: res.statusCode ?? 0, body: `(response aborted: ${err.message})` }));
      },
    );
    out.setTimeout(REQUEST_TIMEOUT_MS, () => out.destroy(new Error(`no response within ${REQUEST_TIMEOUT_MS} ms`)));
    out.on('error', (err) => done({ error: err.message }));
    out.end(req.body);
  });
}

async function runAll(port: number, count: number, make: (i: number) => FuzzRequest, tally: Tally): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const req = make(next++);
      let outcome = await send(port, agent, req);
      // A socket the server closed between keep-alive requests is the client's problem: retry once, fresh.
      if ('error' in outcome) outcome = await send(port, false, req);
      tally.sent++;
      const describe = (status: number | string, body: string): Offender => ({
        label: req.label,
        method: req.method,
        path: req.path.slice(0, 200),
        status,
        requestBody: req.body?.subarray(0, 120).toString('latin1') ?? '',
        responseBody: body.slice(0, 200),
      });
      if ('error' in outcome) {
        tally.transportErrors.push(describe(outcome.error, ''));
        continue;
      }
      const byStatus = tally.byLabel.get(req.label) ?? new Map<number, number>();
      byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
      tally.byLabel.set(req.label, byStatus);
      // No 5xx at all, even for methods no route knows (TRACE, PROPFIND: 405 on our pages, 404 from the provider).
      if (outcome.status >= 500) tally.offenders.push(describe(outcome.status, outcome.body));
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
}

/** A real collector when one can be had (global.gc, or V8's flag set at run time); otherwise none. */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

async function settledHeap(gc: (() => void) | undefined): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
}

export function fuzzSuite(store: StoreKind, seed = fuzzSeed()): void {
  let server: TestServer;
  let rp: RelyingParty;
  let ctx: FuzzContext;
  let before: Awaited<ReturnType<typeof snapshot>>;
  /** Moved forward at the end, past every throttle lock the garbage provoked. */
  let offsetMs = 0;
  const tally: Tally = { sent: 0, byLabel: new Map(), offenders: [], transportErrors: [] };
  const heap = { gc: false, afterWarmup: 0, afterSecond: 0 };

  const snapshot = async () => {
    const oidc = server.signet.store.oidc;
    const records: Record<string, unknown> = {};
    let anonymousSessions: Array<{ id: string; payload: unknown }> = [];
    for (const model of GUARDED_MODELS) {
      const all = (await oidc.list(model, 10_000)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (model === 'Session') {
        records[model] = all.filter((s) => typeof s.payload.accountId === 'string');
        anonymousSessions = all.filter((s) => typeof s.payload.accountId !== 'string');
      } else {
        records[model] = all;
      }
    }
    return { records, anonymousSessions, account: await server.signet.store.accounts.findByEmail(EMAIL) };
  };

  beforeAll(async () => {
    console.log(`fuzz (${store}): seed ${seed}; replay with SIGNET_FUZZ_SEED=${seed}`);
    server = await startTestServer({
      store,
      // Sign-up open, so its routes are there to be fuzzed (mail goes to .eml files).
      env: { INITIAL_ACCESS_TOKEN, SIGNUP: 'open' },
      overrides: { clock: () => Date.now() + offsetMs },
    });
    await server.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Fuzz' });
    const client = await server.signet.clients.create({
      name: 'Fuzz RP',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [LOGGED_OUT_URI],
    });
    rp = await relyingParty(server.issuer, client.client_id, client.client_secret ?? '');

    // A genuine id_token, from a browser the fuzzer never speaks for.
    const start = await startAuthorization(rp);
    const tokens = await exchange(
      rp,
      start,
      await authorize(new BrowserSession(server.issuer), start, EMAIL, PASSWORD),
    );

    // A live interaction at its login prompt: a real uid, its cookies and its CSRF token.
    const interaction = new BrowserSession(server.issuer);
    const login = await interaction.follow((await startAuthorization(rp)).url);
    const uid = /\/interaction\/([^/"]+)\/login/.exec(formAction(login.body, '/login'))?.[1] ?? '';
    expect(uid).not.toBe('');

    // A signed-in account page (only its own cookies are used: never the provider session's).
    const account = new BrowserSession(server.issuer);
    let page = await account.follow(`${server.issuer}/account`);
    const posted = await account.request(formAction(page.body, '/login'), {
      form: { email: EMAIL, password: PASSWORD, csrf: csrfFrom(page.body) },
    });
    page = await account.follow(posted.location ?? '');
    expect(page.status).toBe(200);

    const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
    const cookies = (b: BrowserSession, keep: (name: string) => boolean) =>
      b
        .cookieNames()
        .filter(keep)
        .map((name) => [name, b.cookieValue(name) ?? ''] as [string, string]);
    ctx = {
      clientId: rp.clientId,
      clientSecret: rp.clientSecret,
      redirectUri: REDIRECT_URI,
      postLogoutUri: LOGGED_OUT_URI,
      uid,
      interactionCookies: cookies(interaction, () => true),
      csrf: csrfFrom(login.body),
      accountCookies: cookies(account, (n) => n.startsWith('signet.account') || n.startsWith('signet.csrf')),
      accountCsrf: csrfFrom(page.body),
      idToken: tokens.id_token ?? '',
      signingKid: jwks.keys[0]?.kid ?? '',
      email: EMAIL,
      initialAccessToken: INITIAL_ACCESS_TOKEN,
    };
    expect(ctx.interactionCookies.map(([n]) => n)).toContain('signet.interaction');
    expect(ctx.accountCookies.map(([n]) => n)).toContain('signet.account');
    before = await snapshot();
  }, 60_000);

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  test('thousands of malformed requests to every endpoint: never a 5xx, never a hang', async () => {
    const t0 = Date.now();
    const corpus = edgeCorpus(seed, ctx);
    await runAll(server.port, corpus.length, (i) => corpus[i] as FuzzRequest, tally);
    await runAll(server.port, BATCH, (i) => randomRequest(seed, i, ctx), tally);
    const gc = findGc();
    heap.gc = gc !== undefined;
    heap.afterWarmup = await settledHeap(gc);
    await runAll(server.port, BATCH, (i) => randomRequest(seed, BATCH + i, ctx), tally);
    heap.afterSecond = await settledHeap(gc);

    const summary = [...tally.byLabel].map(
      ([label, statuses]) =>
        `${label}: ${[...statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    );
    console.log(`fuzz (${store}): ${tally.sent} requests in ${Date.now() - t0} ms\n${summary.join('\n')}`);

    expect(tally.offenders.slice(0, 5)).toEqual([]);
    expect(tally.transportErrors.slice(0, 5)).toEqual([]);
    expect(tally.sent).toBe(corpus.length + 2 * BATCH);
    // The garbage must reach past the router: every endpoint answered something other than 404 at least once.
    for (const [label, statuses] of tally.byLabel) {
      if (label === 'unknown' || label === 'assets' || label === 'other provider routes') continue;
      expect([label, [...statuses.keys()].some((s) => s !== 404)]).toEqual([label, true]);
    }
  }, 120_000);

  test('memory does not grow without bound: a second equal batch adds less than 50 MB of heap', () => {
    const growth = heap.afterSecond - heap.afterWarmup;
    console.log(
      `fuzz (${store}): heap after warm-up ${(heap.afterWarmup / 2 ** 20).toFixed(1)} MB, after second batch ${(heap.afterSecond / 2 ** 20).toFixed(1)} MB (forced gc: ${heap.gc})`,
    );
    expect(heap.afterWarmup).toBeGreaterThan(0);
    expect(growth).toBeLessThan(MAX_HEAP_GROWTH);
  });

  test('the store holds exactly what it held before: no client, grant, token or code from garbage; sessions untouched', async () => {
    const after = await snapshot();
    expect({ records: after.records, account: after.account }).toEqual({
      records: before.records,
      account: before.account,
    });
  });

  test('anonymous Session records that garbage creates live no longer than an interaction (10 min), not days', async () => {
    const after = await snapshot();
    const created = after.anonymousSessions.filter((s) => !before.anonymousSessions.some((b) => b.id === s.id));
    const lifetimes = created.map((s) => {
      const p = s.payload as { exp?: number; iat?: number };
      return Number(p.exp) - Number(p.iat);
    });
    expect(lifetimes.filter((l) => !(l <= 600))).toEqual([]);
  });

  test('still healthy afterwards: /healthz, /readyz, and a normal sign-in', async () => {
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200);
    // The garbage locked the client and this IP out of the throttles, as it should: wait those out.
    offsetMs += 2 * 3600_000;
    const start = await startAuthorization(rp);
    const tokens = await exchange(
      rp,
      start,
      await authorize(new BrowserSession(server.issuer), start, EMAIL, PASSWORD),
    );
    expect(tokens.id_token).toBeDefined();
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(true);
  }, 60_000);
}
