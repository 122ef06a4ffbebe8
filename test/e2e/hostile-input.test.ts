// Hostile input through every page Signet draws, in headless Chromium. Clients come from dynamic
// registration with markup in their metadata; the user arrives with markup in login_hint and state;
// error pages are reached with markup in the request. On every page: nothing the attacker wrote runs
// (no window.__xss, no dialog, no inline <script> or on* handler in the DOM), the strict CSP is sent, and
// the hostile strings are shown as plain text. Framing Signet is refused.
//
// Expected console errors (allowed, nothing else is):
//  - "Failed to load resource: the server responded with a status of 4xx" on the error pages: Chromium logs
//    it for any document served with an error status, and those pages are 400/401 on purpose.
//  - On the framing page only: Chromium's "Refused to display ... in a frame" / "frame-ancestors 'none'" /
//    "X-Frame-Options" message, which is exactly the refusal under test.
// securitypolicyviolation events are recorded per page and printed, but do not fail the suite by themselves:
// a violation means the CSP had to block something, and the DOM and execution checks decide the verdict.

import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as oidc from 'openid-client';
import { type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/start-test-server.js';
import { describeBrowser, launchChromium } from '../support/chromium.js';

// The little of the page's DOM these checks read: the tests compile without the DOM lib, and the
// functions given to evaluate() run in the page, so only types (erased) may come from out here.
interface DomElement {
  readonly tagName: string;
  readonly outerHTML: string;
  readonly attributes: ArrayLike<{ readonly name: string }> & Iterable<{ readonly name: string }>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  matches(selector: string): boolean;
}
interface PageGlobal {
  /** Set by any injected script that ran. */
  __xss?: unknown;
  document: { querySelectorAll(selector: string): Iterable<DomElement> };
}

const TIMEOUT = 60_000;

const INITIAL_ACCESS_TOKEN = 'hostile-input-initial-access-token';
const EMAIL = 'mallory.victim@example.com';
const PASSWORD = 'correct horse battery staple';

const NAME_SCRIPT = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
const NAME_SVG = '"><svg onload=window.__xss=3>';
const HOSTILE_URI = 'https://evil.example/"><script>window.__xss=4</script>';
const HOSTILE_HINT = '"><script>window.__xss=5</script>';
const HOSTILE_STATE = '"><script>window.__xss=6</script><img src=x onerror=window.__xss=7>';
const HOSTILE_CLIENT_ID = '"><script>window.__xss=8</script>';
const HOSTILE_REDIRECT = 'http://127.0.0.1:9/cb?"><script>window.__xss=9</script>';
const HOSTILE_ERROR = '<script>window.__xss=10</script><img src=x onerror=window.__xss=11>';
const HOSTILE_UID = '<script>window.__xss=12</script>';

const APPROVE = /^\s*(Allow|Continue|Approve|Authorize)\b/i;
const DENY = /^\s*(Deny|Decline|Reject|Cancel)\b/i;

/** A console line Chromium prints for any document served with an error status (the error pages are 4xx on purpose). */
const HOSTILE_LOGO_LINE = /^Failed to load resource: net::ERR_NAME_NOT_RESOLVED$/;
const ERROR_STATUS_LINE = /^Failed to load resource: the server responded with a status of 4\d\d\b/;
/** Chromium's refusal to render a framed page: the outcome the framing test wants. */
const FRAME_REFUSAL_LINE = /frame-ancestors|X-Frame-Options|Refused to (display|frame)/i;

type Registered = { client_id: string; client_secret: string; client_name?: string } & Record<string, unknown>;

interface CspViolation {
  document: string;
  directive: string;
  blocked: string;
  sample: string;
}

/** Runs in every document before its own content: forwards CSP violations to the test (which page, what was blocked). */
const CSP_LISTENER = `
  document.addEventListener('securitypolicyviolation', function (e) {
    var report = globalThis.__signetTestCspViolation;
    if (typeof report === 'function') {
      report({ document: String(e.documentURI), directive: String(e.effectiveDirective || e.violatedDirective), blocked: String(e.blockedURI), sample: String(e.sample || '') });
    }
  }, true);
`;

/** What the test saw in one Chromium page: documents with their headers, console lines, errors, dialogs. */
interface PageWatch {
  page: Page;
  documents: Response[];
  console: Array<{ type: string; text: string; url: string }>;
  pageErrors: string[];
  dialogs: string[];
}

function watch(page: Page): PageWatch {
  const w: PageWatch = { page, documents: [], console: [], pageErrors: [], dialogs: [] };
  page.on('response', (res) => {
    if (res.request().isNavigationRequest() && res.frame() === page.mainFrame()) w.documents.push(res);
  });
  page.on('console', (msg) => w.console.push({ type: msg.type(), text: msg.text(), url: msg.location().url }));
  page.on('pageerror', (err) => w.pageErrors.push(err.message));
  page.on('dialog', (dialog) => {
    w.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  return w;
}

describeBrowser("hostile input through Signet's pages in Chromium", () => {
  let browser: Browser | undefined;
  let signet: TestServer | undefined;
  let rp: Server | undefined;
  let rpOrigin = '';
  let redirectUri = '';
  let issuer = '';
  let context: BrowserContext | undefined;
  let w: PageWatch | undefined;
  const callbacks: URLSearchParams[] = [];
  const violations: CspViolation[] = [];
  /** Every Signet page checked, with what it was: the report at the end names pages by label. */
  const checked: Array<{ label: string; url: string }> = [];
  /** The iframe target for the framing test, set once the clients exist. */
  let frameTarget = '';

  let scriptClient: Registered | undefined;
  let svgClient: Registered | undefined;
  /** Error pages drawn by Signet's own error handler that went out without CSP (the known bug below). */
  const headerlessPages: Array<{ label: string; status: number; headers: Record<string, string> }> = [];
  const registrationOutcomes: Array<{ field: string; value: string; status: number; error?: string }> = [];
  let idTokenHint: string | undefined;
  let logoutWithoutSession: { completed: boolean; violations: string[]; console: string[] } | undefined;

  const ready = () => {
    if (!browser || !signet || !context || !w || !scriptClient || !svgClient) throw new Error('setup failed');
    return { signet, context, w, page: w.page, scriptClient, svgClient };
  };

  /** A browser context whose every document reports its CSP violations into `violations`. */
  async function watchedContext(b: Browser): Promise<BrowserContext> {
    const c = await b.newContext();
    await c.exposeBinding('__signetTestCspViolation', (_source, v: CspViolation) => {
      violations.push(v);
    });
    await c.addInitScript(CSP_LISTENER);
    return c;
  }

  async function register(
    metadata: Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(metadata),
    });
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text();
    expect(res.status).toBeLessThan(500);
    expect(type).toMatch(/^application\/json/);
    const body = JSON.parse(text) as Record<string, unknown>;
    if (res.status !== 201) {
      expect(res.status).toBe(400);
      expect(body.error).toEqual(expect.any(String));
    }
    return { status: res.status, body };
  }

  /** The main document now shown, by URL: its response carries the headers to check. */
  function currentDocument(watcher: PageWatch): Response {
    const url = watcher.page.url();
    const doc = [...watcher.documents].reverse().find((r) => r.url() === url);
    if (!doc) throw new Error(`no document response recorded for ${url}`);
    return doc;
  }

  /**
   * The checks for every Signet page: nothing hostile ran or got into the DOM as markup, the strict CSP
   * was sent, and the console is clean apart from the documented lines.
   */
  async function expectSafePage(
    watcher: PageWatch,
    label: string,
    options: { knownHeaderBug?: boolean } = {},
  ): Promise<string> {
    const { page } = watcher;
    await page.waitForLoadState('load');
    expect(new URL(page.url()).origin).toBe(issuer);
    checked.push({ label, url: page.url() });

    expect({ label, xss: await page.evaluate(() => (globalThis as unknown as PageGlobal).__xss) }).toEqual({
      label,
      xss: undefined,
    });
    expect({ label, dialogs: watcher.dialogs }).toEqual({ label, dialogs: [] });

    // Signet's pages carry one script, its own static /assets/signet.js (CSP script-src 'self'): any other
    // <script>, or any on* handler attribute, is markup that came from input. A client's logo is the one
    // outside image, and only as Signet writes it: an https src and Signet's own attributes.
    const dom = await page.evaluate(() => {
      const doc = (globalThis as unknown as PageGlobal).document;
      const scripts = [...doc.querySelectorAll('script')]
        .filter(
          (s) =>
            !(s.getAttribute('src') === '/assets/signet.js' && s.attributes.length === 2 && s.hasAttribute('defer')),
        )
        .map((s) => s.outerHTML);
      const ownLogo = (img: DomElement) =>
        String(img.getAttribute('src')).startsWith('https://') &&
        [...img.attributes].every((a) => ['class', 'src', 'alt', 'width', 'height', 'referrerpolicy'].includes(a.name));
      const handlers: string[] = [];
      for (const el of doc.querySelectorAll('*')) {
        for (const attr of el.attributes) {
          if (/^on/i.test(attr.name)) handlers.push(`<${el.tagName.toLowerCase()} ${attr.name}>`);
        }
      }
      const injected = [...doc.querySelectorAll('svg, iframe, object, embed, img:not([src^="data:"])')]
        .filter((e) => !(e.matches('img.client-logo') && ownLogo(e)))
        .map((e) => e.outerHTML);
      return { scripts, handlers, injected };
    });
    expect({ label, ...dom }).toEqual({ label, scripts: [], handlers: [], injected: [] });

    const response = currentDocument(watcher);
    const csp = response.headers()['content-security-policy'];
    if (options.knownHeaderBug && csp === undefined) {
      // See the test.failing below: Signet's own error pages go out without the security headers.
      headerlessPages.push({ label, status: response.status(), headers: response.headers() });
    } else {
      expectStrictHeaders(label, response);
    }

    const allowed = response.status() >= 400 ? [ERROR_STATUS_LINE] : [];
    const unexpected = watcher.console
      .filter((m) => m.type === 'error' || /content security policy/i.test(m.text))
      .filter((m) => !allowed.some((re) => re.test(m.text)))
      // The hostile client's logo_uri is an https URL on a host that does not exist: the browser tries it and fails.
      .filter((m) => !(HOSTILE_LOGO_LINE.test(m.text) && m.url.startsWith('https://evil.example/')))
      .map((m) => `console.${m.type}: ${m.text} (${m.url})`);
    expect({ label, console: unexpected, pageErrors: watcher.pageErrors }).toEqual({
      label,
      console: [],
      pageErrors: [],
    });
    watcher.console.length = 0;
    return page.locator('body').innerText();
  }

  function expectStrictHeaders(label: string, response: Response): void {
    const csp = response.headers()['content-security-policy'];
    expect({ label, csp }).toEqual({ label, csp: expect.any(String) });
    const directives = new Map(
      (csp ?? '')
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name ?? '', values]),
    );
    expect({ label, scriptSrc: directives.get('script-src') }).toEqual({ label, scriptSrc: ["'self'"] });
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect({ label, xfo: response.headers()['x-frame-options'] }).toEqual({ label, xfo: 'DENY' });
    expect({ label, nosniff: response.headers()['x-content-type-options'] }).toEqual({ label, nosniff: 'nosniff' });
  }

  async function authorizationUrl(client: Registered, extra: Record<string, string> = {}) {
    const config = await oidc.discovery(new URL(issuer), client.client_id, client.client_secret, undefined, {
      // The test issuer is plain http on loopback; openid-client marks this deprecated only to make it stand out.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      execute: [oidc.allowInsecureRequests],
    });
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = extra.state ?? oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      nonce,
      ...extra,
      state,
    });
    return { config, url, pkceCodeVerifier, state, nonce };
  }

  /** Navigates (or acts) and waits for the next main-frame document of Signet to load. */
  async function landOnSignet(page: Page, action: () => Promise<unknown>): Promise<void> {
    // The next committed main-frame document of Signet (redirects through /auth do not commit).
    const landed = page.waitForEvent('framenavigated', {
      predicate: (f) =>
        f === page.mainFrame() && new URL(f.url()).origin === issuer && !new URL(f.url()).pathname.startsWith('/auth'),
    });
    await action();
    await landed;
    await page.waitForLoadState('load');
  }

  async function landOnRp(page: Page, action: () => Promise<unknown>): Promise<URLSearchParams> {
    const before = callbacks.length;
    await Promise.all([
      page.waitForURL((u) => u.origin === rpOrigin && u.pathname === '/cb', { waitUntil: 'load' }),
      action(),
    ]);
    expect(callbacks.length).toBe(before + 1);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).__xss)).toBeUndefined();
    const callback = callbacks.at(-1);
    if (!callback) throw new Error('no callback');
    return callback;
  }

  beforeAll(async () => {
    rp = createServer((req, res) => {
      const url = new URL(req.url ?? '/', rpOrigin);
      if (url.pathname === '/cb') {
        callbacks.push(url.searchParams);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test RP</title><link rel="icon" href="data:,"></head><body><h1>Callback received</h1></body></html>',
        );
        return;
      }
      if (url.pathname === '/canary') {
        // The detector's own check: a strict CSP and an inline script that the browser must block and report.
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': "script-src 'self'",
        });
        res.end(
          '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Canary</title><link rel="icon" href="data:,"></head><body><script>window.__xss = "canary"</script></body></html>',
        );
        return;
      }
      if (url.pathname === '/frame') {
        // An attacker's page that tries to show Signet's login page inside its own.
        const src = frameTarget.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Framer</title><link rel="icon" href="data:,"></head><body><h1>Framer</h1><iframe id="victim" name="victim" src="${src}" width="600" height="400"></iframe></body></html>`,
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    await new Promise<void>((resolve) => rp?.listen(0, '127.0.0.1', resolve));
    const address = rp.address();
    if (!address || typeof address !== 'object') throw new Error('relying party did not bind');
    rpOrigin = `http://127.0.0.1:${address.port}`;
    redirectUri = `${rpOrigin}/cb`;

    signet = await startTestServer({ store: 'sqlite', env: { INITIAL_ACCESS_TOKEN } });
    issuer = signet.issuer;
    await signet.signet.accounts.create({ email: EMAIL, password: PASSWORD, name: 'Victor Victim' });

    browser = await launchChromium();
    context = await watchedContext(browser);
    w = watch(await context.newPage());
  }, TIMEOUT);

  afterAll(async () => {
    if (violations.length > 0) {
      // Not a failure by itself (see the header): printed so a blocked injection is seen and traced to its page.
      console.warn(
        `CSP violations seen by the hostile-input suite:\n${violations.map((v) => `  ${v.document}: ${v.directive} blocked ${v.blocked} ${v.sample}`).join('\n')}`,
      );
    }
    await context?.close();
    await browser?.close();
    await signet?.destroy();
    await new Promise<void>((resolve) => (rp ? rp.close(() => resolve()) : resolve()));
    rp?.closeAllConnections();
  }, TIMEOUT);

  test(
    'dynamic registration takes hostile metadata or refuses it with a 400 JSON error, never a 5xx',
    async () => {
      // Each hostile URI alone, so a refusal names its field.
      const uriProbes: Array<[string, string]> = [
        ['logo_uri', HOSTILE_URI],
        ['policy_uri', HOSTILE_URI],
        ['tos_uri', HOSTILE_URI],
        ['client_uri', HOSTILE_URI],
        ['logo_uri', 'javascript:window.__xss=13'],
      ];
      const accepted: Record<string, string> = {};
      for (const [field, value] of uriProbes) {
        const { status, body } = await register({ client_name: 'probe', redirect_uris: [redirectUri], [field]: value });
        registrationOutcomes.push({
          field,
          value,
          status,
          ...(typeof body.error === 'string' ? { error: `${body.error}: ${String(body.error_description)}` } : {}),
        });
        if (status === 201) {
          expect(body[field]).toBe(value);
          if (!value.startsWith('javascript:')) accepted[field] = value;
        }
      }
      // A javascript: URI is no web URI: it must not be stored.
      expect(registrationOutcomes.find((o) => o.value.startsWith('javascript:'))?.status).toBe(400);

      const first = await register({ client_name: NAME_SCRIPT, redirect_uris: [redirectUri], ...accepted });
      expect(first.status).toBe(201);
      expect(first.body.client_name).toBe(NAME_SCRIPT);
      expect(first.body.client_secret).toEqual(expect.any(String));
      scriptClient = first.body as Registered;

      const second = await register({ client_name: NAME_SVG, redirect_uris: [redirectUri], ...accepted });
      expect(second.status).toBe(201);
      expect(second.body.client_name).toBe(NAME_SVG);
      svgClient = second.body as Registered;

      frameTarget = (await authorizationUrl(scriptClient)).url.href;
    },
    TIMEOUT,
  );

  test(
    'the detectors work: an inline script under a strict CSP is blocked and reported as a violation',
    async () => {
      const { context } = ready();
      const page = await context.newPage();
      const cw = watch(page);
      try {
        const before = violations.length;
        await page.goto(`${rpOrigin}/canary`);
        await page.waitForLoadState('load');
        for (let waited = 0; violations.length === before && waited < 5_000; waited += 50)
          await page.waitForTimeout(50);
        expect(violations.slice(before)).toEqual([
          expect.objectContaining({ document: `${rpOrigin}/canary`, directive: 'script-src-elem', blocked: 'inline' }),
        ]);
        expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).__xss)).toBeUndefined();
        expect(cw.console.some((m) => m.type === 'error' && /Content Security Policy/.test(m.text))).toBe(true);
        expect(cw.dialogs).toEqual([]);
        // The canary's own violation is not a finding: drop it from the report.
        violations.splice(before);
      } finally {
        await page.close();
      }
    },
    TIMEOUT,
  );

  test(
    'login page with hostile login_hint, state and client_name; a wrong password; login; consent; Deny',
    async () => {
      const { page, w, scriptClient } = ready();
      const request = await authorizationUrl(scriptClient, { login_hint: HOSTILE_HINT, state: HOSTILE_STATE });

      await landOnSignet(page, () => page.goto(request.url.href));
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\/[^/]+$/);
      let text = await expectSafePage(w, 'login (hostile login_hint, state, client_name)');
      expect(text).toContain(NAME_SCRIPT);
      const email = page.locator('input[name="email"]');
      const password = page.locator('input[type="password"]');
      const submit = page.locator('form', { has: password }).locator('button[type="submit"]');
      expect(await email.inputValue()).toBe(HOSTILE_HINT);

      // The hint is no valid email, so Chromium would not submit it: switch the form's validation off to post it
      // as a script would, and see the server echo it back into the re-rendered form.
      await page.locator('form', { has: password }).evaluate((form) => {
        (form as unknown as { noValidate: boolean }).noValidate = true;
      });
      await password.fill('not the password');
      await landOnSignet(page, () => submit.click());
      text = await expectSafePage(w, 'login after a wrong password');
      expect(text).toContain('Invalid email or password.');
      expect(text).toContain(NAME_SCRIPT);
      expect(await email.inputValue()).toBe(HOSTILE_HINT);

      await email.fill(EMAIL);
      await password.fill(PASSWORD);
      await landOnSignet(page, () => submit.click());
      const deny = page.getByRole('button', { name: DENY });
      await deny.waitFor({ state: 'visible' });
      text = await expectSafePage(w, 'consent (hostile client_name, Deny)');
      expect(text).toContain(NAME_SCRIPT);
      expect(text).toContain('<script>');
      expect(await page.locator('strong', { hasText: '<script>' }).innerText()).toBe(NAME_SCRIPT);

      const callback = await landOnRp(page, () => deny.click());
      expect(callback.get('error')).toBe('access_denied');
      expect(callback.get('state')).toBe(HOSTILE_STATE);
      expect(callback.get('code')).toBeNull();
    },
    TIMEOUT,
  );

  test(
    'consent Allow for both hostile-named apps: the relying party redeems the codes',
    async () => {
      const { page, w, scriptClient, svgClient } = ready();
      for (const [client, name] of [
        [scriptClient, NAME_SCRIPT],
        [svgClient, NAME_SVG],
      ] as const) {
        const request = await authorizationUrl(client, { state: HOSTILE_STATE });
        await landOnSignet(page, () => page.goto(request.url.href));
        const allow = page.getByRole('button', { name: APPROVE });
        await allow.waitFor({ state: 'visible' });
        const text = await expectSafePage(w, `consent (${name}, Allow)`);
        expect(text).toContain(name);

        const callback = await landOnRp(page, () => allow.click());
        expect(callback.get('state')).toBe(HOSTILE_STATE);
        expect(callback.get('code')).toEqual(expect.any(String));
        const tokens = await oidc.authorizationCodeGrant(request.config, new URL(page.url()), {
          pkceCodeVerifier: request.pkceCodeVerifier,
          expectedState: HOSTILE_STATE,
          expectedNonce: request.nonce,
          idTokenExpected: true,
        });
        // OIDC Core 5.4: with an access token issued, the email is read at userinfo, not from the id_token.
        const sub = tokens.claims()?.sub ?? '';
        expect((await oidc.fetchUserInfo(request.config, tokens.access_token, sub)).email).toBe(EMAIL);
        if (client === scriptClient) idTokenHint = tokens.id_token;
      }
    },
    TIMEOUT,
  );

  test(
    'error pages reached with hostile client_id, redirect_uri, error code and path show them, if at all, as text',
    async () => {
      const { context, page, w, scriptClient } = ready();
      const auth = (params: Record<string, string>) => `${issuer}/auth?${new URLSearchParams(params).toString()}`;
      const common = {
        response_type: 'code',
        scope: 'openid',
        state: HOSTILE_STATE,
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      };

      // ownErrorHandler: drawn by src/http/middleware/error-handler.ts rather than oidc-provider's renderError.
      const cases: Array<{ label: string; url: string; status: number; ownErrorHandler?: boolean }> = [
        {
          label: 'error: /auth with an unknown hostile client_id',
          url: auth({ ...common, client_id: HOSTILE_CLIENT_ID, redirect_uri: HOSTILE_REDIRECT }),
          status: 400,
        },
        {
          label: 'error: /auth with an unregistered hostile redirect_uri',
          url: auth({ ...common, client_id: scriptClient.client_id, redirect_uri: HOSTILE_REDIRECT }),
          status: 400,
        },
        {
          label: 'error: /session/end with a hostile client_id',
          url: `${issuer}/session/end?${new URLSearchParams({ client_id: HOSTILE_CLIENT_ID, state: HOSTILE_STATE }).toString()}`,
          status: 400,
        },
        {
          label: 'error: /session/end with a hostile id_token_hint',
          url: `${issuer}/session/end?${new URLSearchParams({ id_token_hint: HOSTILE_ERROR }).toString()}`,
          status: 400,
        },
        {
          label: 'error: /interaction with a hostile uid',
          url: `${issuer}/interaction/${encodeURIComponent(HOSTILE_UID)}`,
          status: 400,
          ownErrorHandler: true,
        },
      ];
      for (const c of cases) {
        const response = await page.goto(c.url);
        expect({ label: c.label, status: response?.status() }).toEqual({ label: c.label, status: c.status });
        const text = await expectSafePage(w, c.label, { knownHeaderBug: c.ownErrorHandler === true });
        expect(text).toMatch(
          /cannot be completed|not allowed|sign-in required|cannot sign you in|not known to Signet|has expired/i,
        );
      }

      // The account page's own callback puts the `error` it receives into the page as the error code.
      // It needs the pending-login cookie, which opening /account sets.
      const fresh = await context.newPage();
      const fw = watch(fresh);
      try {
        // Opening /account without following its redirect: the pending-login cookie lands in the context's jar
        // and stays unused for the hostile request.
        const opened = await context.request.get(`${issuer}/account`, { maxRedirects: 0 });
        expect(opened.status()).toBe(303);
        expect((await context.cookies(`${issuer}/account`)).map((c) => c.name)).toContain('signet.account.login');
        fw.console.length = 0;
        const response = await fresh.goto(
          `${issuer}/account/callback?${new URLSearchParams({ error: HOSTILE_ERROR, state: HOSTILE_STATE }).toString()}`,
        );
        expect(response?.status()).toBe(400);
        const text = await expectSafePage(fw, 'error: /account/callback with a hostile error code', {
          knownHeaderBug: true,
        });
        // The code shown is one of ours, never what the query string said.
        expect(text).toContain('Error code: login_required');
        expect(text).not.toContain(HOSTILE_ERROR);
      } finally {
        await fresh.close();
      }
    },
    TIMEOUT,
  );

  test(
    'the account page lists the hostile-named apps as text',
    async () => {
      const { page, w } = ready();
      await page.goto(`${issuer}/account`);
      await page.getByRole('heading', { name: 'Your account' }).waitFor({ state: 'visible' });
      const text = await expectSafePage(w, 'account page (hostile app names)');
      expect(text).toContain(NAME_SCRIPT);
      expect(text).toContain(NAME_SVG);
      const apps = page
        .locator('section', { has: page.getByRole('heading', { name: /Connected apps/ }) })
        .locator('li strong');
      expect((await apps.allInnerTexts()).sort()).toEqual([NAME_SCRIPT, NAME_SVG].sort());
    },
    TIMEOUT,
  );

  test(
    'the RP-initiated logout page with a hostile state and the real id_token_hint',
    async () => {
      const { page, w } = ready();
      if (!idTokenHint) throw new Error('no id_token from the Allow test');
      await page.goto(
        `${issuer}/session/end?${new URLSearchParams({ id_token_hint: idTokenHint, state: HOSTILE_STATE }).toString()}`,
      );
      const signOut = page.getByRole('button', { name: /^\s*Sign out\s*$/ });
      await signOut.waitFor({ state: 'visible' });
      let text = await expectSafePage(w, 'logout confirmation (hostile state, hostile client_name)');
      expect(text).toContain(NAME_SCRIPT);
      expect(await page.locator('form#op\\.logoutForm').count()).toBe(1);

      await landOnSignet(page, () => signOut.click());
      text = await expectSafePage(w, 'signed out');
      expect(text).toMatch(/signed out/i);
    },
    TIMEOUT,
  );

  test(
    'the RP-initiated logout without a session at Signet, with a hostile state: nothing hostile runs',
    async () => {
      const { scriptClient } = ready();
      if (!browser) throw new Error('setup failed');
      // A browser that holds no Signet session: oidc-provider answers with its own auto-submitting form_post page
      // (an inline <script> of its own, not markup from input), so the DOM check of expectSafePage does not apply.
      const fresh = await watchedContext(browser);
      try {
        const page = await fresh.newPage();
        const fw = watch(page);
        const before = violations.length;
        const response = await page.goto(
          `${issuer}/session/end?${new URLSearchParams({ client_id: scriptClient.client_id, state: HOSTILE_STATE }).toString()}`,
        );
        expect(response?.status()).toBe(200);
        const csp = response?.headers()['content-security-policy'] ?? '';
        expect(csp).toMatch(/script-src 'self'/);
        expect(csp).not.toMatch(/unsafe-inline/);
        // The page submits itself at once, so its body may be gone by now; the DOM checks below still apply.
        const html = await response?.text().catch(() => '');
        expect(html).not.toContain('__xss');
        // Give the auto-submit its chance to reach the signed-out page.
        await page.waitForURL((u) => u.pathname === '/session/end/success', { timeout: 3_000 }).catch(() => undefined);
        expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).__xss)).toBeUndefined();
        expect(fw.dialogs).toEqual([]);
        expect(fw.pageErrors).toEqual([]);
        logoutWithoutSession = {
          completed: new URL(page.url()).pathname === '/session/end/success',
          violations: violations.slice(before).map((v) => `${v.directive} ${v.blocked}`),
          console: fw.console.filter((m) => m.type === 'error').map((m) => m.text),
        };
        // The only console error tolerated here: the favicon 404 of oidc-provider's own page (it declares no icon).
        expect(logoutWithoutSession.console.filter((t) => !/status of 404/.test(t))).toEqual([]);
      } finally {
        await fresh.close();
      }
    },
    TIMEOUT,
  );

  // oidc-provider's self-submitting pages (this logout without a session, form_post responses) add their script's
  // hash to the CSP already on the response; securityHeaders sets it before the provider runs.
  test("the logout without a session completes (the CSP allows oidc-provider's auto-submit)", () => {
    expect(logoutWithoutSession).toEqual({ completed: true, violations: [], console: [] });
  });

  test(
    "Signet refuses to be framed: the login page does not render inside another site's frame",
    async () => {
      const { context } = ready();
      const page = await context.newPage();
      const fw = watch(page);
      try {
        const victim = page.waitForResponse(
          (r) =>
            r.frame() !== page.mainFrame() &&
            new URL(r.url()).origin === issuer &&
            /^\/interaction\//.test(new URL(r.url()).pathname),
        );
        await page.goto(`${rpOrigin}/frame`);
        const framed = await victim;
        // The response arrived with both refusals; the browser then must not render it.
        expect(framed.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
        expect(framed.headers()['x-frame-options']).toBe('DENY');
        await page.waitForLoadState('load');
        await page.waitForTimeout(300);

        const frame = page.frames().find((f) => f !== page.mainFrame());
        if (!frame) throw new Error('the iframe is missing');
        // A refused frame is replaced by Chromium's error document: no Signet URL, no login form, no Signet text.
        expect(frame.url()).not.toMatch(new RegExp(`^${issuer.replace(/[.]/g, '\\.')}`));
        const content = await frame.content().catch(() => '');
        expect(content).not.toMatch(/Signet|Sign in|password/i);
        expect(
          await frame
            .locator('input[type="password"]')
            .count()
            .catch(() => 0),
        ).toBe(0);

        const unexpected = fw.console.filter((m) => m.type === 'error' && !FRAME_REFUSAL_LINE.test(m.text));
        expect(unexpected).toEqual([]);
        expect(fw.console.some((m) => FRAME_REFUSAL_LINE.test(m.text))).toBe(true);
        expect(fw.dialogs).toEqual([]);
        expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).__xss)).toBeUndefined();
      } finally {
        await page.close();
      }
    },
    TIMEOUT,
  );

  // securityHeaders wraps errorHandler and sets its headers before anything runs, so the error pages of
  // Signet's own routes (/interaction/:uid, /account/...) carry them too.
  test("Signet's own error pages carry the strict CSP and the anti-framing headers", () => {
    ready();
    expect(
      headerlessPages.map(
        (p) =>
          `${p.label} (${p.status}): csp=${String(p.headers['content-security-policy'])} x-frame-options=${String(p.headers['x-frame-options'])}`,
      ),
    ).toEqual([]);
  });

  test('the walk covered every page and no hostile registration got a 5xx (the log lists both)', () => {
    ready();
    console.info(
      [
        'hostile registration metadata:',
        ...registrationOutcomes.map(
          (o) => `  ${o.field}=${JSON.stringify(o.value)} -> ${o.status}${o.error ? ` (${o.error})` : ''}`,
        ),
        `pages checked: ${checked.length}`,
        ...headerlessPages.map((p) => `  WITHOUT security headers: ${p.label} (${p.status})`),
        ...checked.map((c) => `  ${c.label}`),
        `CSP violations: ${violations.length}`,
        ...violations.map((v) => `  ${v.document}: ${v.directive} ${v.blocked} ${v.sample}`),
      ].join('\n'),
    );
    expect(checked.length).toBeGreaterThanOrEqual(12);
    expect(registrationOutcomes.filter((o) => o.status >= 500)).toEqual([]);
  });
});
