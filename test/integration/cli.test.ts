// Black-box tests of the admin CLI of CONTRACT.md: the built dist/cli.js is spawned exactly as
// `npm run cli` would run it, on a throwaway DATA_DIR (and, in the Mongo variant, a throwaway database).
// What it wrote is then checked through a real server started on the same store.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { mongoTestUri, startTestServer, type StoreKind } from '../support/start-test-server.js';
import { describeMongo } from '../support/stores.js';
import { runCli, runNode, type CliResult } from '../support/run-cli.js';

const TIMEOUT = 60_000;

/** Success: exit 0 and exactly one line on stdout, holding one JSON object. */
function jsonLine(result: CliResult): Record<string, unknown> {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(result.stdout).toMatch(/^[^\n]+\n$/);
  const parsed: unknown = JSON.parse(result.stdout);
  expect(parsed).toEqual(expect.any(Object));
  expect(Array.isArray(parsed)).toBe(false);
  return parsed as Record<string, unknown>;
}

/** Failure: non-zero exit, nothing on stdout, one non-empty line on stderr. */
function expectOneLineError(result: CliResult, mentions?: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^[^\n]*\S[^\n]*\n?$/);
  if (mentions) expect(result.stderr).toMatch(mentions);
}

test('jest and the spawned CLI both run on Node 24', async () => {
  console.log(`jest worker: ${process.version} (${process.execPath})`);
  expect(process.version).toMatch(/^v24\./);
  const child = await runNode(['-p', 'process.version'], process.env);
  console.log(`spawned node: ${child.stdout.trim()}`);
  expect(child.code).toBe(0);
  expect(child.stdout.trim()).toMatch(/^v24\./);
});

function cliSuite(kind: StoreKind): void {
  let dataDir: string;
  const mongoDb = `cli_${randomBytes(6).toString('hex')}`;
  let env: NodeJS.ProcessEnv;
  const tag = randomBytes(4).toString('hex');
  const emailA = `Alice.${tag}@Example.COM`;
  const emailB = `bob.${tag}@example.com`;
  const passwordA = 'correct horse battery staple';
  const passwordB = 'Tr0ub4dor&3 with spaces ';
  let aliceId: string;
  let bobId: string;

  const cli = (args: string[], stdin?: string) => runCli(args, env, stdin);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-cli-'));
    env = { ...process.env, DATA_DIR: dataDir };
    delete env.MONGODB_URI;
    if (kind === 'mongodb') env.MONGODB_URI = mongoTestUri(mongoDb);
  }, TIMEOUT);

  afterAll(async () => {
    if (kind === 'mongodb' && process.env.SIGNET_TEST_MONGODB_URI) {
      const client = new MongoClient(process.env.SIGNET_TEST_MONGODB_URI, { serverSelectionTimeoutMS: 5_000 });
      try {
        await client.connect();
        await client.db(mongoDb).dropDatabase();
      } finally {
        await client.close();
      }
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, TIMEOUT);

  describe('user create', () => {
    test('reads the password up to "\\r\\n", prints {id, email} with the email lowercased', async () => {
      const out = jsonLine(await cli(['user', 'create', '--email', emailA, '--password-stdin', '--name', 'Alice Ærø'], `${passwordA}\r\n`));
      expect(Object.keys(out).sort()).toEqual(['email', 'id']);
      expect(out.email).toBe(emailA.toLowerCase());
      expect(out.id).toEqual(expect.any(String));
      expect(String(out.id).length).toBeGreaterThan(0);
      aliceId = String(out.id);
    }, TIMEOUT);

    test('takes only the first line of stdin ("pw\\nrest")', async () => {
      const out = jsonLine(await cli(['user', 'create', '--email', emailB, '--password-stdin'], `${passwordB}\nsecond line is not the password\n`));
      expect(out).toEqual({ id: expect.any(String), email: emailB });
      expect(out.id).not.toBe(aliceId);
      bobId = String(out.id);
    }, TIMEOUT);

    test('refuses a duplicate email, whatever its case', async () => {
      expectOneLineError(await cli(['user', 'create', '--email', emailA.toUpperCase(), '--password-stdin'], 'another good password\n'), /already exists/);
    }, TIMEOUT);

    test('refuses a password that breaks the policy', async () => {
      expectOneLineError(await cli(['user', 'create', '--email', `short.${tag}@example.com`, '--password-stdin'], 'x\n'), /password/i);
    }, TIMEOUT);

    test('refuses missing flags', async () => {
      expectOneLineError(await cli(['user', 'create', '--password-stdin'], `${passwordA}\n`), /email/);
      expectOneLineError(await cli(['user', 'create', '--email', `nopw.${tag}@example.com`], `${passwordA}\n`), /password-stdin/);
      expectOneLineError(await cli(['user', 'create', '--email', 'not-an-email', '--password-stdin'], `${passwordA}\n`), /email/);
    }, TIMEOUT);
  });

  describe('the accounts are usable by the server on the same store', () => {
    test('the stored passwords are exactly the first stdin lines, and disable takes effect', async () => {
      const server = await startTestServer({ store: kind, dataDir, mongoDb });
      try {
        const { accounts } = server.signet;
        const alice = await accounts.authenticate(emailA, passwordA);
        expect(alice?.id).toBe(aliceId);
        expect(alice?.email).toBe(emailA.toLowerCase());
        expect(alice?.name).toBe('Alice Ærø');
        expect(await accounts.authenticate(emailA, `${passwordA}\r`)).toBeUndefined();
        expect(await accounts.authenticate(emailA, `${passwordA}\r\n`)).toBeUndefined();

        const bob = await accounts.authenticate(emailB, passwordB);
        expect(bob?.id).toBe(bobId);
        expect(await accounts.authenticate(emailB, `${passwordB}\nsecond line is not the password`)).toBeUndefined();
        expect(await accounts.authenticate(emailB, passwordB.trim())).toBeUndefined();

        // The CLI works on the store the running server uses: a disable shows at once.
        const disabled = jsonLine(await cli(['user', 'disable', '--email', emailB.toUpperCase()]));
        expect(disabled).toEqual({ id: bobId, disabled: true });
        expect(await accounts.authenticate(emailB, passwordB)).toBeUndefined();
        expect((await accounts.findById(bobId))?.disabled).toBe(true);
      } finally {
        await server.stop();
      }
    }, TIMEOUT);
  });

  describe('user disable', () => {
    test('prints {id, disabled: true} with the id user create gave', async () => {
      const out = jsonLine(await cli(['user', 'disable', '--email', emailA]));
      expect(out).toEqual({ id: aliceId, disabled: true });
      expect(Object.keys(out).sort()).toEqual(['disabled', 'id']);
    }, TIMEOUT);

    test('fails on an unknown email and on a missing --email', async () => {
      expectOneLineError(await cli(['user', 'disable', '--email', `nobody.${tag}@example.com`]));
      expectOneLineError(await cli(['user', 'disable']), /email/);
    }, TIMEOUT);
  });

  describe('client create', () => {
    test('confidential: prints client_id and client_secret; the provider loads the client as registered', async () => {
      const out = jsonLine(
        await cli([
          'client', 'create',
          '--name', 'Acme Notes',
          '--redirect-uri', 'http://127.0.0.1:8123/cb',
          '--redirect-uri', 'https://rp.example.com/callback',
          '--post-logout-redirect-uri', 'https://rp.example.com/bye',
        ]),
      );
      expect(Object.keys(out).sort()).toEqual(['client_id', 'client_secret']);
      expect(out.client_id).toEqual(expect.stringMatching(/\S/));
      expect(out.client_secret).toEqual(expect.stringMatching(/\S/));

      const publicOut = jsonLine(await cli(['client', 'create', '--name', 'Acme CLI', '--redirect-uri', 'http://127.0.0.1:8124/cb', '--public']));
      expect(Object.keys(publicOut)).toEqual(['client_id']);
      expect(publicOut.client_id).not.toBe(out.client_id);

      const server = await startTestServer({ store: kind, dataDir, mongoDb });
      try {
        const confidential = await server.signet.provider.Client.find(String(out.client_id));
        expect(confidential?.clientName).toBe('Acme Notes');
        expect(confidential?.redirectUris).toEqual(['http://127.0.0.1:8123/cb', 'https://rp.example.com/callback']);
        expect(confidential?.postLogoutRedirectUris).toEqual(['https://rp.example.com/bye']);
        expect(confidential?.tokenEndpointAuthMethod).not.toBe('none');

        const pub = await server.signet.provider.Client.find(String(publicOut.client_id));
        expect(pub?.clientName).toBe('Acme CLI');
        expect(pub?.tokenEndpointAuthMethod).toBe('none');
      } finally {
        await server.stop();
      }
    }, TIMEOUT);

    test('refuses bad redirect URIs and missing flags', async () => {
      expectOneLineError(await cli(['client', 'create', '--name', 'Evil', '--redirect-uri', 'javascript:alert(1)']));
      expectOneLineError(await cli(['client', 'create', '--name', 'Relative', '--redirect-uri', '/cb']));
      expectOneLineError(await cli(['client', 'create', '--name', 'Fragment', '--redirect-uri', 'https://rp.example.com/cb#frag']));
      expectOneLineError(await cli(['client', 'create', '--name', 'No URI']), /redirect-uri/);
      expectOneLineError(await cli(['client', 'create', '--redirect-uri', 'https://rp.example.com/cb']), /name/);
      expectOneLineError(
        await cli(['client', 'create', '--name', 'Bad logout', '--redirect-uri', 'https://rp.example.com/cb', '--post-logout-redirect-uri', 'javascript:alert(1)']),
      );
    }, TIMEOUT);
  });

  describe('usage', () => {
    test('unknown commands and flags fail with one line on stderr', async () => {
      expectOneLineError(await cli(['frobnicate', 'everything']), /frobnicate/);
      expectOneLineError(await cli(['user', 'explode', '--email', emailA]));
      expectOneLineError(await cli(['user', 'disable', '--email', emailA, '--force']), /force/);
    }, TIMEOUT);

    test('--help describes the tool and each command', async () => {
      const tool = await cli(['--help']);
      expect(tool.code).toBe(0);
      expect(tool.stderr).toBe('');
      for (const command of ['user create', 'user disable', 'client create']) expect(tool.stdout).toContain(command);

      const userCreate = await cli(['user', 'create', '--help']);
      expect(userCreate.code).toBe(0);
      expect(userCreate.stdout).toContain('--password-stdin');
      expect(userCreate.stdout).toContain('--email');

      const clientCreate = await cli(['client', 'create', '--help']);
      expect(clientCreate.code).toBe(0);
      for (const flag of ['--name', '--redirect-uri', '--post-logout-redirect-uri', '--public']) expect(clientCreate.stdout).toContain(flag);
    }, TIMEOUT);
  });
}

describe('admin CLI on SQLite (DATA_DIR)', () => cliSuite('sqlite'));
describeMongo('admin CLI on MongoDB (FerretDB)', () => cliSuite('mongodb'));
