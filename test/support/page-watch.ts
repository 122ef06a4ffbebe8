// What a browser page did while a test drove it, and the checks every browser suite makes of it:
// no console errors or CSP violations, HttpOnly + SameSite on every cookie, a strict CSP on every page.

import { expect } from '@jest/globals';
import type { BrowserContext, Page, Response } from 'playwright-core';

export interface PageWatch {
  /** Console errors (CSP violations included) and uncaught exceptions. */
  problems: string[];
  /** Every Set-Cookie line Signet sent, read from the raw headers (context.cookies() reports a missing SameSite as Lax). */
  setCookies: Promise<string[]>[];
  /** Signet's responses with a status of 400 or more. */
  failures: string[];
  /** Every URL the page navigated to. */
  urls: string[];
  /** The body of every non-redirect response Signet served (pages, stylesheets). */
  bodies: Promise<{ url: string; body: string }>[];
  /** Every document Signet served: its URL, status and Content-Security-Policy. */
  documents: Array<{ url: string; status: number; csp: string | undefined }>;
}

export function watchPage(page: Page, issuer: string): PageWatch {
  const w: PageWatch = { problems: [], setCookies: [], failures: [], urls: [], bodies: [], documents: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /content security policy/i.test(msg.text()))
      w.problems.push(`console.${msg.type()}: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => w.problems.push(`pageerror: ${err.message}`));
  page.on('framenavigated', (frame) => w.urls.push(frame.url()));
  page.on('response', (res: Response) => {
    const url = new URL(res.url());
    if (url.origin !== issuer) return;
    const redirect = res.status() >= 300 && res.status() < 400;
    if (res.status() >= 400) w.failures.push(`${res.status()} ${res.request().method()} ${url.pathname}`);
    if (!redirect)
      w.bodies.push(
        res.text().then(
          (body) => ({ url: res.url(), body }),
          () => ({ url: res.url(), body: '' }),
        ),
      );
    if (!redirect && res.request().resourceType() === 'document') {
      w.documents.push({ url: res.url(), status: res.status(), csp: res.headers()['content-security-policy'] });
    }
    w.setCookies.push(
      res.headersArray().then((hs) => hs.filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value)),
    );
  });
  return w;
}

/**
 * Every cookie the browser holds (whatever its path) belongs to the issuer's host and is HttpOnly with a
 * SameSite from `sameSite`; so is every Set-Cookie line Signet sent. Resolves with the cookie names.
 */
export async function expectCookiesSafe(
  context: BrowserContext,
  w: PageWatch,
  issuer: string,
  sameSite: ReadonlyArray<'Strict' | 'Lax' | 'None'> = ['Strict', 'Lax', 'None'],
): Promise<string[]> {
  const cookies = await context.cookies();
  expect(cookies.length).toBeGreaterThan(0);
  for (const cookie of cookies) {
    expect({ name: cookie.name, domain: cookie.domain }).toEqual({
      name: cookie.name,
      domain: new URL(issuer).hostname,
    });
    expect({ name: cookie.name, httpOnly: cookie.httpOnly }).toEqual({ name: cookie.name, httpOnly: true });
    expect(sameSite).toContain(cookie.sameSite);
  }
  // A header may carry several cookies joined by newlines.
  const lines = (await Promise.all(w.setCookies))
    .flat()
    .flatMap((v) => v.split('\n'))
    .filter(Boolean);
  expect(lines.length).toBeGreaterThan(0);
  const allowed = new RegExp(`;\\s*samesite=(${sameSite.join('|')})\\s*(;|$)`, 'i');
  for (const line of lines) {
    expect(line).toMatch(/;\s*httponly\s*(;|$)/i);
    expect(line).toMatch(allowed);
  }
  return cookies.map((c) => c.name);
}

/** The page's Content-Security-Policy allows only its own scripts and styles, no inline code, no framing. */
export function expectStrictCsp(csp: string | undefined): void {
  expect(csp).toEqual(expect.any(String));
  expect(csp).toMatch(/default-src 'self'/);
  expect(csp).toMatch(/script-src 'self'/);
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(csp).not.toMatch(/unsafe-inline/);
  expect(csp).not.toMatch(/unsafe-eval/);
}

/** The CSP header of a navigation's response (failing the test when there was none). */
export function cspOf(response: Response | null, what: string): string | undefined {
  if (!response) throw new Error(`no response for ${what}`);
  return response.headers()['content-security-policy'];
}
