// Store outage: while MongoDB (here FerretDB, a process of this test's own) is down, requests
// fail fast with 503 `temporarily_unavailable` (JSON for clients, a page for browsers), /readyz says 503,
// the process stays up, and it recovers by itself once the store is back — with nothing stored lost.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { describeIf } from '../support/describe-if.js';
import { findFerretDb, freePort, launchFerretDb, type FerretDbProcess } from '../support/ferretdb.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

interface Answer {
  path: string;
  at: number;
  ms: number;
  status: number;
  error?: string;
  description?: string;
  retryAfter: string | null;
}

const binary = findFerretDb();

const API = 'https://api.example.com';
const SECRET = 'outage-test-secret-0123456789abcdef';
const basic = (id: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${SECRET}`).toString('base64')}`;

describeIf(
  binary !== undefined,
  'store outage (MongoDB wire, FerretDB stopped and restarted under load)',
  'no ferretdb binary',
  () => {
    let dir: string;
    let port: number;
    let ferret: FerretDbProcess;
    let server: TestServer;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'signet-outage-'));
      port = await freePort();
      ferret = await launchFerretDb(binary ?? '', dir, port);
      server = await startTestServer({ store: 'mongodb', env: { MONGODB_URI: `${ferret.uri}signet_outage` } });
      const records = server.signet.store.oidc;
      const hashed = server.signet.secrets.hash(SECRET);
      await records.upsert('Client', API, {
        client_id: API,
        client_secret: hashed,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        signet_resource_scope: 'read:things',
        token_endpoint_auth_method: 'client_secret_basic',
      });
      await records.upsert('Client', 'svc', {
        client_id: 'svc',
        client_secret: hashed,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        signet_allowed_resource_scope: 'read:things',
        token_endpoint_auth_method: 'client_secret_basic',
      });
    }, 60_000);

    afterAll(async () => {
      await stopIfStarted(server, (s) => s.stop());
      await stopIfStarted(ferret, (f) => f.stop());
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const post = async (path: string, auth: string, form: Record<string, string>) => {
      const started = Date.now();
      const res = await fetch(`${server.issuer}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: auth,
          accept: 'application/json',
        },
        body: new URLSearchParams(form).toString(),
      });
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // a non-JSON answer is itself a failure the assertions below will show
      }
      const answer: Answer = {
        path,
        at: started,
        ms: Date.now() - started,
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        ...(typeof body.error === 'string' ? { error: body.error } : {}),
        ...(typeof body.error_description === 'string' ? { description: body.error_description } : {}),
      };
      return { answer, body };
    };
    const issue = () =>
      post('/token', basic('svc'), { grant_type: 'client_credentials', scope: 'read:things', resource: API });
    const introspect = (token: string) => post('/token/introspection', basic(API), { token });
    const status = async (path: string) => (await fetch(`${server.issuer}${path}`)).status;

    /** Closed-loop load: `workers` loops issuing and introspecting tokens until stopped. */
    const load = (workers: number) => {
      const answers: Answer[] = [];
      const onAnswer = new Set<() => void>();
      const record = (answer: Answer) => {
        answers.push(answer);
        for (const check of onAnswer) check();
      };
      let running = true;
      const loops = Array.from({ length: workers }, async () => {
        while (running) {
          const issued = await issue();
          record(issued.answer);
          if (typeof issued.body.access_token === 'string') record((await introspect(issued.body.access_token)).answer);
        }
      });
      return {
        answers,
        /** Resolves once `count` more answers for which `match` holds have come in: progress, not time. */
        more(count: number, match: (answer: Answer) => boolean = () => true) {
          const target = answers.filter(match).length + count;
          return new Promise<void>((resolve) => {
            const check = () => {
              if (answers.filter(match).length < target) return;
              onAnswer.delete(check);
              resolve();
            };
            onAnswer.add(check);
            check();
          });
        },
        async stop() {
          running = false;
          await Promise.all(loops);
        },
      };
    };

    // The store's state has no event of its own to wait on: polled, under an overall deadline.
    const until = async (check: () => Promise<boolean>, timeoutMs: number): Promise<number> => {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        if (await check()) return Date.now() - started;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`condition not met within ${timeoutMs} ms`);
    };

    test('503 temporarily_unavailable while the store is down, readiness follows, recovery without a restart, nothing lost', async () => {
      const before = await issue();
      expect(before.answer.status).toBe(200);
      const kept = String(before.body.access_token);

      const traffic = load(4);
      await traffic.more(20);
      await ferret.stop();

      // Down: readiness says so within seconds, liveness stays up, clients and browsers get a 503.
      await until(async () => (await status('/readyz')) === 503, 10_000);
      const outageKnown = Date.now();
      expect(await status('/healthz')).toBe(200);
      // The load meets the known outage for a dozen answers before the store comes back.
      await traffic.more(12, (a) => a.at >= outageKnown);
      const page = await fetch(`${server.issuer}/auth?client_id=svc&response_type=code&scope=openid`, {
        headers: { accept: 'text/html' },
      });
      expect(page.status).toBe(503);
      expect(page.headers.get('content-type')).toMatch(/html/);
      expect(await page.text()).toMatch(/unavailable/i);
      const duringDown = await issue();
      expect(duringDown.answer).toMatchObject({ status: 503, error: 'temporarily_unavailable', retryAfter: '5' });

      const restarted = Date.now();
      ferret = await launchFerretDb(binary ?? '', dir, port);
      let recovered = Number.POSITIVE_INFINITY;
      try {
        // Generous: on a loaded machine the relaunched FerretDB and the driver's reconnect take their time;
        // what is tested is that no restart is needed, and the answers meanwhile (below).
        await until(async () => (await issue()).answer.status === 200, 40_000);
        await until(async () => (await status('/readyz')) === 200, 10_000);
        recovered = Date.now();
        await traffic.more(10, (a) => a.at >= recovered);
      } finally {
        // Stopped before any failure is reported, so no loop runs on into a server the teardown closed.
        await traffic.stop();
      }

      const answers = traffic.answers;
      // Asked once readiness knew of the outage and before the store was back: each must be a quick 503.
      const down = answers.filter((a) => a.at >= outageKnown && a.at < restarted);
      // Asked once a token was issued again and readiness said so: each must succeed.
      const after = answers.filter((a) => a.at >= recovered);
      // Every answer is a success or a clean 503; none is a 500, none is an unexplained error.
      // Listed whole when one is not, so that a failure says which request it was and what it answered.
      expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
      for (const a of answers.filter((x) => x.status === 503))
        expect(a).toMatchObject({ error: 'temporarily_unavailable', retryAfter: '5' });
      expect(down.length).toBeGreaterThan(10);
      expect(down.filter((a) => a.status !== 503)).toEqual([]);
      // Fail fast: once the outage is known, a request is answered without waiting out the driver's
      // server-selection timeout (3 s).
      const sorted = down.map((a) => a.ms).sort((x, y) => x - y);
      expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(1_000);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((a) => a.status !== 200).map((a) => ({ ...a, at: a.at - restarted }))).toEqual([]);

      // What was stored before the outage is still there and still valid.
      const seen = await introspect(kept);
      expect(seen.body).toMatchObject({ active: true, client_id: 'svc' });

      // Operators see it in /metrics.
      const metrics = await (await fetch(`${server.issuer}/metrics`)).text();
      expect(metrics).toMatch(/signet_store_errors_total\{[^}]*kind="unavailable"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/signet_store_errors_total\{[^}]*kind="rejected"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/^signet_store_up 1$/m);
    }, 90_000);
  },
);
