// OpenID Back-Channel Logout 1.0, both ends: Signet telling relying parties (the demo app, and a
// client of our own whose endpoint fails once) that a session ended, with retries and an audit trail;
// and the demo app refusing logout tokens it should not believe.

import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createRemoteJWKSet, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { AuditEvent } from '../../src/storage/store.js';
import { developmentSecret, KeySealer } from '../../src/keys/key-encryption.js';
import { loadKeys } from '../../src/keys/key-manager.js';
import { BrowserSession, type Step } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  walkThroughSignIn,
} from '../support/sign-in.js';
import { captureLogLines } from '../support/log-lines.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const PASSWORD = 'correct horse battery staple';
const DEMO = 'signet-demo';
const IAT = 'initial-access-token-for-backchannel-tests';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * Jest runs each test file in a vm context whose globalThis lacks undici's global dispatcher. oidc-provider
 * looks for it there to build its SSRF-protecting dispatcher (lib/helpers/fetch_request.js, getAgent), so under
 * Jest it warns "failed to setup SSRF protection for fetch" and sends back-channel requests without it, while a
 * real `npm start` process always has it. Hand the context the real one (found through a function of the outer
 * realm), so that outbound back-channel calls behave here exactly as they do in a running Signet.
 */
function outboundFetchAsInARealProcess(): void {
  const key = Symbol.for('undici.globalDispatcher.1');
  const outerGlobal = (fetch.constructor as FunctionConstructor)('return globalThis') as () => Record<symbol, unknown>;
  const outer = outerGlobal();
  if (!outer[key]) throw new Error("undici's global dispatcher is missing from the outer realm");
  (globalThis as Record<symbol, unknown>)[key] ??= outer[key];
}

export function backchannelLogoutSuite(store: StoreKind): void {
  let server: TestServer;
  let n = 0;
  /** Back-channel retries Signet asked for: this suite runs them, no timer does. */
  const retries: Array<{ run: () => void; delayMs: number }> = [];
  /** The app's log: an audit event's line is written once the event is in the store. */
  const logs = captureLogLines();

  beforeAll(async () => {
    outboundFetchAsInARealProcess();
    // Dynamic registration: the way (besides writing the store) to give a client a backchannel_logout_uri.
    server = await startTestServer({
      store,
      env: { INITIAL_ACCESS_TOKEN: IAT, LOG_LEVEL: 'info' },
      overrides: { logStream: logs.stream, retryLater: (run, delayMs) => retries.push({ run, delayMs }) },
    });
  });
  afterAll(() => stopIfStarted(server, (s) => s.destroy()));

  const newUser = async () => {
    const email = `bcl${++n}-${store}@example.com`;
    const account = await server.signet.accounts.create({ email, password: PASSWORD });
    return { email, accountId: account.id };
  };

  const backchannelEvents = async (clientId: string, accountId: string): Promise<AuditEvent[]> =>
    (
      await server.signet.audit.list({
        accountId,
        types: ['backchannel_logout.delivered', 'backchannel_logout.failed'],
        limit: 50,
      })
    )
      .filter((e) => e.clientId === clientId)
      .reverse(); // oldest first

  /** Waits for the audit event of this type, client and account to be stored (its log line follows the write). */
  const stored = async (type: AuditEvent['type'], clientId: string, accountId: string): Promise<AuditEvent> => {
    await logs.next((line) => {
      const event = line.audit as Partial<AuditEvent> | undefined;
      return event?.type === type && event.clientId === clientId && event.accountId === accountId;
    });
    const found = (await backchannelEvents(clientId, accountId)).find((e) => e.type === type);
    if (!found) throw new Error(`${type} was logged but is not in the audit store`);
    return found;
  };

  /** Signs in to the demo app the way a browser would: /demo/login, Signet's login and consent, the callback. */
  const signInToDemo = async (email: string): Promise<{ browser: BrowserSession; page: Step & { url: string } }> => {
    const browser = new BrowserSession(server.issuer);
    const seen: string[] = [];
    const page = await walkThroughSignIn(browser, `${server.issuer}/demo/login`, email, PASSWORD, seen);
    expect(seen).toEqual(['login', 'confirm']);
    expect(page.status).toBe(200);
    expect(new URL(page.url).pathname).toBe('/demo');
    expect(page.body).toContain(`Signed in as <strong>${email}</strong>`);
    return { browser, page };
  };

  /** The demo's live sessions of an account: their ids and sids only (a failure message must not print tokens). */
  const demoSessions = async (accountId: string) =>
    (await server.signet.store.oidc.findByAccount('AppSession', accountId))
      .filter((r) => r.payload.kind === 'demo')
      .map((r) => ({ id: r.id, sid: r.payload.sid }));

  const demoPage = async (browser: BrowserSession) => {
    const page = await browser.request(`${server.issuer}/demo`);
    expect(page.status).toBe(200);
    return page.body;
  };
  const expectSignedOutPage = (body: string) => {
    expect(body).not.toContain('Signed in as');
    expect(body).toContain('href="/demo/login"');
    expect(body).toContain('Sign in with Signet');
  };

  /** Ends the Signet session at /session/end (no id_token_hint): the confirmation page, then logout=yes. */
  const endSignetSession = async (browser: BrowserSession) => {
    const confirm = await browser.request(`${server.issuer}/session/end`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Sign out?');
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    expect(action).not.toBe('');
    expect(xsrf).not.toBe('');
    const done = await browser.request(action, { form: { xsrf, logout: 'yes' } });
    expect(done.status).toBe(303);
    return done;
  };

  test("ending the Signet session elsewhere ends the demo app's session through the back channel", async () => {
    const { email, accountId } = await newUser();
    const { browser } = await signInToDemo(email);
    expect(await demoSessions(accountId)).toHaveLength(1);
    expect(browser.cookieNames()).toContain('signet.demo');
    expect(browser.cookieNames()).toContain('signet.session');

    await endSignetSession(browser);

    // The browser still holds the demo's cookie; the session it names is gone on the demo's side.
    expect(browser.cookieNames()).toContain('signet.demo');
    expect(await demoSessions(accountId)).toHaveLength(0);
    expectSignedOutPage(await demoPage(browser));

    await stored('backchannel_logout.delivered', DEMO, accountId);
    expect((await backchannelEvents(DEMO, accountId)).map((e) => [e.type, e.details.attempt])).toEqual([
      ['backchannel_logout.delivered', 1],
    ]);
  });

  test('a failed delivery is audited and retried after a second; the retry carries a fresh, proper logout token', async () => {
    const received: Array<{ contentType: string | undefined; form: URLSearchParams; at: number }> = [];
    const endpoint: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          contentType: req.headers['content-type'],
          form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
          at: Date.now(),
        });
        if (received.length === 1) res.writeHead(500, { 'content-type': 'text/plain' }).end('try again later');
        else res.writeHead(200, { 'cache-control': 'no-store' }).end();
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const address = endpoint.address();
      if (!address || typeof address !== 'object') throw new Error('the back-channel endpoint did not bind');
      const backchannelUri = `http://127.0.0.1:${address.port}/backchannel-logout`;

      const reg = await fetch(`${server.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${IAT}` },
        body: JSON.stringify({
          client_name: 'Flaky RP',
          redirect_uris: [REDIRECT_URI],
          backchannel_logout_uri: backchannelUri,
          backchannel_logout_session_required: true,
        }),
      });
      const registered = (await reg.json()) as Record<string, unknown>;
      expect(reg.status).toBe(201);
      expect(registered.backchannel_logout_uri).toBe(backchannelUri);
      const clientId = String(registered.client_id);
      const rp = await relyingParty(server.issuer, clientId, String(registered.client_secret));

      const { email, accountId } = await newUser();
      const start = await startAuthorization(rp, 'openid email');
      const browser = new BrowserSession(server.issuer);
      const tokens = await exchange(rp, start, await authorize(browser, start, email, PASSWORD));
      const sid = tokens.claims()?.sid;
      expect(typeof sid).toBe('string');

      const scheduledBefore = retries.length;
      await endSignetSession(browser);

      const failed = await stored('backchannel_logout.failed', clientId, accountId);
      expect(failed.details).toMatchObject({ attempt: 1, will_retry: true });
      expect(String(failed.details.error)).toContain('500');

      // One retry was asked for, after the first backoff delay; nothing is delivered until it runs.
      expect(retries.slice(scheduledBefore).map((r) => r.delayMs)).toEqual([1_000]);
      expect(received).toHaveLength(1);
      retries[scheduledBefore]?.run();
      const delivered = await stored('backchannel_logout.delivered', clientId, accountId);
      expect(delivered.details).toMatchObject({ attempt: 2 });
      expect((await backchannelEvents(clientId, accountId)).map((e) => [e.type, e.details.attempt])).toEqual([
        ['backchannel_logout.failed', 1],
        ['backchannel_logout.delivered', 2],
      ]);
      expect(failed.accountId).toBe(accountId);
      expect(delivered.accountId).toBe(accountId);

      expect(received).toHaveLength(2);
      const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
      const jtis = new Set<unknown>();
      for (const post of received) {
        expect(post.contentType).toMatch(/^application\/x-www-form-urlencoded/);
        const logoutToken = post.form.get('logout_token');
        expect(typeof logoutToken).toBe('string');
        const { payload, protectedHeader } = await jwtVerify(logoutToken ?? '', jwks, {
          issuer: server.issuer,
          audience: clientId,
        });
        expect(protectedHeader.typ).toBe('logout+jwt');
        expect(payload.iss).toBe(server.issuer);
        expect(payload.aud).toBe(clientId);
        expect(payload.sub).toBe(accountId);
        expect(payload.sid).toBe(sid);
        expect(payload.events).toEqual({ [BACKCHANNEL_EVENT]: {} });
        expect(payload).not.toHaveProperty('nonce');
        expect(typeof payload.iat).toBe('number');
        expect(typeof payload.jti).toBe('string');
        jtis.add(payload.jti);
      }
      expect(jtis.size).toBe(2);
      // Nothing further: the delivered attempt asked for no other retry.
      expect(retries.length).toBe(scheduledBefore + 1);
      expect(received).toHaveLength(2);
    } finally {
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
      endpoint.closeAllConnections();
    }
  });

  test('the demo app refuses forged logout tokens with 400 JSON and ends nothing', async () => {
    const { email, accountId } = await newUser();
    const { browser } = await signInToDemo(email);
    const [session] = await demoSessions(accountId);
    const sid = session?.sid;
    expect(typeof sid).toBe('string');

    // Signet's own current RS256 key, so that a refusal is about the claims and not the signature.
    const keys = await loadKeys(server.signet.store.keys, new KeySealer([developmentSecret(server.dataDir)]), Date.now);
    const jwk = keys.signing.find((k) => k.alg === 'RS256');
    if (!jwk) throw new Error('no RS256 signing key');
    const signetKey = await importJWK(jwk as Parameters<typeof importJWK>[0], 'RS256');
    const strangerKey = (await generateKeyPair('RS256')).privateKey;

    const now = Math.floor(Date.now() / 1000);
    const good = (): JWTPayload => ({
      iss: server.issuer,
      aud: DEMO,
      sub: accountId,
      sid: String(sid),
      iat: now,
      exp: now + 120,
      jti: `jti-${Math.random().toString(36).slice(2)}`,
      events: { [BACKCHANNEL_EVENT]: {} },
    });
    const sign = (payload: JWTPayload, options: { key?: typeof signetKey; typ?: string } = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: options.typ ?? 'logout+jwt' })
        .sign(options.key ?? signetKey);
    const unsecured = (payload: JWTPayload) =>
      `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    const without = (key: string): JWTPayload =>
      Object.fromEntries(Object.entries(good()).filter(([name]) => name !== key));

    const forged: Array<[string, string | undefined]> = [
      ['alg none', unsecured(good())],
      ['a wrong aud', await sign({ ...good(), aud: 'some-other-client' })],
      ['no events', await sign(without('events'))],
      [
        'events without the back-channel logout event',
        await sign({ ...good(), events: { 'https://example.com/other-event': {} } }),
      ],
      ['a nonce (an id_token in disguise)', await sign({ ...good(), nonce: 'n-0S6_WzA2Mj' })],
      ['no sub', await sign(without('sub'))],
      ['a wrong iss', await sign({ ...good(), iss: 'https://evil.example.com' })],
      ['typ JWT', await sign(good(), { typ: 'JWT' })],
      ['a key Signet never had', await sign(good(), { key: strangerKey })],
      ['an old iat', await sign({ ...good(), iat: now - 600, exp: now + 600 })],
      [
        'a tampered payload',
        (await sign(good())).replace(
          /\.([^.]+)\./,
          (_m, p: string) =>
            `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')}.`,
        ),
      ],
      ['no logout_token at all', undefined],
    ];
    for (const [label, token] of forged) {
      const res = await fetch(`${server.issuer}/demo/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(token === undefined ? { something: 'else' } : { logout_token: token }).toString(),
      });
      const body = await res.text();
      expect({ label, status: res.status, type: res.headers.get('content-type') }).toEqual({
        label,
        status: 400,
        type: expect.stringMatching(/^application\/json/),
      });
      const json = JSON.parse(body) as Record<string, unknown>;
      expect({ label, error: json.error }).toEqual({ label, error: 'invalid_request' });
      expect(typeof json.error_description).toBe('string');
    }
    expect(await demoSessions(accountId)).toHaveLength(1);
    expect(await demoPage(browser)).toContain(`Signed in as <strong>${email}</strong>`);

    // The control: the same construction, with nothing wrong, is believed.
    const genuine = await fetch(`${server.issuer}/demo/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: await sign(good()) }).toString(),
    });
    expect(genuine.status).toBe(200);
    expect(await demoSessions(accountId)).toHaveLength(0);
    expectSignedOutPage(await demoPage(browser));
  });
}
