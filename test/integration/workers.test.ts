// Multi-process and rolling restart: WORKERS=N processes behind one port share nothing but
// the store, so a token issued by one is good at every other, a crashed worker is replaced without
// losing anything, and SIGHUP replaces every worker under load without one failed request.

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { jsonLine, runCli } from '../support/run-cli.js';
import { freePort, printed, spawnServer, type SpawnedServer } from '../support/spawn-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { basicAuth } from '../support/user-agent.js';

function workerPids(primary: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primary)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

describe('WORKERS=2: one port, several processes, one store', () => {
  let dataDir: string;
  let base: string;
  let server: SpawnedServer;
  let primary: number;
  const log = () => server.stdout();
  let client: { id: string; secret: string };
  const env = () => ({ PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'info' });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-workers-'));
    const created = jsonLine(await runCli(['client', 'create', '--name', 'Worker test', '--type', 'service'], env()));
    client = { id: String(created.client_id), secret: String(created.client_secret) };
    server = await spawnServer(await freePort(), { ...env(), WORKERS: '2' });
    base = server.issuer;
    primary = server.child.pid ?? 0;
    // spawnServer resolved on the start line, which the primary writes once both workers listen.
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(workerPids(primary)).toHaveLength(2);
  }, 60_000);

  afterAll(async () => {
    await stopIfStarted(server, (s) => s.stop('SIGKILL'));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const basic = () => basicAuth(client.id, client.secret);
  // A new connection per request: node:cluster hands connections out in turn, so requests reach every worker.
  const fresh = new Agent({ keepAlive: false });
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 });

  const post = (path: string, form: Record<string, string>, agent: Agent, timeoutMs = 10_000) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const body = new URLSearchParams(form).toString();
      const headers = {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(body),
        authorization: basic(),
      };
      const req = request(new URL(path, base), { method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to ${path} within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });

  const issue = async (agent: Agent) => {
    const res = await post('/token', { grant_type: 'client_credentials' }, agent);
    expect(res.status).toBe(200);
    return String(res.body.access_token);
  };
  const active = async (token: string, agent: Agent, timeoutMs?: number) =>
    (await post('/token/introspection', { token }, agent, timeoutMs)).body.active === true;

  test('a token issued by one worker is valid at every other', async () => {
    const tokens = [];
    for (let i = 0; i < 20; i++) tokens.push(await issue(fresh));
    for (const token of tokens) expect(await active(token, fresh)).toBe(true);
    // The requests really were spread: both workers counted some (the scrape sums every worker).
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const served = Number(
      /signet_http_requests_total\{route="\/token",method="POST",status="200"\} (\d+)/.exec(metrics)?.[1],
    );
    expect(served).toBeGreaterThanOrEqual(20);
  });

  test('a crashed worker is replaced, and what it issued stays valid', async () => {
    const tokens = [];
    for (let i = 0; i < 10; i++) tokens.push(await issue(fresh));
    const [victim] = workerPids(primary);
    const replacementListening = printed(server, 'worker listening', log().length);
    process.kill(victim ?? 0, 'SIGKILL');
    // The survivor answers; the replacement joins shortly after. A connection node:cluster was handing
    // to the victim at the moment it died is lost with it, as with any crash: the client times out and
    // retries (introspection is idempotent).
    const retried = async (token: string) => {
      try {
        return await active(token, fresh, 2_000);
      } catch {
        return active(token, fresh, 2_000);
      }
    };
    for (const token of tokens) expect(await retried(token)).toBe(true);
    await replacementListening;
    const replaced = workerPids(primary);
    expect(replaced).not.toContain(victim);
    expect(replaced).toHaveLength(2);
    expect(log()).toContain('worker exited unexpectedly');
  }, 30_000);

  test('SIGHUP replaces every worker under load without a failed request', async () => {
    const before = workerPids(primary);
    const failures: string[] = [];
    let ok = 0;
    let running = true;
    /** Called after every request of the load: lets the test wait for a number of answers, not for a time. */
    let progressed: () => void = () => undefined;
    const answered = (count: number) =>
      new Promise<void>((resolve) => {
        progressed = () => {
          if (ok >= count || failures.length > 0) resolve();
        };
        progressed();
      });
    const loops = Array.from({ length: 6 }, async (_, i) => {
      const agent = i % 2 === 0 ? keepAlive : fresh;
      while (running) {
        try {
          const token = await issue(agent);
          if (await active(token, agent)) ok++;
          else failures.push('inactive token');
        } catch (err) {
          failures.push(String(err));
        }
        progressed();
      }
    });
    // The load is flowing before the restart begins...
    await answered(20);
    const restartDone = printed(server, 'rolling restart done', log().length);
    process.kill(primary, 'SIGHUP');
    await restartDone;
    // ...and keeps flowing, now through the new workers only, after it.
    await answered(ok + 20);
    running = false;
    await Promise.all(loops);

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    const after = workerPids(primary);
    expect(after).toHaveLength(2);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
  }, 90_000);

  test('SIGTERM drains every worker and the primary exits 0', async () => {
    keepAlive.destroy();
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 30_000);
});
