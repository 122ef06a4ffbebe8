// Every snippet a developer is shown runs against a live Signet, so none can rot: the /button snippets
// (taken from the view model the page renders, with the issuer the page fills in) start as real apps on
// loopback ports and sign a user in through Signet's own login and consent pages, ending on the app's
// page showing the user's email; the HTML button is parsed and its stylesheet fetched; and every code
// block of docs/relying-parties.md runs (shell) or is the /button snippet it claims to be (js). The
// development (http) issuer and a production-like https issuer behind a TLS proxy are both covered.

import { X509Certificate } from 'node:crypto';
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { connect, getCACertificates, setDefaultCACertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseDocument } from 'htmlparser2';
import { buttonSnippets } from '../../src/http/view-models/button-snippets.js';
import { BrowserSession, hiddenFields } from '../support/browser-session.js';
import { describeIf } from '../support/describe-if.js';
import { docBlocks, runShellBlock } from '../support/doc-snippets.js';
import { startListeningServer, type ListeningServer } from '../support/listening-server.js';
import { jsonLine, runCli } from '../support/run-cli.js';
import { authorize } from '../support/sign-in.js';
import {
  appAddress,
  startExpressSnippet,
  startNextSnippet,
  typeCheckNextSnippet,
  type SnippetApp,
} from '../support/snippet-apps.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';
import { freePort, proxyMissing, startTlsProxy, type TlsProxy } from '../support/tls-proxy.js';
import { stopIfStarted } from '../support/teardown.js';

const TIMEOUT = 60_000;
const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';
const DOC = new URL('../../docs/relying-parties.md', import.meta.url);

type Element = { type: string; name?: string; attribs?: Record<string, string>; children?: Element[]; data?: string };

function elements(node: Element, name: string): Element[] {
  const found = node.type === 'tag' && node.name === name ? [node] : [];
  return [...found, ...(node.children ?? []).flatMap((child) => elements(child, name))];
}

function text(node: Element): string {
  return node.type === 'text' ? (node.data ?? '') : (node.children ?? []).map(text).join('');
}

interface Issuer {
  issuer: string;
  createClient: (redirectUri: string) => Promise<{ client_id: string; client_secret?: string }>;
}

/**
 * Signs in through `app`: the app's login route sends the browser to Signet, whose login form and consent
 * page (every hidden field sent back, as a browser does) lead back to the app's callback; the app's page
 * then shows who signed in.
 */
async function signInThrough(
  app: SnippetApp,
  issuer: string,
  loginPath: string,
  callbackPath: string,
): Promise<string> {
  const appBrowser = new BrowserSession(app.origin);
  const signedOut = await appBrowser.request('/');
  expect({ status: signedOut.status, body: signedOut.body }).toEqual({
    status: 200,
    body: expect.stringContaining(`href="${loginPath}"`),
  });

  const login = await appBrowser.request(loginPath);
  expect(login.status).toBeGreaterThanOrEqual(300);
  expect(login.status).toBeLessThan(400);
  const authorization = new URL(login.location ?? '');
  expect(authorization.origin).toBe(issuer);
  expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
  for (const param of ['state', 'nonce', 'code_challenge'])
    expect(authorization.searchParams.get(param)).toEqual(expect.any(String));

  const callback = await authorize(
    new BrowserSession(issuer),
    { url: authorization.href, verifier: '', state: '', nonce: '' },
    EMAIL,
    PASSWORD,
    `${app.origin}${callbackPath}`,
  );
  const landed = await appBrowser.request(callback.href);
  expect({ status: landed.status, location: landed.location, output: app.output() }).toEqual({
    status: expect.any(Number),
    location: `${app.origin}/`,
    output: expect.any(String),
  });
  const home = await appBrowser.request('/');
  expect(home.status).toBe(200);
  return home.body;
}

/** "Cancel and return" on Signet's login page: the app gets access_denied and stays signed out, with a 4xx. */
async function cancelThrough(app: SnippetApp, issuer: string, loginPath: string): Promise<void> {
  const appBrowser = new BrowserSession(app.origin);
  const login = await appBrowser.request(loginPath);
  const signet = new BrowserSession(issuer);
  const page = await signet.follow(login.location ?? '');
  const action = /action="([^"]*\/abort)"/.exec(page.body)?.[1] ?? '';
  const aborted = await signet.request(action, { form: hiddenFields(page.body, '/abort') });
  const back = await signet.follow(aborted.location ?? '');
  const callback = new URL(back.location ?? '');
  expect(callback.searchParams.get('error')).toBe('access_denied');
  const answer = await appBrowser.request(callback.href);
  expect(answer.status).toBe(400);
  expect(answer.body).toMatch(/Sign-in failed/);
  expect((await appBrowser.request('/')).body).not.toMatch(/Signed in as/);
}

/** The Express and Next.js snippets of `issuer`'s /button page, each run and signed in through. */
function relyingPartySnippets(signet: () => Issuer, env: () => Record<string, string>): void {
  test(
    'Express: the snippet as a server signs the user in and shows their email (from userinfo); a cancel stays signed out',
    async () => {
      const { issuer, createClient } = signet();
      const { port, origin } = await appAddress();
      const client = await createClient(`${origin}/callback`);
      const app = await startExpressSnippet(buttonSnippets(issuer).node, port, {
        ...env(),
        CLIENT_ID: client.client_id,
        CLIENT_SECRET: client.client_secret ?? '',
        SESSION_SECRET: 'a long random string from your secret store',
      });
      try {
        expect(await signInThrough(app, issuer, '/login', '/callback')).toContain(`Signed in as ${EMAIL}`);
        await cancelThrough(app, issuer, '/login');
      } finally {
        await app.stop();
      }
    },
    TIMEOUT,
  );

  test(
    'Next.js: the route handlers sign the user in, and currentUser() gives the page their email; a cancel stays signed out',
    async () => {
      const { issuer, createClient } = signet();
      const { port, origin } = await appAddress();
      const client = await createClient(`${origin}/api/auth/callback`);
      const app = await startNextSnippet(buttonSnippets(issuer).nextFiles, port, {
        ...env(),
        CLIENT_ID: client.client_id,
        CLIENT_SECRET: client.client_secret ?? '',
      });
      try {
        expect(await signInThrough(app, issuer, '/api/auth/login', '/api/auth/callback')).toContain(
          `Signed in as ${EMAIL}`,
        );
        await cancelThrough(app, issuer, '/api/auth/login');
      } finally {
        await app.stop();
      }
    },
    TIMEOUT,
  );
}

describe('/button snippets on the development issuer (http)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite' });
    await server.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Ada' });
  }, TIMEOUT);

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  }, TIMEOUT);

  test("the page shows exactly the view model's snippets, escaped, with this issuer filled in", async () => {
    const res = await fetch(`${server.issuer}/button`);
    expect(res.status).toBe(200);
    const page = parseDocument(await res.text()) as unknown as Element;
    const shown = elements(page, 'pre')
      .filter((pre) => /\bcode\b/.test(pre.attribs?.class ?? ''))
      .map(text);
    const { html, node, next } = buttonSnippets(server.issuer);
    expect(shown).toEqual([html, node, next]);
  });

  test('allowInsecureRequests only for an http issuer, said in a comment; an http issuer goes with an http app URL', () => {
    const dev = buttonSnippets('http://localhost:3000');
    const prod = buttonSnippets('https://id.example.com');
    for (const code of [dev.node, ...dev.nextFiles.map((f) => f.code)]
      .join('\n')
      .split(/(?=\/\/ [\w/.[\]-]+\.(?:mjs|ts))/)) {
      if (!/oidc\.discovery/.test(code)) continue;
      expect(code).toMatch(/\/\/[^\n]*http[^\n]*\n[^\n]*\n?[^\n]*execute: \[oidc\.allowInsecureRequests\]/);
    }
    expect(`${prod.node}\n${prod.next}`).not.toMatch(/allowInsecureRequests/);
    expect(`${dev.node}\n${dev.next}`).not.toMatch(/https:\/\/app\.example\.com/);
    expect(`${prod.node}\n${prod.next}`).not.toMatch(/'http:\/\/localhost/);
    expect(dev.next).toBe(dev.nextFiles.map((f) => f.code).join('\n\n'));
  });

  test("plain HTML: parses to one stylesheet link Signet serves and a button styled by it, linking to the app's /login", async () => {
    const { html } = buttonSnippets(server.issuer);
    const root = parseDocument(html) as unknown as Element;
    const [link, ...moreLinks] = elements(root, 'link');
    const [anchor, ...moreAnchors] = elements(root, 'a');
    expect({ moreLinks, moreAnchors }).toEqual({ moreLinks: [], moreAnchors: [] });
    expect(link?.attribs?.rel).toBe('stylesheet');
    const css = await fetch(link?.attribs?.href ?? '');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const stylesheet = await css.text();
    for (const cls of (anchor?.attribs?.class ?? '').split(' ')) expect(stylesheet).toContain(`.${cls}`);
    expect(stylesheet).toContain('.signet-mark');
    expect(anchor?.attribs?.href).toBe('/login');
    expect(text(anchor ?? { type: 'text' }).trim()).toMatch(/Sign in with Signet$/);
  });

  test(
    'the registration command the page shows registers the app through the CLI',
    async () => {
      const { register } = buttonSnippets(server.issuer);
      const page = await (await fetch(`${server.issuer}/button`)).text();
      expect(page).toContain(register.replaceAll('"', '&#34;'));
      const created = jsonLine(await runShellBlock(register, server.issuer, server.dataDir));
      expect(created).toEqual({ client_id: expect.any(String), client_secret: expect.any(String) });
    },
    TIMEOUT,
  );

  test(
    "Next.js: the route handlers type-check as a Next app compiles them (strict), against openid-client's types",
    async () => {
      expect(await typeCheckNextSnippet(buttonSnippets(server.issuer).nextFiles)).toEqual([]);
      expect(await typeCheckNextSnippet(buttonSnippets('https://id.example.com').nextFiles)).toEqual([]);
    },
    TIMEOUT,
  );

  relyingPartySnippets(
    () => ({
      issuer: server.issuer,
      createClient: (uri) => server.signet.clients.create({ name: 'Snippet app', redirectUris: [uri] }),
    }),
    () => ({}),
  );
});

/** The self-signed certificate the proxy presents, as PEM: what the apps and this test are told to trust. */
function proxyCertificate(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(new X509Certificate(socket.getPeerCertificate(true).raw).toString());
      socket.end();
    });
    socket.once('error', reject);
  });
}

describeIf(
  proxyMissing() === undefined,
  '/button snippets on an https issuer (behind a TLS proxy)',
  proxyMissing() ?? '',
  () => {
    let signet: ListeningServer;
    let proxy: TlsProxy;
    let certDir: string;
    const defaultCAs = getCACertificates('default');

    beforeAll(async () => {
      const proxyPort = await freePort();
      signet = await startListeningServer({
        store: 'sqlite',
        issuer: `https://127.0.0.1:${proxyPort}`,
        env: { TRUST_PROXY: '1' },
      });
      proxy = await startTlsProxy(signet.port, proxyPort);
      await signet.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Ada' });
      const pem = await proxyCertificate(proxyPort);
      certDir = await mkdtemp(join(tmpdir(), 'signet-snippet-ca-'));
      await writeFile(join(certDir, 'proxy.pem'), pem);
      // This test's own user agent trusts the proxy the way the apps do (NODE_EXTRA_CA_CERTS), no more.
      setDefaultCACertificates([...defaultCAs, pem]);
    }, TIMEOUT);

    afterAll(async () => {
      setDefaultCACertificates(defaultCAs);
      await stopIfStarted(proxy, (started) => started.stop());
      await stopIfStarted(signet, (started) => started.destroy());
      if (certDir) await rm(certDir, { recursive: true, force: true });
    }, TIMEOUT);

    relyingPartySnippets(
      () => ({
        issuer: signet.issuer,
        createClient: (uri) => signet.signet.clients.create({ name: 'Snippet app', redirectUris: [uri] }),
      }),
      () => ({ NODE_EXTRA_CA_CERTS: join(certDir, 'proxy.pem') }),
    );
  },
);

describe('docs/relying-parties.md: every code block runs, or is the /button snippet it says it is', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ store: 'sqlite' });
  }, TIMEOUT);

  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  }, TIMEOUT);

  const blocks = async () => docBlocks(await readFile(DOC, 'utf8'));
  const block = async (name: string) => {
    const found = (await blocks()).filter((b) => b.name === name);
    expect(found).toHaveLength(1);
    return found[0]?.code ?? '';
  };

  test('every block is marked with a snippet name this test checks', async () => {
    expect((await blocks()).map((b) => `${b.name}:${b.lang}`)).toEqual([
      'client-create:sh',
      'register:sh',
      'express:js',
    ]);
  });

  test(
    'client-create: the CLI registers the app with its back-channel logout URI',
    async () => {
      const result = await runShellBlock(await block('client-create'), server.issuer, server.dataDir);
      const created = jsonLine(result);
      expect(created).toEqual({ client_id: expect.any(String), client_secret: expect.any(String) });
      const shown = jsonLine(
        await runCli(['client', 'show', '--client-id', String(created.client_id)], {
          PATH: process.env.PATH ?? '',
          DATA_DIR: server.dataDir,
        }),
      );
      expect(JSON.stringify(shown)).toContain('https://app.example.com/backchannel-logout');
    },
    TIMEOUT,
  );

  test(
    'register: an initial access token from iat create registers the app at /reg (REGISTRATION unset)',
    async () => {
      const result = await runShellBlock(await block('register'), server.issuer, server.dataDir);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const registered = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(registered).toMatchObject({
        client_id: expect.any(String),
        client_name: 'My App',
        redirect_uris: ['https://app.example.com/callback'],
      });
    },
    TIMEOUT,
  );

  test('express: the server is the /button Express snippet for the development issuer, word for word', async () => {
    expect(await block('express')).toBe(buttonSnippets('http://localhost:3000').node);
  });
});
