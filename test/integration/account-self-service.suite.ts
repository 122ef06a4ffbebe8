// What users do for themselves on /account. They keep their own profile claims (OIDC Core 5.1): what
// they save is what relying parties with the profile scope receive, a refused value changes nothing and
// keeps what was typed, and the trail names fields, never values. They download their data, and delete
// their account with their password again. Every form is bound to the page's session (CSRF).

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BrowserSession, csrfFrom } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  introspect,
  relyingParty,
  REDIRECT_URI,
  startAuthorization,
  walkThroughSignIn,
} from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const PASSWORD = 'correct horse battery staple';

const FULL_PROFILE = {
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  middle_name: 'Augusta',
  nickname: 'Countess',
  preferred_username: 'ada',
  profile: 'https://people.example.com/ada',
  picture: 'https://images.example.com/ada.png',
  website: 'https://ada.example.org/',
  gender: 'female',
  birthdate: '0000-12-10',
  locale: 'en-GB',
  zoneinfo: 'Europe/London',
};

export function accountSelfServiceSuite(store: StoreKind): void {
  let server: TestServer;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer({ store });
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  /** A new account, signed in to its account page; resolves with the browser and the page's CSRF token. */
  const onAccountPage = async () => {
    const email = `profile${++n}-${store}@example.com`;
    const account = await server.signet.accounts.create({ email, password: PASSWORD });
    const browser = new BrowserSession(server.issuer);
    const page = await walkThroughSignIn(browser, `${server.issuer}/account`, email, PASSWORD);
    expect(new URL(page.url).pathname).toBe('/account');
    return { browser, email, accountId: account.id, csrf: csrfFrom(page.body) };
  };

  const save = (browser: BrowserSession, form: Record<string, string>) =>
    browser.request(`${server.issuer}/account/profile`, { form });

  test('saved claims are shown on the page and released to a relying party with the profile scope', async () => {
    const { browser, email, accountId, csrf } = await onAccountPage();
    const saved = await save(browser, { csrf, ...FULL_PROFILE });
    expect({ status: saved.status, location: saved.location }).toEqual({
      status: 303,
      location: `${server.issuer}/account?done=profile`,
    });
    const page = await browser.follow(saved.location ?? '');
    expect(page.body).toContain('Your profile was saved.');
    expect(page.body).toContain('value="Europe/London"');
    expect(page.body).toContain('value="0000-12-10"');

    const stored = await server.signet.accounts.findById(accountId);
    expect(stored?.name).toBe('Ada Lovelace');
    expect(stored?.profile).toEqual({
      givenName: 'Ada',
      familyName: 'Lovelace',
      middleName: 'Augusta',
      nickname: 'Countess',
      preferredUsername: 'ada',
      profile: 'https://people.example.com/ada',
      picture: 'https://images.example.com/ada.png',
      website: 'https://ada.example.org/',
      gender: 'female',
      birthdate: '0000-12-10',
      locale: 'en-GB',
      zoneinfo: 'Europe/London',
    });

    const client = await server.signet.clients.create({ name: 'Profile RP', redirectUris: [REDIRECT_URI] });
    const rp = await relyingParty(server.issuer, client.client_id, client.client_secret ?? '');
    const start = await startAuthorization(rp, 'openid profile');
    const tokens = await exchange(rp, start, await authorize(browser, start, email, PASSWORD));
    const res = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    const info = (await res.json()) as Record<string, unknown>;
    expect(info).toMatchObject(FULL_PROFILE);

    const [event] = await server.signet.audit.list({ limit: 1, types: ['account.updated'], accountId });
    expect(event?.details).toMatchObject({
      via: 'account-page',
      fields: expect.arrayContaining(['givenName', 'zoneinfo', 'gender', 'birthdate']),
    });
    expect(JSON.stringify(event)).not.toContain('Lovelace');
    expect(JSON.stringify(event)).not.toContain('12-10');
  });

  test('an empty field removes the claim; the others stay', async () => {
    const { browser, accountId, csrf } = await onAccountPage();
    expect((await save(browser, { csrf, ...FULL_PROFILE })).status).toBe(303);
    const emptied = { picture: '', locale: '', gender: '', birthdate: '' };
    expect((await save(browser, { csrf, ...FULL_PROFILE, ...emptied })).status).toBe(303);
    const stored = await server.signet.accounts.findById(accountId);
    for (const field of Object.keys(emptied)) expect(stored?.profile).not.toHaveProperty(field);
    expect(stored?.profile?.website).toBe('https://ada.example.org/');
    expect(stored?.profile?.zoneinfo).toBe('Europe/London');
  });

  test('a refused value changes nothing: 400, the reason, and the form keeps what was typed', async () => {
    const { browser, accountId, csrf } = await onAccountPage();
    expect((await save(browser, { csrf, ...FULL_PROFILE })).status).toBe(303);
    const before = await server.signet.accounts.findById(accountId);
    for (const [field, value, reason] of [
      ['picture', 'http://images.example.com/ada.png', 'picture must be an https URL'],
      ['locale', 'not a language', 'locale must be a BCP 47 language tag'],
      ['zoneinfo', 'Mars/Olympus_Mons', 'zoneinfo must be an IANA time zone'],
      ['preferred_username', 'ada lovelace', 'preferred username must be at most 64 visible characters'],
      ['given_name', 'x'.repeat(500), 'given name must be at most'],
      ['middle_name', 'x'.repeat(500), 'middle name must be at most 100 characters'],
      ['nickname', 'x'.repeat(500), 'nickname must be at most 100 characters'],
      ['profile', 'http://people.example.com/ada', 'profile page must be an https URL'],
      ['website', 'javascript:alert(1)', 'website must be an https URL'],
      ['gender', 'x'.repeat(65), 'gender must be at most 64 characters, without control characters'],
      ['birthdate', '1815-02-29', 'birthdate must be a real date as YYYY-MM-DD, a year as YYYY, or 0000-MM-DD'],
    ] as const) {
      const refused = await save(browser, { csrf, ...FULL_PROFILE, family_name: 'Byron', [field]: value });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain(reason);
      expect(refused.body).toContain('Nothing was saved.');
      expect(refused.body).toContain('value="Byron"');
      expect(await server.signet.accounts.findById(accountId)).toEqual(before);
    }
  });

  test('without the page’s CSRF token, or without a session, nothing is saved', async () => {
    const { browser, accountId, csrf } = await onAccountPage();
    const before = await server.signet.accounts.findById(accountId);
    const forged = await save(browser, { ...FULL_PROFILE });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('This form has expired or was not sent from this site');
    const otherSite = await save(browser, { csrf: `${csrf.slice(0, -2)}xx`, ...FULL_PROFILE });
    expect(otherSite.status).toBe(403);
    const stranger = await save(new BrowserSession(server.issuer), { csrf, ...FULL_PROFILE });
    expect(stranger.status).toBe(401);
    expect(await server.signet.accounts.findById(accountId)).toEqual(before);
  });

  test('download my data: one JSON attachment with profile, sessions, apps and security events, and no secrets', async () => {
    const { browser, email, accountId, csrf } = await onAccountPage();
    expect((await save(browser, { csrf, ...FULL_PROFILE })).status).toBe(303);
    const res = await browser.request(`${server.issuer}/account/data`, { form: { csrf } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="signet-my-data-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    const data = JSON.parse(res.body) as Record<string, unknown>;
    expect(data).toMatchObject({
      format: 'signet-personal-data',
      version: 1,
      account: {
        id: accountId,
        email,
        // Made without anyone vouching for the address: the owner sees it as the apps do.
        email_verified: false,
        name: 'Ada Lovelace',
        profile: { givenName: 'Ada', zoneinfo: 'Europe/London' },
      },
    });
    expect(data.sessions).toEqual([expect.objectContaining({ first_seen: expect.any(String) })]);
    expect(data.security_events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'account.updated', ip: expect.any(String) })]),
    );
    // Nothing in it signs anyone in: no password hash, no session or token ids.
    const stored = await server.signet.accounts.findById(accountId);
    expect(res.body).not.toContain(stored?.passwordHash ?? 'missing');
    expect(res.body).not.toContain('$argon2');
    const [session] = await server.signet.store.oidc.findByAccount('Session', accountId);
    expect(session?.id).toEqual(expect.any(String));
    expect(res.body).not.toContain(session?.id ?? 'missing');

    const forged = await browser.request(`${server.issuer}/account/data`, { form: {} });
    expect(forged.status).toBe(403);
    expect(forged.body).not.toContain(email);
  });

  test('deleting the account asks for the password, then ends everything of it at once', async () => {
    const { browser, email, accountId, csrf } = await onAccountPage();
    const client = await server.signet.clients.create({ name: 'Deletion RP', redirectUris: [REDIRECT_URI] });
    const rp = await relyingParty(server.issuer, client.client_id, client.client_secret ?? '');
    const start = await startAuthorization(rp, 'openid email offline_access');
    const tokens = await exchange(rp, start, await authorize(browser, start, email, PASSWORD));

    const confirm = await browser.request(`${server.issuer}/account/delete`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('It cannot be undone.');
    expect(confirm.body).toContain(email);

    const refusals: Array<{ form: Record<string, string>; status: number; says: string }> = [
      { form: { csrf, password: 'not the password' }, status: 400, says: 'The password is not correct.' },
      { form: { password: PASSWORD }, status: 403, says: 'This form has expired' },
    ];
    for (const { form, status, says } of refusals) {
      const refused = await browser.request(`${server.issuer}/account/delete`, { form });
      expect(refused.status).toBe(status);
      expect(refused.body).toContain(says);
      expect(await server.signet.accounts.findById(accountId)).toBeDefined();
    }
    const stranger = await new BrowserSession(server.issuer).request(`${server.issuer}/account/delete`, {
      form: { csrf, password: PASSWORD },
    });
    expect(stranger.status).toBe(401);
    expect(await server.signet.accounts.findById(accountId)).toBeDefined();

    const deleted = await browser.request(`${server.issuer}/account/delete`, { form: { csrf, password: PASSWORD } });
    expect({ status: deleted.status, location: deleted.location }).toEqual({
      status: 303,
      location: `${server.issuer}/account/deleted`,
    });
    expect((await browser.follow(deleted.location ?? '')).body).toContain('Your account was deleted');
    expect(await server.signet.accounts.findById(accountId)).toBeUndefined();
    expect((await introspect(server.issuer, rp, tokens.access_token)).active).toBe(false);
    expect((await introspect(server.issuer, rp, tokens.refresh_token ?? '')).active).toBe(false);
    expect(await server.signet.store.oidc.findByAccount('Session', accountId)).toEqual([]);
    const [event] = await server.signet.audit.list({ limit: 1, types: ['account.deleted'], accountId });
    expect(event?.details).toMatchObject({ via: 'account-page', email_domain: 'example.com' });
    // The account page itself starts a fresh sign-in, which the deleted credentials cannot pass.
    const again = await browser.follow(`${server.issuer}/account`);
    expect(again.body).toContain('/login"');
  });

  test('the password asked again is throttled like a login: after wrong guesses even the right one waits', async () => {
    // Its own server on a clock that stands still, so the wait cannot run out while the test looks.
    const frozen = await startTestServer({ store, overrides: { clock: () => Date.UTC(2030, 0, 15, 9) } });
    try {
      const email = `throttled-${store}@example.com`;
      const account = await frozen.signet.accounts.create({ email, password: PASSWORD });
      const browser = new BrowserSession(frozen.issuer);
      const page = await walkThroughSignIn(browser, `${frozen.issuer}/account`, email, PASSWORD);
      const csrf = csrfFrom(page.body);
      const guess = (password: string) =>
        browser.request(`${frozen.issuer}/account/delete`, { form: { csrf, password } });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await guess(`wrong guess ${i}`)).status);
      expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
      expect(statuses.at(-1)).toBe(429);

      const right = await guess(PASSWORD);
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(right.body).toContain('Too many attempts');
      expect(await frozen.signet.accounts.findById(account.id)).toBeDefined();
      // Each guess that was checked (not those told to wait) is in the trail as a failed sign-in through the
      // account page, as at the login form.
      const failed = await frozen.signet.audit.list({ limit: 20, types: ['login.failed'] });
      const checked = statuses.filter((status) => status === 400).length;
      expect(failed.map((e) => e.clientId)).toEqual(Array.from({ length: checked }, () => 'signet-account'));
      // The same counters guard the password change on this page, and the login form.
      const change = await browser.request(`${frozen.issuer}/account/password`, {
        form: {
          csrf,
          current_password: PASSWORD,
          new_password: 'another long passphrase',
          confirm_password: 'another long passphrase',
        },
      });
      expect(change.status).toBe(429);
      expect(await frozen.signet.accounts.verifyPassword(account.id, PASSWORD)).toBe(true);
    } finally {
      await frozen.destroy();
    }
  });
}
