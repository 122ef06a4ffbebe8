// The account page's security notices, over HTTP on each store: only events that happen to an
// account (not a sign-out or an app the owner removed), dismissable by the owner, the dismissal kept
// in the store (an audit event) so it holds on every device and across sign-ins, and a newer notice
// shown again. Time comes from an injected clock.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { AUDIT } from '../../src/audit/audit-log.js';
import { BrowserSession, csrfFrom, formAction, hiddenFields } from '../support/browser-session.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';
import { walkThroughSignIn } from '../support/sign-in.js';

const PASSWORD = 'correct horse battery staple';
const HEADING = 'Security notices';
const REUSE = 'A refresh token that had already been used was presented again';
const ENABLED = 'Your account was re-enabled by an administrator.';

export function accountNoticesSuite(store: StoreKind): void {
  let server: TestServer;
  let now = Date.UTC(2030, 0, 15, 9, 0, 0);
  const tick = (ms = 1000) => (now += ms);
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer({ store, overrides: { clock: () => now } });
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  const walk = async (browser: BrowserSession, start: string, email: string) => {
    const page = await walkThroughSignIn(browser, start, email, PASSWORD);
    expect(new URL(page.url).pathname).toBe('/account');
    return page;
  };

  const signedIn = async () => {
    const email = `notices${++n}-${store}@example.com`;
    const account = await server.signet.accounts.create({ email, password: PASSWORD });
    const browser = new BrowserSession(server.issuer);
    await walk(browser, `${server.issuer}/account`, email);
    return { email, account, browser };
  };

  const accountPage = async (browser: BrowserSession) => {
    const page = await browser.request(`${server.issuer}/account`);
    expect(page.status).toBe(200);
    return page.body;
  };

  test('ending a session and revoking an app from the account page, or signing out, leave no security notice', async () => {
    const { email, account, browser } = await signedIn();
    // A second device signs in; the first ends its session from the account page.
    tick();
    const other = new BrowserSession(server.issuer);
    await walk(other, `${server.issuer}/account`, email);
    const sessions = await server.signet.store.oidc.findByAccount('Session', account.id);
    expect(sessions.length).toBe(2);
    tick();
    const page = await accountPage(browser);
    const thisDevice = /this device<\/span>[\s\S]*?action="\/account\/sessions\/([^/"]+)\/end"/.exec(page)?.[1];
    const otherId = sessions.map((s) => s.id).find((id) => id !== thisDevice);
    const ended = await browser.request(`${server.issuer}/account/sessions/${otherId}/end`, {
      form: { csrf: csrfFrom(page) },
    });
    expect(ended.status).toBe(303);
    // The second device then signs in again and signs out at the provider.
    tick();
    await walk(other, `${server.issuer}/account`, email);
    const confirm = await other.request(`${server.issuer}/session/end`);
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
    expect((await other.request(action, { form: { xsrf, logout: 'yes' } })).status).toBe(303);

    const events = await server.signet.audit.list({ accountId: account.id, types: [AUDIT.sessionEnded], limit: 10 });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(await accountPage(browser)).not.toContain(HEADING);
  });

  test('a security event is shown until dismissed; the dismissal is stored and holds on a new sign-in; a newer one shows again', async () => {
    const { email, account, browser } = await signedIn();
    tick();
    await server.signet.audit.record(AUDIT.refreshReuseDetected, { accountId: account.id, clientId: 'some-app' });
    tick();
    let page = await accountPage(browser);
    expect(page).toContain(HEADING);
    expect(page).toContain(REUSE);

    tick();
    const dismissed = await browser.request(formAction(page, '/notices/dismiss'), {
      form: hiddenFields(page, '/notices/dismiss'),
    });
    expect({ status: dismissed.status, location: dismissed.location }).toEqual({
      status: 303,
      location: `${server.issuer}/account?done=notices`,
    });
    page = await accountPage(browser);
    expect(page).not.toContain(HEADING);
    const stored = await server.signet.audit.list({ accountId: account.id, types: [AUDIT.noticesDismissed], limit: 5 });
    expect(stored).toHaveLength(1);

    // Another device, a fresh sign-in: still dismissed (it lives in the store, not in a cookie).
    tick();
    const elsewhere = new BrowserSession(server.issuer);
    expect(await walk(elsewhere, `${server.issuer}/account`, email).then((p) => p.body)).not.toContain(HEADING);

    tick();
    await server.signet.security.enable(account, { via: 'cli' });
    tick();
    page = await accountPage(browser);
    expect(page).toContain(ENABLED);
    expect(page).not.toContain(REUSE);
  });

  test('a dismissal cannot reach into the future: a notice after it still shows', async () => {
    const { account, browser } = await signedIn();
    tick();
    await server.signet.audit.record(AUDIT.refreshReuseDetected, { accountId: account.id });
    tick();
    const page = await accountPage(browser);
    const form = { ...hiddenFields(page, '/notices/dismiss'), up_to: String(now + 365 * 24 * 3600_000) };
    expect((await browser.request(formAction(page, '/notices/dismiss'), { form })).status).toBe(303);
    tick();
    await server.signet.audit.record(AUDIT.loginLocked, { accountId: account.id });
    tick();
    const after = await accountPage(browser);
    expect(after).toContain('Several wrong passwords were tried');
    expect(after).not.toContain(REUSE);
  });
}
