// A minimal user agent for HTTP-level tests: follows nothing by itself, keeps cookies, and can fill
// Signet's forms. Tests use it to walk login and consent the way a browser would.

import { cookieHeader, storeCookies } from './user-agent.js';

export interface Step {
  status: number;
  location: string | null;
  body: string;
  headers: Headers;
}

export class BrowserSession {
  private readonly cookies = new Map<string, string>();

  /** `headers` go with every request (e.g. X-Forwarded-For, to be a different address behind TRUST_PROXY). */
  constructor(
    private readonly origin: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Step> {
    const target = new URL(url, this.origin);
    const headers: Record<string, string> = { accept: 'text/html', ...this.headers, ...init.headers };
    const cookie = target.origin === this.origin ? cookieHeader(this.cookies) : undefined;
    if (cookie !== undefined) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    if (target.origin === this.origin) storeCookies(this.cookies, res.headers.getSetCookie());
    const location = res.headers.get('location');
    return {
      status: res.status,
      location: location ? new URL(location, target).toString() : null,
      body: await res.text(),
      headers: res.headers,
    };
  }

  /** Follows redirects on our origin; stops at the first response that is not a redirect, or leaves it. */
  async follow(url: string): Promise<Step & { url: string }> {
    let current = url;
    for (let hops = 0; hops < 10; hops++) {
      const step = await this.request(current);
      if (step.status < 300 || step.status >= 400 || !step.location) return { ...step, url: current };
      if (new URL(step.location).origin !== this.origin) return { ...step, url: current };
      current = step.location;
    }
    throw new Error('too many redirects');
  }

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  cookieValue(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Plants a cookie, as an attacker who can write cookies for this site would. */
  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }
}

export { csrfFrom, formAction, hiddenFields } from './user-agent.js';
