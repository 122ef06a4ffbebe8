// A real TLS-terminating reverse proxy on loopback, as operators put in front of Signet: Debian's nginx,
// run as a child process of the test (no daemon, no system config) with a generated config and a
// throwaway self-signed certificate (openssl), on a port of its own. It forwards to Signet over plain
// http with X-Forwarded-For and X-Forwarded-Proto, as the README's proxy setup does.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ferretdb.js';

export { freePort };

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx'];
const OPENSSL_CANDIDATES = ['/usr/bin/openssl', '/bin/openssl'];
const READY_TIMEOUT_MS = 10_000;
/** The account nginx runs as when the tests run as root: it needs no privilege on an ephemeral port. */
const NOBODY = 65534;

function firstExecutable(candidates: string[]): string | undefined {
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const NGINX = firstExecutable(NGINX_CANDIDATES);
export const OPENSSL = firstExecutable(OPENSSL_CANDIDATES);

/** What is missing for the proxy, or undefined when nginx and openssl are both there. */
export function proxyMissing(): string | undefined {
  if (!NGINX) return `no nginx at ${NGINX_CANDIDATES.join(' or ')} (apt-get install nginx-light)`;
  if (!OPENSSL) return `no openssl at ${OPENSSL_CANDIDATES.join(' or ')} (apt-get install openssl)`;
  return undefined;
}

export interface TlsProxy {
  /** https://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** nginx's error log so far (startup problems, upstream failures). */
  errors(): Promise<string>;
  stop(): Promise<void>;
}

function config(dir: string, port: number, upstreamPort: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`;
}

function waitForPort(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        void log().then((text) => reject(new Error(`nginx exited before listening:\n${text}`)));
        return;
      }
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          void log().then((text) => reject(new Error(`nginx did not listen on ${port}:\n${text}`)));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Starts nginx terminating TLS on `port` (a free one if omitted) in front of http://127.0.0.1:`upstreamPort`. */
export async function startTlsProxy(upstreamPort: number, port?: number): Promise<TlsProxy> {
  const missing = proxyMissing();
  if (missing || !NGINX || !OPENSSL) throw new Error(`the TLS proxy needs nginx and openssl: ${missing}`);
  const listenPort = port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'signet-tls-proxy-'));
  await mkdir(join(dir, 'tmp'));
  // A throwaway certificate for 127.0.0.1, valid for a day; the browser is told to accept it.
  execFileSync(
    OPENSSL,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  await writeFile(join(dir, 'nginx.conf'), config(dir, listenPort, upstreamPort));
  const root = process.getuid?.() === 0;
  if (root) {
    // nginx itself drops nothing with master_process off: start it without root instead.
    for (const path of [dir, join(dir, 'tmp'), join(dir, 'key.pem'), join(dir, 'cert.pem'), join(dir, 'nginx.conf')])
      await chown(path, NOBODY, NOBODY);
    await chmod(dir, 0o700);
  }
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(root ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errors = async () => `${output}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(listenPort, child, errors);
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin: `https://127.0.0.1:${listenPort}`, port: listenPort, errors, stop };
}
