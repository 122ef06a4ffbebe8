// Interop: relying-party libraries nobody here wrote complete the authorization code + PKCE flow against a
// started Signet and verify the id_token their own way. Each library runs as a small program of ours
// (test/interop/clients/) that speaks one JSON line at a time: it prints the authorization URL, this test
// walks login and consent as the browser and hands back the callback URL, the program redeems the code,
// verifies the id_token, calls userinfo and prints what it established.
//
// The clients install themselves from PyPI and the Go module proxy into a cache that survives runs
// (`${os.tmpdir()}/signet-interop-cache/<name>-<versions>-<hash of our sources>`): the first run takes
// a while, later ones reuse it after checking that it still imports / runs at the pinned versions.
// Without python3 (with venv) or go, the matching test skips loudly on a developer machine and fails in CI.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { BrowserSession, csrfFrom, formAction, hiddenFields } from '../support/browser-session.js';
import { mayRun } from '../support/describe-if.js';
import { authorize, exchange, REDIRECT_URI, relyingParty, startAuthorization } from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const CLIENTS = join(dirname(fileURLToPath(import.meta.url)), 'clients');
const CACHE_ROOT = join(tmpdir(), 'signet-interop-cache');
const INSTALL_TIMEOUT = 300_000;
/** Where the fake relying parties say they live; nothing listens there, the test reads the redirect. */
const RP_REDIRECT_URI = 'http://127.0.0.1:8791/cb';

const EMAIL = 'interop@example.com';
const PASSWORD = 'correct horse battery staple';
const NAME = 'Interop Tester';

const AUTHLIB_VERSION = '1.9.9';
const REQUESTS_VERSION = '2.34.2';
const GO_OIDC_VERSION = 'v3.21.0';
const OAUTH2_VERSION = 'v0.37.0';

const PYTHON = process.env.SIGNET_INTEROP_PYTHON ?? 'python3';
const GO = process.env.SIGNET_INTEROP_GO ?? 'go';

// ---------------------------------------------------------------------------------------------------
// Tool detection: a developer machine without the toolchain skips loudly; CI must have it.

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

const havePython = works(PYTHON, [
  '-c',
  'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 9) else 1)',
]);
const haveGo = works(GO, ['version']);
function gate(have: boolean, what: string, hint: string): typeof test | typeof test.skip {
  return mayRun(have, `the ${what} interop test`, hint) ? test : test.skip;
}
const testAuthlib = gate(
  havePython,
  'Authlib',
  `no usable ${PYTHON} with venv/ensurepip (apt-get install python3-venv)`,
);
const testGoOidc = gate(haveGo, 'go-oidc', `no ${GO} on PATH (https://go.dev/dl/)`);

// ---------------------------------------------------------------------------------------------------
// Child processes

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? INSTALL_TIMEOUT);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function mustRun(cmd: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`,
    );
  }
  return r;
}

function hashOf(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 12);
}

/**
 * Returns a verified cache directory: reuses `dir` when `verify` accepts it, otherwise builds a fresh one
 * in a sibling folder with `install` and renames it into place (so an interrupted install never looks done).
 */
async function cached(
  dir: string,
  install: (into: string) => Promise<void>,
  verify: (at: string) => Promise<string | undefined>,
): Promise<{ dir: string; fresh: boolean }> {
  if (existsSync(dir) && (await verify(dir)) === undefined) return { dir, fresh: false };
  await mkdir(CACHE_ROOT, { recursive: true });
  const partial = `${dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await install(partial);
    await rm(dir, { recursive: true, force: true });
    try {
      await rename(partial, dir);
    } catch (err) {
      // Another run finished the same install first; use theirs if it is good.
      if (!existsSync(dir)) throw err;
    }
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  const problem = await verify(dir);
  if (problem !== undefined) throw new Error(`freshly installed ${dir} does not verify: ${problem}`);
  return { dir, fresh: true };
}

// ---------------------------------------------------------------------------------------------------
// The two installs

const REQUIREMENTS = join(CLIENTS, 'requirements-authlib.txt');
const AUTHLIB_PROGRAM = join(CLIENTS, 'authlib_client.py');

/** A venv with the pinned Authlib; returns its python. */
async function installAuthlib(): Promise<{ python: string; fresh: boolean }> {
  const dir = join(CACHE_ROOT, `authlib-${AUTHLIB_VERSION}-requests-${REQUESTS_VERSION}-${hashOf(REQUIREMENTS)}`);
  const pythonIn = (at: string) => join(at, 'venv', 'bin', 'python');
  const verify = async (at: string) => {
    const r = await run(
      pythonIn(at),
      ['-c', 'import authlib, requests, joserfc; print(authlib.__version__, requests.__version__)'],
      { timeout: 60_000 },
    ).catch((err: unknown) => ({ code: -1, stdout: '', stderr: String(err) }));
    if (r.code !== 0) return `import failed: ${r.stderr.trim()}`;
    const got = r.stdout.trim();
    const want = `${AUTHLIB_VERSION} ${REQUESTS_VERSION}`;
    return got === want ? undefined : `versions ${got}, want ${want}`;
  };
  const { dir: at, fresh } = await cached(
    dir,
    async (into) => {
      await mkdir(into, { recursive: true });
      await mustRun(PYTHON, ['-m', 'venv', join(into, 'venv')]);
      await mustRun(pythonIn(into), [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--no-input',
        '-r',
        REQUIREMENTS,
      ]);
    },
    verify,
  );
  return { python: pythonIn(at), fresh };
}

const GO_SOURCES = ['go.mod', 'go.sum', 'main.go'].map((f) => join(CLIENTS, 'go_oidc_client', f));

/** The go-oidc program, built against the versions pinned in its go.mod / go.sum; returns the binary. */
async function installGoOidc(): Promise<{ binary: string; fresh: boolean }> {
  const dir = join(CACHE_ROOT, `go-oidc-${GO_OIDC_VERSION}-oauth2-${OAUTH2_VERSION}-${hashOf(...GO_SOURCES)}`);
  const binaryIn = (at: string) => join(at, 'go_oidc_client');
  const verify = async (at: string) => {
    const r = await run(binaryIn(at), ['--versions'], { timeout: 30_000 }).catch((err: unknown) => ({
      code: -1,
      stdout: '',
      stderr: String(err),
    }));
    if (r.code !== 0) return `does not run: ${r.stderr.trim()}`;
    const deps = JSON.parse(r.stdout) as Record<string, string>;
    const got = [deps['github.com/coreos/go-oidc/v3'], deps['golang.org/x/oauth2']];
    return got[0] === GO_OIDC_VERSION && got[1] === OAUTH2_VERSION ? undefined : `built with ${got.join(', ')}`;
  };
  const { dir: at, fresh } = await cached(
    dir,
    async (into) => {
      const src = join(into, 'src');
      await mkdir(src, { recursive: true });
      for (const f of GO_SOURCES) await cp(f, join(src, f.slice(f.lastIndexOf('/') + 1)));
      // -mod=readonly: go.mod and go.sum are the pins; a build that would need to change them fails.
      await mustRun(GO, ['mod', 'download'], { cwd: src });
      await mustRun(GO, ['build', '-mod=readonly', '-buildvcs=false', '-trimpath', '-o', binaryIn(into), '.'], {
        cwd: src,
      });
    },
    verify,
  );
  return { binary: binaryIn(at), fresh };
}

// ---------------------------------------------------------------------------------------------------
// Driving a client program through the flow

interface Outcome {
  sub: string;
  email?: string | null;
  nonce_ok: boolean;
  userinfo_sub: string;
  userinfo_email?: string;
  [k: string]: unknown;
}

/** Login and consent as the browser; resolves with the URL Signet sends the browser back to. */
async function walkBrowser(issuer: string, authorizationUrl: string, clientName: string): Promise<URL> {
  const browser = new BrowserSession(issuer);
  let page = await browser.follow(authorizationUrl);
  const seen: string[] = [];
  for (let step = 0; step < 3 && page.status === 200; step++) {
    const kind = page.body.includes('/login"') ? 'login' : page.body.includes('/confirm"') ? 'confirm' : undefined;
    if (!kind) break;
    seen.push(kind);
    if (kind === 'confirm') expect(page.body).toContain(clientName);
    const form: Record<string, string> =
      kind === 'login'
        ? { email: EMAIL, password: PASSWORD, csrf: csrfFrom(page.body) }
        : hiddenFields(page.body, '/confirm');
    const posted = await browser.request(formAction(page.body, `/${kind}`), { form });
    expect(posted.status).toBe(303);
    page = await browser.follow(posted.location ?? '');
  }
  expect(seen).toEqual(['login', 'confirm']);
  if (page.status !== 303)
    throw new Error(`expected a redirect to the client, got ${page.status} at ${page.url}: ${page.body.slice(0, 500)}`);
  const callback = new URL(page.location ?? '');
  expect(callback.origin + callback.pathname).toBe(RP_REDIRECT_URI);
  return callback;
}

/** Spawns a client program, walks the browser through what it asks for, returns its final JSON line. */
async function driveClient(
  server: TestServer,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  clientName: string,
): Promise<{ outcome: Outcome; authorizationUrl: URL; callback: URL }> {
  const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const nextLine = async (what: string): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${cmd} ended before printing ${what} (exit ${await exited})\n--- stderr\n${stderr}`);
    try {
      return JSON.parse(value) as Record<string, unknown>;
    } catch {
      throw new Error(`${cmd} printed something other than JSON for ${what}: ${value}\n--- stderr\n${stderr}`);
    }
  };
  try {
    const first = await nextLine('the authorization URL');
    const authorizationUrl = new URL(String(first.authorization_url));
    const callback = await walkBrowser(server.issuer, authorizationUrl.toString(), clientName);
    child.stdin.end(`${callback.toString()}\n`);
    const outcome = (await nextLine('its result')) as Outcome;
    const code = await exited;
    if (code !== 0) throw new Error(`${cmd} exited ${code}\n--- stderr\n${stderr}`);
    return { outcome, authorizationUrl, callback };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** What every library's authorization request must have carried. */
function expectCodeFlowRequest(url: URL, issuer: string, clientId: string): void {
  expect(url.origin).toBe(issuer);
  const q = url.searchParams;
  expect(q.get('response_type')).toBe('code');
  expect(q.get('client_id')).toBe(clientId);
  expect(q.get('redirect_uri')).toBe(RP_REDIRECT_URI);
  expect(q.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));
  expect(q.get('code_challenge_method')).toBe('S256');
  expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(q.get('state')).toBeTruthy();
  expect(q.get('nonce')).toBeTruthy();
}

function expectCallback(callback: URL, authorizationUrl: URL, issuer: string): void {
  expect(callback.searchParams.get('code')).toBeTruthy();
  expect(callback.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));
  expect(callback.searchParams.get('iss')).toBe(issuer);
}

// ---------------------------------------------------------------------------------------------------

describe('interop: third-party relying-party libraries against a started Signet', () => {
  let server: TestServer;
  let accountId: string;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite' });
    accountId = (await server.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: NAME })).id;
  });

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  const newClient = async (name: string, redirectUri = RP_REDIRECT_URI) => {
    const c = await server.signet.clients.create({ name, redirectUris: [redirectUri] });
    return { clientId: c.client_id, clientSecret: c.client_secret ?? '' };
  };

  testAuthlib(
    `Python Authlib ${AUTHLIB_VERSION}: code + PKCE S256, id_token verified by Authlib, userinfo`,
    async () => {
      if (!havePython) throw new Error(`CI: no usable ${PYTHON} with venv/ensurepip for the Authlib interop test`);
      const started = Date.now();
      const { python, fresh } = await installAuthlib();
      const installMs = Date.now() - started;

      const clientName = 'Authlib RP';
      const { clientId, clientSecret } = await newClient(clientName);
      const { outcome, authorizationUrl, callback } = await driveClient(
        server,
        python,
        [AUTHLIB_PROGRAM, server.issuer, clientId, clientSecret, RP_REDIRECT_URI],
        {
          ...process.env,
          AUTHLIB_INSECURE_TRANSPORT: '1',
          PYTHONDONTWRITEBYTECODE: '1',
          PYTHONUNBUFFERED: '1',
          NO_PROXY: '127.0.0.1,localhost',
        },
        clientName,
      );
      expectCodeFlowRequest(authorizationUrl, server.issuer, clientId);
      expectCallback(callback, authorizationUrl, server.issuer);
      // With an access token issued, email is a userinfo claim, not an id_token one (OIDC Core 5.4).
      expect(outcome).toMatchObject({
        sub: accountId,
        nonce_ok: true,
        userinfo_sub: accountId,
        userinfo_email: EMAIL,
        alg: 'RS256',
      });
      expect(outcome.email ?? null).toBeNull();
      console.info(
        `Authlib interop: ${fresh ? 'installed' : 'cached'} client ready in ${installMs} ms, flow in ${Date.now() - started - installMs} ms`,
      );
    },
    INSTALL_TIMEOUT,
  );

  testGoOidc(
    `Go go-oidc ${GO_OIDC_VERSION} + x/oauth2 ${OAUTH2_VERSION}: code + PKCE S256, IDTokenVerifier, userinfo`,
    async () => {
      if (!haveGo) throw new Error(`CI: no ${GO} on PATH for the go-oidc interop test`);
      const started = Date.now();
      const { binary, fresh } = await installGoOidc();
      const installMs = Date.now() - started;

      const clientName = 'go-oidc RP';
      const { clientId, clientSecret } = await newClient(clientName);
      const { outcome, authorizationUrl, callback } = await driveClient(
        server,
        binary,
        [server.issuer, clientId, clientSecret, RP_REDIRECT_URI],
        { ...process.env, NO_PROXY: '127.0.0.1,localhost' },
        clientName,
      );
      expectCodeFlowRequest(authorizationUrl, server.issuer, clientId);
      expectCallback(callback, authorizationUrl, server.issuer);
      expect(outcome).toMatchObject({ sub: accountId, nonce_ok: true, userinfo_sub: accountId, userinfo_email: EMAIL });
      expect(outcome.email || null).toBeNull();
      console.info(
        `go-oidc interop: ${fresh ? 'built' : 'cached'} client ready in ${installMs} ms, flow in ${Date.now() - started - installMs} ms`,
      );
    },
    INSTALL_TIMEOUT,
  );

  // For symmetry: the Node relying party the other suites use, through the same checks.
  test('Node openid-client: code + PKCE S256, id_token and userinfo', async () => {
    const { clientId, clientSecret } = await newClient('openid-client RP', REDIRECT_URI);
    const rp = await relyingParty(server.issuer, clientId, clientSecret);
    const start = await startAuthorization(rp, 'openid email profile');
    const callback = await authorize(new BrowserSession(server.issuer), start, EMAIL, PASSWORD);
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
    const tokens = await exchange(rp, start, callback);
    const claims = tokens.claims();
    expect(claims).toMatchObject({ iss: server.issuer, aud: clientId, sub: accountId, nonce: start.nonce });
    expect(claims).not.toHaveProperty('email');
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, accountId);
    expect(info).toMatchObject({ sub: accountId, email: EMAIL });
  });
});
