// Passkeys over HTTP, with a software authenticator (real keys, real signatures): added on /account
// behind the password, used alone on the login page (user verification required) and as the second step
// after a password. The id_token and introspection say a phishing-resistant sign-in happened; answers
// are taken once, bound to the site's origin, refused without user verification when alone, refused
// from a cloned authenticator, throttled, CSRF-protected, and a failure never tells why.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BrowserSession, csrfFrom, formAction } from '../support/browser-session.js';
import {
  exchange,
  introspect,
  relyingParty,
  REDIRECT_URI,
  startAuthorization,
  toCallback,
  walkThroughSignIn,
  type RelyingParty,
} from '../support/sign-in.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { assert, createCredential, type SoftCredential } from '../support/soft-authenticator.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { pairedGap, timingTolerance } from '../support/timing.js';

const PASSWORD = 'a lantern by the ferry landing';

/** What a page's attribute holds, as the browser reads it (EJS escapes & < > " '). */
function attribute(body: string, name: string): string {
  const raw = new RegExp(`${name}="([^"]*)"`).exec(body)?.[1] ?? '';
  return raw
    .replaceAll('&#34;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

export function passkeysSuite(store: StoreKind): void {
  let smtp: TestSmtpServer;
  let server: TestServer;
  let rp: RelyingParty;
  let n = 0;
  const fresh = (tag: string) => `${tag}-${++n}-${store}@example.test`;
  const newBrowser = (ip = `198.51.100.${++n % 250}`) => new BrowserSession(server.issuer, { 'x-forwarded-for': ip });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({
      store,
      issuerHost: 'localhost',
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Signet <signet@example.test>', TRUST_PROXY: '1' },
    });
    const c = await server.signet.clients.create({ name: 'Ferry', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
  }, 60_000);
  afterAll(async () => {
    await stopIfStarted(server, (s) => s.destroy());
    await stopIfStarted(smtp, (s) => s.close());
  });

  /** An account with a passkey added on /account: its credential, and the recovery codes page's body. */
  const withPasskey = async (opts: { synced?: boolean } = {}) => {
    const email = fresh('pk');
    const account = await server.signet.accounts.create({ email, password: PASSWORD, emailVerified: true });
    const browser = newBrowser();
    const home = await walkThroughSignIn(browser, `${server.issuer}/account`, email, PASSWORD);
    expect(home.body).toContain('id="passkey-add-form"');
    const page = await browser.request(`${server.issuer}/account/passkeys/add`, {
      form: { csrf: csrfFrom(home.body), name: 'Laptop', password: PASSWORD },
    });
    expect(page.status).toBe(200);
    const options = JSON.parse(attribute(page.body, 'data-options')) as Parameters<typeof createCredential>[0];
    const { credential, response } = createCredential(options, server.issuer, opts);
    const added = await browser.request(`${server.issuer}/account/passkeys/confirm`, {
      form: { csrf: csrfFrom(page.body), response: JSON.stringify(response) },
    });
    return { email, accountId: account.id, credential, added, browser };
  };

  /** The login page of a new authorization request, and the sign-in options its passkey form fetches. */
  const loginPage = async (browser = newBrowser(), extra: Record<string, string> = {}) => {
    const start = await startAuthorization(rp, 'openid email', 'consent', extra);
    const login = await browser.follow(start.url);
    expect(login.status).toBe(200);
    return { browser, start, login };
  };
  const optionsAt = async (browser: BrowserSession, action: string, csrf: string) => {
    const res = await browser.request(`${action}/options`, { form: { csrf } });
    expect(res.status).toBe(200);
    return JSON.parse(res.body) as { challenge: string; rpId: string; allowCredentials?: Array<{ id: string }> };
  };
  const passkeyAction = (body: string) => formAction(body, '/passkey');
  const signInAlone = async (credential: SoftCredential, opts: Parameters<typeof assert>[3] = {}, origin?: string) => {
    // acr is released when asked for (OIDC Core 5.5.1.1).
    const { browser, start, login } = await loginPage(newBrowser(), { acr_values: 'urn:signet:acr:phr' });
    const action = passkeyAction(login.body);
    const options = await optionsAt(browser, action, csrfFrom(login.body));
    const answer = assert(credential, options, origin ?? server.issuer, opts);
    const posted = await browser.request(action, {
      form: { csrf: csrfFrom(login.body), response: JSON.stringify(answer) },
    });
    return { browser, start, posted, answer, action, csrf: csrfFrom(login.body) };
  };

  test('added on /account behind the password: recovery codes once, a mail, listed with its name', async () => {
    const { email, added, browser } = await withPasskey();
    expect(added.status).toBe(200);
    expect([...added.body.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)]).toHaveLength(10);
    const subjects = (await smtp.mailTo(email, 2)).map((m) => m.parsed.subject);
    expect(subjects).toEqual(expect.arrayContaining(['A passkey was added to your account']));
    const home = await browser.follow(`${server.issuer}/account`);
    expect(home.body).toContain('<strong>Laptop</strong>');
    expect(home.body).toContain('/account/passkeys/');
  });

  test('a wrong password adds nothing; the ceremony is bound to its account session', async () => {
    const email = fresh('pk-wrong');
    await server.signet.accounts.create({ email, password: PASSWORD });
    const browser = newBrowser();
    const home = await walkThroughSignIn(browser, `${server.issuer}/account`, email, PASSWORD);
    const wrong = await browser.request(`${server.issuer}/account/passkeys/add`, {
      form: { csrf: csrfFrom(home.body), name: 'X', password: 'not it at all' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).not.toContain('data-options=');
    // An answer with no ceremony opened for this session is refused, whatever it holds.
    const stray = createCredential({ challenge: 'AAAA', rp: { id: 'localhost' }, user: { id: 'x' } }, server.issuer);
    const refused = await browser.request(`${server.issuer}/account/passkeys/confirm`, {
      form: { csrf: csrfFrom(home.body), response: JSON.stringify(stray.response) },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('The passkey was not added.');
  });

  test('alone on the login page: offered with autofill; the id_token and introspection say phr with hwk', async () => {
    const { credential } = await withPasskey();
    const { login } = await loginPage();
    expect(login.body).toContain('autocomplete="username webauthn"');
    expect(login.body).toContain('data-passkey="sign-in"');
    const { browser, start, posted } = await signInAlone(credential);
    expect(posted.status).toBe(303);
    const tokens = await exchange(rp, start, await toCallback(browser, posted.location ?? ''));
    expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:phr', amr: ['hwk', 'user', 'mfa'] });
    const seen = await introspect(server.issuer, rp, tokens.access_token);
    expect(seen).toMatchObject({ active: true, acr: 'urn:signet:acr:phr' });
  });

  test('a synced passkey says swk; discovery lists the phishing-resistant class', async () => {
    const { credential } = await withPasskey({ synced: true });
    const { browser, start, posted } = await signInAlone(credential);
    const tokens = await exchange(rp, start, await toCallback(browser, posted.location ?? ''));
    expect(tokens.claims()?.amr).toEqual(['swk', 'user', 'mfa']);
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as {
      acr_values_supported: string[];
    };
    expect(discovery.acr_values_supported).toContain('urn:signet:acr:phr');
  });

  test('refused alone: without user verification, from another origin, replayed, cloned, or of a disabled account', async () => {
    const { credential, accountId } = await withPasskey();
    const failed = (posted: { status: number; body: string }) => {
      expect(posted.status).toBe(400);
      expect(posted.body).toContain('That passkey did not sign you in.');
    };
    failed((await signInAlone(credential, { userVerified: false })).posted);
    failed((await signInAlone(credential, {}, 'https://signet.example.evil')).posted);
    const good = await signInAlone(credential);
    expect(good.posted.status).toBe(303);
    // The same answer again: its challenge was taken.
    const again = await good.browser.request(good.action, {
      form: { csrf: good.csrf, response: JSON.stringify(good.answer) },
    });
    expect(again.status).toBe(400);
    expect(again.location ?? '').not.toContain('code=');
    // A counter that went backwards: a copy of the key is in use somewhere.
    failed((await signInAlone(credential, { counter: 1 })).posted);
    await server.signet.accounts.setDisabled(accountId, true);
    failed((await signInAlone(credential)).posted);
  });

  test('no enumeration: an unknown passkey fails exactly like a known one with a bad signature (status, page, timing)', async () => {
    const { credential } = await withPasskey();
    const stranger = createCredential(
      { challenge: 'AAAA', rp: { id: 'localhost' }, user: { id: 'c29tZW9uZQ' } },
      server.issuer,
    ).credential;
    const pages = new Set<string>();
    const statuses = new Set<number>();
    const times: Record<'unknown' | 'known', number[]> = { unknown: [], known: [] };
    const attempt = async (kind: 'unknown' | 'known') => {
      const { browser, login } = await loginPage(newBrowser(), { acr_values: 'urn:signet:acr:phr' });
      const action = passkeyAction(login.body);
      const uid = /\/interaction\/([\w-]+)\//.exec(action)?.[1] ?? 'none';
      const options = await optionsAt(browser, action, csrfFrom(login.body));
      const answer =
        kind === 'unknown'
          ? assert(stranger, options, server.issuer)
          : assert(credential, options, server.issuer, { userVerified: false });
      const t0 = process.hrtime.bigint();
      const posted = await browser.request(action, {
        form: { csrf: csrfFrom(login.body), response: JSON.stringify(answer) },
      });
      times[kind].push(Number(process.hrtime.bigint() - t0) / 1e6);
      statuses.add(posted.status);
      pages.add(posted.body.replace(/value="[\w-]{20,}"/g, 'value="TOKEN"').replaceAll(uid, 'UID'));
    };
    await attempt('unknown');
    times.unknown.length = 0;
    for (let i = 0; i < 9; i++) {
      await attempt('unknown');
      await attempt('known');
    }
    expect(statuses).toEqual(new Set([400]));
    expect(pages.size).toBe(1);
    expect(Math.abs(pairedGap(times.known, times.unknown))).toBeLessThan(timingTolerance(times.known, times.unknown));
  });

  test('throttled per address: ten failures are free, then 429 with Retry-After', async () => {
    const ip = '203.0.113.77';
    const stranger = createCredential(
      { challenge: 'AAAA', rp: { id: 'localhost' }, user: { id: 'eA' } },
      server.issuer,
    ).credential;
    let last = { status: 0, headers: new Headers(), body: '' };
    for (let i = 0; i < 12 && last.status !== 429; i++) {
      const { browser, login } = await loginPage(newBrowser(ip));
      if (login.status !== 200) break;
      const action = passkeyAction(login.body);
      const options = await optionsAt(browser, action, csrfFrom(login.body));
      const answer = assert(stranger, options, server.issuer);
      last = await browser.request(action, { form: { csrf: csrfFrom(login.body), response: JSON.stringify(answer) } });
    }
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last.body).toContain('Too many attempts');
  });

  test('CSRF: the options and the answer need the form token; so do adding and removing', async () => {
    const { browser, login } = await loginPage();
    const action = passkeyAction(login.body);
    expect((await browser.request(`${action}/options`, { form: { csrf: 'forged' } })).status).toBe(403);
    expect((await browser.request(action, { form: { response: '{}' } })).status).toBe(403);
    const { browser: owner } = await withPasskey();
    const add = await owner.request(`${server.issuer}/account/passkeys/add`, {
      form: { name: 'X', password: PASSWORD },
    });
    expect(add.status).toBe(403);
  });

  test("as the second step after a password: offered, the options name only the account's passkeys; phr with pwd", async () => {
    const { email, credential } = await withPasskey();
    const other = await withPasskey();
    const { browser, start, login } = await loginPage(newBrowser(), { acr_values: 'urn:signet:acr:mfa' });
    const posted = await browser.request(formAction(login.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    const page = await browser.follow(posted.location ?? '');
    expect(page.body).toContain('/two-step/passkey');
    // No app on this account: the code field is for a recovery code, and says so.
    expect(page.body).toContain('<label for="code">Recovery code</label>');
    const action = formAction(page.body, '/two-step/passkey');
    const options = await optionsAt(browser, action, csrfFrom(page.body));
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([credential.id]);
    // Another account's passkey is no second step for this one.
    const wrong = await browser.request(action, {
      form: { csrf: csrfFrom(page.body), response: JSON.stringify(assert(other.credential, options, server.issuer)) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('That passkey was not accepted.');
    const again = await optionsAt(browser, action, csrfFrom(page.body));
    const right = await browser.request(action, {
      form: {
        csrf: csrfFrom(page.body),
        response: JSON.stringify(assert(credential, again, server.issuer, { userVerified: false })),
      },
    });
    expect(right.status).toBe(303);
    const tokens = await exchange(rp, start, await toCallback(browser, right.location ?? ''));
    expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:phr', amr: ['pwd', 'hwk', 'mfa'] });
  });

  test('removed behind the password: mailed, and with the last factor the recovery codes go too', async () => {
    const { email, browser } = await withPasskey();
    const home = await browser.follow(`${server.issuer}/account`);
    const id = /\/account\/passkeys\/([\w-]+)\/remove/.exec(home.body)?.[1] ?? '';
    const removed = await browser.request(`${server.issuer}/account/passkeys/${id}/remove`, {
      form: { csrf: csrfFrom(home.body), password: PASSWORD },
    });
    expect(removed.status).toBe(303);
    expect(removed.location).toContain('done=passkeyoff');
    const subjects = (await smtp.mailTo(email, 3)).map((m) => m.parsed.subject);
    expect(subjects).toContain('A passkey was removed from your account');
    const after = await browser.follow(`${server.issuer}/account`);
    expect(after.body).not.toContain('/account/passkeys/' + id);
    expect(after.body).not.toContain('recovery-codes-form');
    // The password alone signs in again: no second step is owed.
    const { browser: next, login } = await loginPage();
    const posted = await next.request(formAction(login.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    expect(posted.location ?? '').not.toContain('two-step');
  });

  /** A password sign-in at `party` up to the page it lands on after the password. */
  const afterPassword = async (party: RelyingParty, email: string, extra: Record<string, string> = {}) => {
    const browser = newBrowser();
    const start = await startAuthorization(party, 'openid email', 'consent', extra);
    const login = await browser.follow(start.url);
    const posted = await browser.request(formAction(login.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    return { browser, start, posted, page: await browser.follow(posted.location ?? posted.body) };
  };
  /** Answers the second step's passkey form with `credential`. */
  const passkeyStep = async (browser: BrowserSession, page: { body: string }, credential: SoftCredential) => {
    const action = formAction(page.body, '/two-step/passkey');
    const options = await optionsAt(browser, action, csrfFrom(page.body));
    return browser.request(action, {
      form: { csrf: csrfFrom(page.body), response: JSON.stringify(assert(credential, options, server.issuer)) },
    });
  };

  test('a client that requires a passkey: asked for it alone after the password; an account without one is refused', async () => {
    const strict = await server.signet.clients.create({
      name: 'Bank',
      redirectUris: [REDIRECT_URI],
      requirePasskey: true,
    });
    const bank = await relyingParty(server.issuer, strict.client_id, strict.client_secret ?? '');
    const { email, credential } = await withPasskey();
    const { browser, start, page } = await afterPassword(bank, email, { acr_values: 'urn:signet:acr:phr' });
    expect(page.status).toBe(200);
    // Only the passkey: a code would not be enough for this client.
    expect(page.body).toContain('asks for a passkey for this sign-in');
    expect(page.body).not.toContain('name="code"');
    const done = await passkeyStep(browser, page, credential);
    expect(done.status).toBe(303);
    const tokens = await exchange(bank, start, await toCallback(browser, done.location ?? ''));
    expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:phr', amr: ['pwd', 'hwk', 'mfa'] });
    // A passkey alone goes straight through.
    const alone = await loginPage(newBrowser(), {});
    expect(alone.login.body).toContain('data-passkey="sign-in"');
    // An account with no passkey: the right password, and a page that says what is needed, not signed in.
    const plain = fresh('no-pk');
    await server.signet.accounts.create({ email: plain, password: PASSWORD });
    const refused = await afterPassword(bank, plain);
    expect(refused.posted.status).toBe(403);
    expect(refused.posted.body).toContain('A passkey is needed');
    expect(refused.posted.body).toContain('href="/account"');
  });

  test('acr_values asking for phr steps a multi-factor session up to a passkey, in the same request', async () => {
    const { email, credential, added } = await withPasskey();
    const recovery = /<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/.exec(added.body)?.[1] ?? '';
    // First a sign-in with the password and a recovery code: multi-factor, not phishing-resistant.
    const first = await afterPassword(rp, email, { acr_values: 'urn:signet:acr:mfa' });
    expect(first.page.body).toContain('name="code"');
    const coded = await first.browser.request(formAction(first.page.body, '/two-step'), {
      form: { csrf: csrfFrom(first.page.body), code: recovery },
    });
    expect(coded.status).toBe(303);
    const mfa = await exchange(rp, first.start, await toCallback(first.browser, coded.location ?? ''));
    expect(mfa.claims()?.acr).toBe('urn:signet:acr:mfa');
    // The same browser, asked for phr: only the passkey, no password again.
    const start = await startAuthorization(rp, 'openid email', 'consent', { acr_values: 'urn:signet:acr:phr' });
    const page = await first.browser.follow(start.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('/two-step/passkey');
    expect(page.body).not.toContain('name="password"');
    const done = await passkeyStep(first.browser, page, credential);
    expect(done.status).toBe(303);
    const tokens = await exchange(rp, start, await toCallback(first.browser, done.location ?? ''));
    expect(tokens.claims()?.acr).toBe('urn:signet:acr:phr');
  });

  test('bad input gets a clear page, never a 500', async () => {
    const { browser, login } = await loginPage();
    const action = passkeyAction(login.body);
    for (const response of ['', 'not json', '{"id":1}', JSON.stringify({ id: 'x', rawId: 'x', type: 'public-key' })]) {
      const res = await browser.request(action, { form: { csrf: csrfFrom(login.body), response } });
      expect(res.status).toBe(400);
      expect(res.body).toContain('That passkey did not sign you in.');
    }
  });
}
