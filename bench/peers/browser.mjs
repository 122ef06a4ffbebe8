// @ts-check
// The authorization walk of bench/lib/http.mjs, for servers whose flow crosses origins (Hydra sends the
// browser to its login and consent app, on another port): one keep-alive HttpClient per origin, one
// cookie jar per browser for every port of 127.0.0.1 (browsers scope cookies by host, not port), and
// each server's own form pages filled by its target's `fillForm`.

import { randomBytes } from 'node:crypto';
import { URLSearchParams } from 'node:url';
import { cookieHeader, storeCookies } from '../../test/support/user-agent.ts';
import { HttpClient, PKCE_CHALLENGE, REDIRECT_URI } from '../lib/http.mjs';

/** A request of a flow that takes longer than this has hung: it fails instead of stalling the run. */
const REQUEST_TIMEOUT_MS = 30_000;

/** One keep-alive client per origin, shared by the browsers and token calls of a scenario. */
export class Clients {
  constructor(maxSockets = 128) {
    this.maxSockets = maxSockets;
    /** @type {Map<string, HttpClient>} */
    this.byOrigin = new Map();
  }

  /** @param {string} origin */
  for(origin) {
    const key = new URL(origin).origin;
    let client = this.byOrigin.get(key);
    if (!client) {
      client = new HttpClient(key, this.maxSockets);
      this.byOrigin.set(key, client);
    }
    return client;
  }

  close() {
    for (const client of this.byOrigin.values()) client.close();
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {string} what
 * @returns {Promise<T>}
 */
export function bounded(promise, what, ms = REQUEST_TIMEOUT_MS) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s: ${what}`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout]).finally(() => clearTimeout(timer)));
}

export class Browser {
  /** @param {Clients} clients */
  constructor(clients) {
    this.clients = clients;
    /** @type {Map<string, string>} */
    this.cookies = new Map();
  }

  /**
   * @param {string} method
   * @param {string} url an absolute URL
   * @param {Record<string, string>} [form]
   */
  async request(method, url, form) {
    const target = new URL(url);
    /** @type {Record<string, string>} */
    const headers = { accept: 'text/html', 'user-agent': 'signet-bench' };
    const cookie = cookieHeader(this.cookies);
    if (cookie !== undefined) headers.cookie = cookie;
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await bounded(
      this.clients.for(target.origin).request(method, target.pathname + target.search, { headers, body }),
      `${method} ${target.pathname}`,
    );
    storeCookies(this.cookies, res.headers['set-cookie'] ?? []);
    return res;
  }
}

/**
 * The authorization request of every scenario: code flow, PKCE S256, fresh state and nonce.
 * @param {{ origin: string, paths: { authorize: string }, web: { id: string } }} target
 * @param {{ scope?: string, prompt?: string }} [options]
 */
export function authorizeUrl(target, { scope = 'openid email profile', prompt } = {}) {
  const params = new URLSearchParams({
    client_id: target.web.id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: PKCE_CHALLENGE,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('base64url'),
    nonce: randomBytes(8).toString('base64url'),
  });
  if (prompt) params.set('prompt', prompt);
  return `${target.origin}${target.paths.authorize}?${params}`;
}

/**
 * @typedef {{ email: string, password: string }} User
 * @typedef {(html: string, user: User) => { action: string, fields: Record<string, string> } | null} FormFiller
 */

/**
 * Follows redirects and fills the target's pages until the redirect to the client; resolves with the
 * code, throws with the page where the walk stopped.
 * @param {Browser} browser
 * @param {{ fillForm: FormFiller }} target
 * @param {string} url
 * @param {User} user
 */
export async function authorize(browser, target, url, user) {
  let where = url;
  let res = await browser.request('GET', where);
  for (let step = 0; step < 16; step++) {
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, where);
      if (next.href.startsWith(REDIRECT_URI)) {
        const code = next.searchParams.get('code');
        if (!code)
          throw new Error(
            `authorization failed: ${next.searchParams.get('error') ?? ''} ${next.searchParams.get('error_description') ?? ''}`,
          );
        return code;
      }
      where = next.href;
      res = await browser.request('GET', where);
      continue;
    }
    const form = res.status === 200 ? target.fillForm(res.body, user) : null;
    if (!form) break;
    where = new URL(form.action, where).href;
    res = await browser.request('POST', where, form.fields);
  }
  throw new Error(
    `authorization flow stopped at ${where.slice(0, 120)} with ${res.status}: ${res.body.replace(/\s+/g, ' ').slice(0, 300)}`,
  );
}
