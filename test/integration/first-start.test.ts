// The first start tells a newcomer where the data lives, that keys (and the development secret) were just
// made, the URLs to open, and the command that creates the first user. Logs are JSON lines unless a
// person asked for LOG_FORMAT=pretty (or reads a terminal); a bad LOG_FORMAT is named at start.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { freePort, MAIN, spawnServer, type SpawnedServer } from '../support/spawn-server.js';
import { jsonLine, runCli, runNode } from '../support/run-cli.js';

const TIMEOUT = 60_000;

/** The start record: spawnServer resolved on it, so it is in the output already (one write, one record). */
function startRecord(server: SpawnedServer, find: (out: string) => string | undefined): string {
  const found = find(server.stdout());
  if (found === undefined) throw new Error(`no start record in:\n${server.stdout()}\n${server.stderr()}`);
  return found;
}

const jsonStart = (out: string) => out.split('\n').find((line) => line.includes('"msg":"Signet listening on'));

describe('the first start', () => {
  let dataDir: string;
  const env = () => ({ DATA_DIR: dataDir, LOG_LEVEL: 'info', WORKERS: '1' });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'signet-first-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test(
    'says where the data lives, what it generated, the URLs and how to create the first user (JSON when not on a terminal)',
    async () => {
      const server = await spawnServer(await freePort(), env());
      try {
        const record = JSON.parse(startRecord(server, jsonStart)) as Record<string, unknown>;
        const issuer = server.issuer;
        expect(record).toMatchObject({
          msg: `Signet listening on ${issuer}`,
          data: join(dataDir, 'signet.db'),
          keysGenerated: expect.any(Number),
          devSecretFile: join(dataDir, 'key-encryption-secret'),
          devSecretCreated: true,
          urls: {
            discovery: `${issuer}/.well-known/openid-configuration`,
            account: `${issuer}/account`,
            demo: `${issuer}/demo`,
          },
          firstUser: 'npm run --silent cli -- user create --email you@example.com --password-stdin',
        });
        expect(record.keysGenerated).toBeGreaterThan(0);
        for (const line of server.stdout().split('\n').filter(Boolean))
          expect(() => JSON.parse(line) as unknown).not.toThrow();
      } finally {
        await server.stop('SIGTERM');
      }
    },
    TIMEOUT,
  );

  test(
    'a later start generates nothing, and once a user exists it no longer suggests creating one',
    async () => {
      jsonLine(
        await runCli(
          ['user', 'create', '--email', 'first@example.com', '--password-stdin'],
          { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
          'a long enough passphrase\n',
        ),
      );
      const server = await spawnServer(await freePort(), env());
      try {
        const record = JSON.parse(startRecord(server, jsonStart)) as Record<string, unknown>;
        expect(record).toMatchObject({
          keysGenerated: 0,
          devSecretCreated: false,
          urls: { account: `${server.issuer}/account` },
        });
        expect(record).not.toHaveProperty('firstUser');
      } finally {
        await server.stop('SIGTERM');
      }
    },
    TIMEOUT,
  );

  test(
    'LOG_FORMAT=pretty writes for people: the same facts as lines, not JSON',
    async () => {
      const server = await spawnServer(await freePort(), { ...env(), LOG_FORMAT: 'pretty' });
      try {
        const block = startRecord(server, (out) => (/demo: /.test(out) ? out : undefined));
        expect(block).toContain(`Signet listening on ${server.issuer}`);
        expect(block).toContain(`discovery:  ${server.issuer}/.well-known/openid-configuration`);
        expect(block).toContain(`account:    ${server.issuer}/account`);
        expect(block).toContain(`data:       ${join(dataDir, 'signet.db')}`);
        expect(block).not.toMatch(/^\{/m);
      } finally {
        await server.stop('SIGTERM');
      }
    },
    TIMEOUT,
  );

  test(
    'a LOG_FORMAT other than json or pretty stops the start, naming the variable',
    async () => {
      const result = await runNode(['--disable-warning=ExperimentalWarning', MAIN], {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        LOG_FORMAT: 'xml',
        PORT: '0',
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/LOG_FORMAT/);
    },
    TIMEOUT,
  );
});
