// docker-compose.yml's production path, run outside Docker: the signet service's environment (with the
// variables an operator sets for production) over the image's ENV, and the image's CMD, against FerretDB
// instead of the mongo service. It must start and serve; nothing here needs Docker.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { freePort, waitForOutput } from '../support/spawn-server.js';
import { mongoTestUri } from '../support/start-test-server.js';
import { describeMongo, dropTestDatabase } from '../support/stores.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** What the compose file's comment tells an operator to set for production. */
const OPERATOR = {
  NODE_ENV: 'production',
  ISSUER: 'https://id.example.com',
  KEY_ENCRYPTION_SECRET: 'compose-test-secret-of-enough-length-0123456789',
  TRUST_PROXY: 'true',
};

/** Compose interpolation of `${NAME}` and `${NAME:-default}` from the operator's shell. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)(?::-([^}]*))?\}/g,
    (_m, name: string, fallback?: string) => vars[name] || (fallback ?? ''),
  );
}

/** The runtime stage of the Dockerfile: its ENV pairs and its CMD. */
function imageOf(dockerfile: string): { env: Record<string, string>; cmd: string[] } {
  const stage = dockerfile.split(/^FROM /m).at(-1) ?? '';
  const env: Record<string, string> = {};
  for (const [, pairs] of stage.matchAll(/^ENV (.+)$/gm)) {
    for (const [, key, value] of (pairs ?? '').matchAll(/(\w+)=(\S+)/g)) env[key as string] = value as string;
  }
  const cmd = /^CMD (\[.*\])$/m.exec(stage)?.[1];
  if (!cmd) throw new Error('no CMD in the Dockerfile');
  return { env, cmd: JSON.parse(cmd) as string[] };
}

describeMongo('docker-compose.yml, production, outside Docker', () => {
  const db = `compose_${randomBytes(6).toString('hex')}`;
  let dataDir: string;

  beforeAll(async () => {
    // As Docker made the image's folder before the Dockerfile said 0700: readable by others. Nothing is
    // kept there with MongoDB and a real secret, so that must not stop the start.
    dataDir = await mkdtemp(join(tmpdir(), 'signet-compose-'));
    await chmod(dataDir, 0o755);
  });

  afterAll(async () => {
    await dropTestDatabase(db);
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the signet service starts with the production variables and serves discovery on the https issuer', async () => {
    const compose = parse(await readFile(join(REPO, 'docker-compose.yml'), 'utf8')) as {
      services: { signet: { environment: Record<string, string | number | boolean> } };
    };
    const image = imageOf(await readFile(join(REPO, 'Dockerfile'), 'utf8'));
    const service = Object.fromEntries(
      Object.entries(compose.services.signet.environment).map(([k, v]) => [k, interpolate(String(v), OPERATOR)]),
    );
    expect(service.MONGODB_URI).toMatch(/^mongodb:\/\//);

    const port = await freePort();
    // Only what differs between a container and this machine: the database host, the volume, the port.
    const env = {
      ...image.env,
      ...service,
      MONGODB_URI: mongoTestUri(db),
      DATA_DIR: dataDir,
      PORT: String(port),
      PATH: process.env.PATH ?? '',
    };
    const [program, ...args] = image.cmd;
    expect(program).toBe('node');
    const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const base = `http://127.0.0.1:${port}`;
      // Logged once the port is open; a start that fails exits instead, and its output is the message.
      const started = await waitForOutput(child.stdout, 'Signet listening on', exited).then(
        () => true,
        (err: unknown) => String(err),
      );
      expect(started).toBe(true);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(discovery.issuer).toBe(OPERATOR.ISSUER);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  test("the image's data folder is private from the start (the embedded store refuses one others can read)", async () => {
    const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    const { env } = imageOf(dockerfile);
    expect(dockerfile).toMatch(new RegExp(`chmod 0?700 ${env.DATA_DIR}\\b`));
  });
});
