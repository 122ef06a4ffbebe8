// Sign-up and password recovery, as a person does them: through a relying party's sign-in, with the
// code read from a mail a real SMTP server received. Known and unknown addresses must look alike
// (status, page, timing), mail sending is throttled per address, and every form needs its CSRF token.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { BrowserSession, csrfFrom, formAction, hiddenFields } from '../support/browser-session.js';
import {
  REDIRECT_URI,
  authorize,
  exchange,
  introspect,
  relyingParty,
  startAuthorization,
  toCallback,
  type RelyingParty,
} from '../support/sign-in.js';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtp.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { pairedGap, timingTolerance } from '../support/timing.js';

const PASSWORD = 'a quiet harbour at dawn';

/** The one six-digit code in a mail's text part. */
function codeIn(mail: ReceivedMail): string {
  const found = /\b(\d{6})\b/.exec(mail.parsed.text ?? '');
  if (!found?.[1]) throw new Error(`no code in mail "${String(mail.parsed.subject)}"`);
  return found[1];
}

export function selfServiceSuite(store: StoreKind): void {
  let smtp: TestSmtpServer;
  let server: TestServer;
  let rp: RelyingParty;
  let n = 0;
  let hosts = 0;
  /** A browser at an address no other test uses. */
  const newBrowser = () => new BrowserSession(server.issuer, { 'x-forwarded-for': `198.51.100.${++hosts}` });
  /** A fresh address per test, so one test's throttles never meet another's. */
  const fresh = (tag: string) => `${tag}-${++n}-${store}@example.test`;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({
      store,
      // Each test's browser comes from an address of its own (X-Forwarded-For behind TRUST_PROXY), so the
      // per-IP limits of one test never meet another's.
      env: {
        SIGNUP: 'open',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Signet <signet@example.test>',
        TRUST_PROXY: '1',
        SIGNUP_EMAIL_DOMAINS: 'example.test',
      },
    });
    const c = await server.signet.clients.create({ name: 'Harbour', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
  }, 60_000);
  afterAll(async () => {
    await stopIfStarted(server, (s) => s.destroy());
    await stopIfStarted(smtp, (s) => s.close());
  });

  /** A browser on the sign-in page of a new authorization request (optionally with more parameters). */
  const signInPage = async (extra: Record<string, string> = {}) => {
    const browser = newBrowser();
    const start = await startAuthorization(rp, 'openid email profile', 'consent', extra);
    const page = await browser.follow(start.url);
    expect(page.status).toBe(200);
    const uid = /\/interaction\/([\w-]+)\//.exec(page.body)?.[1] ?? '';
    return { browser, start, page, uid };
  };

  /** Posts the address on the flow's first page; resolves with the answer and the code page it leads to. */
  const submitAddress = async (browser: BrowserSession, uid: string, flow: 'signup' | 'recover', email: string) => {
    const first = await browser.follow(`${server.issuer}/interaction/${uid}/${flow}`);
    expect(first.status).toBe(200);
    const posted = await browser.request(formAction(first.body, `/${flow}`), {
      form: { email, csrf: csrfFrom(first.body) },
    });
    return { posted, next: posted.status === 303 ? await browser.follow(posted.location ?? '') : undefined };
  };

  describe('sign-up', () => {
    test('prompt=create: the address proven by the mailed code, the account made, back in the app signed in with email_verified', async () => {
      const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as {
        prompt_values_supported: string[];
        ui_locales_supported: string[];
      };
      expect(discovery.prompt_values_supported).toContain('create');
      expect(discovery.ui_locales_supported).toEqual(['en', 'ko']);

      const email = fresh('new');
      const { browser, start, page, uid } = await signInPage({ prompt: 'create' });
      expect(page.body).toContain(`action="/interaction/${uid}/signup"`);
      const posted = await browser.request(formAction(page.body, '/signup'), {
        form: { email, csrf: csrfFrom(page.body) },
      });
      expect(posted.status).toBe(303);
      const codePage = await browser.follow(posted.location ?? '');
      expect(codePage.status).toBe(200);
      expect(codePage.body).toContain(email);

      const [mail] = await smtp.mailTo(email);
      expect(mail?.parsed.subject).toBe('Your sign-up code');
      expect(mail?.parsed.subject).not.toMatch(/\d{6}/);
      const code = codeIn(mail as ReceivedMail);
      const created = await browser.request(formAction(codePage.body, '/signup/verify'), {
        form: { ...hiddenFields(codePage.body, '/signup/verify'), code, name: 'Nari Kim', password: PASSWORD },
      });
      expect(created.status).toBe(303);
      const callback = await toCallback(browser, created.location ?? '');
      expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
      const tokens = await exchange(rp, start, callback);
      // The email claims come from userinfo (an access token was issued: OIDC Core 5.4).
      const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()?.sub ?? '');
      expect(info).toMatchObject({ email, email_verified: true, name: 'Nari Kim' });

      const account = await server.signet.accounts.lookup(email);
      expect(account).toMatchObject({ email, emailVerified: true, name: 'Nari Kim' });
      const trail = await server.signet.store.audit.list({ accountId: account?.id ?? '', limit: 10 });
      expect(trail.map((e) => e.type)).toContain('account.created');
    });

    test('the code page: a weak password spends no try; a wrong code counts down; the right one works once', async () => {
      const email = fresh('careful');
      const { browser, uid } = await signInPage();
      const { next } = await submitAddress(browser, uid, 'signup', email);
      const body = next?.body ?? '';
      const code = codeIn((await smtp.mailTo(email))[0] as ReceivedMail);
      const verify = (form: Record<string, string>) =>
        browser.request(formAction(body, '/signup/verify'), {
          form: { ...hiddenFields(body, '/signup/verify'), name: '', ...form },
        });
      const weak = await verify({ code, password: 'password1' });
      expect(weak.status).toBe(400);
      expect(weak.body).toContain('among the most common');
      const short = await verify({ code, password: 'short' });
      expect(short.body).toContain('at least 8 characters');
      const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const wrong = await verify({ code: wrongCode, password: PASSWORD });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toContain('4 more tries');
      const right = await verify({ code: `${code.slice(0, 3)} ${code.slice(3)}`, password: PASSWORD });
      expect(right.status).toBe(303);
      expect(await server.signet.accounts.lookup(email)).toMatchObject({ emailVerified: true });
      const again = await verify({ code, password: PASSWORD });
      expect(again.body).toContain('no longer valid');
    });

    test('an address that has an account: the same answer and page, a notice instead of a code, no second account', async () => {
      const email = fresh('taken');
      const owner = await server.signet.accounts.create({ email, password: PASSWORD, emailVerified: true });
      const { browser, uid } = await signInPage();
      const { posted, next } = await submitAddress(browser, uid, 'signup', email);
      expect(posted.status).toBe(303);
      expect(posted.location).toMatch(new RegExp(`/interaction/${uid}/signup/verify\\?flow=[\\w-]+$`));
      expect(next?.status).toBe(200);
      const [notice] = await smtp.mailTo(email);
      expect(notice?.parsed.subject).toBe('Someone tried to create an account with your address');
      expect(notice?.parsed.text).not.toMatch(/\b\d{6}\b/);
      const body = next?.body ?? '';
      for (const code of ['000000', '123456']) {
        const tried = await browser.request(formAction(body, '/signup/verify'), {
          form: { ...hiddenFields(body, '/signup/verify'), code, name: '', password: PASSWORD },
        });
        expect(tried.status).toBe(400);
      }
      expect((await server.signet.accounts.lookup(email))?.id).toBe(owner.id);
    });

    test('known and unknown addresses: same status, same page, same timing', async () => {
      const rounds = 9;
      const known: string[] = [];
      for (let i = 0; i < rounds; i++)
        known.push((await server.signet.accounts.create({ email: fresh('known'), password: PASSWORD })).email);
      const { browser, uid } = await signInPage();
      const first = await browser.follow(`${server.issuer}/interaction/${uid}/signup`);
      const action = formAction(first.body, '/signup');
      const csrf = csrfFrom(first.body);
      const pages: Record<'known' | 'unknown', string[]> = { known: [], unknown: [] };
      const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
      const attempt = async (kind: 'known' | 'unknown', email: string) => {
        const t0 = process.hrtime.bigint();
        const res = await browser.request(action, { form: { email, csrf } });
        times[kind].push(Number(process.hrtime.bigint() - t0) / 1e6);
        expect(res.status).toBe(303);
        const page = await browser.follow(res.location ?? '');
        expect(page.status).toBe(200);
        pages[kind].push(page.body.replaceAll(email, 'EMAIL').replace(/value="[\w-]{20,}"/g, 'value="TOKEN"'));
      };
      await attempt('unknown', fresh('warmup'));
      times.unknown.length = 0;
      pages.unknown.length = 0;
      for (let i = 0; i < rounds; i++) {
        await attempt('unknown', fresh('nobody'));
        await attempt('known', known[i] ?? '');
      }
      expect(new Set([...pages.known, ...pages.unknown]).size).toBe(1);
      expect(Math.abs(pairedGap(times.known, times.unknown))).toBeLessThan(timingTolerance(times.known, times.unknown));
    });

    test('three codes to one address, then a wait (429, Retry-After) — for an unknown address exactly as for a known one', async () => {
      const email = fresh('flood');
      const { browser, uid } = await signInPage();
      for (let i = 0; i < 3; i++) expect((await submitAddress(browser, uid, 'signup', email)).posted.status).toBe(303);
      const fourth = await submitAddress(browser, uid, 'signup', email);
      expect(fourth.posted.status).toBe(429);
      expect(fourth.posted.headers.get('retry-after')).toBe('600');
      expect(fourth.posted.body).toContain('Too many attempts');
      const known = (await server.signet.accounts.create({ email: fresh('flood-known'), password: PASSWORD })).email;
      for (let i = 0; i < 3; i++) expect((await submitAddress(browser, uid, 'signup', known)).posted.status).toBe(303);
      expect((await submitAddress(browser, uid, 'signup', known)).posted.status).toBe(429);
      expect(await smtp.mailTo(email, 3)).toHaveLength(3);
    });

    test('CSRF: no token, or the token of another sign-in, is refused and sends nothing', async () => {
      const email = fresh('forged');
      const victim = await signInPage();
      const attacker = await signInPage();
      const attackerPage = await attacker.browser.follow(`${server.issuer}/interaction/${attacker.uid}/signup`);
      for (const csrf of [undefined, csrfFrom(attackerPage.body)]) {
        const res = await victim.browser.request(`${server.issuer}/interaction/${victim.uid}/signup`, {
          form: { email, ...(csrf ? { csrf } : {}) },
        });
        expect(res.status).toBe(403);
      }
      const before = smtp.received.length;
      const later = fresh('after-forged');
      await submitAddress(victim.browser, victim.uid, 'signup', later);
      await smtp.mailTo(later);
      expect(smtp.received.slice(before).every((m) => !m.envelopeTo.includes(email))).toBe(true);
    });

    test('bad input gets a page, never a 500: a malformed address, a foreign flow id, an oversized field', async () => {
      const { browser, uid } = await signInPage();
      const bad = await submitAddress(browser, uid, 'signup', 'not an address');
      expect(bad.posted.status).toBe(400);
      expect(bad.posted.body).toContain('valid email address');
      const stale = await browser.follow(`${server.issuer}/interaction/${uid}/signup/verify?flow=${'x'.repeat(24)}`);
      expect(stale.status).toBe(200);
      expect(stale.body).toContain('no longer valid');
      const junk = await browser.follow(`${server.issuer}/interaction/${uid}/signup/verify?flow=../../etc`);
      expect(junk.status).toBe(400);
      // The operator's allowed domains are public policy: another domain is told so, and nothing is sent.
      const elsewhere = await submitAddress(browser, uid, 'signup', 'someone@elsewhere.test');
      expect(elsewhere.posted.status).toBe(400);
      expect(elsewhere.posted.body).toContain('own domains');
    });
  });

  describe('recovery', () => {
    test('a forgotten password: the code by mail, a new password ends every session and grant, a notice follows', async () => {
      const email = fresh('forgot');
      // Unverified until the code proves the address; signed in to the app with the old password meanwhile.
      const account = await server.signet.accounts.create({ email, password: 'the old harbour password' });
      const elsewhere = newBrowser();
      const earlier = await startAuthorization(rp, 'openid email offline_access');
      const tokens = await exchange(
        rp,
        earlier,
        await authorize(elsewhere, earlier, email, 'the old harbour password'),
      );
      expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(true);
      const { browser, uid, page } = await signInPage();
      expect(page.body).toContain(`/interaction/${uid}/recover`);
      const { next } = await submitAddress(browser, uid, 'recover', email);
      const body = next?.body ?? '';
      const [mail] = await smtp.mailTo(email);
      expect(mail?.parsed.subject).toBe('Your password reset code');
      const changed = await browser.request(formAction(body, '/recover/verify'), {
        form: { ...hiddenFields(body, '/recover/verify'), code: codeIn(mail as ReceivedMail), password: PASSWORD },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toContain('Your password was changed');
      expect(changed.body).toContain(`action="/interaction/${uid}/login"`);
      for (const token of [tokens.access_token, tokens.refresh_token ?? ''])
        expect((await introspect(server.issuer, rp, token)).active).toBe(false);
      const [, notice] = await smtp.mailTo(email, 2);
      expect(notice?.parsed.subject).toBe('Your password was changed');
      expect(await server.signet.accounts.authenticate(email, 'the old harbour password')).toBeUndefined();
      expect(await server.signet.accounts.authenticate(email, PASSWORD)).toMatchObject({
        id: account.id,
        emailVerified: true,
      });
      const trail = await server.signet.store.audit.list({ accountId: account.id, limit: 10 });
      expect(trail.find((e) => e.type === 'account.password_changed')?.details).toMatchObject({ via: 'recovery' });
    });

    test('unknown and disabled addresses: the same answer and page, a mail without a code, nothing changed', async () => {
      const disabled = await server.signet.accounts.create({ email: fresh('off'), password: PASSWORD });
      await server.signet.accounts.setDisabled(disabled.id, true);
      const unknown = fresh('nobody');
      const { browser, uid } = await signInPage();
      const bodies: string[] = [];
      for (const email of [disabled.email, unknown]) {
        const { posted, next } = await submitAddress(browser, uid, 'recover', email);
        expect(posted.status).toBe(303);
        bodies.push((next?.body ?? '').replaceAll(email, 'EMAIL').replace(/value="[\w-]{20,}"/g, 'value="TOKEN"'));
        const [mail] = await smtp.mailTo(email);
        expect(mail?.parsed.subject).toBe('Password reset requested');
        expect(mail?.parsed.text).not.toMatch(/\b\d{6}\b/);
      }
      expect(bodies[0]).toBe(bodies[1]);
    });

    test('known and unknown addresses: same timing', async () => {
      const rounds = 9;
      const known: string[] = [];
      for (let i = 0; i < rounds; i++)
        known.push((await server.signet.accounts.create({ email: fresh('rk'), password: PASSWORD })).email);
      const { browser, uid } = await signInPage();
      const first = await browser.follow(`${server.issuer}/interaction/${uid}/recover`);
      const action = formAction(first.body, '/recover');
      const csrf = csrfFrom(first.body);
      const time = async (email: string) => {
        const t0 = process.hrtime.bigint();
        const res = await browser.request(action, { form: { email, csrf } });
        expect(res.status).toBe(303);
        return Number(process.hrtime.bigint() - t0) / 1e6;
      };
      await time(fresh('warm'));
      const times = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i < rounds; i++) {
        times.unknown.push(await time(fresh('ru')));
        times.known.push(await time(known[i] ?? ''));
      }
      expect(Math.abs(pairedGap(times.known, times.unknown))).toBeLessThan(timingTolerance(times.known, times.unknown));
    });

    test('throttled per address and CSRF-bound like sign-up', async () => {
      const email = fresh('rflood');
      const { browser, uid } = await signInPage();
      for (let i = 0; i < 3; i++) expect((await submitAddress(browser, uid, 'recover', email)).posted.status).toBe(303);
      expect((await submitAddress(browser, uid, 'recover', email)).posted.status).toBe(429);
      const forged = await browser.request(`${server.issuer}/interaction/${uid}/recover`, {
        form: { email: fresh('x') },
      });
      expect(forged.status).toBe(403);
    });
  });
}
