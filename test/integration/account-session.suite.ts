// The account page's and the demo app's own sessions, over HTTP with a cookie jar: bound to the provider
// session they came from and to the account's password (CONTRACT.md, "Browser pages"), CSRF tokens
// bound to the session a form acts on, Secure `__Host-` cookies with an https issuer, and the demo's
// tokens sealed at rest.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { developmentSecret, KeySealer } from '../../src/keys/key-encryption.js';
import { BrowserSession, csrfFrom, formAction, hiddenFields, type Step } from '../support/browser-session.js';
import { jsonLine, runCli } from '../support/run-cli.js';
import { startListeningServer } from '../support/listening-server.js';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { walkThroughSignIn } from '../support/sign-in.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a completely different passphrase';
const ENDED = 'Your account session has ended';
const DEMO_ENDED = 'Your demo app session has ended';

export function accountSessionSuite(store: StoreKind): void {
  let server: TestServer & { mongoDb: string };
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer({ store });
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  const newUser = async () => {
    const email = `as${++n}-${store}@example.com`;
    const account = await server.signet.accounts.create({ email, password: PASSWORD });
    return { email, accountId: account.id };
  };

  /** The admin CLI as an operator runs it, on the server's store, in a process of its own. */
  const cli = (args: string[], stdin = '') => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: server.dataDir, LOG_LEVEL: 'silent' };
    delete env.MONGODB_URI;
    if (store === 'mongodb') env.MONGODB_URI = mongoTestUri(server.mongoDb);
    return runCli(args, env, stdin);
  };

  /** Walks Signet's login (and consent, for the demo) pages from `start`; resolves with the page it lands on. */
  const walk = (browser: BrowserSession, start: string, email: string, password = PASSWORD) =>
    walkThroughSignIn(browser, start, email, password);

  /** A browser signed in to the demo app and then (single sign-on, no second login) to the account page. */
  const signedInBrowser = async (email: string) => {
    const browser = new BrowserSession(server.issuer);
    const demo = await walk(browser, `${server.issuer}/demo/login`, email);
    expect(new URL(demo.url).pathname).toBe('/demo');
    expect(demo.body).toContain(`Signed in as <strong>${email}</strong>`);
    const account = await browser.follow(`${server.issuer}/account`);
    expect({ status: account.status, path: new URL(account.url).pathname }).toEqual({ status: 200, path: '/account' });
    expect(account.body).toContain(email);
    return { browser, accountCsrf: csrfFrom(account.body), demoCsrf: csrfFrom(demo.body) };
  };

  /** The account page's and the demo's sessions are over: fresh sign-in, signed-out page, friendly 401s. */
  const expectEnded = async (browser: BrowserSession, csrf: { accountCsrf: string; demoCsrf: string }) => {
    const account = await browser.request(`${server.issuer}/account`);
    expect(account.status).toBe(303);
    expect(account.location).toMatch(new RegExp(`^${server.issuer}/auth\\?`));
    const revoke = await browser.request(`${server.issuer}/account/apps/signet-demo/revoke`, {
      form: { csrf: csrf.accountCsrf },
    });
    expect(revoke.status).toBe(401);
    expect(revoke.body).toContain(ENDED);

    const demo = await browser.request(`${server.issuer}/demo`);
    expect(demo.status).toBe(200);
    expect(demo.body).not.toContain('Signed in as');
    expect(demo.body).toContain('href="/demo/login"');
    const refresh = await browser.request(`${server.issuer}/demo/refresh`, { form: { csrf: csrf.demoCsrf } });
    expect(refresh.status).toBe(401);
    expect(refresh.body).toContain(DEMO_ENDED);
  };

  const liveAppSessions = async (accountId: string) =>
    (await server.signet.store.oidc.findByAccount('AppSession', accountId)).filter((r) => r.payload.kind !== 'pending');

  test('a password set with the CLI ends the account page and the demo app on their next request', async () => {
    const { email, accountId } = await newUser();
    const signedIn = await signedInBrowser(email);
    expect(await liveAppSessions(accountId)).toHaveLength(2);

    const changed = jsonLine(
      await cli(['user', 'set-password', '--email', email, '--password-stdin'], `${NEW_PASSWORD}\n`),
    );
    expect(changed).toMatchObject({ id: accountId });

    await expectEnded(signedIn.browser, signedIn);
    expect(await liveAppSessions(accountId)).toHaveLength(0);
    // The fresh sign-in asks for the password, and takes only the new one.
    const again = await walk(signedIn.browser, `${server.issuer}/account`, email, NEW_PASSWORD);
    expect({ status: again.status, path: new URL(again.url).pathname }).toEqual({ status: 200, path: '/account' });
  });

  test('a password changed on the account page of another device ends this one', async () => {
    const { email } = await newUser();
    const here = await signedInBrowser(email);
    const elsewhere = new BrowserSession(server.issuer);
    const page = await walk(elsewhere, `${server.issuer}/account`, email);
    expect(new URL(page.url).pathname).toBe('/account');
    const changed = await elsewhere.request(`${server.issuer}/account/password`, {
      form: {
        csrf: csrfFrom(page.body),
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
        confirm_password: NEW_PASSWORD,
      },
    });
    expect({ status: changed.status, location: changed.location }).toEqual({
      status: 303,
      location: `${server.issuer}/account?done=password`,
    });
    expect(await server.signet.accounts.authenticate(email, NEW_PASSWORD)).toBeDefined();

    await expectEnded(here.browser, here);
    // The device that changed it signs in again too, with the new password, and then sees why.
    const back = await walk(elsewhere, changed.location ?? '', email, NEW_PASSWORD);
    expect(new URL(back.url).pathname + new URL(back.url).search).toBe('/account?done=password');
    expect(back.body).toContain('Your password was changed');
  });

  test('a password hash changed in the store alone (no session ended) still ends them: the fingerprint differs', async () => {
    const { email, accountId } = await newUser();
    const signedIn = await signedInBrowser(email);
    // As if another node had just written the new password and not yet ended the sessions.
    const other = await server.signet.store.accounts.findById(accountId);
    const sibling = await server.signet.accounts.create({ email: `hash-${email}`, password: NEW_PASSWORD });
    await server.signet.store.accounts.update(accountId, { passwordHash: sibling.passwordHash }, Date.now());
    expect(other?.passwordHash).not.toBe(sibling.passwordHash);
    await expectEnded(signedIn.browser, signedIn);
  });

  test("signing out of Signet at end_session ends the account page's session", async () => {
    const { email } = await newUser();
    const signedIn = await signedInBrowser(email);
    const confirm = await signedIn.browser.request(`${server.issuer}/session/end`);
    expect(confirm.body).toContain('Sign out?');
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    expect((await signedIn.browser.request(action, { form: { xsrf, logout: 'yes' } })).status).toBe(303);

    await expectEnded(signedIn.browser, signedIn);
    // No provider session left either: the fresh sign-in is a login page, not single sign-on.
    const login = await signedIn.browser.follow(`${server.issuer}/account`);
    expect(new URL(login.url).pathname).toMatch(/^\/interaction\//);
    expect(login.body).toContain('type="password"');
  });

  test('user disable (CLI) ends them', async () => {
    const { email, accountId } = await newUser();
    const signedIn = await signedInBrowser(email);
    expect(jsonLine(await cli(['user', 'disable', '--email', email]))).toEqual({ id: accountId, disabled: true });
    await expectEnded(signedIn.browser, signedIn);
  });

  test("ending this device's provider session from the account page ends the page itself", async () => {
    const { email, accountId } = await newUser();
    const { browser, accountCsrf, demoCsrf } = await signedInBrowser(email);
    const [providerSession] = await server.signet.store.oidc.findByAccount('Session', accountId);
    const page = await browser.request(`${server.issuer}/account`);
    // This device is the one marked, and it is the provider session the page is bound to.
    expect(page.body).toMatch(
      new RegExp(`this device</span>[\\s\\S]*?action="/account/sessions/${providerSession?.id}/end"`),
    );
    const ended = await browser.request(`${server.issuer}/account/sessions/${providerSession?.id}/end`, {
      form: { csrf: accountCsrf },
    });
    expect(ended.status).toBe(303);
    await expectEnded(browser, { accountCsrf, demoCsrf });
  });

  test('a CSRF token (and cookies) obtained in another browser, signed in or anonymous, are refused', async () => {
    const victim = await newUser();
    const { browser } = await signedInBrowser(victim.email);
    const [target] = await server.signet.store.oidc.findByAccount('Session', victim.accountId);
    const end = `${server.issuer}/account/sessions/${target?.id}/end`;

    // The attacker's own account page: its form token and every cookie it came with except the session's.
    const attacker = await newUser();
    const theirs = new BrowserSession(server.issuer);
    const theirPage = await walk(theirs, `${server.issuer}/account`, attacker.email);
    // An anonymous page with a form: a login page nobody signed in to.
    const anonymous = new BrowserSession(server.issuer);
    const loginPage = await anonymous.follow(`${server.issuer}/account`);
    expect(loginPage.body).toContain('type="password"');

    for (const [source, page] of [
      [theirs, theirPage],
      [anonymous, loginPage],
    ] as const) {
      for (const name of source.cookieNames().filter((c) => /csrf/i.test(c)))
        browser.setCookie(name, source.cookieValue(name) ?? '');
      const forged = await browser.request(end, { form: { csrf: csrfFrom(page.body) } });
      expect(forged.status).toBe(403);
      expect(forged.body).toContain('This form has expired or was not sent from this site');
    }
    expect((await server.signet.store.oidc.findByAccount('Session', victim.accountId)).map((s) => s.id)).toContain(
      target?.id,
    );
    // The victim's own page still works, with its own token.
    const own = await browser.request(`${server.issuer}/account`);
    expect(own.status).toBe(200);
    expect((await browser.request(end, { form: { csrf: csrfFrom(own.body) } })).status).toBe(303);
  });

  test('the login form refuses the token of another interaction', async () => {
    const { email } = await newUser();
    const attacker = new BrowserSession(server.issuer);
    const theirs = await attacker.follow(`${server.issuer}/account`);
    const victim = new BrowserSession(server.issuer);
    const mine = await victim.follow(`${server.issuer}/account`);
    expect(formAction(theirs.body, '/login')).not.toBe(formAction(mine.body, '/login'));
    for (const name of attacker.cookieNames().filter((c) => /csrf/i.test(c)))
      victim.setCookie(name, attacker.cookieValue(name) ?? '');
    const forged = await victim.request(formAction(mine.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(theirs.body) },
    });
    expect(forged.status).toBe(403);
    const own = await victim.request(formAction(mine.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(mine.body) },
    });
    expect(own.status).toBe(303);
  });

  test("the demo app's access and refresh tokens are sealed in the store, never in clear", async () => {
    const { email, accountId } = await newUser();
    await signedInBrowser(email);
    const [record] = (await server.signet.store.oidc.findByAccount('AppSession', accountId)).filter(
      (r) => r.payload.kind === 'demo',
    );
    expect(record).toBeDefined();
    const raw = JSON.stringify(record?.payload);
    expect(typeof record?.payload.sealedTokens).toBe('string');
    const opened = JSON.parse(
      new KeySealer([developmentSecret(server.dataDir)]).open(
        String(record?.payload.sealedTokens),
        `app-session:${record?.id}`,
      ),
    ) as {
      accessToken: string;
      refreshToken: string;
    };
    for (const token of [opened.accessToken, opened.refreshToken]) {
      expect(token).toEqual(expect.any(String));
      expect(raw.includes(token)).toBe(false);
    }
    // What was sealed is the live access token.
    const userinfo = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${opened.accessToken}` } });
    expect(userinfo.status).toBe(200);
    // Bound to its record: moved onto another id, the blob does not open.
    expect(() =>
      new KeySealer([developmentSecret(server.dataDir)]).open(
        String(record?.payload.sealedTokens),
        'app-session:another',
      ),
    ).toThrow();
  });

  test('with an https issuer every cookie of the account page and the demo is Secure and __Host-, whatever the request scheme', async () => {
    const issuer = 'https://signet.example';
    const behind = await startListeningServer({ store, issuer, env: { TRUST_PROXY: '1' } });
    try {
      const email = `https-${store}@example.com`;
      await behind.signet.accounts.create({ email, password: PASSWORD });
      const browser = new BrowserSession(behind.origin);
      const setCookies: string[] = [];
      // What the proxy would do: the browser speaks https to the issuer; Signet gets http with X-Forwarded-Proto.
      const send = async (url: string, form?: Record<string, string>): Promise<Step> => {
        const step = await browser.request(url.replace(issuer, behind.origin), {
          headers: { 'x-forwarded-proto': 'https' },
          ...(form ? { form } : {}),
        });
        setCookies.push(...step.headers.getSetCookie());
        return step;
      };
      const follow = async (url: string) => {
        let step = await send(url);
        const ours = (location: string | null): location is string =>
          Boolean(location?.startsWith(issuer) || location?.startsWith(behind.origin));
        for (let hops = 0; hops < 10 && ours(step.location); hops++) step = await send(step.location);
        return step;
      };
      const signIn = async (start: string) => {
        let page = await follow(start);
        for (let step = 0; step < 3 && page.body.includes('action="/interaction/'); step++) {
          const kind = page.body.includes('/login"') ? 'login' : 'confirm';
          const form =
            kind === 'login'
              ? { email, password: PASSWORD, csrf: csrfFrom(page.body) }
              : hiddenFields(page.body, '/confirm');
          const posted = await send(formAction(page.body, `/${kind}`), form);
          page = await follow(posted.location ?? '');
        }
        return page;
      };
      expect((await signIn(`${issuer}/demo/login`)).body).toContain(`Signed in as <strong>${email}</strong>`);
      const account = await follow(`${issuer}/account`);
      expect(account.status).toBe(200);
      expect(account.body).toContain(email);

      // A request that reached Signet as plain http (a proxy that dropped X-Forwarded-Proto): still Secure.
      const plain = await new BrowserSession(behind.origin).request(`${behind.origin}/account`);
      expect(plain.status).toBe(303);
      expect(plain.location).toMatch(new RegExp(`^${issuer}/auth\\?`));
      setCookies.push(...plain.headers.getSetCookie());

      // Signet's own page cookies (the provider's signet.session, signet.interaction and signet.resume are not these).
      const ours = setCookies.filter(
        (line) => !/^signet\.(session|interaction|resume)(\.legacy)?(\.sig)?=/.test(line.replace(/^__Host-/, '')),
      );
      const names = new Set(ours.map((line) => line.slice(0, line.indexOf('='))));
      for (const expected of [
        '__Host-signet.account',
        '__Host-signet.account.login',
        '__Host-signet.demo',
        '__Host-signet.demo.login',
      ]) {
        expect(names).toContain(expected);
        expect(names).toContain(`${expected}.sig`);
      }
      for (const line of ours) {
        expect({ line, host: line.startsWith('__Host-') }).toEqual({ line, host: true });
        expect(line).toMatch(/;\s*secure\s*(;|$)/i);
        expect(line).toMatch(/;\s*path=\/\s*(;|$)/i);
        expect(line).not.toMatch(/;\s*domain=/i);
        expect(line).toMatch(/;\s*httponly\s*(;|$)/i);
        expect(line).toMatch(/;\s*samesite=lax\s*(;|$)/i);
      }
    } finally {
      await behind.destroy();
    }
  });
}
