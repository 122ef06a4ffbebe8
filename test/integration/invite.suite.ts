// SIGNUP=invite: an operator invites an address with `user invite`, and only an invited address can
// prove itself and make an account. Everyone else gets the same page as an invited person, and their
// mailbox a notice instead of a code. The CLI runs as an operator runs it, beside the server, on the
// same store.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BrowserSession, csrfFrom, formAction, hiddenFields } from '../support/browser-session.js';
import { runCli, jsonLine } from '../support/run-cli.js';
import { REDIRECT_URI, relyingParty, startAuthorization, type RelyingParty } from '../support/sign-in.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { mongoTestUri, startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

export function inviteSuite(store: StoreKind): void {
  let smtp: TestSmtpServer;
  let server: TestServer & { mongoDb: string };
  let rp: RelyingParty;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const settings = { SIGNUP: 'invite', SMTP_URL: smtp.url, MAIL_FROM: 'Signet <signet@example.test>' };
    server = await startTestServer({ store, env: settings });
    const c = await server.signet.clients.create({ name: 'Members', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, c.client_id, c.client_secret ?? '');
    env = { ...process.env, ...settings, DATA_DIR: server.dataDir, ISSUER: server.issuer, LOG_LEVEL: 'silent' };
    delete env.MONGODB_URI;
    if (store === 'mongodb') env.MONGODB_URI = mongoTestUri(server.mongoDb);
  }, 60_000);
  afterAll(async () => {
    await stopIfStarted(server, (s) => s.destroy());
    await stopIfStarted(smtp, (s) => s.close());
  });

  /** From a relying party's prompt=create to the code page, for `email`. */
  const askToSignUp = async (email: string) => {
    const browser = new BrowserSession(server.issuer);
    const start = await startAuthorization(rp, 'openid email', 'consent', { prompt: 'create' });
    const page = await browser.follow(start.url);
    expect(page.status).toBe(200);
    const posted = await browser.request(formAction(page.body, '/signup'), {
      form: { email, csrf: csrfFrom(page.body) },
    });
    expect(posted.status).toBe(303);
    const codePage = await browser.follow(posted.location ?? '');
    expect(codePage.status).toBe(200);
    return { browser, codePage };
  };

  test('an invited address signs up with the mailed code; the invitation is then spent', async () => {
    const email = `invited-${store}@example.test`;
    const invited = jsonLine(await runCli(['user', 'invite', '--email', email, '--lang', 'ko'], env));
    expect(invited).toMatchObject({ email, mail: { state: 'sent' } });
    const [invitation] = await smtp.mailTo(email);
    expect(invitation?.parsed.subject).toBe('계정 만들기에 초대되었습니다');
    expect(invitation?.parsed.text).toContain(`${server.issuer}/account`);

    const { browser, codePage } = await askToSignUp(email);
    const [, codeMail] = await smtp.mailTo(email, 2);
    const code = /\b(\d{6})\b/.exec(codeMail?.parsed.text ?? '')?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    const made = await browser.request(formAction(codePage.body, '/signup/verify'), {
      form: { ...hiddenFields(codePage.body, '/signup/verify'), code, name: '', password: 'a long walk by the river' },
    });
    expect(made.status).toBe(303);
    expect(await server.signet.accounts.lookup(email)).toMatchObject({ email, emailVerified: true });
    const trail = await server.signet.store.audit.list({ types: ['account.invited'], limit: 5 });
    expect(trail).toHaveLength(1);
    expect(trail[0]?.details).toMatchObject({ via: 'cli' });
  });

  test('an address without an invitation: the same page, a notice instead of a code, no account', async () => {
    const email = `stranger-${store}@example.test`;
    const { codePage } = await askToSignUp(email);
    expect(codePage.body).toContain(email);
    const [notice] = await smtp.mailTo(email);
    expect(notice?.parsed.subject).toBe('Someone tried to create an account with your address');
    expect(notice?.parsed.text).toContain('by invitation only');
    expect(notice?.parsed.text).not.toMatch(/\b\d{6}\b/);
    expect(await server.signet.accounts.lookup(email)).toBeUndefined();
  });

  test('the CLI refuses to invite where sign-up is closed, and refuses a bad language', async () => {
    const closed = await runCli(['user', 'invite', '--email', 'x@example.test'], { ...env, SIGNUP: 'closed' });
    expect(closed.code).not.toBe(0);
    expect(closed.stderr).toContain('SIGNUP=closed');
    const badLang = await runCli(['user', 'invite', '--email', 'x@example.test', '--lang', 'fr'], env);
    expect(badLang.code).not.toBe(0);
    expect(badLang.stderr).toContain('--lang must be one of en, ko');
  });
}
