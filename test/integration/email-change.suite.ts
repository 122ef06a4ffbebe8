// Changing the address an account signs in with, on /account, as a person does it: the password again,
// then a code read from a mail a real SMTP server received at the new address. The old address is told
// and may undo the change for 3 days, through a link that only shows a page (a mail scanner's GET
// changes nothing) and a button that signs everyone out. An address another account has gets the same
// answer as a free one; every form needs its CSRF token, and mails are throttled per address.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { BrowserSession, csrfFrom, formAction, hiddenFields } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  introspect,
  relyingParty,
  REDIRECT_URI,
  startAuthorization,
  walkThroughSignIn,
  type RelyingParty,
} from '../support/sign-in.js';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtp.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const PASSWORD = 'a lantern on the north pier';
/** The undo page's form, whatever its token. */
const UNDO_FORM = '/account/email/undo/[\\w-]{43}';

/** The one six-digit code in a mail's text part. */
function codeIn(mail: ReceivedMail | undefined): string {
  const found = /\b(\d{6})\b/.exec(mail?.parsed.text ?? '');
  if (!found?.[1]) throw new Error(`no code in mail "${String(mail?.parsed.subject)}"`);
  return found[1];
}

/** The way back in the mail to the old address. */
function undoLinkIn(mail: ReceivedMail | undefined): string {
  const found = /(https?:\/\/\S+\/account\/email\/undo\/[\w-]+)/.exec(mail?.parsed.text ?? '');
  if (!found?.[1]) throw new Error('no undo link in the mail');
  return found[1];
}

export function emailChangeSuite(store: StoreKind): void {
  let smtp: TestSmtpServer;
  let server: TestServer;
  let rp: RelyingParty;
  let n = 0;
  let hosts = 0;
  /** A fresh address per test, so one test's throttles never meet another's. */
  const fresh = (tag: string) => `${tag}-${++n}-${store}@example.test`;
  /** A browser at an address no other test uses (X-Forwarded-For behind TRUST_PROXY). */
  const newBrowser = () => new BrowserSession(server.issuer, { 'x-forwarded-for': `203.0.113.${++hosts}` });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({
      store,
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Signet <signet@example.test>', TRUST_PROXY: '1' },
    });
    const c = await server.signet.clients.create({ name: 'Pier', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
  }, 60_000);
  afterAll(async () => {
    await stopIfStarted(server, (s) => s.destroy());
    await stopIfStarted(smtp, (s) => s.close());
  });

  /** A new account signed in to /account, on the "Change email" page. */
  const onEmailPage = async () => {
    const email = fresh('old');
    const account = await server.signet.accounts.create({ email, password: PASSWORD, emailVerified: true });
    const browser = newBrowser();
    const home = await walkThroughSignIn(browser, `${server.issuer}/account`, email, PASSWORD);
    expect(home.body).toContain('href="/account/email"');
    const page = await browser.follow(`${server.issuer}/account/email`);
    expect(page.status).toBe(200);
    return { browser, email, accountId: account.id, csrf: csrfFrom(page.body) };
  };

  const ask = (browser: BrowserSession, form: Record<string, string>) =>
    browser.request(`${server.issuer}/account/email`, { form });

  /** Asks for `to`, then follows to the code page. */
  const askFor = async (browser: BrowserSession, csrf: string, to: string) => {
    const posted = await ask(browser, { csrf, email: to, password: PASSWORD });
    expect(posted.status).toBe(303);
    expect(posted.location).toMatch(/\/account\/email\/verify\?flow=[\w-]+$/);
    const codePage = await browser.follow(posted.location ?? '');
    expect(codePage.status).toBe(200);
    return codePage;
  };

  const submitCode = (browser: BrowserSession, codePage: { body: string }, code: string) =>
    browser.request(formAction(codePage.body, '/account/email/verify'), {
      form: { ...hiddenFields(codePage.body, '/account/email/verify'), code },
    });

  /** A whole change from a signed-in page to `to`; resolves with what the tests look at afterwards. */
  const changed = async () => {
    const start = await onEmailPage();
    const to = fresh('new');
    const codePage = await askFor(start.browser, start.csrf, to);
    const done = await submitCode(start.browser, codePage, codeIn((await smtp.mailTo(to))[0]));
    expect({ status: done.status, location: done.location }).toEqual({
      status: 303,
      location: `${server.issuer}/account?done=email`,
    });
    return { ...start, to, done };
  };

  test('the new address proven by the mailed code: changed, verified, audited, a notice, the old address told', async () => {
    const { browser, email, accountId, to, done } = await changed();
    const page = await browser.follow(done.location ?? '');
    expect(page.body).toContain('Your email address was changed.');
    expect(page.body).toContain('The email address you sign in with was changed.');
    expect(page.body).toContain(to);

    expect(await server.signet.accounts.findById(accountId)).toMatchObject({ email: to, emailVerified: true });
    expect(await server.signet.accounts.lookup(email)).toBeUndefined();
    const [event] = await server.signet.audit.list({ accountId, types: ['account.updated'], limit: 1 });
    expect(event?.details).toMatchObject({ via: 'account-page', fields: ['email'] });
    expect(JSON.stringify(event)).not.toContain(to);
    const [started] = await server.signet.audit.list({ accountId, types: ['email_change.started'], limit: 1 });
    expect(started?.details).toMatchObject({ email_sha256: expect.any(String) });

    const [code] = await smtp.mailTo(to);
    expect(code?.parsed.subject).toBe('Your code to change your email address');
    expect(code?.parsed.subject).not.toMatch(/\d{6}/);
    const [told] = await smtp.mailTo(email);
    expect(told?.parsed.subject).toBe('Your email address was changed');
    expect(told?.parsed.text).toContain(`to ${email}. The link leads only to ${server.issuer}`);
    // Each mail's small print names the address it was sent to, so a forwarded one still says whose it was.
    expect(code?.parsed.text).toContain(`to ${to}. Signet never asks`);
    expect(undoLinkIn(told)).toMatch(new RegExp(`^${server.issuer}/account/email/undo/[\\w-]{43}$`));
  });

  test('relying parties get the new address as email_verified: true, in the id_token and at userinfo', async () => {
    const { to, accountId } = await changed();
    const claims = JSON.stringify({ id_token: { email: null, email_verified: null } });
    const start = await startAuthorization(rp, 'openid email', 'consent', { claims });
    const tokens = await exchange(rp, start, await authorize(newBrowser(), start, to, PASSWORD));
    expect(tokens.claims()).toMatchObject({ sub: accountId, email: to, email_verified: true });
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, accountId);
    expect(info).toMatchObject({ sub: accountId, email: to, email_verified: true });
  });

  test('a wrong password: 400, nothing started, counted like a failed sign-in', async () => {
    const { browser, email, accountId, csrf } = await onEmailPage();
    const to = fresh('nope');
    const refused = await ask(browser, { csrf, email: to, password: 'not the password at all' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('The password is not correct. Nothing was changed.');
    expect(refused.body).toContain(`value="${to}"`);
    expect(await server.signet.accounts.findById(accountId)).toMatchObject({ email });
    const [failed] = await server.signet.audit.list({ types: ['login.failed'], limit: 1 });
    expect(failed?.details).toHaveProperty('email_sha256');
  });

  test('a wrong code counts down and changes nothing; a malformed address or their own is refused', async () => {
    const { browser, email, accountId, csrf } = await onEmailPage();
    const to = fresh('typo');
    const codePage = await askFor(browser, csrf, to);
    const code = codeIn((await smtp.mailTo(to))[0]);
    const wrong = await submitCode(browser, codePage, String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('4 more tries');
    expect(await server.signet.accounts.findById(accountId)).toMatchObject({ email });

    const bad = await ask(browser, { csrf, email: 'not an address', password: PASSWORD });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('valid email address');
    const same = await ask(browser, { csrf, email, password: PASSWORD });
    expect(same.status).toBe(400);
    expect(same.body).toContain('That is already your address.');
  });

  test("another account's address: the same answer and page as a free one, a notice there, nothing changed", async () => {
    const { browser, email, accountId, csrf } = await onEmailPage();
    const other = await server.signet.accounts.create({ email: fresh('taken'), password: PASSWORD });
    const free = fresh('free');
    const shape = (body: string, address: string) =>
      body.replaceAll(address, 'EMAIL').replace(/value="[\w-]{16,}"/g, 'value="TOKEN"');
    const takenPage = await askFor(browser, csrf, other.email);
    const freePage = await askFor(browser, csrf, free);
    expect(shape(takenPage.body, other.email)).toBe(shape(freePage.body, free));

    const [notice] = await smtp.mailTo(other.email);
    expect(notice?.parsed.subject).toBe('Someone tried to move an account to your address');
    expect(notice?.parsed.text).not.toMatch(/\b\d{6}\b/);
    for (const code of ['000000', '123456']) expect((await submitCode(browser, takenPage, code)).status).toBe(400);
    expect(await server.signet.accounts.findById(accountId)).toMatchObject({ email });
    expect(await server.signet.accounts.findById(other.id)).toMatchObject({ email: other.email });
  });

  test('undo from the old address: the link shows a page and changes nothing; its button restores and signs out', async () => {
    const { browser, email, accountId, to } = await changed();
    // An app holding tokens from before, one meant to outlive every session: whoever changed the
    // address may hold some too.
    const start = await startAuthorization(rp, 'openid email offline_access');
    const tokens = await exchange(rp, start, await authorize(newBrowser(), start, to, PASSWORD));
    const refresh = tokens.refresh_token ?? '';
    expect((await introspect(server.issuer, rp, refresh)).active).toBe(true);

    const link = undoLinkIn((await smtp.mailTo(email))[0]);
    const stranger = newBrowser();
    for (let i = 0; i < 2; i++) {
      const scanned = await stranger.follow(link);
      expect(scanned.status).toBe(200);
      expect(scanned.body).toContain(email);
    }
    expect(await server.signet.accounts.findById(accountId)).toMatchObject({ email: to });
    const shown = await stranger.follow(link);
    const action = formAction(shown.body, UNDO_FORM);
    expect((await stranger.request(action, { form: {} })).status).toBe(403);

    const undone = await stranger.request(action, { form: hiddenFields(shown.body, UNDO_FORM) });
    expect(undone.status).toBe(200);
    expect(undone.body).toContain('Your address is back');
    expect(undone.body).toContain('reset it now');
    expect(await server.signet.accounts.findById(accountId)).toMatchObject({ email, emailVerified: true });
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
    expect((await introspect(server.issuer, rp, refresh)).active).toBe(false);
    // The account page's own session ended with every provider session: it asks to sign in again.
    const account = await browser.request(`${server.issuer}/account`);
    expect(account.status).toBe(303);
    expect(account.location).toContain('/auth?');

    const again = await stranger.request(action, { form: hiddenFields(shown.body, UNDO_FORM) });
    expect(again.status).toBe(404);
    expect(again.body).toContain('This link no longer works');
    expect((await stranger.follow(link)).status).toBe(404);
  });

  test('mails to one address are throttled (429 after three), and every form needs its CSRF token', async () => {
    const { browser, csrf } = await onEmailPage();
    const to = fresh('flood');
    for (let i = 0; i < 3; i++) expect((await ask(browser, { csrf, email: to, password: PASSWORD })).status).toBe(303);
    const waited = await ask(browser, { csrf, email: to, password: PASSWORD });
    expect(waited.status).toBe(429);
    expect(waited.headers.get('retry-after')).toMatch(/^\d+$/);

    expect((await ask(browser, { email: fresh('forged'), password: PASSWORD })).status).toBe(403);
    expect((await ask(browser, { csrf: 'x'.repeat(32), email: fresh('forged'), password: PASSWORD })).status).toBe(403);
    const forgedCode = await browser.request(`${server.issuer}/account/email/verify`, {
      form: { flow: 'x'.repeat(24), code: '123456' },
    });
    expect(forgedCode.status).toBe(403);
    const forgedResend = await browser.request(`${server.issuer}/account/email/resend`, {
      form: { flow: 'x'.repeat(24) },
    });
    expect(forgedResend.status).toBe(403);
  });

  test("the page's own password change meets the password policy, in the policy's words", async () => {
    const { browser, email, accountId, csrf } = await onEmailPage();
    const before = await server.signet.accounts.findById(accountId);
    for (const [password, said] of [
      ['password1', 'among the most common'],
      [`${email.split('@')[0] ?? ''} harbour`, 'use your email address or name in the password'],
    ] as const) {
      const refused = await browser.request(`${server.issuer}/account/password`, {
        form: { csrf, current_password: PASSWORD, new_password: password, confirm_password: password },
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain(said);
    }
    expect((await server.signet.accounts.findById(accountId))?.passwordHash).toBe(before?.passwordHash);
  });
}
