// Two-step verification as a person meets it: an authenticator app added on /account (its codes
// computed from the secret the page shows, as the app would), then asked for at sign-in after the
// password. The id_token says how the person signed in (acr, amr); codes are taken once, wrong ones are
// throttled, a recovery code works once and is mailed about, every form needs its token, an operator's
// reset lets the password alone in again, and a password reset leaves the app in place.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Secret, TOTP } from 'otpauth';
import { addAuthenticatorApp } from '../support/two-step.js';
import { BrowserSession, csrfFrom, formAction, hiddenFields } from '../support/browser-session.js';
import { jsonLine, runCli } from '../support/run-cli.js';
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
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtp.js';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { manualClock, type ManualClock } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';

const PASSWORD = 'a kettle on the third floor';
const STEP_MS = 30_000;

export function twoStepSuite(store: StoreKind): void {
  let smtp: TestSmtpServer;
  let server: TestServer & { mongoDb: string };
  let rp: RelyingParty;
  let clock: ManualClock;
  let n = 0;
  const fresh = (tag: string) => `${tag}-${++n}-${store}@example.test`;
  const newBrowser = () => new BrowserSession(server.issuer, { 'x-forwarded-for': `198.51.100.${++n}` });
  /** The code the app shows now, as the server's clock has it. */
  const codeNow = (secret: string) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now() });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    clock = manualClock(Date.now());
    server = await startTestServer({
      store,
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Signet <signet@example.test>', TRUST_PROXY: '1' },
      overrides: { clock: clock.now },
    });
    const c = await server.signet.clients.create({ name: 'Kettle', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
  }, 60_000);
  afterAll(async () => {
    await stopIfStarted(server, (s) => s.destroy());
    await stopIfStarted(smtp, (s) => s.close());
  });

  const subjectsTo = async (to: string, count: number) =>
    (await smtp.mailTo(to, count)).map((m: ReceivedMail) => m.parsed.subject);

  /** A new account with an app added and confirmed on /account: its secret and recovery codes. */
  const enrolled = async () => {
    const email = fresh('mfa');
    const account = await server.signet.accounts.create({ email, password: PASSWORD, emailVerified: true });
    const browser = newBrowser();
    const home = await walkThroughSignIn(browser, `${server.issuer}/account`, email, PASSWORD);
    expect(home.body).toContain('id="two-step-add-form"');
    const { added, secret, confirmed } = await addAuthenticatorApp(browser, server.issuer, home, PASSWORD, codeNow);
    expect(added.status).toBe(200);
    expect(added.body).toContain('<svg');
    expect(secret).toHaveLength(32);
    expect(confirmed.status).toBe(200);
    const codes = [...confirmed.body.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    // The confirming code's step is spent: sign-in tests start at the next one.
    clock.advance(STEP_MS);
    return { email, accountId: account.id, secret, codes: codes as string[], browser };
  };

  /** A sign-in to the relying party up to the page that asks for the second factor. */
  const atCodePage = async (email: string, password = PASSWORD) => {
    const browser = newBrowser();
    // acr is released when asked for (OIDC Core 5.5.1.1); a voluntary request never refuses the sign-in.
    const start = await startAuthorization(rp, 'openid email', 'consent', { acr_values: 'urn:signet:acr:mfa' });
    const login = await browser.follow(start.url);
    const posted = await browser.request(formAction(login.body, '/login'), {
      form: { email, password, csrf: csrfFrom(login.body) },
    });
    expect(posted.status).toBe(303);
    const page = await browser.follow(posted.location ?? '');
    return { browser, start, page };
  };

  const submit = (browser: BrowserSession, page: { body: string }, code: string, csrf = csrfFrom(page.body)) =>
    browser.request(formAction(page.body, '/two-step'), { form: { csrf, code } });

  /** From the code's answer on to the relying party: consent, callback, tokens. */
  const finish = async (browser: BrowserSession, start: Parameters<typeof exchange>[1], location: string) =>
    exchange(rp, start, await toCallback(browser, location));

  test('password then code: the id_token says mfa with otp; the code is taken once; the owner is mailed', async () => {
    const { email, secret } = await enrolled();
    expect(await subjectsTo(email, 2)).toEqual(
      expect.arrayContaining([
        'Two-step verification: an authenticator app was added',
        'Two-step verification: new recovery codes',
      ]),
    );
    const { browser, start, page } = await atCodePage(email);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Two-step verification');
    const code = codeNow(secret);
    const answered = await submit(browser, page, code);
    expect(answered.status).toBe(303);
    const tokens = await finish(browser, start, answered.location ?? '');
    expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:mfa', amr: ['pwd', 'otp', 'mfa'] });
    // The same code in another sign-in, within its step: refused.
    const again = await atCodePage(email);
    const replayed = await submit(again.browser, again.page, code);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toContain('That code is not right');
  });

  test('step-up: a password session asked for mfa by acr_values gets only the code page, then acr mfa', async () => {
    // The session signed in with the password alone before the app was added (on /account).
    const { secret, browser } = await enrolled();
    const plain = await startAuthorization(rp, 'openid email', 'consent', { acr_values: 'urn:signet:acr:pwd' });
    const sso = await finish(browser, plain, plain.url);
    expect(sso.claims()).toMatchObject({ acr: 'urn:signet:acr:pwd', amr: ['pwd'] });

    const start = await startAuthorization(rp, 'openid email', 'consent', { acr_values: 'urn:signet:acr:mfa' });
    const page = await browser.follow(start.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('/two-step"');
    expect(page.body).not.toContain('/login"');
    const answered = await submit(browser, page, codeNow(secret));
    expect(answered.status).toBe(303);
    const tokens = await finish(browser, start, answered.location ?? '');
    expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:mfa', amr: ['pwd', 'otp', 'mfa'] });
    // An API sees the same in introspection, and can require it for its own scopes.
    const seen = await introspect(server.issuer, rp, tokens.access_token);
    expect(seen).toMatchObject({ active: true, acr: 'urn:signet:acr:mfa', auth_time: expect.any(Number) });
    expect((await introspect(server.issuer, rp, sso.access_token)).acr).toBe('urn:signet:acr:pwd');
    // The session now meets it: asked again, no page at all.
    clock.advance(STEP_MS);
    const again = await startAuthorization(rp, 'openid email', 'consent', { acr_values: 'urn:signet:acr:mfa' });
    expect((await finish(browser, again, again.url)).claims()).toMatchObject({ acr: 'urn:signet:acr:mfa' });
  });

  test('a client that requires a second factor: stepped up where the account has one, offered one where it has none', async () => {
    const strict = await server.signet.clients.create({
      name: 'Vault',
      redirectUris: [REDIRECT_URI],
      requireMfa: true,
    });
    const vault = await relyingParty(server.issuer, strict.client_id, strict.client_secret ?? '');
    // An account with an app, whose session signed in with the password alone: only the code is asked.
    const { secret, browser } = await enrolled();
    const start = await startAuthorization(vault, 'openid email');
    const page = await browser.follow(start.url);
    expect(page.body).toContain('/two-step"');
    const answered = await submit(browser, page, codeNow(secret));
    const tokens = await exchange(vault, start, await toCallback(browser, answered.location ?? ''));
    expect(tokens.claims()).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });

    // An account without one: its password is right, but this client is not signed in to before the
    // account adds one (test/integration/two-step-enroll.suite.ts walks that).
    const email = fresh('nofactor');
    await server.signet.accounts.create({ email, password: PASSWORD });
    const other = newBrowser();
    const attempt = await startAuthorization(vault, 'openid email');
    const login = await other.follow(attempt.url);
    const offered = await other.request(formAction(login.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    expect(offered.status).toBe(303);
    const offer = await other.follow(offered.location ?? '');
    expect(offer.body).toContain('Two-step verification needed');
    expect(offer.body).toContain('/enroll"');
    // The same account signs in to a client without the requirement, with its password alone.
    const easy = await startAuthorization(rp, 'openid email');
    const easyLogin = await other.follow(easy.url);
    const posted = await other.request(formAction(easyLogin.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(easyLogin.body) },
    });
    expect(posted.status).toBe(303);
    expect((await finish(other, easy, posted.location ?? '')).claims()).toMatchObject({ amr: ['pwd'] });
    // And with that password session, the strict client still wants a factor: the password first.
    const again = await other.follow((await startAuthorization(vault, 'openid email')).url);
    expect(again.status).toBe(200);
    expect(again.body).toContain('Two-step verification needed');
    expect(again.body).toContain('type="password"');
  });

  test('discovery offers the mfa class', async () => {
    const meta = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta.acr_values_supported).toEqual(['urn:signet:acr:pwd', 'urn:signet:acr:mfa']);
  });

  test('wrong codes are counted: soon 429 with the page, even for the right code', async () => {
    const { email, secret } = await enrolled();
    const { browser, page } = await atCodePage(email);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await submit(browser, page, '000000')).status);
    expect(statuses).toEqual([200, 200, 429]);
    const locked = await submit(browser, page, codeNow(secret));
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(locked.body).toContain('action="/interaction/');
  });

  test('a recovery code signs in once (amr without otp) and the owner is mailed', async () => {
    const { email, codes } = await enrolled();
    const [code] = codes;
    const { browser, start, page } = await atCodePage(email);
    const answered = await submit(browser, page, String(code).toUpperCase());
    expect(answered.status).toBe(303);
    const tokens = await finish(browser, start, answered.location ?? '');
    expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:mfa', amr: ['pwd', 'mfa'] });
    expect(await subjectsTo(email, 3)).toContain('A recovery code was used to sign in');
    const again = await atCodePage(email);
    expect((await submit(again.browser, again.page, String(code))).body).toContain('That code is not right');
  });

  test('forms without their token are refused: the code, and adding an app', async () => {
    const { email, secret, browser: accountBrowser } = await enrolled();
    const { browser, page } = await atCodePage(email);
    expect((await submit(browser, page, codeNow(secret), 'x'.repeat(43))).status).toBe(403);
    const forged = await accountBrowser.request(`${server.issuer}/account/two-step/add`, {
      form: { csrf: 'x'.repeat(43), name: 'Evil', password: PASSWORD },
    });
    expect(forged.status).toBe(403);
  });

  test('no way to the code page without the password first', async () => {
    const browser = newBrowser();
    const start = await startAuthorization(rp, 'openid email');
    const login = await browser.follow(start.url);
    const uid = /\/interaction\/([\w-]+)\//.exec(login.body)?.[1] ?? '';
    expect((await browser.request(`${server.issuer}/interaction/${uid}/two-step`)).status).toBe(400);
  });

  test('on /account: the password again for every change; new codes void the old; removing the app turns it off', async () => {
    const { email, accountId, codes, browser } = await enrolled();
    let page = await browser.follow(`${server.issuer}/account?done=twostep`);
    expect(page.body).toContain('Two-step verification is on');
    expect(page.body).toContain('10 recovery codes left.');
    expect(page.body).toContain('An authenticator app was added for two-step verification.');
    const wrong = await browser.request(`${server.issuer}/account/two-step/recovery`, {
      form: { csrf: csrfFrom(page.body), password: 'not the password' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('id="factor-password-error"');
    const fresh = await browser.request(`${server.issuer}/account/two-step/recovery`, {
      form: { csrf: csrfFrom(page.body), password: PASSWORD },
    });
    expect(fresh.status).toBe(200);
    const newCodes = [...fresh.body.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]);
    expect(newCodes).toHaveLength(10);
    const old = await atCodePage(email);
    expect((await submit(old.browser, old.page, String(codes[0]))).status).toBe(200);
    page = await browser.follow(`${server.issuer}/account`);
    const factorId = /\/account\/two-step\/([\w-]+)\/remove/.exec(page.body)?.[1] ?? '';
    const removed = await browser.request(`${server.issuer}/account/two-step/${factorId}/remove`, {
      form: { csrf: csrfFrom(page.body), password: PASSWORD },
    });
    expect(removed.location).toBe(`${server.issuer}/account?done=twostepoff`);
    expect(await subjectsTo(email, 4)).toEqual(
      expect.arrayContaining(['Two-step verification: an authenticator app was removed']),
    );
    const trail = await server.signet.audit.list({ accountId, limit: 30 });
    expect(trail.map((e) => e.type)).toEqual(
      expect.arrayContaining(['factor.added', 'factor.recovery_codes_issued', 'factor.removed']),
    );
    const after = await atCodePage(email);
    expect(after.page.body).not.toContain('/two-step"');
  });

  describe('recovery of the account', () => {
    test('an operator reset (CLI) lets the password alone sign in again, audited and mailed', async () => {
      const { email, accountId } = await enrolled();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATA_DIR: server.dataDir,
        ISSUER: server.issuer,
        LOG_LEVEL: 'silent',
      };
      delete env.MONGODB_URI;
      if (store === 'mongodb') env.MONGODB_URI = mongoTestUri(server.mongoDb);
      Object.assign(env, { SMTP_URL: smtp.url, MAIL_FROM: 'Signet <signet@example.test>' });
      const reset = jsonLine(await runCli(['user', 'mfa', 'reset', '--email', email], env));
      expect(reset).toMatchObject({ id: accountId, factors_removed: 1 });
      expect(await subjectsTo(email, 3)).toContain('Two-step verification was turned off');
      const trail = await server.signet.audit.list({ accountId, limit: 20 });
      expect(trail.find((e) => e.type === 'factor.reset')?.details).toMatchObject({ via: 'cli', factors_removed: 1 });
      const { browser, start, page } = await atCodePage(email);
      expect(page.body).not.toContain('/two-step"');
      const tokens = await finish(browser, start, page.url);
      expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:pwd', amr: ['pwd'] });
    }, 60_000);

    test('a password reset leaves the app: the new password still leads to the code page', async () => {
      const { email, secret } = await enrolled();
      const fresh = 'a new kettle password entirely';
      const browser = newBrowser();
      const login = await browser.follow((await startAuthorization(rp, 'openid email')).url);
      const uid = /\/interaction\/([\w-]+)\//.exec(login.body)?.[1] ?? '';
      const ask = await browser.follow(`${server.issuer}/interaction/${uid}/recover`);
      const asked = await browser.request(formAction(ask.body, '/recover'), {
        form: { email, csrf: csrfFrom(ask.body) },
      });
      const codePage = await browser.follow(asked.location ?? '');
      const mails = await smtp.waitFor((r) =>
        r.some((m) => m.envelopeTo.includes(email) && /reset code/.test(m.parsed.subject ?? '')),
      );
      const mail = mails.find((m) => m.envelopeTo.includes(email) && /reset code/.test(m.parsed.subject ?? ''));
      const mailed = /\b(\d{6})\b/.exec(mail?.parsed.text ?? '')?.[1] ?? '';
      const changed = await browser.request(formAction(codePage.body, '/recover/verify'), {
        form: { ...hiddenFields(codePage.body, '/recover/verify'), code: mailed, password: fresh },
      });
      expect(changed.body).toContain('Your password was changed');
      const posted = await browser.request(formAction(changed.body, '/login'), {
        form: { email, password: fresh, csrf: csrfFrom(changed.body) },
      });
      expect(posted.location).toBe(`${server.issuer}/interaction/${uid}/two-step`);
      const page = await browser.follow(posted.location ?? '');
      expect(page.status).toBe(200);
      expect(page.body).toContain('/two-step"');
      expect((await submit(browser, page, codeNow(secret))).status).toBe(303);
    });
  });
}
