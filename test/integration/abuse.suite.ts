// Brute force, enumeration and oversized input, against a started server on either store.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BrowserSession, csrfFrom, formAction } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  tokenRequest,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { manualClock, type ManualClock } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';
import { median, pairedGap } from '../support/timing.js';
import { basicAuth } from '../support/user-agent.js';

const PASSWORD = 'correct horse battery staple';

export function abuseSuite(store: StoreKind): void {
  let server: TestServer;
  let rp: RelyingParty;
  let clock: ManualClock;

  beforeAll(async () => {
    clock = manualClock(Date.now());
    server = await startTestServer({ store, overrides: { clock: clock.now } });
    const c = await server.signet.clients.create({ name: 'Guarded', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  /** A login page and a function that posts the form on it, each post as a browser would. */
  const loginPage = async () => {
    const browser = new BrowserSession(server.issuer);
    const page = await browser.follow((await startAuthorization(rp)).url);
    const action = formAction(page.body, '/login');
    const csrf = csrfFrom(page.body);
    return (email: string, password: string) => browser.request(action, { form: { email, password, csrf } });
  };

  test('ten wrong passwords lock the account: even the right one then gets 429 with Retry-After; audited; shown on /account', async () => {
    const account = await server.signet.accounts.create({ email: `locked-${store}@example.com`, password: PASSWORD });
    const post = await loginPage();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await post(account.email, `wrong password ${i}`)).status);
      clock.advance(40_000); // past each exponential delay (at most 32 s before the lock), so every failure counts
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    const locked = await post(account.email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(locked.body).toContain('Too many attempts');
    expect(locked.location).toBeNull();

    const events = await server.signet.audit.list({ accountId: account.id, types: ['login.locked'], limit: 5 });
    expect(events).toHaveLength(1);

    clock.advance(16 * 60_000);
    const browser = new BrowserSession(server.issuer);
    let page = await browser.follow(`${server.issuer}/account`);
    const posted = await browser.request(formAction(page.body, '/login'), {
      form: { email: account.email, password: PASSWORD, csrf: csrfFrom(page.body) },
    });
    page = await browser.follow(posted.location ?? '');
    expect(page.body).toContain('signing in was paused');
  });

  test('an unknown email is throttled exactly like a known one (no enumeration through lockouts)', async () => {
    const known = await server.signet.accounts.create({ email: `known-${store}@example.com`, password: PASSWORD });
    const sequence = async (email: string) => {
      const post = await loginPage();
      const out: number[] = [];
      for (let i = 0; i < 11; i++) {
        out.push((await post(email, 'not the password')).status);
        clock.advance(40_000);
      }
      return out;
    };
    expect(await sequence(`ghost-${store}@example.com`)).toEqual(await sequence(known.email));
  });

  test('exponential delay: attempts during the delay are refused before the password is checked', async () => {
    const account = await server.signet.accounts.create({ email: `delay-${store}@example.com`, password: PASSWORD });
    const post = await loginPage();
    for (let i = 0; i < 6; i++) await post(account.email, 'wrong');
    // 6 failures: the next attempt must wait 2^(6-4) = 4 s. Right password or not.
    const early = await post(account.email, PASSWORD);
    expect(early.status).toBe(429);
    expect(Number(early.headers.get('retry-after'))).toBeLessThanOrEqual(4);
    clock.advance(5_000);
    const later = await post(account.email, PASSWORD);
    expect(later.status).toBe(303);
  });

  describe('client authentication throttle', () => clientAuthThrottleTests(store));

  test('oversized input is refused before any work: a 1 MB password, a huge query string', async () => {
    const browser = new BrowserSession(server.issuer);
    const page = await browser.follow((await startAuthorization(rp)).url);
    const huge = await browser.request(formAction(page.body, '/login'), {
      form: { email: 'a@example.com', password: 'x'.repeat(1024 * 1024), csrf: csrfFrom(page.body) },
    });
    expect(huge.status).toBe(413);
    // Past 16 KB Node itself answers 431; between 8 and 16 KB it is ours to refuse.
    const longUrl = await fetch(`${server.issuer}/auth?client_id=${'x'.repeat(10_000)}`);
    expect(longUrl.status).toBe(414);
    const bigJson = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${'x'.repeat(200_000)}`,
    });
    expect(bigJson.status).toBe(400);
  });

  test('a planted session id does not survive login (no session fixation)', async () => {
    await server.signet.accounts.create({ email: `fixation-${store}@example.com`, password: PASSWORD });
    // The attacker gets an anonymous session of their own (a bare logout request makes one)...
    const attacker = new BrowserSession(server.issuer);
    await attacker.request(`${server.issuer}/session/end`);
    const planted = attacker.cookieValue('signet.session');
    const plantedSig = attacker.cookieValue('signet.session.sig');
    expect(planted).toBeDefined();
    // ...and writes it into the victim's browser, who then signs in.
    const victim = new BrowserSession(server.issuer);
    victim.setCookie('signet.session', planted ?? '');
    victim.setCookie('signet.session.sig', plantedSig ?? '');
    const start = await startAuthorization(rp);
    await exchange(rp, start, await authorize(victim, start, `fixation-${store}@example.com`, PASSWORD));
    expect(victim.cookieValue('signet.session')).toBeDefined();
    expect(victim.cookieValue('signet.session')).not.toBe(planted);
    // The attacker's id never became a signed-in session.
    expect((await server.signet.store.oidc.find('Session', planted ?? ''))?.accountId).toBeUndefined();
  });

  test("a login POST with another browser's CSRF token is refused", async () => {
    const mine = new BrowserSession(server.issuer);
    const page = await mine.follow((await startAuthorization(rp)).url);
    const theirs = new BrowserSession(server.issuer);
    await theirs.follow((await startAuthorization(rp)).url);
    const cross = await theirs.request(formAction(page.body, '/login'), {
      form: { email: 'x@example.com', password: PASSWORD, csrf: csrfFrom(page.body) },
    });
    expect(cross.status).toBe(403);
  });

  test('token and account responses are never cached', async () => {
    const res = await tokenRequest(server.issuer, rp, { grant_type: 'refresh_token', refresh_token: 'nope' });
    expect(res.status).toBe(400);
    const token = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=x',
    });
    expect(token.headers.get('cache-control')).toContain('no-store');
    const account = await fetch(`${server.issuer}/account`, { redirect: 'manual' });
    expect(account.headers.get('cache-control')).toBe('no-store');
  });

  test('sign-in still works for everyone else', async () => {
    await server.signet.accounts.create({ email: `fine-${store}@example.com`, password: PASSWORD });
    const start = await startAuthorization(rp);
    const tokens = await exchange(
      rp,
      start,
      await authorize(new BrowserSession(server.issuer), start, `fine-${store}@example.com`, PASSWORD),
    );
    expect(tokens.access_token).toBeDefined();
  });
}

/** The full lock of a client-authentication key (CLIENT_AUTH_POLICY.lockSeconds), as Retry-After says it. */
const LOCK_SECONDS = 900;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Credentials {
  clientId: string;
  secret: string;
}
/** How a request presents its client: HTTP Basic, client_secret_post, or a client assertion (private_key_jwt). */
type Via = 'basic' | 'post' | 'assertion';

/**
 * Client authentication at /token, /token/introspection, /token/revocation and /request (PAR), on a
 * server that trusts one proxy hop, so that X-Forwarded-For lets one test speak from many addresses.
 * Its own clock: the backoff waits are skipped by moving it, never by sleeping.
 */
function clientAuthThrottleTests(store: StoreKind): void {
  let server: TestServer;
  let clock: ManualClock;
  let api: Credentials;
  let service: Credentials;
  let web: Credentials;
  const API = `https://api-${store}.example.test`;

  beforeAll(async () => {
    clock = manualClock(Date.now());
    server = await startTestServer({ store, env: { TRUST_PROXY: 'true' }, overrides: { clock: clock.now } });
    const created = async (input: Parameters<TestServer['signet']['clients']['create']>[0]) => {
      const c = await server.signet.clients.create(input);
      return { clientId: c.client_id, secret: c.client_secret ?? '' };
    };
    api = await created({ type: 'resource-server', name: 'API', resource: API, scope: 'read' });
    service = await created({ type: 'service', name: 'Worker', scope: 'read' });
    web = await created({ name: 'Web', redirectUris: [REDIRECT_URI] });
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  /** A syntactically fine assertion naming the client, signed by nobody: the provider refuses it (401 invalid_client). */
  const forgedAssertion = (clientId: string) => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(clock.now() / 1000);
    return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: clientId, sub: clientId, aud: server.issuer, jti: `${now}-${Math.random()}`, exp: now + 60 })}.${part({ sig: 'none' })}`;
  };

  const call = async (
    path: string,
    client: Credentials,
    form: Record<string, string>,
    from: { ip: string; via?: Via },
  ) => {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': from.ip,
    };
    const body = new URLSearchParams(form);
    const via = from.via ?? 'basic';
    if (via === 'basic') {
      headers.authorization = basicAuth(client.clientId, client.secret);
    } else if (via === 'post') {
      body.set('client_id', client.clientId);
      body.set('client_secret', client.secret);
    } else {
      body.set('client_assertion_type', ASSERTION_TYPE);
      body.set('client_assertion', forgedAssertion(client.clientId));
    }
    const res = await fetch(`${server.issuer}${path}`, { method: 'POST', headers, body: body.toString() });
    const text = await res.text();
    return {
      status: res.status,
      retryAfter: Number(res.headers.get('retry-after') ?? 0),
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    };
  };

  /**
   * Wrong secrets from one address, each sent once the previous answer's Retry-After has passed (on the
   * injected clock), until the throttle answers with a full lock. Resolves with how many failures that took.
   */
  const hammer = async (
    path: string,
    client: Credentials,
    form: Record<string, string>,
    from: { ip: string; via?: Via },
  ) => {
    const wrong = { ...client, secret: 'not-the-secret' };
    let failures = 0;
    for (;;) {
      const res = await call(path, wrong, form, from);
      if (res.status === 429) {
        expect(res.retryAfter).toBeGreaterThan(0);
        if (res.retryAfter >= LOCK_SECONDS) return failures;
        clock.advance(res.retryAfter * 1000);
        continue;
      }
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      failures += 1;
      if (failures > 25)
        throw new Error(`${path} via ${from.via ?? 'basic'}: still not locked after ${failures} failures`);
    }
  };

  const CLIENT_CREDENTIALS = { grant_type: 'client_credentials', scope: 'read', resource: API };
  const par = (client: Credentials) => ({
    client_id: client.clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: REDIRECT_URI,
    code_challenge: 'a'.repeat(43),
    code_challenge_method: 'S256',
  });

  /** The client's own requests, each at its endpoint: a token, introspected, revoked; a pushed authorization request. */
  const clientStillWorks = async (ip: string, via: Exclude<Via, 'assertion'> = 'basic') => {
    const issued = await call('/token', service, CLIENT_CREDENTIALS, { ip, via });
    expect(issued.status).toBe(200);
    const token = String(issued.body.access_token);
    const seen = await call('/token/introspection', api, { token }, { ip, via });
    expect(seen.status).toBe(200);
    expect(seen.body.active).toBe(true);
    expect((await call('/token/revocation', service, { token }, { ip, via })).status).toBe(200);
    expect((await call('/token/introspection', api, { token }, { ip, via })).body.active).toBe(false);
    const pushed = await call('/request', web, par(web), { ip, via });
    expect(pushed.status).toBe(201);
    expect(String(pushed.body.request_uri)).toMatch(/^urn:ietf:params:oauth:request_uri:/);
  };

  test("a stranger's wrong secrets, from one address or many, lock only the stranger out: the client's own requests keep working", async () => {
    const attacker = '203.0.113.7';
    /** The stranger's address is refused, before any secret is looked at. */
    const refusedThere = async (path: string, client: Credentials, form: Record<string, string>) => {
      const refused = await call(path, { ...client, secret: 'another guess' }, form, { ip: attacker });
      expect(refused.status).toBe(429);
      expect(refused.retryAfter).toBeGreaterThan(60);
      expect(refused.body.error).toBe('temporarily_unavailable');
    };
    expect(await hammer('/token', service, CLIENT_CREDENTIALS, { ip: attacker })).toBeLessThanOrEqual(20);
    await refusedThere('/token', service, CLIENT_CREDENTIALS);
    await clientStillWorks('192.0.2.10');
    expect(await hammer('/token/introspection', api, { token: 'x' }, { ip: attacker })).toBeLessThanOrEqual(20);
    await refusedThere('/token/introspection', api, { token: 'x' });
    await clientStillWorks('192.0.2.10');
    // A botnet: one wrong secret from each of many addresses, more than any one address may fail.
    for (let i = 1; i <= 25; i++) {
      expect(
        (await call('/token/revocation', { ...service, secret: 'guess' }, { token: 'x' }, { ip: `198.51.100.${i}` }))
          .status,
      ).toBe(401);
    }
    await clientStillWorks('192.0.2.10');
    // Once the lock has run out, the right secret from the stranger's address is served again.
    clock.advance(LOCK_SECONDS * 1000);
    const served = await call('/token/introspection', api, { token: 'x' }, { ip: attacker });
    expect(served.status).toBe(200);
    expect(served.body.active).toBe(false);
  });

  test('pushed authorization requests (/request) are throttled like the token endpoint', async () => {
    // The guarded paths are every endpoint discovery offers that authenticates clients; device flow and CIBA are off.
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery.pushed_authorization_request_endpoint).toBe(`${server.issuer}/request`);
    expect([discovery.token_endpoint, discovery.introspection_endpoint, discovery.revocation_endpoint]).toEqual(
      ['/token', '/token/introspection', '/token/revocation'].map((path) => `${server.issuer}${path}`),
    );
    expect(discovery.device_authorization_endpoint).toBeUndefined();
    expect(discovery.backchannel_authentication_endpoint).toBeUndefined();
    const attacker = '203.0.113.8';
    expect(await hammer('/request', web, par(web), { ip: attacker })).toBeLessThanOrEqual(20);
    const refused = await call('/request', web, par(web), { ip: attacker });
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBeGreaterThan(60);
    const pushed = await call('/request', web, par(web), { ip: '192.0.2.11' });
    expect(pushed.status).toBe(201);
  });

  test('client_secret_post and client assertions are counted per client too, and their bodies still reach the provider', async () => {
    expect(await hammer('/token', service, CLIENT_CREDENTIALS, { ip: '203.0.113.9', via: 'post' })).toBeLessThanOrEqual(
      20,
    );
    expect(
      await hammer('/token/introspection', api, { token: 'x' }, { ip: '203.0.113.10', via: 'assertion' }),
    ).toBeLessThanOrEqual(20);
    expect(await hammer('/request', web, par(web), { ip: '203.0.113.11', via: 'post' })).toBeLessThanOrEqual(20);
    await clientStillWorks('192.0.2.12', 'post');
  });

  test('a stranger behind the same address, locked out against another client, does not stop this one', async () => {
    const shared = '192.0.2.99';
    const other = await server.signet.clients.create({ type: 'service', name: 'Neighbour', scope: 'read' });
    const neighbour = { clientId: other.client_id, secret: other.client_secret ?? '' };
    expect(await hammer('/token', neighbour, CLIENT_CREDENTIALS, { ip: shared })).toBeLessThanOrEqual(20);
    expect((await call('/token', neighbour, CLIENT_CREDENTIALS, { ip: shared })).status).toBe(429);
    await clientStillWorks(shared);
  });

  test('an oversized or malformed body at a guarded endpoint is a 400, never a 500', async () => {
    const big = await fetch(`${server.issuer}/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=${'x'.repeat(100_000)}`,
    });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { error: string }).error).toBe('invalid_request');
    // Only form bodies are read ahead of the provider; anything else is left to it, untouched.
    const json = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"client_id":"a"}',
    });
    expect(json.status).toBe(400);
    const assertion = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: 'not.a.jwt',
      }).toString(),
    });
    expect(assertion.status).toBe(400);
  });
}

/**
 * Unknown email, wrong password and disabled account must look the same: message, status and time.
 * Attempts are interleaved so machine load affects the three kinds alike; each account sees one
 * attempt, so no throttle interferes.
 */
export function enumerationSuite(store: StoreKind): void {
  test('same message, status and timing for unknown email, wrong password and disabled account', async () => {
    const server = await startTestServer({ store });
    try {
      const c = await server.signet.clients.create({ name: 'Timing', redirectUris: [REDIRECT_URI] });
      const rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
      const rounds = 12;
      const wrong: string[] = [];
      const disabled: string[] = [];
      for (let i = 0; i < rounds; i++) {
        wrong.push(
          (await server.signet.accounts.create({ email: `w${i}-${store}@example.com`, password: PASSWORD })).email,
        );
        const d = await server.signet.accounts.create({ email: `d${i}-${store}@example.com`, password: PASSWORD });
        await server.signet.accounts.setDisabled(d.id, true);
        disabled.push(d.email);
      }
      const browser = new BrowserSession(server.issuer);
      const page = await browser.follow((await startAuthorization(rp)).url);
      const action = formAction(page.body, '/login');
      const csrf = csrfFrom(page.body);
      const attempt = async (email: string, password: string) => {
        const t0 = process.hrtime.bigint();
        const res = await browser.request(action, { form: { email, password, csrf } });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        expect(res.status).toBe(200);
        expect(res.body).toContain('Invalid email or password.');
        return ms;
      };
      await attempt(`warmup-${store}@example.com`, 'x'); // compiles, connects, warms argon2
      const times = { unknown: [] as number[], wrong: [] as number[], disabled: [] as number[] };
      for (let i = 0; i < rounds; i++) {
        times.unknown.push(await attempt(`nobody${i}-${store}@example.com`, PASSWORD));
        times.wrong.push(await attempt(wrong[i] ?? '', 'not the password'));
        times.disabled.push(await attempt(disabled[i] ?? '', PASSWORD));
      }
      const m = { unknown: median(times.unknown), wrong: median(times.wrong), disabled: median(times.disabled) };
      const gaps = [
        pairedGap(times.wrong, times.unknown),
        pairedGap(times.disabled, times.unknown),
        pairedGap(times.disabled, times.wrong),
      ];
      // Every path runs one argon2id verification; what differs is noise, well under the hash itself.
      expect(Math.max(...gaps.map(Math.abs))).toBeLessThan(Math.max(0.25 * m.wrong, 15));
      // And the work is really there: no path answers without hashing.
      expect(Math.min(m.unknown, m.wrong, m.disabled)).toBeGreaterThan(5);
    } finally {
      await server.destroy();
    }
  });
}

/** Behind a TLS-terminating proxy: X-Forwarded-* counts only when TRUST_PROXY says so. */
export function proxySuite(store: StoreKind): void {
  const probe = async (env: Record<string, string>) => {
    const server = await startTestServer({ store, env: { ISSUER: 'https://id.example.test', ...env } });
    try {
      const c = await server.signet.clients.create({ name: 'Proxied', redirectUris: ['https://rp.example.test/cb'] });
      const query = new URLSearchParams({
        client_id: c.client_id,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: 'https://rp.example.test/cb',
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      });
      const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.test' };
      const auth = await fetch(`http://127.0.0.1:${server.port}/auth?${query.toString()}`, {
        redirect: 'manual',
        headers,
      });
      const login = await fetch(new URL(auth.headers.get('location') ?? '/', `http://127.0.0.1:${server.port}`), {
        headers: {
          ...headers,
          cookie: auth.headers
            .getSetCookie()
            .map((l) => l.split(';')[0])
            .join('; '),
        },
      });
      return {
        cookies: [...auth.headers.getSetCookie(), ...login.headers.getSetCookie()],
        hsts: auth.headers.get('strict-transport-security'),
      };
    } finally {
      await server.destroy();
    }
  };

  test('with an https issuer every cookie is Secure, whether the proxy in front is trusted or not', async () => {
    const trusted = await probe({ TRUST_PROXY: 'true' });
    expect(trusted.cookies.length).toBeGreaterThan(0);
    expect(trusted.cookies.every((c) => /;\s*secure/i.test(c))).toBe(true);
    expect(trusted.hsts).toContain('max-age=');
    const untrusted = await probe({});
    expect(untrusted.cookies.length).toBeGreaterThan(0);
    // The issuer decides the scheme: a request that reached us as plain http still gets Secure cookies.
    expect(untrusted.cookies.every((c) => /;\s*secure/i.test(c))).toBe(true);
  });
}
