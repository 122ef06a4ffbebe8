// Black-box tests of the admin CLI of CONTRACT.md: the built dist/cli.js is spawned exactly as
// `npm run cli` would run it, on a throwaway DATA_DIR (and, in the Mongo variant, a throwaway database).
// What it wrote is then checked through a real server started on the same store (and, for grant revoke,
// through sign-ins over HTTP and introspection on that server).

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BrowserSession } from '../support/browser-session.js';
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
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { describeMongo, dropTestDatabase } from '../support/stores.js';
import { expectOneLineError, jsonLine, runCli, runNode } from '../support/run-cli.js';

const TIMEOUT = 60_000;

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
    if (kind === 'mongodb') await dropTestDatabase(mongoDb);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, TIMEOUT);

  describe('user create', () => {
    test(
      'reads the password up to "\\r\\n", prints {id, email} with the email lowercased',
      async () => {
        const out = jsonLine(
          await cli(
            ['user', 'create', '--email', emailA, '--password-stdin', '--name', 'Alice Ærø'],
            `${passwordA}\r\n`,
          ),
        );
        expect(Object.keys(out).sort()).toEqual(['email', 'id']);
        expect(out.email).toBe(emailA.toLowerCase());
        expect(out.id).toEqual(expect.any(String));
        expect(String(out.id).length).toBeGreaterThan(0);
        aliceId = String(out.id);
      },
      TIMEOUT,
    );

    test(
      'takes only the first line of stdin ("pw\\nrest")',
      async () => {
        const out = jsonLine(
          await cli(
            ['user', 'create', '--email', emailB, '--password-stdin'],
            `${passwordB}\nsecond line is not the password\n`,
          ),
        );
        expect(out).toEqual({ id: expect.any(String), email: emailB });
        expect(out.id).not.toBe(aliceId);
        bobId = String(out.id);
      },
      TIMEOUT,
    );

    test(
      'refuses a duplicate email, whatever its case',
      async () => {
        expectOneLineError(
          await cli(['user', 'create', '--email', emailA.toUpperCase(), '--password-stdin'], 'another good password\n'),
          /already exists/,
        );
      },
      TIMEOUT,
    );

    test(
      'refuses a password that breaks the policy',
      async () => {
        expectOneLineError(
          await cli(['user', 'create', '--email', `short.${tag}@example.com`, '--password-stdin'], 'x\n'),
          /password/i,
        );
      },
      TIMEOUT,
    );

    test(
      'refuses missing flags',
      async () => {
        expectOneLineError(await cli(['user', 'create', '--password-stdin'], `${passwordA}\n`), /email/);
        expectOneLineError(
          await cli(['user', 'create', '--email', `nopw.${tag}@example.com`], `${passwordA}\n`),
          /password-stdin/,
        );
        expectOneLineError(
          await cli(['user', 'create', '--email', 'not-an-email', '--password-stdin'], `${passwordA}\n`),
          /email/,
        );
      },
      TIMEOUT,
    );
  });

  describe('the accounts are usable by the server on the same store', () => {
    test(
      'the stored passwords are exactly the first stdin lines, and disable takes effect',
      async () => {
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
      },
      TIMEOUT,
    );
  });

  describe('user disable', () => {
    test(
      'prints {id, disabled: true} with the id user create gave',
      async () => {
        const out = jsonLine(await cli(['user', 'disable', '--email', emailA]));
        expect(out).toEqual({ id: aliceId, disabled: true });
        expect(Object.keys(out).sort()).toEqual(['disabled', 'id']);
      },
      TIMEOUT,
    );

    test(
      'fails on an unknown email and on a missing --email',
      async () => {
        expectOneLineError(await cli(['user', 'disable', '--email', `nobody.${tag}@example.com`]));
        expectOneLineError(await cli(['user', 'disable']), /email/);
      },
      TIMEOUT,
    );
  });

  describe('client create', () => {
    test(
      'confidential: prints client_id and client_secret; the provider loads the client as registered',
      async () => {
        const out = jsonLine(
          await cli([
            'client',
            'create',
            '--name',
            'Acme Notes',
            '--redirect-uri',
            'http://127.0.0.1:8123/cb',
            '--redirect-uri',
            'https://rp.example.com/callback',
            '--post-logout-redirect-uri',
            'https://rp.example.com/bye',
          ]),
        );
        expect(Object.keys(out).sort()).toEqual(['client_id', 'client_secret']);
        expect(out.client_id).toEqual(expect.stringMatching(/\S/));
        expect(out.client_secret).toEqual(expect.stringMatching(/\S/));

        const publicOut = jsonLine(
          await cli([
            'client',
            'create',
            '--name',
            'Acme CLI',
            '--redirect-uri',
            'http://127.0.0.1:8124/cb',
            '--public',
          ]),
        );
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
      },
      TIMEOUT,
    );

    test(
      'refuses bad redirect URIs and missing flags',
      async () => {
        expectOneLineError(await cli(['client', 'create', '--name', 'Evil', '--redirect-uri', 'javascript:alert(1)']));
        expectOneLineError(await cli(['client', 'create', '--name', 'Relative', '--redirect-uri', '/cb']));
        expectOneLineError(
          await cli(['client', 'create', '--name', 'Fragment', '--redirect-uri', 'https://rp.example.com/cb#frag']),
        );
        expectOneLineError(await cli(['client', 'create', '--name', 'No URI']), /redirect-uri/);
        expectOneLineError(await cli(['client', 'create', '--redirect-uri', 'https://rp.example.com/cb']), /name/);
        expectOneLineError(
          await cli([
            'client',
            'create',
            '--name',
            'Bad logout',
            '--redirect-uri',
            'https://rp.example.com/cb',
            '--post-logout-redirect-uri',
            'javascript:alert(1)',
          ]),
        );
      },
      TIMEOUT,
    );
  });

  // ---- Account administration, grants and the audit trail --------------------------------------
  // Each block uses accounts of its own (created through the CLI), so one block's disable, delete or
  // revocation cannot make another pass. Results are checked through a real server on the same store.

  const emailC = `carol.${tag}@example.com`;
  const emailD = `dan.${tag}@example.com`;
  const emailE = `erin.${tag}@example.com`;
  const emailF = `Frank.${tag}@Example.com`;
  const passwordC = 'carol has a long passphrase';
  const passwordD = 'dan has a long passphrase';
  const passwordE = 'erin has a long passphrase';
  const newPasswordE = 'erin picked a brand new one';
  const passwordF = 'frank has a long passphrase';
  let carolId: string;
  let danId: string;
  let erinId: string;
  let frankId: string;
  let firstClientId: string;
  let secondClientId: string;
  /** Every password, token and client secret this suite handled: none may show up in the audit trail. */
  const secrets: string[] = [passwordA, passwordB, passwordC, passwordD, passwordE, newPasswordE, passwordF];

  /** Runs `fn` against a real server on the CLI's store, then stops it. */
  const withServer = async <T>(fn: (server: TestServer) => Promise<T>): Promise<T> => {
    const server = await startTestServer({ store: kind, dataDir, mongoDb });
    try {
      return await fn(server);
    } finally {
      await server.stop();
    }
  };

  const createUser = async (email: string, password: string): Promise<string> => {
    const out = jsonLine(await cli(['user', 'create', '--email', email, '--password-stdin'], `${password}\n`));
    expect(out).toEqual({ id: expect.any(String), email: email.toLowerCase() });
    return String(out.id);
  };

  const newClient = async (server: TestServer, name: string): Promise<RelyingParty> => {
    const created = await server.signet.clients.create({ name, redirectUris: [REDIRECT_URI] });
    if (!created.client_secret) throw new Error('a confidential client has a secret');
    secrets.push(created.client_secret);
    return relyingParty(server.issuer, created.client_id, created.client_secret);
  };

  /** The code flow over HTTP (login, consent, token exchange), as a relying party and a browser do it. */
  const signIn = async (rp: RelyingParty, email: string, password: string, browser: BrowserSession) => {
    const start = await startAuthorization(rp);
    const tokens = await exchange(rp, start, await authorize(browser, start, email, password));
    expect(tokens.access_token).toEqual(expect.any(String));
    secrets.push(tokens.access_token, tokens.refresh_token ?? '', tokens.id_token ?? '');
    return tokens;
  };

  const active = async (server: TestServer, rp: RelyingParty, token: string) =>
    (await introspect(server.issuer, rp, token)).active;

  describe('user enable', () => {
    test(
      'prints {id, disabled: false}; after disable then enable the user can sign in again, revoked tokens stay dead',
      async () => {
        carolId = await createUser(emailC, passwordC);
        await withServer(async (server) => {
          const { accounts } = server.signet;
          expect((await accounts.authenticate(emailC, passwordC))?.id).toBe(carolId);
          const rp = await newClient(server, 'Carol Notes');
          const tokens = await signIn(rp, emailC, passwordC, new BrowserSession(server.issuer));
          expect(await active(server, rp, tokens.access_token)).toBe(true);

          expect(jsonLine(await cli(['user', 'disable', '--email', emailC]))).toEqual({ id: carolId, disabled: true });
          expect(await accounts.authenticate(emailC, passwordC)).toBeUndefined();
          expect(await active(server, rp, tokens.access_token)).toBe(false);

          const out = jsonLine(await cli(['user', 'enable', '--email', emailC.toUpperCase()]));
          expect(out).toEqual({ id: carolId, disabled: false });
          expect(Object.keys(out).sort()).toEqual(['disabled', 'id']);
          expect((await accounts.authenticate(emailC, passwordC))?.id).toBe(carolId);
          expect((await accounts.findById(carolId))?.disabled).toBe(false);
          // Nothing revoked comes back: the user signs in afresh.
          expect(await active(server, rp, tokens.access_token)).toBe(false);
          const again = await signIn(rp, emailC, passwordC, new BrowserSession(server.issuer));
          expect(await active(server, rp, again.access_token)).toBe(true);
        });
      },
      2 * TIMEOUT,
    );

    test(
      'fails on an unknown email and on a missing --email',
      async () => {
        expectOneLineError(await cli(['user', 'enable', '--email', `nobody.${tag}@example.com`]));
        expectOneLineError(await cli(['user', 'enable']), /email/);
      },
      TIMEOUT,
    );
  });

  describe('user delete', () => {
    test(
      'prints {id, deleted: true}; the account can no longer sign in and its tokens end at once',
      async () => {
        danId = await createUser(emailD, passwordD);
        await withServer(async (server) => {
          const rp = await newClient(server, 'Dan Notes');
          const tokens = await signIn(rp, emailD, passwordD, new BrowserSession(server.issuer));
          expect(await active(server, rp, tokens.access_token)).toBe(true);

          const out = jsonLine(await cli(['user', 'delete', '--email', emailD.toUpperCase()]));
          expect(out).toEqual({ id: danId, deleted: true });
          expect(Object.keys(out).sort()).toEqual(['deleted', 'id']);
          expect(await server.signet.accounts.authenticate(emailD, passwordD)).toBeUndefined();
          expect(await server.signet.accounts.findById(danId)).toBeUndefined();
          expect(await active(server, rp, tokens.access_token)).toBe(false);
        });
      },
      2 * TIMEOUT,
    );

    test(
      'afterwards every command on that email fails with one line',
      async () => {
        expectOneLineError(await cli(['user', 'disable', '--email', emailD]));
        expectOneLineError(await cli(['user', 'enable', '--email', emailD]));
        expectOneLineError(await cli(['user', 'delete', '--email', emailD]));
        expectOneLineError(
          await cli(['user', 'set-password', '--email', emailD, '--password-stdin'], 'a long enough password\n'),
        );
        expectOneLineError(await cli(['user', 'delete']), /email/);
      },
      TIMEOUT,
    );
  });

  describe('user set-password', () => {
    test(
      'prints {id, password_changed: true}; the old password is refused, the new one accepted, old tokens end',
      async () => {
        erinId = await createUser(emailE, passwordE);
        await withServer(async (server) => {
          const rp = await newClient(server, 'Erin Notes');
          const tokens = await signIn(rp, emailE, passwordE, new BrowserSession(server.issuer));
          expect(await active(server, rp, tokens.access_token)).toBe(true);

          const out = jsonLine(
            await cli(
              ['user', 'set-password', '--email', emailE, '--password-stdin'],
              `${newPasswordE}\r\nnot this line\n`,
            ),
          );
          expect(out).toEqual({ id: erinId, password_changed: true });
          expect(Object.keys(out).sort()).toEqual(['id', 'password_changed']);
          const { accounts } = server.signet;
          expect(await accounts.authenticate(emailE, passwordE)).toBeUndefined();
          expect((await accounts.authenticate(emailE, newPasswordE))?.id).toBe(erinId);
          expect(await accounts.authenticate(emailE, `${newPasswordE}\r`)).toBeUndefined();
          expect(await active(server, rp, tokens.access_token)).toBe(false);
        });
      },
      2 * TIMEOUT,
    );

    test(
      'refuses a password that breaks the policy and changes nothing',
      async () => {
        expectOneLineError(
          await cli(['user', 'set-password', '--email', emailE, '--password-stdin'], 'short\n'),
          /password/i,
        );
        expectOneLineError(
          await cli(['user', 'set-password', '--email', emailE, '--password-stdin'], '\n'),
          /password/i,
        );
        expectOneLineError(await cli(['user', 'set-password', '--email', emailE], `${passwordE}\n`), /password-stdin/);
        expectOneLineError(await cli(['user', 'set-password', '--password-stdin'], `${passwordE}\n`), /email/);
        expectOneLineError(
          await cli(
            ['user', 'set-password', '--email', `nobody.${tag}@example.com`, '--password-stdin'],
            `${passwordE}\n`,
          ),
        );
        await withServer(async (server) => {
          expect((await server.signet.accounts.authenticate(emailE, newPasswordE))?.id).toBe(erinId);
          expect(await server.signet.accounts.authenticate(emailE, 'short')).toBeUndefined();
        });
      },
      2 * TIMEOUT,
    );
  });

  describe('grant revoke', () => {
    test(
      '--client revokes that one client at once; without --client the rest go',
      async () => {
        frankId = await createUser(emailF, passwordF);
        await withServer(async (server) => {
          const first = await newClient(server, 'Frank Notes');
          const second = await newClient(server, 'Frank Photos');
          firstClientId = first.clientId;
          secondClientId = second.clientId;
          const browser = new BrowserSession(server.issuer);
          const a = await signIn(first, emailF, passwordF, browser);
          const b = await signIn(second, emailF, passwordF, browser);
          expect(await active(server, first, a.access_token)).toBe(true);
          expect(await active(server, second, b.access_token)).toBe(true);

          const one = jsonLine(await cli(['grant', 'revoke', '--user', emailF, '--client', first.clientId]));
          expect(one).toEqual({ id: frankId, revoked_clients: [first.clientId] });
          expect(Object.keys(one).sort()).toEqual(['id', 'revoked_clients']);
          expect(await active(server, first, a.access_token)).toBe(false);
          expect(
            (
              await tokenRequest(server.issuer, first, {
                grant_type: 'refresh_token',
                refresh_token: a.refresh_token ?? '',
              })
            ).body.error,
          ).toBe('invalid_grant');
          expect(await active(server, second, b.access_token)).toBe(true);

          const rest = jsonLine(await cli(['grant', 'revoke', '--user', emailF.toLowerCase()]));
          expect(rest).toEqual({ id: frankId, revoked_clients: [second.clientId] });
          expect(await active(server, second, b.access_token)).toBe(false);
          expect(
            (
              await tokenRequest(server.issuer, second, {
                grant_type: 'refresh_token',
                refresh_token: b.refresh_token ?? '',
              })
            ).body.error,
          ).toBe('invalid_grant');

          // Nothing left: an empty list, not an error.
          expect(jsonLine(await cli(['grant', 'revoke', '--user', emailF]))).toEqual({
            id: frankId,
            revoked_clients: [],
          });
        });
      },
      2 * TIMEOUT,
    );

    test(
      'fails on an unknown user and on a missing --user',
      async () => {
        expectOneLineError(await cli(['grant', 'revoke', '--user', `nobody.${tag}@example.com`]));
        expectOneLineError(await cli(['grant', 'revoke']), /user/);
      },
      TIMEOUT,
    );
  });

  describe('audit list', () => {
    type Event = {
      id: string;
      at: string;
      type: string;
      account_id: string | null;
      client_id: string | null;
      details: Record<string, unknown>;
    };
    const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    /** Everything `audit list` printed in this block, to look for secrets at the end. */
    const printed: string[] = [];

    const auditList = async (...args: string[]): Promise<Event[]> => {
      const result = await cli(['audit', 'list', ...args]);
      printed.push(result.stdout);
      const out = jsonLine(result);
      expect(Object.keys(out)).toEqual(['events']);
      expect(Array.isArray(out.events)).toBe(true);
      const events = out.events as Event[];
      for (const e of events) {
        expect(e.at).toMatch(ISO);
        expect(new Date(e.at).toISOString()).toBe(e.at);
        expect(e.type).toEqual(expect.any(String));
      }
      // Newest first.
      const times = events.map((e) => Date.parse(e.at));
      expect(times).toEqual([...times].sort((x, y) => y - x));
      return events;
    };
    const indexOf = (events: Event[], type: string, clientId?: string) =>
      events.findIndex((e) => e.type === type && (clientId === undefined || e.client_id === clientId));

    test(
      "--user: the account's own trail, newest first, from user create through sign-in to grant revoke",
      async () => {
        const events = await auditList('--user', emailF.toUpperCase());
        expect(events.length).toBeGreaterThan(0);
        expect(events.every((e) => e.account_id === frankId)).toBe(true);

        const created = indexOf(events, 'account.created');
        expect(created).toBe(events.length - 1); // the oldest
        expect(events[created]?.details).toMatchObject({ via: 'cli' });
        const login = indexOf(events, 'login.succeeded');
        expect(login).toBeGreaterThanOrEqual(0);
        expect(indexOf(events, 'token.issued', firstClientId)).toBeGreaterThanOrEqual(0);
        expect(indexOf(events, 'token.issued', secondClientId)).toBeGreaterThanOrEqual(0);
        const revokedFirst = indexOf(events, 'grant.revoked', firstClientId);
        const revokedSecond = indexOf(events, 'grant.revoked', secondClientId);
        expect(revokedFirst).toBeGreaterThanOrEqual(0);
        expect(events[revokedFirst]?.details).toMatchObject({ via: 'cli' });
        expect(revokedSecond).toBeGreaterThanOrEqual(0);
        expect(revokedSecond).toBeLessThan(revokedFirst);
        expect(revokedFirst).toBeLessThan(login);
        expect(login).toBeLessThan(created);

        const carol = await auditList('--user', emailC);
        const disabled = indexOf(carol, 'account.disabled');
        const enabled = indexOf(carol, 'account.enabled');
        expect(disabled).toBeGreaterThanOrEqual(0);
        expect(carol[disabled]?.details).toMatchObject({ via: 'cli' });
        expect(enabled).toBeGreaterThanOrEqual(0);
        expect(enabled).toBeLessThan(disabled);
        // Carol signed in before the disable and again after the enable.
        const logins = carol.flatMap((e, i) => (e.type === 'login.succeeded' ? [i] : []));
        expect(logins).toHaveLength(2);
        expect(logins[0]).toBeLessThan(enabled);
        expect(logins[1]).toBeGreaterThan(disabled);

        expect(indexOf(await auditList('--user', emailE), 'account.password_changed')).toBeGreaterThanOrEqual(0);
      },
      TIMEOUT,
    );

    test(
      'without --user: every account, deleted ones included; client create is recorded',
      async () => {
        const all = await auditList('--limit', '10000');
        const deleted = all.filter((e) => e.type === 'account.deleted');
        expect(deleted.map((e) => e.account_id)).toEqual([danId]);
        expect(all.some((e) => e.account_id === frankId)).toBe(true);
        expect(all.some((e) => e.account_id === carolId)).toBe(true);

        const client = jsonLine(
          await cli(['client', 'create', '--name', 'Audited', '--redirect-uri', 'https://rp.example.com/cb']),
        );
        secrets.push(String(client.client_secret));
        const newest = await auditList('--limit', '1');
        expect(newest).toHaveLength(1);
        expect(newest[0]).toMatchObject({
          type: 'client.registered',
          client_id: client.client_id,
          details: { via: 'cli' },
        });
      },
      TIMEOUT,
    );

    test(
      '--limit and --since narrow the list',
      async () => {
        const all = await auditList('--limit', '10000');
        expect(all.length).toBeGreaterThan(3);
        const two = await auditList('--limit', '2');
        expect(two.map((e) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
        expect((await auditList()).length).toBe(Math.min(all.length, 100));

        const recent = await auditList('--since', '1h', '--limit', '10000');
        expect(recent.map((e) => e.id)).toEqual(all.map((e) => e.id));
        expect(await auditList('--since', '2999-01-01')).toEqual([]);
        expect(await auditList('--since', '2999-01-01T00:00:00Z', '--user', emailF)).toEqual([]);

        // An ISO time between two events keeps the newer and drops the older.
        const frank = await auditList('--user', emailF);
        const createdAt = Date.parse(frank.at(-1)?.at ?? '');
        const loginAt = Date.parse(frank[indexOf(frank, 'login.succeeded')]?.at ?? '');
        expect(loginAt).toBeGreaterThan(createdAt);
        const since = await auditList('--user', emailF, '--since', new Date(createdAt + 1).toISOString());
        expect(indexOf(since, 'account.created')).toBe(-1);
        expect(indexOf(since, 'login.succeeded')).toBeGreaterThanOrEqual(0);
        expect(since.length).toBe(frank.length - 1);
      },
      2 * TIMEOUT,
    );

    test(
      'a bad --since, --limit or --user fails with one line',
      async () => {
        for (const since of ['yesterday', '5w', '-1h', '', '24 h']) {
          expectOneLineError(await cli(['audit', 'list', '--since', since]), /since/);
        }
        for (const limit of ['0', '-5', 'ten', '1.5', '10001', '']) {
          expectOneLineError(await cli(['audit', 'list', '--limit', limit]), /limit/);
        }
        expectOneLineError(await cli(['audit', 'list', '--user', `nobody.${tag}@example.com`]));
        expectOneLineError(await cli(['audit', 'list', '--verbose']), /verbose/);
      },
      2 * TIMEOUT,
    );

    test(
      'no event holds a password, a token or a client secret',
      async () => {
        printed.push((await cli(['audit', 'list', '--limit', '10000'])).stdout);
        const trail = printed.join('\n');
        expect(trail.length).toBeGreaterThan(0);
        const handled = secrets.filter((s) => s.length > 0);
        // Passwords (7), at least one access and refresh token and id_token per sign-in, the client secrets.
        expect(handled.length).toBeGreaterThan(20);
        for (const secret of handled)
          expect({ secret, found: trail.includes(secret) }).toEqual({ secret, found: false });
      },
      TIMEOUT,
    );
  });

  describe('usage', () => {
    test(
      'unknown commands and flags fail with one line on stderr',
      async () => {
        expectOneLineError(await cli(['frobnicate', 'everything']), /frobnicate/);
        expectOneLineError(await cli(['user', 'explode', '--email', emailA]));
        expectOneLineError(await cli(['user', 'disable', '--email', emailA, '--force']), /force/);
      },
      TIMEOUT,
    );

    test(
      '--help describes the tool and each command',
      async () => {
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
        for (const flag of ['--name', '--redirect-uri', '--post-logout-redirect-uri', '--public'])
          expect(clientCreate.stdout).toContain(flag);
      },
      TIMEOUT,
    );

    test(
      '--help lists the account, grant and audit commands with their flags',
      async () => {
        const tool = await cli(['--help']);
        expect(tool.code).toBe(0);
        for (const command of ['user enable', 'user delete', 'user set-password', 'grant revoke', 'audit list'])
          expect(tool.stdout).toContain(command);
        const audit = await cli(['audit', 'list', '--help']);
        expect(audit.code).toBe(0);
        for (const flag of ['--user', '--since', '--limit']) expect(audit.stdout).toContain(flag);
        const grant = await cli(['grant', 'revoke', '--help']);
        expect(grant.code).toBe(0);
        for (const flag of ['--user', '--client']) expect(grant.stdout).toContain(flag);
      },
      TIMEOUT,
    );
  });
}

describe('admin CLI on SQLite (DATA_DIR)', () => cliSuite('sqlite'));

test(
  'commands started at once on a fresh DATA_DIR all succeed (no "database is locked")',
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'signet-cli-fresh-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
      delete env.MONGODB_URI;
      const results = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          runCli(['user', 'create', '--email', `fresh${i}@example.com`, '--password-stdin'], env, 'a fresh password\n'),
        ),
      );
      for (const [i, result] of results.entries()) expect(jsonLine(result).email).toBe(`fresh${i}@example.com`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  },
  TIMEOUT,
);
describeMongo('admin CLI on MongoDB (FerretDB)', () => cliSuite('mongodb'));

test(
  'a value that starts with "-" (base64url ids and secrets can) is read as the value, not a flag',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signet-cli-dash-'));
    try {
      const result = await runCli(['client', 'show', '--client-id', '-Xk3_dash'], {
        ...process.env,
        DATA_DIR: dir,
        MONGODB_URI: '',
      });
      expectOneLineError(result, /no client -Xk3_dash/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
  TIMEOUT,
);
