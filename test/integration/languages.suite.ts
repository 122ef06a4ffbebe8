// Pages in the person's language: the login page in Korean from the browser's Accept-Language, from the
// relying party's ui_locales (which wins over the browser), and from the switcher's cookie; the
// switcher itself returns only to a path of this site, never to another one.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { BrowserSession, type Step } from '../support/browser-session.js';
import { REDIRECT_URI, relyingParty, startAuthorization, type RelyingParty } from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const KOREAN_HEADING = '<h1>로그인</h1>';
const ENGLISH_HEADING = '<h1>Sign in</h1>';

export function languagesSuite(store: StoreKind): void {
  let server: TestServer;
  let rp: RelyingParty;

  beforeAll(async () => {
    server = await startTestServer({ store });
    const web = await server.signet.clients.create({ name: 'Language App', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, web.client_id, web.client_secret ?? '');
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  /** Follows redirects on Signet's origin, sending the same headers at every hop (a browser would). */
  const follow = async (browser: BrowserSession, url: string, headers: Record<string, string> = {}) => {
    let current = url;
    for (let hops = 0; hops < 10; hops++) {
      const step: Step = await browser.request(current, { headers });
      if (!step.location || step.status < 300 || step.status >= 400) return step;
      if (new URL(step.location).origin !== server.issuer) return step;
      current = step.location;
    }
    throw new Error('too many redirects');
  };

  const loginPage = async (headers: Record<string, string>, extra: Record<string, string> = {}) => {
    const start = await startAuthorization(rp, 'openid', 'consent', extra);
    const browser = new BrowserSession(server.issuer);
    const page = await follow(browser, start.url, headers);
    expect(page.status).toBe(200);
    return { browser, page, start };
  };

  test('the login page is in Korean for a browser that prefers Korean', async () => {
    const { page } = await loginPage({ 'accept-language': 'ko-KR,ko;q=0.9,en;q=0.5' });
    expect(page.body).toContain('<html lang="ko">');
    expect(page.body).toContain(KOREAN_HEADING);
    expect(page.body).toContain('<strong>Language App</strong>(으)로 계속하려면 로그인하십시오');
    expect(page.body).not.toContain(ENGLISH_HEADING);
  });

  test('q-values decide: English preferred over Korean stays English', async () => {
    const { page } = await loginPage({ 'accept-language': 'ko;q=0.4, en-GB;q=0.8' });
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain(ENGLISH_HEADING);
  });

  test("the relying party's ui_locales wins over an English browser", async () => {
    const { page } = await loginPage({ 'accept-language': 'en-US,en;q=0.9' }, { ui_locales: 'fr-CA ko-KR en' });
    expect(page.body).toContain('<html lang="ko">');
    expect(page.body).toContain(KOREAN_HEADING);
  });

  test('a failed sign-in says so in the page language', async () => {
    const { browser, page } = await loginPage({}, { ui_locales: 'ko' });
    const action = /action="(\/interaction\/[^"]+\/login)"/.exec(page.body)?.[1] ?? '';
    const csrf = /name="csrf" value="([^"]*)"/.exec(page.body)?.[1] ?? '';
    const failed = await browser.request(action, { form: { email: 'nobody@example.com', password: 'x', csrf } });
    expect(failed.body).toContain('이메일 또는 비밀번호가 올바르지 않습니다.');
    expect(failed.body).toContain('<html lang="ko">');
  });

  test('the switcher sets a cookie that turns the pages Korean and returns to the same page', async () => {
    const { browser, page } = await loginPage({ 'accept-language': 'en' });
    expect(page.body).toContain(ENGLISH_HEADING);
    const link = /href="(\/language\?lang=ko&amp;return_to=[^"]+)"/.exec(page.body)?.[1];
    expect(link).toBeDefined();
    const switched = await browser.request((link ?? '').replaceAll('&amp;', '&'), {
      headers: { 'accept-language': 'en' },
    });
    expect(switched.status).toBe(303);
    expect(new URL(switched.location ?? '').pathname).toMatch(/^\/interaction\//);
    const cookie = switched.headers.getSetCookie().find((c) => c.startsWith('signet_lang='));
    expect(cookie).toMatch(/^signet_lang=ko;/);
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=lax/i);
    expect(cookie).toMatch(/max-age=31536000|expires=/i);
    const again = await follow(browser, switched.location ?? '', { 'accept-language': 'en' });
    expect(again.body).toContain('<html lang="ko">');
    expect(again.body).toContain(KOREAN_HEADING);
  });

  test('the home page and an error page follow the cookie too', async () => {
    const browser = new BrowserSession(server.issuer);
    browser.setCookie('signet_lang', 'ko');
    const home = await browser.request('/');
    expect(home.body).toContain('<html lang="ko">');
    expect(home.body).toContain('Signet이 실행 중입니다');
    const missing = await browser.request('/no-such-page');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('페이지를 찾을 수 없습니다');
  });

  test('the switcher never leads off-site: any return_to but a path of this site goes home', async () => {
    const browser = new BrowserSession(server.issuer);
    const back = async (returnTo: string) => {
      const res = await browser.request(`/language?lang=ko&return_to=${encodeURIComponent(returnTo)}`);
      expect(res.status).toBe(303);
      return res.location ?? '';
    };
    for (const evil of ['https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      expect(await back(evil)).toBe(`${server.issuer}/`);
    }
    // Percent-encoded line breaks stay encoded: a path of this site, never a header of their own.
    expect(new URL(await back('/%0d%0aLocation:%20https://evil.example')).origin).toBe(server.issuer);
    expect(await back('/account?done=profile')).toBe(`${server.issuer}/account?done=profile`);
  });

  test('a language Signet does not speak is refused with a page, in the language already chosen', async () => {
    const browser = new BrowserSession(server.issuer);
    const res = await browser.request('/language?lang=xx&return_to=/', { headers: { 'accept-language': 'ko' } });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<html lang="ko">');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('signet_lang='))).toBe(false);
  });
}
