// Crash safety: `kill -9` under load, then a restart on the same store, loses nothing the server had
// acknowledged: no grant, token, registered client or user (SQLite: WAL + synchronous=FULL commits;
// MongoDB: majority, journaled writes). The built server runs as its own process, so the kill is real.
//
// "Acknowledged" means a complete success response reached this test (or the CLI exited 0 with its
// JSON). A request cut off by the kill proves nothing either way and is not counted; a rotation cut
// off leaves its refresh token in doubt (the server may have consumed it), so that chain is only
// checked for a protocol answer, never a 5xx.

import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BrowserSession } from '../support/browser-session.js';
import { jsonLine, runCli } from '../support/run-cli.js';
import { authorize, REDIRECT_URI, relyingParty, startAuthorization } from '../support/sign-in.js';
import { freePort, spawnServer, type SpawnedServer } from '../support/spawn-server.js';
import { mongoTestUri, type StoreKind } from '../support/start-test-server.js';
import { describeMongo, dropTestDatabase } from '../support/stores.js';
import { basicAuth } from '../support/user-agent.js';

const PASSWORD = 'correct horse battery staple';
const IAT = 'crash-safety-initial-access-token-0123456789';

/** Concurrent loops of each kind while the server runs. */
const LOOPS = { clientCredentials: 2, signIn: 4, registration: 1, cli: 1 };
const REFRESHES_PER_SIGN_IN = 2;
/** Acknowledged before the kill, so that the checks after the restart cannot pass on (almost) nothing. */
const ENOUGH = { machineTokens: 60, signIns: 12, refreshes: 20, registrations: 8, cliUsers: 2 };
/** How long the load may take to reach ENOUGH: a ceiling against a hang, not a speed expectation. */
const LOAD_DEADLINE_MS = 45_000;
const TEST_TIMEOUT_MS = 120_000;

interface Credentials {
  client_id: string;
  client_secret: string;
}

/** One user's refresh token as rotated so far. */
interface Chain {
  readonly email: string;
  /** The newest refresh token an acknowledged response carried. */
  refreshToken: string;
  /** A rotation of refreshToken was sent and never answered: it may have been consumed. */
  inDoubt: boolean;
}

interface Registered extends Credentials {
  registration_access_token: string;
  registration_client_uri: string;
}

/** Everything the server acknowledged before (or as) it died, and everything that went wrong. */
class Ledger {
  readonly machineTokens: string[] = [];
  readonly userTokens: string[] = [];
  readonly chains: Chain[] = [];
  refreshes = 0;
  readonly registered: Registered[] = [];
  readonly cliUsers: string[] = [];
  /** Loops ended by a connection the kill cut: proof that the kill hit requests in flight. */
  cut = 0;
  readonly unexpected: string[] = [];

  counts() {
    return {
      machineTokens: this.machineTokens.length,
      userTokens: this.userTokens.length,
      signIns: this.chains.length,
      refreshes: this.refreshes,
      registrations: this.registered.length,
      cliUsers: this.cliUsers.length,
    };
  }

  /** The kinds still short of ENOUGH. */
  shortOf(): string[] {
    const counts = this.counts();
    return (Object.keys(ENOUGH) as Array<keyof typeof ENOUGH>).filter((k) => counts[k] < ENOUGH[k]);
  }
}

const basic = (c: Credentials) => basicAuth(c.client_id, c.client_secret);

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  try {
    const body: unknown = JSON.parse(text);
    return {
      status: res.status,
      body: body && typeof body === 'object' ? (body as Record<string, unknown>) : { raw: text },
    };
  } catch {
    return { status: res.status, body: { raw: text.slice(0, 300) } };
  }
}

async function postForm(url: string, auth: string, form: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
    body: new URLSearchParams(form).toString(),
  });
  return answer(res);
}

/** Enough of a token to tell which one failed, not enough to use it. */
const short = (token: string) => `${token.slice(0, 8)}…`;

/**
 * What undici throws when the peer is gone: refused, reset, or closed in the middle of a response. By
 * name, not instanceof: fetch's errors come from Node's realm, not from the test's sandbox.
 */
function isConnectionFailure(err: unknown): boolean {
  return isErrorLike(err) && err.name === 'TypeError' && ['fetch failed', 'terminated'].includes(err.message);
}

function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string';
}

function describeError(err: unknown): string {
  if (!isErrorLike(err)) return String(err);
  const why = isErrorLike(err.cause) ? ` (cause: ${err.cause.message})` : '';
  return `${err.message.split('\n').slice(0, 6).join(' ')}${why}`;
}

/** Runs `fn` over `items`, at most `limit` at a time (the server's pool, not this test, sets the pace). */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function waitUntil(done: () => boolean, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (!done()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

function crashSafetySuite(kind: StoreKind): void {
  const mongoDb = `crash_${randomBytes(6).toString('hex')}`;
  let dataDir: string;
  let port: number;
  let env: Record<string, string>;
  let cliEnv: NodeJS.ProcessEnv;
  let server: SpawnedServer | undefined;
  let web: Credentials;
  let machine: Credentials;
  const loopUsers = Array.from({ length: LOOPS.signIn }, (_, i) => `loop${i}-${kind}@example.com`);

  const issuer = () => `http://127.0.0.1:${port}`;
  const cli = (...args: string[]) => runCli(args, cliEnv);
  const createUser = async (email: string) => {
    const created = jsonLine(
      await runCli(['user', 'create', '--email', email, '--password-stdin'], cliEnv, `${PASSWORD}\n`),
    );
    if (created.email !== email) throw new Error(`user create answered ${JSON.stringify(created)}`);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-crash-'));
    port = await freePort();
    // The same DATA_DIR for Mongo too: it holds the development key-encryption secret the keys are sealed with.
    env = {
      DATA_DIR: dataDir,
      WORKERS: '1',
      INITIAL_ACCESS_TOKEN: IAT,
      REGISTRATION: 'token',
      ...(kind === 'mongodb' ? { MONGODB_URI: mongoTestUri(mongoDb) } : {}),
    };
    cliEnv = { PATH: process.env.PATH ?? '', ...env, ISSUER: issuer() };
    server = await spawnServer(port, env);
    const [w, m] = await Promise.all([
      cli('client', 'create', '--name', 'Crash web', '--redirect-uri', REDIRECT_URI),
      cli('client', 'create', '--name', 'Crash worker', '--type', 'service'),
      Promise.all(loopUsers.map(createUser)),
    ]);
    web = jsonLine(w) as unknown as Credentials;
    machine = jsonLine(m) as unknown as Credentials;
  }, 60_000);

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    if (kind === 'mongodb') await dropTestDatabase(mongoDb);
  });

  test(
    'kill -9 under load, restart on the same store: every acknowledged token, grant, client and user is still there',
    async () => {
      const running = server;
      if (!running) throw new Error('no server');
      const rp = await relyingParty(issuer(), web.client_id, web.client_secret);
      /** The whole authorization code flow for `email`, up to the token endpoint's raw answer. */
      const signIn = async (email: string) => {
        const start = await startAuthorization(rp);
        const callback = await authorize(new BrowserSession(issuer()), start, email, PASSWORD);
        return postForm(`${issuer()}/token`, basic(web), {
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code') ?? '',
          redirect_uri: REDIRECT_URI,
          code_verifier: start.verifier,
        });
      };
      const ledger = new Ledger();
      const load = { killed: false };
      // Read through a function: the kill happens while a step is awaited, after the loop's own check.
      const killedNow = () => load.killed;

      /** Repeats `step` until the kill; only a connection the kill cut may end it quietly. */
      const repeat = async (label: string, step: () => Promise<void>) => {
        while (!load.killed) {
          try {
            await step();
          } catch (err) {
            if (killedNow() && isConnectionFailure(err)) ledger.cut++;
            else ledger.unexpected.push(`${label}: ${describeError(err)}`);
            return;
          }
        }
      };
      const refuse = (what: string, got: Answer): never => {
        throw new Error(`${what}: HTTP ${got.status} ${JSON.stringify(got.body).slice(0, 300)}`);
      };

      const machineToken = async () => {
        const got = await postForm(`${issuer()}/token`, basic(machine), { grant_type: 'client_credentials' });
        if (got.status !== 200 || typeof got.body.access_token !== 'string') refuse('client_credentials', got);
        ledger.machineTokens.push(String(got.body.access_token));
      };

      const signInAndRotate = async (email: string) => {
        const issued = await signIn(email);
        if (issued.status !== 200 || typeof issued.body.refresh_token !== 'string')
          refuse('authorization_code', issued);
        ledger.userTokens.push(String(issued.body.access_token));
        const chain: Chain = { email, refreshToken: String(issued.body.refresh_token), inDoubt: false };
        ledger.chains.push(chain);
        for (let i = 0; i < REFRESHES_PER_SIGN_IN; i++) {
          chain.inDoubt = true;
          const rotated = await postForm(`${issuer()}/token`, basic(web), {
            grant_type: 'refresh_token',
            refresh_token: chain.refreshToken,
          });
          chain.inDoubt = false;
          if (rotated.status !== 200 || typeof rotated.body.refresh_token !== 'string')
            refuse('refresh_token', rotated);
          chain.refreshToken = String(rotated.body.refresh_token);
          ledger.userTokens.push(String(rotated.body.access_token));
          ledger.refreshes++;
        }
      };

      const register = async () => {
        const got = await answer(
          await fetch(`${issuer()}/reg`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
            body: JSON.stringify({
              redirect_uris: [REDIRECT_URI],
              client_name: `Registered ${ledger.registered.length}`,
            }),
          }),
        );
        const b = got.body;
        if (got.status !== 201 || typeof b.client_id !== 'string' || typeof b.client_secret !== 'string')
          refuse('registration', got);
        ledger.registered.push(b as unknown as Registered);
      };

      // The CLI writes to the store from its own process: the server's death must not undo its commits.
      let cliSerial = 0;
      const cliUser = async () => {
        const email = `cli${cliSerial++}-${kind}@example.com`;
        await createUser(email);
        ledger.cliUsers.push(email);
      };

      const loops = [
        ...Array.from({ length: LOOPS.clientCredentials }, (_, i) =>
          repeat(`client_credentials loop ${i}`, machineToken),
        ),
        ...loopUsers.map((email) => repeat(`sign-in loop ${email}`, () => signInAndRotate(email))),
        ...Array.from({ length: LOOPS.registration }, (_, i) => repeat(`registration loop ${i}`, register)),
        ...Array.from({ length: LOOPS.cli }, (_, i) => repeat(`cli loop ${i}`, cliUser)),
      ];

      const reached = await waitUntil(
        () => ledger.shortOf().length === 0 || ledger.unexpected.length > 0,
        LOAD_DEADLINE_MS,
      );
      load.killed = true;
      const death = await running.stop('SIGKILL');
      await Promise.all(loops);
      server = undefined;

      expect(ledger.unexpected).toEqual([]);
      const counts = ledger.counts();
      expect({ reached, shortOf: ledger.shortOf(), counts }).toEqual({ reached: true, shortOf: [], counts });
      expect(death.signal).toBe('SIGKILL');
      // Had nothing been in flight, this would be a test of a clean stop rather than of a crash.
      expect(ledger.cut).toBeGreaterThan(0);

      server = await spawnServer(port, env);
      const lost: string[] = [];
      const introspect = async (as: Credentials, token: string) =>
        postForm(`${issuer()}/token/introspection`, basic(as), { token });

      // Access tokens first: presenting an in-doubt refresh token may count as reuse and revoke its grant.
      await eachLimited(ledger.machineTokens, 8, async (token, i) => {
        const got = await introspect(machine, token);
        if (got.body.active !== true || got.body.client_id !== machine.client_id) {
          lost.push(
            `client_credentials access token #${i} ${short(token)}: HTTP ${got.status} ${JSON.stringify(got.body)}`,
          );
        }
      });
      await eachLimited(ledger.userTokens, 8, async (token, i) => {
        const got = await introspect(web, token);
        if (got.body.active !== true || got.body.client_id !== web.client_id) {
          lost.push(`user access token #${i} ${short(token)}: HTTP ${got.status} ${JSON.stringify(got.body)}`);
        }
      });

      // The latest acknowledged refresh token of each chain still rotates, so its grant is there too.
      const settled = ledger.chains.filter((c) => !c.inDoubt);
      expect(settled.length).toBeGreaterThanOrEqual(ENOUGH.signIns - LOOPS.signIn);
      await eachLimited(settled, 8, async (chain, i) => {
        const got = await postForm(`${issuer()}/token`, basic(web), {
          grant_type: 'refresh_token',
          refresh_token: chain.refreshToken,
        });
        if (got.status !== 200 || typeof got.body.access_token !== 'string') {
          lost.push(
            `refresh token of chain #${i} (${chain.email}) ${short(chain.refreshToken)}: HTTP ${got.status} ${JSON.stringify(got.body)}`,
          );
          return;
        }
        const fresh = await introspect(web, got.body.access_token);
        if (fresh.body.active !== true)
          lost.push(`chain #${i}: the access token of its post-restart refresh is inactive`);
      });

      // Dynamically registered clients: readable with their registration access token (RFC 7592) and
      // able to authenticate with their secret.
      await eachLimited(ledger.registered, 8, async (client, i) => {
        const read = await answer(
          await fetch(client.registration_client_uri, {
            headers: { authorization: `Bearer ${client.registration_access_token}` },
          }),
        );
        if (read.status !== 200 || read.body.client_id !== client.client_id) {
          lost.push(
            `registered client #${i} ${client.client_id}: RFC 7592 read HTTP ${read.status} ${JSON.stringify(read.body)}`,
          );
        }
        const auth = await introspect(client, 'not-a-token');
        if (auth.status !== 200)
          lost.push(`registered client #${i} ${client.client_id}: client authentication HTTP ${auth.status}`);
      });

      // Every acknowledged user signs in afresh through the whole authorization code flow.
      await eachLimited([...loopUsers, ...ledger.cliUsers], 4, async (email) => {
        try {
          const issued = await signIn(email);
          if (issued.status !== 200)
            lost.push(`user ${email}: code exchange HTTP ${issued.status} ${JSON.stringify(issued.body)}`);
        } catch (err) {
          lost.push(`user ${email}: sign-in failed: ${describeError(err)}`);
        }
      });

      // Chains whose last rotation was cut: either outcome is right, a server error is not.
      await eachLimited(
        ledger.chains.filter((c) => c.inDoubt),
        8,
        async (chain) => {
          const got = await postForm(`${issuer()}/token`, basic(web), {
            grant_type: 'refresh_token',
            refresh_token: chain.refreshToken,
          });
          if (got.status !== 200 && got.body.error !== 'invalid_grant') {
            lost.push(`in-doubt chain of ${chain.email}: HTTP ${got.status} ${JSON.stringify(got.body)}`);
          }
        },
      );

      expect(lost).toEqual([]);
      const stopped = await server.stop('SIGTERM');
      server = undefined;
      expect(stopped.code).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );
}

describe('crash safety on SQLite', () => {
  crashSafetySuite('sqlite');
});

describeMongo('crash safety on MongoDB', () => {
  crashSafetySuite('mongodb');
});
