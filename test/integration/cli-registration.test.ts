// With REGISTRATION unset, an initial access token the operator issues is what registration takes: the
// CLI issues it with a clean environment, /reg accepts it as often as --max-uses says, and without a
// token nobody registers (401, not a missing endpoint). REGISTRATION=closed and =open make `iat create`
// refuse, since a token would open nothing or mean nothing.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { expectOneLineError, jsonLine, runCli } from '../support/run-cli.js';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { describeMongo } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';

const TIMEOUT = 60_000;

async function register(issuer: string, token: string | undefined) {
  const res = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ redirect_uris: ['https://rp.example.com/cb'] }),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Only what an operator's shell would have: no REGISTRATION, no INITIAL_ACCESS_TOKEN. */
function cleanEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...extra };
}

function defaultRegistrationSuite(kind: StoreKind): void {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  const mongoDb = `cli_reg_${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'signet-cli-reg-'));
    env = cleanEnv(dataDir, kind === 'mongodb' ? { MONGODB_URI: mongoTestUri(mongoDb) } : {});
    server = await startTestServer({ store: kind, dataDir, mongoDb });
  }, TIMEOUT);

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  }, TIMEOUT);

  test(
    'iat create --max-uses 2 works with a clean environment, and its token registers exactly 2 clients',
    async () => {
      const issued = jsonLine(await runCli(['iat', 'create', '--max-uses', '2'], env));
      const token = String(issued.initial_access_token);
      expect(issued.max_uses).toBe(2);
      const first = await register(server.issuer, token);
      const second = await register(server.issuer, token);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(first.body.client_id).not.toBe(second.body.client_id);
      const third = await register(server.issuer, token);
      expect(third.status).toBe(401);
      expect(third.body.error).toBe('invalid_token');
    },
    TIMEOUT,
  );

  test(
    'without a token nobody registers: 401 invalid_token, and discovery names the endpoint',
    async () => {
      const attempt = await register(server.issuer, undefined);
      expect(attempt.status).toBe(401);
      expect(attempt.body.error).toBe('invalid_token');
      const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
        string,
        unknown
      >;
      expect(discovery.registration_endpoint).toBe(`${server.issuer}/reg`);
    },
    TIMEOUT,
  );
}

describe('registration by default (sqlite)', () => defaultRegistrationSuite('sqlite'));
describeMongo('registration by default (mongodb)', () => defaultRegistrationSuite('mongodb'));

describe('registration closed or open: iat create refuses', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-cli-reg-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test(
    'REGISTRATION=closed: /reg does not exist, and iat create says why it will not issue a token',
    async () => {
      const server = await startTestServer({ store: 'sqlite', env: { REGISTRATION: 'closed' } });
      try {
        expect((await register(server.issuer, 'anything-at-all-1234')).status).toBe(404);
      } finally {
        await server.destroy();
      }
      expectOneLineError(
        await runCli(['iat', 'create'], cleanEnv(dataDir, { REGISTRATION: 'closed' })),
        /REGISTRATION=closed.*unset REGISTRATION/,
      );
    },
    TIMEOUT,
  );

  test(
    'REGISTRATION=open: iat create says a token would mean nothing',
    async () => {
      expectOneLineError(
        await runCli(['iat', 'create', '--max-uses', '2'], cleanEnv(dataDir, { REGISTRATION: 'open' })),
        /REGISTRATION=open.*unset REGISTRATION/,
      );
    },
    TIMEOUT,
  );
});
