// The admin commands a newcomer reaches for: user list (paged, searchable), user show, user update, and
// client create's --token-endpoint-auth-method, --jwks-uri and --backchannel-logout-uri. Every command's
// --help carries an example. The built CLI runs as an operator runs it, on a throwaway store.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { expectOneLineError, jsonLine, runCli } from '../support/run-cli.js';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { describeMongo, dropTestDatabase } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';

const TIMEOUT = 60_000;
const PASSWORD = 'correct horse battery staple\n';

function userCommandsSuite(kind: StoreKind): void {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const mongoDb = `cli_admin_${randomBytes(6).toString('hex')}`;
  const tag = randomBytes(3).toString('hex');
  const [ann, ben, cat] = [`ann.${tag}@example.com`, `ben.${tag}@example.com`, `cat.${tag}@example.org`];
  const cli = (...args: string[]) => runCli(args, env, PASSWORD);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-cli-admin-'));
    env = {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      ...(kind === 'mongodb' ? { MONGODB_URI: mongoTestUri(mongoDb) } : {}),
    };
    for (const [email, name] of [
      [cat, 'Catherine Zeta'],
      [ann, 'Ann Arbor'],
      [ben, 'Benjamin Button'],
    ] as const) {
      ids[email] = String(
        jsonLine(await cli('user', 'create', '--email', email, '--password-stdin', '--name', name)).id,
      );
    }
  }, TIMEOUT);

  afterAll(async () => {
    if (kind === 'mongodb') await dropTestDatabase(mongoDb);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, TIMEOUT);

  test(
    'user list pages in email order: next is the cursor of the following page, null after the last',
    async () => {
      const first = jsonLine(await cli('user', 'list', '--limit', '2')) as {
        users: Array<Record<string, unknown>>;
        next: string | null;
      };
      expect(first.users.map((u) => u.email)).toEqual([ann, ben]);
      expect(first.users[0]).toEqual({
        id: ids[ann],
        email: ann,
        email_verified: false,
        name: 'Ann Arbor',
        disabled: false,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(first.next).toBe(ben);
      const second = jsonLine(await cli('user', 'list', '--limit', '2', '--after', String(first.next))) as {
        users: Array<{ email: string }>;
        next: string | null;
      };
      expect(second).toEqual({ users: [expect.objectContaining({ email: cat })], next: null });
    },
    TIMEOUT,
  );

  test(
    'user list --search matches the email or the name, ignoring case',
    async () => {
      const byName = jsonLine(await cli('user', 'list', '--search', 'BUTTON')) as { users: Array<{ email: string }> };
      expect(byName.users.map((u) => u.email)).toEqual([ben]);
      const byDomain = jsonLine(await cli('user', 'list', '--search', `${tag}@example.org`)) as {
        users: Array<{ email: string }>;
      };
      expect(byDomain.users.map((u) => u.email)).toEqual([cat]);
      expectOneLineError(await cli('user', 'list', '--limit', '0'), /--limit/);
    },
    TIMEOUT,
  );

  test(
    'user show finds the account whatever the case of the email, and never shows the password hash',
    async () => {
      const result = await cli('user', 'show', '--email', ann.toUpperCase());
      expect(result.stdout).not.toMatch(/argon2|password/i);
      expect(jsonLine(result)).toMatchObject({ id: ids[ann], email: ann, name: 'Ann Arbor', disabled: false });
      expectOneLineError(await cli('user', 'show', '--email', `nobody.${tag}@example.com`), /no account/);
    },
    TIMEOUT,
  );

  test(
    'user update changes the name and the email (normalized like user create), refuses a taken one, and is audited',
    async () => {
      const moved = `ANNE.${tag}@Example.COM.`;
      const out = jsonLine(
        await cli('user', 'update', '--email', ann, '--name', 'Anne Arbor', '--new-email', ` ${moved} `),
      );
      expect(out).toEqual({
        id: ids[ann],
        email: `anne.${tag}@example.com`,
        email_verified: false,
        name: 'Anne Arbor',
      });
      expect(jsonLine(await cli('user', 'show', '--email', `anne.${tag}@example.com`))).toMatchObject({
        id: ids[ann],
        name: 'Anne Arbor',
      });
      expectOneLineError(await cli('user', 'show', '--email', ann), /no account/);

      expectOneLineError(
        await cli('user', 'update', '--email', `anne.${tag}@example.com`, '--new-email', ben),
        /already exists/,
      );
      expect(jsonLine(await cli('user', 'show', '--email', `anne.${tag}@example.com`))).toMatchObject({ id: ids[ann] });
      expectOneLineError(await cli('user', 'update', '--email', ben, '--new-email', 'not an email'), /email/);
      expectOneLineError(await cli('user', 'update', '--email', ben), /nothing to change/);
      expectOneLineError(await cli('user', 'update', '--email', ben, '--email-verified', 'yes'), /--email-verified/);

      expect(jsonLine(await cli('user', 'update', '--email', ben, '--name', ''))).toEqual({
        id: ids[ben],
        email: ben,
        email_verified: false,
        name: null,
      });
      const audit = jsonLine(await cli('audit', 'list', '--user', `anne.${tag}@example.com`)) as {
        events: Array<{ type: string; details: unknown }>;
      };
      expect(audit.events).toContainEqual(
        expect.objectContaining({ type: 'account.updated', details: { via: 'cli', fields: ['email', 'name'] } }),
      );
    },
    TIMEOUT,
  );

  test(
    'user create --email-verified vouches for the address; user update sets the flag, and a new email loses it unless vouched for',
    async () => {
      const dan = `dan.${tag}@example.net`;
      const created = jsonLine(await cli('user', 'create', '--email', dan, '--password-stdin', '--email-verified'));
      expect(jsonLine(await cli('user', 'show', '--email', dan))).toMatchObject({
        id: created.id,
        email_verified: true,
      });
      expect(jsonLine(await cli('user', 'show', '--email', ben))).toMatchObject({ email_verified: false });

      const moved = `daniel.${tag}@example.net`;
      expect(jsonLine(await cli('user', 'update', '--email', dan, '--new-email', moved))).toMatchObject({
        email: moved,
        email_verified: false,
      });
      expect(jsonLine(await cli('user', 'update', '--email', moved, '--email-verified', 'true'))).toMatchObject({
        email: moved,
        email_verified: true,
      });
      const listed = jsonLine(await cli('user', 'list', '--search', `daniel.${tag}`)) as { users: unknown[] };
      expect(listed.users).toEqual([expect.objectContaining({ email: moved, email_verified: true })]);
      const back = `dan.${tag}@example.net`;
      expect(
        jsonLine(await cli('user', 'update', '--email', moved, '--new-email', back, '--email-verified', 'true')),
      ).toMatchObject({ email: back, email_verified: true });
      expect(jsonLine(await cli('user', 'update', '--email', back, '--email-verified', 'false'))).toMatchObject({
        email_verified: false,
      });
      const audit = jsonLine(await cli('audit', 'list', '--user', back)) as { events: Array<{ details: unknown }> };
      expect(audit.events.map((e) => e.details)).toEqual([
        { via: 'cli', fields: ['email_verified'] },
        { via: 'cli', fields: ['email'] },
        { via: 'cli', fields: ['email_verified'] },
        { via: 'cli', fields: ['email', 'email_verified'] },
        { via: 'cli', email_verified: true },
      ]);
    },
    TIMEOUT,
  );
}

describe('user list, show, update (sqlite)', () => userCommandsSuite('sqlite'));
describeMongo('user list, show, update (mongodb)', () => userCommandsSuite('mongodb'));

describe('client create: token endpoint authentication and back-channel logout', () => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite' });
    env = { PATH: process.env.PATH ?? '', DATA_DIR: server.dataDir };
  }, TIMEOUT);

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  }, TIMEOUT);

  const show = async (clientId: string) => jsonLine(await cli('client', 'show', '--client-id', clientId));

  test(
    '--backchannel-logout-uri is stored on a web client and refused on a service client',
    async () => {
      const created = jsonLine(
        await cli(
          'client',
          'create',
          '--name',
          'BCL',
          '--redirect-uri',
          'https://rp.example.com/cb',
          '--backchannel-logout-uri',
          'https://rp.example.com/bcl',
        ),
      );
      expect(await show(String(created.client_id))).toMatchObject({
        backchannel_logout_uri: 'https://rp.example.com/bcl',
        // The logout token (and the id_token) carry the session's sid: the app ends that session only.
        backchannel_logout_session_required: true,
      });
      expectOneLineError(
        await cli(
          'client',
          'create',
          '--name',
          'S',
          '--type',
          'service',
          '--backchannel-logout-uri',
          'https://rp.example.com/bcl',
        ),
        /backchannel-logout-uri/,
      );
      expectOneLineError(
        await cli(
          'client',
          'create',
          '--name',
          'B',
          '--redirect-uri',
          'https://rp.example.com/cb',
          '--backchannel-logout-uri',
          'javascript:alert(1)',
        ),
        /backchannel_logout_uri/,
      );
    },
    TIMEOUT,
  );

  test(
    'client_secret_post: the secret goes in the form, and the token endpoint takes it there',
    async () => {
      const created = jsonLine(
        await cli(
          'client',
          'create',
          '--name',
          'Post',
          '--type',
          'service',
          '--token-endpoint-auth-method',
          'client_secret_post',
        ),
      );
      expect(await show(String(created.client_id))).toMatchObject({ token_endpoint_auth_method: 'client_secret_post' });
      const res = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: String(created.client_id),
          client_secret: String(created.client_secret),
        }),
      });
      expect(res.status).toBe(200);
    },
    TIMEOUT,
  );

  test(
    'private_key_jwt needs --jwks-uri and gets no secret; none is refused where the client must authenticate',
    async () => {
      expectOneLineError(
        await cli(
          'client',
          'create',
          '--name',
          'K',
          '--redirect-uri',
          'https://rp.example.com/cb',
          '--token-endpoint-auth-method',
          'private_key_jwt',
        ),
        /--jwks-uri/,
      );
      const created = jsonLine(
        await cli(
          'client',
          'create',
          '--name',
          'Keys',
          '--redirect-uri',
          'https://rp.example.com/cb',
          '--token-endpoint-auth-method',
          'private_key_jwt',
          '--jwks-uri',
          'https://rp.example.com/jwks.json',
        ),
      );
      expect(Object.keys(created)).toEqual(['client_id']);
      expect(await show(String(created.client_id))).toMatchObject({
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'https://rp.example.com/jwks.json',
      });
      expectOneLineError(
        await cli('client', 'create', '--name', 'S', '--type', 'service', '--token-endpoint-auth-method', 'none'),
        /must authenticate/,
      );
      expectOneLineError(
        await cli(
          'client',
          'create',
          '--name',
          'W',
          '--redirect-uri',
          'https://rp.example.com/cb',
          '--token-endpoint-auth-method',
          'tls_client_auth',
        ),
        /must be one of/,
      );
      const pub = jsonLine(
        await cli(
          'client',
          'create',
          '--name',
          'SPA',
          '--redirect-uri',
          'https://rp.example.com/cb',
          '--token-endpoint-auth-method',
          'none',
        ),
      );
      expect(Object.keys(pub)).toEqual(['client_id']);
    },
    TIMEOUT,
  );
});

describe('--help', () => {
  test('every command shows its usage and an example', async () => {
    const overview = await runCli(['--help'], process.env);
    // Two words, or three (`user mfa reset`); flags and placeholders start otherwise.
    const names = [...overview.stdout.matchAll(/^ {2}([a-z]+ [a-z-]+(?: [a-z][a-z-]*)?)(?=\s|$)/gm)].map(
      (m) => m[1] as string,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'user list',
        'user show',
        'user update',
        'user mfa reset',
        'client create',
        'iat create',
      ]),
    );
    for (const name of names) {
      const help = await runCli([...name.split(' '), '--help'], process.env);
      expect({ name, code: help.code }).toEqual({ name, code: 0 });
      expect({ name, out: help.stdout }).toEqual({
        name,
        out: expect.stringMatching(new RegExp(`\\nexample:\\n {2}.*npm run --silent cli -- ${name}`)),
      });
    }
  }, 120_000);
});
