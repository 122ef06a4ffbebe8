// Adding a second factor inside the sign-in: a client that requires one, and an account without one, is
// offered an authenticator app right there (QR code and key, a first code computed from the key as the
// app would, the recovery codes once), and the sign-in then ends as a multi-factor one. The offer is
// bound to the interaction and to the account that typed its password in it; a session alone (a step-up)
// must type the password first; every form needs its token; wrong codes are throttled.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Secret, TOTP } from 'otpauth';
import { BrowserSession, csrfFrom, formAction, hiddenFields, type Step } from '../support/browser-session.js';
import {
  exchange,
  relyingParty,
  REDIRECT_URI,
  startAuthorization,
  toCallback,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { manualClock, type ManualClock } from '../support/stores.js';
import { stopIfStarted } from '../support/teardown.js';

const PASSWORD = 'a lighthouse keeper with two keys';
const STEP_MS = 30_000;
const MFA = 'urn:signet:acr:mfa';
const CODE = /<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g;

export function twoStepEnrollSuite(store: StoreKind): void {
  let server: TestServer;
  let vault: RelyingParty;
  let plain: RelyingParty;
  let clock: ManualClock;
  let n = 0;
  const fresh = (tag: string) => `${tag}-${++n}-${store}@example.test`;
  const newBrowser = () => new BrowserSession(server.issuer, { 'x-forwarded-for': `203.0.113.${++n}` });
  const codeNow = (secret: string) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now() });
  // acr is released when asked for (OIDC Core 5.5.1.1).
  const askMfa = (rp: RelyingParty) => startAuthorization(rp, 'openid email', 'consent', { acr_values: MFA });
  const secretOf = (page: Step) => /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(page.body)?.[1] ?? '';

  beforeAll(async () => {
    clock = manualClock(Date.now());
    server = await startTestServer({ store, env: { TRUST_PROXY: '1' }, overrides: { clock: clock.now } });
    const strict = await server.signet.clients.create({
      name: 'Vault',
      redirectUris: [REDIRECT_URI],
      requireMfa: true,
    });
    vault = await relyingParty(server.issuer, strict.client_id, strict.client_secret ?? '');
    const easy = await server.signet.clients.create({ name: 'Kettle', redirectUris: [REDIRECT_URI] });
    plain = await relyingParty(server.issuer, easy.client_id, easy.client_secret ?? '');
  }, 60_000);
  afterAll(async () => {
    await stopIfStarted(server, (s) => s.destroy());
  });

  /** A new account without a factor, and its password typed at the strict client's login form. */
  const afterPassword = async (rp = vault) => {
    const email = fresh('enroll');
    const account = await server.signet.accounts.create({ email, password: PASSWORD });
    const browser = newBrowser();
    const start = await askMfa(rp);
    const login = await browser.follow(start.url);
    const posted = await browser.request(formAction(login.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    return { email, accountId: account.id, browser, start, login, posted };
  };

  /** From the offer to the page with the QR code. */
  const toQrPage = async (browser: BrowserSession, offerUrl: string) => {
    const offer = await browser.follow(offerUrl);
    expect(offer.status).toBe(200);
    const qr = await browser.request(formAction(offer.body, '/enroll'), { form: { csrf: csrfFrom(offer.body) } });
    expect(qr.status).toBe(200);
    return { offer, qr };
  };

  const confirm = (browser: BrowserSession, qr: Step, code: string, csrf?: string) => {
    const fields = hiddenFields(qr.body, '/enroll/confirm');
    return browser.request(formAction(qr.body, '/enroll/confirm'), {
      form: { ...fields, csrf: csrf ?? fields.csrf ?? '', code },
    });
  };

  test('offered after the password: QR code, a wrong code refused, the right one, recovery codes, then mfa', async () => {
    const { email, accountId, browser, start, posted } = await afterPassword();
    expect(posted.status).toBe(303);
    expect(posted.location).toMatch(/\/interaction\/[\w-]+\/enroll$/);
    const { offer, qr } = await toQrPage(browser, posted.location ?? '');
    expect(offer.body).toContain('Two-step verification needed');
    expect(offer.body).not.toContain('type="password"');
    expect(qr.body).toContain('<svg');
    const secret = secretOf(qr);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    const wrong = await confirm(browser, qr, '000000');
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('That code is not right');
    expect(secretOf(wrong)).toBe(secret);
    // Nothing is on yet: the account still has no second factor.
    const before = await server.signet.audit.list({ accountId, limit: 20 });
    expect(before.map((e) => e.type)).not.toContain('factor.added');

    const right = await confirm(browser, wrong, codeNow(secret));
    expect(right.status).toBe(200);
    const codes = [...right.body.matchAll(CODE)].map((m) => String(m[1]));
    expect(codes).toHaveLength(10);
    const onward = /href="([^"]+)" id="enroll-continue"/.exec(right.body)?.[1] ?? '';
    expect(onward).not.toBe('');
    const tokens = await exchange(vault, start, await toCallback(browser, new URL(onward, server.issuer).toString()));
    expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:mfa', amr: ['pwd', 'otp', 'mfa'] });
    const trail = await server.signet.audit.list({ accountId, limit: 20 });
    expect(trail.map((e) => e.type)).toEqual(
      expect.arrayContaining(['factor.added', 'factor.recovery_codes_issued', 'login.succeeded']),
    );

    // The factor stays: the next sign-in, even to a client without the requirement, asks for a code,
    // and a recovery code shown above is one of the answers.
    clock.advance(STEP_MS);
    const next = newBrowser();
    const again = await askMfa(plain);
    const login = await next.follow(again.url);
    const answered = await next.request(formAction(login.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    expect(answered.location).toMatch(/\/two-step$/);
    const codePage = await next.follow(answered.location ?? '');
    const recovered = await next.request(formAction(codePage.body, '/two-step'), {
      form: { csrf: csrfFrom(codePage.body), code: String(codes[0]) },
    });
    expect(recovered.status).toBe(303);
    const later = await exchange(plain, again, await toCallback(next, recovered.location ?? ''));
    expect(later.claims()).toMatchObject({ acr: 'urn:signet:acr:mfa', amr: ['pwd', 'mfa'] });
  });

  test('wrong first codes are counted: soon 429 with Retry-After, even for the right code', async () => {
    const { browser, posted } = await afterPassword();
    const { qr } = await toQrPage(browser, posted.location ?? '');
    const statuses: number[] = [];
    for (let i = 0; i < 6 && !statuses.includes(429); i++) statuses.push((await confirm(browser, qr, '000000')).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 400)).toBe(true);
    const locked = await confirm(browser, qr, codeNow(secretOf(qr)));
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(locked.body).toContain('/enroll/confirm"');
  });

  test('every form needs its token', async () => {
    const { browser, posted } = await afterPassword();
    const offer = await browser.follow(posted.location ?? '');
    const noToken = await browser.request(formAction(offer.body, '/enroll'), { form: { password: '' } });
    expect(noToken.status).toBe(403);
    const { qr } = await toQrPage(browser, posted.location ?? '');
    expect((await confirm(browser, qr, codeNow(secretOf(qr)), 'x'.repeat(43))).status).toBe(403);
    // Odd input is never a 500: an unknown, empty or overlong factor starts the offer again.
    const url = formAction(qr.body, '/enroll/confirm');
    for (const factor of ['', 'x'.repeat(500), 'nope']) {
      const odd = await browser.request(url, { form: { csrf: csrfFrom(qr.body), factor, code: '1'.repeat(300) } });
      expect(odd.status).toBe(303);
      expect(odd.location).toMatch(/\/enroll$/);
    }
  });

  test('bound to its interaction and to the password typed in it: elsewhere, a friendly 400', async () => {
    const { browser, posted } = await afterPassword();
    const { qr } = await toQrPage(browser, posted.location ?? '');
    // Another browser, with its own interaction at the same client, cannot use this one's.
    const other = newBrowser();
    const otherLogin = await other.follow((await startAuthorization(vault, 'openid email')).url);
    const otherUid = /\/interaction\/([\w-]+)\//.exec(otherLogin.body)?.[1] ?? '';
    const stranger = await other.request(posted.location ?? '');
    expect(stranger.status).toBe(400);
    expect(stranger.body).toContain('does not match');
    // Its own interaction, without a password typed: nothing to add, nothing to confirm.
    expect((await other.request(`${server.issuer}/interaction/${otherUid}/enroll`)).status).toBe(400);
    const forged = await other.request(`${server.issuer}/interaction/${otherUid}/enroll/confirm`, {
      form: { ...hiddenFields(qr.body, '/enroll/confirm'), csrf: csrfFrom(otherLogin.body), code: '123456' },
    });
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('does not match');
    // A client without the requirement offers nothing.
    const easy = await afterPassword(plain);
    expect(easy.posted.status).toBe(303);
    const uid = /\/interaction\/([\w-]+)\//.exec(easy.login.body)?.[1] ?? '';
    expect((await easy.browser.request(`${server.issuer}/interaction/${uid}/enroll`)).status).toBe(400);
  });

  test('an account that has a factor is asked for it, and cannot add another in its place', async () => {
    const { email, browser, posted } = await afterPassword();
    const { qr } = await toQrPage(browser, posted.location ?? '');
    expect((await confirm(browser, qr, codeNow(secretOf(qr)))).status).toBe(200);
    clock.advance(STEP_MS);
    const next = newBrowser();
    const login = await next.follow((await askMfa(vault)).url);
    const answered = await next.request(formAction(login.body, '/login'), {
      form: { email, password: PASSWORD, csrf: csrfFrom(login.body) },
    });
    expect(answered.location).toMatch(/\/two-step$/);
    const enrollUrl = (answered.location ?? '').replace(/two-step$/, 'enroll');
    expect((await next.request(enrollUrl)).status).toBe(400);
    const codePage = await next.follow(answered.location ?? '');
    const added = await next.request(enrollUrl, { form: { csrf: csrfFrom(codePage.body) } });
    expect(added.status).toBe(400);
    expect(added.body).not.toContain('totp-secret');
  });

  test('a signed-in session stepping up types its password before adding an app', async () => {
    const { browser, posted } = await afterPassword(plain);
    expect(posted.status).toBe(303);
    await toCallback(browser, posted.location ?? '');
    const start = await askMfa(vault);
    const offer = await browser.follow(start.url);
    expect(offer.url).toMatch(/\/enroll$/);
    expect(offer.body).toContain('type="password"');
    const action = formAction(offer.body, '/enroll');
    const wrong = await browser.request(action, { form: { csrf: csrfFrom(offer.body), password: 'not it' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('That password is not right');
    expect(wrong.body).not.toContain('totp-secret');
    const qr = await browser.request(action, { form: { csrf: csrfFrom(wrong.body), password: PASSWORD } });
    expect(qr.status).toBe(200);
    const right = await confirm(browser, qr, codeNow(secretOf(qr)));
    const onward = /href="([^"]+)" id="enroll-continue"/.exec(right.body)?.[1] ?? '';
    const tokens = await exchange(vault, start, await toCallback(browser, new URL(onward, server.issuer).toString()));
    expect(tokens.claims()).toMatchObject({ acr: 'urn:signet:acr:mfa', amr: ['pwd', 'otp', 'mfa'] });
  });
}
