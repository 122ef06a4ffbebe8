// `store export` and `store import`, black-box: the built CLI moves a store whose users are signed in,
// and a real server started on the other backend carries on as if nothing had happened. The browser
// keeps its cookies and the relying party its tokens across the move; the issuer (port) stays the same.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { PROVIDER_SESSION_COOKIE } from '../../src/oidc/provider-config.js';
import { BrowserSession } from '../support/browser-session.js';
import { expectOneLineError, jsonLine, runCli, type CliResult } from '../support/run-cli.js';
import {
  authorize,
  exchange,
  introspect,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  tokenRequest,
  type RelyingParty,
} from '../support/sign-in.js';
import { mongoTestUri, startTestServer, type StoreKind } from '../support/start-test-server.js';
import { describeMongo, dropTestDatabase } from '../support/stores.js';

const TIMEOUT = 120_000;
const PASSWORD = 'correct horse battery staple';

interface Place {
  kind: StoreKind;
  dataDir: string;
  mongoDb: string;
  env: NodeJS.ProcessEnv;
}

/** A store location as the CLI and the server see it: a DATA_DIR, and a MongoDB database when `kind` says so. */
async function place(kind: StoreKind, extra: Record<string, string> = {}, dataDir?: string): Promise<Place> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'signet-xfer-')));
  const mongoDb = `xfer_${randomBytes(6).toString('hex')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, ...extra };
  delete env.MONGODB_URI;
  if (kind === 'mongodb') env.MONGODB_URI = mongoTestUri(mongoDb);
  return { kind, dataDir: dir, mongoDb, env };
}

async function removePlace(p: Place): Promise<void> {
  if (p.kind === 'mongodb') await dropTestDatabase(p.mongoDb);
  await rm(p.dataDir, { recursive: true, force: true });
}

const cli = (p: Place, args: string[], stdin?: string): Promise<CliResult> => runCli(args, p.env, stdin);

/** Success of a command whose summary is one JSON object on stdout. */
const summary = async (p: Place, args: string[], stdin?: string) => jsonLine(await cli(p, args, stdin));

async function createUserAndClient(p: Place, email: string): Promise<{ clientId: string; clientSecret: string }> {
  await summary(p, ['user', 'create', '--email', email, '--password-stdin'], `${PASSWORD}\n`);
  const client = await summary(p, ['client', 'create', '--name', 'Notes', '--redirect-uri', REDIRECT_URI]);
  return { clientId: String(client.client_id), clientSecret: String(client.client_secret) };
}

/**
 * A fresh user signed in to a fresh client on a server over `p`, then the server stopped: what a user
 * holds (tokens, the browser's cookies) before the store moves. The access token is checked active.
 */
async function signedIn(p: Place, name: string) {
  const email = `${name}.${randomBytes(3).toString('hex')}@example.com`;
  const { clientId, clientSecret } = await createUserAndClient(p, email);
  const server = await startServer(p);
  const { port, issuer } = server;
  const browser = new BrowserSession(issuer);
  try {
    const rp = await relyingParty(issuer, clientId, clientSecret);
    const start = await startAuthorization(rp);
    const tokens = await exchange(rp, start, await authorize(browser, start, email, PASSWORD));
    expect((await introspect(issuer, rp, tokens.access_token)).active).toBe(true);
    return { email, clientId, clientSecret, port, issuer, browser, tokens };
  } finally {
    await server.stop();
  }
}

function startServer(p: Place, port?: number) {
  const env = Object.fromEntries(
    Object.entries({ KEY_ENCRYPTION_SECRET: p.env.KEY_ENCRYPTION_SECRET }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  return startTestServer({ store: p.kind, dataDir: p.dataDir, mongoDb: p.mongoDb, env, ...(port ? { port } : {}) });
}

/** An authorization request with prompt=none: a code straight from the browser session, or a failure. */
async function silentCode(rp: RelyingParty, browser: BrowserSession) {
  const start = await startAuthorization(rp, 'openid email profile', 'none');
  const page = await browser.follow(start.url);
  expect(page.status).toBe(303);
  const callback = new URL(page.location ?? '');
  expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
  expect(callback.searchParams.get('error')).toBeNull();
  expect(callback.searchParams.get('code')).toEqual(expect.any(String));
  const tokens = await exchange(rp, start, callback);
  // OIDC Core 5.4: with an access token issued, the email is read at userinfo, not from the id_token.
  const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()?.sub ?? '');
  return { tokens, email: info.email };
}

async function refresh(issuer: string, rp: RelyingParty, refreshToken: string) {
  const rotated = await tokenRequest(issuer, rp, { grant_type: 'refresh_token', refresh_token: refreshToken });
  expect(rotated.status).toBe(200);
  expect(rotated.body.refresh_token).toEqual(expect.any(String));
  expect(rotated.body.refresh_token).not.toBe(refreshToken);
  return rotated.body as { access_token: string; refresh_token: string };
}

describeMongo('store export / import: from the embedded store to MongoDB without losing a session', () => {
  let source: Place;
  let target: Place;

  beforeAll(async () => {
    source = await place('sqlite');
    // The same DATA_DIR, as `npm start` then MONGODB_URI=… npm start would: it holds the development
    // key-encryption secret the server generated, which is what opens the moved keys.
    target = await place('mongodb', {}, source.dataDir);
  }, TIMEOUT);

  afterAll(async () => {
    await removePlace(target);
  }, TIMEOUT);

  test(
    'tokens, the browser session, the password and the client all work on MongoDB after the move',
    async () => {
      // Signed in on the embedded store.
      const { email, clientId, clientSecret, port, issuer, browser, tokens } = await signedIn(source, 'alice');
      expect(tokens.refresh_token).toEqual(expect.any(String));
      expect(browser.cookieNames()).toContain(PROVIDER_SESSION_COOKIE);

      // Moved.
      const file = join(source.dataDir, 'signet-export.jsonl');
      const exported = await summary(source, ['store', 'export', '--file', file]);
      expect(exported).toMatchObject({ file, format: 'signet-export', version: 1, source: 'sqlite' });
      const counts = exported.exported as { keys: number; accounts: number; records: Record<string, number> };
      expect(counts.keys).toBeGreaterThanOrEqual(4);
      expect(counts.accounts).toBe(1);
      expect(counts.records).toMatchObject({ Client: 1, Grant: 1, Session: 1, AccessToken: 1, RefreshToken: 1 });
      expect((await stat(file)).mode & 0o777).toBe(0o600);

      const imported = await summary(target, ['store', 'import', '--file', file]);
      expect(imported).toMatchObject({ source: 'sqlite', target: 'mongodb', exported_at: expect.any(String) });
      expect(imported.imported).toMatchObject({
        keys: counts.keys,
        accounts: 1,
        records: expect.objectContaining({ RefreshToken: 1, Session: 1 }),
      });

      // Carrying on, on MongoDB, at the same issuer.
      const after = await startServer(target, port);
      try {
        expect(after.issuer).toBe(issuer);
        expect(after.signet.store.kind).toBe('mongodb');
        const rp = await relyingParty(issuer, clientId, clientSecret);

        // The access token issued before the move is still active; the client still authenticates to ask.
        const info = await introspect(issuer, rp, tokens.access_token);
        expect(info).toMatchObject({ active: true, client_id: clientId });

        // The refresh token rotates, and the new access token is good.
        const rotated = await refresh(issuer, rp, tokens.refresh_token ?? '');
        expect((await introspect(issuer, rp, rotated.access_token)).active).toBe(true);

        // The browser is still signed in: prompt=none gets a code with no login page, and the id_token
        // verifies against the moved signing keys.
        const silent = await silentCode(rp, browser);
        expect(silent.email).toBe(email);
        // Unverified stays unverified, though MongoDB reads a document without the flag as verified.
        expect((await after.signet.accounts.findByEmail(email)).emailVerified).toBe(false);

        // The password still signs in from a new browser.
        const fresh = new BrowserSession(issuer);
        const start = await startAuthorization(rp);
        const again = await exchange(rp, start, await authorize(fresh, start, email, PASSWORD));
        expect((await introspect(issuer, rp, again.access_token)).active).toBe(true);

        // Theft detection holds on the moved grant: the rotated-away refresh token, presented again, is
        // refused and ends the grant with everything issued from it.
        expect(
          (await tokenRequest(issuer, rp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' }))
            .body.error,
        ).toBe('invalid_grant');
        expect((await introspect(issuer, rp, rotated.access_token)).active).toBe(false);

        // The import left its mark in the moved audit trail.
        const [latest] = await after.signet.audit.list({ limit: 50, types: ['store.imported'] });
        expect(latest?.details).toMatchObject({ source: 'sqlite', via: 'cli' });
      } finally {
        await after.stop();
      }
    },
    TIMEOUT,
  );
});

describeMongo('store export / import: MongoDB back to the embedded store', () => {
  const secret = randomBytes(32).toString('base64url');
  let source: Place;
  let target: Place;

  beforeAll(async () => {
    source = await place('mongodb', { KEY_ENCRYPTION_SECRET: secret });
    target = await place('sqlite', { KEY_ENCRYPTION_SECRET: secret });
  }, TIMEOUT);

  afterAll(async () => {
    await removePlace(source);
    await removePlace(target);
  }, TIMEOUT);

  test(
    'through a pipe (stdout to stdin), with an explicit KEY_ENCRYPTION_SECRET: tokens and the session survive',
    async () => {
      const { email, clientId, clientSecret, port, issuer, browser, tokens } = await signedIn(source, 'bob');

      // On standard output the data goes to stdout and the summary to stderr.
      const exported = await cli(source, ['store', 'export']);
      expect(exported.code).toBe(0);
      expect(JSON.parse(exported.stderr.trim())).toMatchObject({ file: null, source: 'mongodb' });
      expect(exported.stdout.split('\n')[0]).toMatch(/^\{"format":"signet-export","version":1,"source":"mongodb"/);

      expect(await summary(target, ['store', 'import'], exported.stdout)).toMatchObject({
        source: 'mongodb',
        target: 'sqlite',
      });

      const after = await startServer(target, port);
      try {
        expect(after.signet.store.kind).toBe('sqlite');
        const rp = await relyingParty(issuer, clientId, clientSecret);
        expect((await introspect(issuer, rp, tokens.access_token)).active).toBe(true);
        const rotated = await refresh(issuer, rp, tokens.refresh_token ?? '');
        expect((await introspect(issuer, rp, rotated.access_token)).active).toBe(true);
        expect((await silentCode(rp, browser)).email).toBe(email);
      } finally {
        await after.stop();
      }
    },
    TIMEOUT,
  );
});

describe('store export / import: refusals', () => {
  let source: Place;
  let file: string;
  let lines: string[];
  const targets: Place[] = [];

  /** A fresh target that shares the source's development secret (so only what a test breaks can fail). */
  const freshTarget = async (kind: StoreKind = 'sqlite', extra: Record<string, string> = {}): Promise<Place> => {
    const p = await place(kind, extra);
    await writeFile(
      join(p.dataDir, 'key-encryption-secret'),
      await readFile(join(source.dataDir, 'key-encryption-secret')),
      { mode: 0o600 },
    );
    targets.push(p);
    return p;
  };

  /** Writes `content` as an export file beside the good one and imports it into a fresh target. */
  const importText = async (content: string, target?: Place): Promise<CliResult> => {
    const bad = join(source.dataDir, `bad-${randomBytes(4).toString('hex')}.jsonl`);
    await writeFile(bad, content);
    return cli(target ?? (await freshTarget()), ['store', 'import', '--file', bad]);
  };

  /** A one-line error naming what is wrong, and no stack trace. */
  const refused = (result: CliResult, mentions: RegExp) => {
    expectOneLineError(result, mentions);
    expect(result.stderr).not.toMatch(/\n\s+at |\.js:\d+/);
  };

  beforeAll(async () => {
    source = await place('sqlite');
    await createUserAndClient(source, 'carol@example.com');
    await summary(source, ['user', 'create', '--email', 'dave@example.com', '--password-stdin'], `${PASSWORD}\n`);
    file = join(source.dataDir, 'good.jsonl');
    await summary(source, ['store', 'export', '--file', file]);
    lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  }, TIMEOUT);

  afterAll(async () => {
    await removePlace(source);
    for (const t of targets) await removePlace(t);
  }, TIMEOUT);

  const withLine = (index: number, replacement: string | undefined) => {
    const copy = [...lines];
    if (replacement === undefined) copy.splice(index, 1);
    else copy[index] = replacement;
    return `${copy.join('\n')}\n`;
  };

  /** Valid line by line, refused by the database: Dave's account given Carol's email. */
  const withEmailClash = () => {
    const dave = lines.findIndex((l) => l.includes('"email":"dave@example.com"'));
    const parsed = JSON.parse(lines[dave] ?? '') as { account: Record<string, unknown> };
    return withLine(dave, JSON.stringify({ account: { ...parsed.account, email: 'carol@example.com' } }));
  };

  test(
    'the export file is private and complete; no partial file is left beside it',
    async () => {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(lines[0] ?? '')).toMatchObject({ format: 'signet-export', version: 1, source: 'sqlite' });
      expect(JSON.parse(lines.at(-1) ?? '')).toMatchObject({ end: { counts: { accounts: 2 } } });
      expect((await readdir(source.dataDir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'an account line from before emailVerified existed imports as verified; one with the flag keeps it',
    async () => {
      const dave = lines.findIndex((l) => l.includes('"email":"dave@example.com"'));
      const parsed = JSON.parse(lines[dave] ?? '') as { account: Record<string, unknown> };
      expect(parsed.account.emailVerified).toBe(false);
      const older: Record<string, unknown> = { ...parsed.account };
      delete older.emailVerified;
      const target = await freshTarget();
      expect((await importText(withLine(dave, JSON.stringify({ account: older })), target)).code).toBe(0);
      const shown = async (email: string) => summary(target, ['user', 'show', '--email', email]);
      expect(await shown('dave@example.com')).toMatchObject({ email_verified: true });
      expect(await shown('carol@example.com')).toMatchObject({ email_verified: false });
    },
    TIMEOUT,
  );

  test(
    'a missing, empty or foreign file',
    async () => {
      refused(
        await cli(await freshTarget(), ['store', 'import', '--file', join(source.dataDir, 'nope.jsonl')]),
        /cannot read .*nope\.jsonl: no such file/,
      );
      refused(await importText(''), /empty/);
      refused(await importText('{"hello":"world"}\n'), /line 1: not a Signet export/);
      refused(await importText('PK\u0003\u0004 zip bytes\n'), /line 1: not JSON/);
    },
    TIMEOUT,
  );

  test(
    'a newer format version',
    async () => {
      const header = { ...(JSON.parse(lines[0] ?? '') as Record<string, unknown>), version: 2 };
      refused(
        await importText(withLine(0, JSON.stringify(header))),
        /format version 2, written by a newer Signet; this one reads version 1/,
      );
    },
    TIMEOUT,
  );

  test(
    'a file cut short: without its end line, or in the middle of a line',
    async () => {
      refused(await importText(`${lines.slice(0, -1).join('\n')}\n`), /truncated/);
      const text = lines.join('\n');
      const cut = text.slice(0, text.indexOf('"passwordHash"') + 20);
      const lineNumber = cut.split('\n').length;
      const result = await importText(cut);
      refused(
        result,
        new RegExp(`line ${lineNumber}: not valid JSON at character \\d+; the file is damaged or was cut short`),
      );
      // The message never quotes the line: here it would be a password hash.
      expect(result.stderr).not.toMatch(/argon2/);
    },
    TIMEOUT,
  );

  test(
    'a bad line is named by its number and field',
    async () => {
      const account = lines.findIndex((l) => l.startsWith('{"account"'));
      const broken = JSON.parse(lines[account] ?? '') as { account: Record<string, unknown> };
      refused(
        await importText(withLine(account, JSON.stringify({ account: { ...broken.account, disabled: 'no' } }))),
        new RegExp(`line ${account + 1}: account\\.disabled: `),
      );
      refused(
        await importText(
          withLine(account, JSON.stringify({ account: { ...broken.account, email: 'Carol@Example.com' } })),
        ),
        new RegExp(`line ${account + 1}: account\\.email: must be normalized`),
      );
      refused(
        await importText(withLine(account, '{"throttle":{"key":"x"}}')),
        new RegExp(`line ${account + 1}: expected an object with one property.*found throttle`),
      );
      refused(await importText(withLine(account, '')), new RegExp(`line ${account + 1}: empty line`));
      refused(await importText(withLine(account, undefined)), /the end line counts .* but the file holds/);
      refused(
        await importText(`${lines.join('\n')}\n${lines[1]}\n`),
        new RegExp(`line ${lines.length + 1}: nothing may follow the end line`),
      );
    },
    TIMEOUT,
  );

  test(
    'a target whose key-encryption secret cannot open the keys: refused before anything is written',
    async () => {
      const other = await place('sqlite', { KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url') });
      targets.push(other);
      refused(await cli(other, ['store', 'import', '--file', file]), /sealed under secret id .*KEY_ENCRYPTION_SECRET/);
      const bare = await place('sqlite');
      targets.push(bare);
      refused(await cli(bare, ['store', 'import', '--file', file]), /no key-encryption secret.*KEY_ENCRYPTION_SECRET/);
      // Nothing was written: the same targets take the import once given the right secret.
      const secret = (await readFile(join(source.dataDir, 'key-encryption-secret'), 'utf8')).trim();
      expect(
        await summary({ ...other, env: { ...other.env, KEY_ENCRYPTION_SECRET: secret } }, [
          'store',
          'import',
          '--file',
          file,
        ]),
      ).toMatchObject({ target: 'sqlite' });
    },
    TIMEOUT,
  );

  test(
    'a target that is not fresh',
    async () => {
      const target = await freshTarget();
      jsonLine(await cli(target, ['store', 'import', '--file', file]));
      refused(
        await cli(target, ['store', 'import', '--file', file]),
        /is not empty \(keys: \d+, accounts: 2, records: 1\): import only into a fresh store/,
      );
      // A store a server (or any app command) has started on holds keys already.
      const started = await freshTarget();
      jsonLine(await cli(started, ['client', 'list']));
      refused(await cli(started, ['store', 'import', '--file', file]), /is not empty \(keys: [1-9]/);
    },
    TIMEOUT,
  );

  test(
    'SQLite: an import failing in the database writes nothing, so the same target takes a good file',
    async () => {
      const target = await freshTarget();
      refused(
        await importText(withEmailClash(), target),
        /import failed, nothing was written: .*UNIQUE constraint failed: accounts\.email/,
      );
      expect(await summary(target, ['store', 'import', '--file', file])).toMatchObject({
        imported: expect.objectContaining({ accounts: 2 }),
      });
    },
    TIMEOUT,
  );

  describeMongo('on MongoDB', () => {
    test(
      'an import failing in the database says the target holds a partial import; a retry is refused until it is dropped',
      async () => {
        const target = await freshTarget('mongodb');
        refused(
          await importText(withEmailClash(), target),
          /import failed part way: .*partial import: drop it and import again/,
        );
        refused(await cli(target, ['store', 'import', '--file', file]), /not empty/);
        await dropTestDatabase(target.mongoDb);
        expect(await summary(target, ['store', 'import', '--file', file])).toMatchObject({ target: 'mongodb' });
      },
      TIMEOUT,
    );
  });
});
