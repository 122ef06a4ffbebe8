// Issue 5: brute force, enumeration and oversized input, against a started server on either store.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BrowserSession, csrfFrom, formAction } from '../support/browser-session.js';
import { authorize, exchange, REDIRECT_URI, relyingParty, startAuthorization, tokenRequest, type RelyingParty } from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { manualClock, type ManualClock } from '../support/stores.js';

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
    await server?.destroy();
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
    const posted = await browser.request(formAction(page.body, '/login'), { form: { email: account.email, password: PASSWORD, csrf: csrfFrom(page.body) } });
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

  test('client authentication at the token endpoint is throttled per client: 429 with Retry-After', async () => {
    const c = await server.signet.clients.create({ name: 'Target', redirectUris: [REDIRECT_URI] });
    const bad = { clientId: c.client_id, clientSecret: 'guessing' };
    for (let i = 0; i < 20; i++) {
      const r = await tokenRequest(server.issuer, bad, { grant_type: 'refresh_token', refresh_token: 'x' });
      if (r.status === 429) break;
      expect(r.status).toBe(401);
      clock.advance(60_000);
    }
    const blocked = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`,
      },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await blocked.json()) as { error: string }).error).toBe('temporarily_unavailable');
  });

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
    const cross = await theirs.request(formAction(page.body, '/login'), { form: { email: 'x@example.com', password: PASSWORD, csrf: csrfFrom(page.body) } });
    expect(cross.status).toBe(403);
  });

  test('token and account responses are never cached', async () => {
    const res = await tokenRequest(server.issuer, rp, { grant_type: 'refresh_token', refresh_token: 'nope' });
    expect(res.status).toBe(400);
    const token = await fetch(`${server.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=x' });
    expect(token.headers.get('cache-control')).toContain('no-store');
    const account = await fetch(`${server.issuer}/account`, { redirect: 'manual' });
    expect(account.headers.get('cache-control')).toBe('no-store');
  });

  test('sign-in still works for everyone else', async () => {
    await server.signet.accounts.create({ email: `fine-${store}@example.com`, password: PASSWORD });
    const start = await startAuthorization(rp);
    const tokens = await exchange(rp, start, await authorize(new BrowserSession(server.issuer), start, `fine-${store}@example.com`, PASSWORD));
    expect(tokens.access_token).toBeDefined();
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
        wrong.push((await server.signet.accounts.create({ email: `w${i}-${store}@example.com`, password: PASSWORD })).email);
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
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      const m = { unknown: median(times.unknown), wrong: median(times.wrong), disabled: median(times.disabled) };
      const spread = Math.max(m.unknown, m.wrong, m.disabled) - Math.min(m.unknown, m.wrong, m.disabled);
      // Every path runs one argon2id verification; what differs is noise, well under the hash itself.
      expect(spread).toBeLessThan(Math.max(0.25 * m.wrong, 15));
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
      const auth = await fetch(`http://127.0.0.1:${server.port}/auth?${query}`, { redirect: 'manual', headers });
      const login = await fetch(new URL(auth.headers.get('location') ?? '/', `http://127.0.0.1:${server.port}`), {
        headers: { ...headers, cookie: auth.headers.getSetCookie().map((l) => l.split(';')[0]).join('; ') },
      });
      return { cookies: [...auth.headers.getSetCookie(), ...login.headers.getSetCookie()], hsts: auth.headers.get('strict-transport-security') };
    } finally {
      await server.destroy();
    }
  };

  test('with TRUST_PROXY, cookies behind an https proxy are Secure; without it, forwarded headers are ignored', async () => {
    const trusted = await probe({ TRUST_PROXY: 'true' });
    expect(trusted.cookies.length).toBeGreaterThan(0);
    expect(trusted.cookies.every((c) => /;\s*secure/i.test(c))).toBe(true);
    expect(trusted.hsts).toContain('max-age=');
    const untrusted = await probe({});
    expect(untrusted.cookies.length).toBeGreaterThan(0);
    expect(untrusted.cookies.some((c) => /;\s*secure/i.test(c))).toBe(false);
  });
}
