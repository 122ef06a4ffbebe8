// @ts-check
// A small keep-alive HTTP client and a cookie-keeping "browser" for the multi-step scenarios (login,
// code production, refresh chains). node:http rather than fetch: it costs the load generator less
// CPU, which matters on a 2-core machine where the generator competes with the server.

import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { URLSearchParams } from 'node:url';
import {
  basicAuth,
  cookieHeader,
  csrfFrom,
  formAction,
  hiddenFields,
  storeCookies,
} from '../../test/support/user-agent.ts';

export const REDIRECT_URI = 'http://127.0.0.1:8787/cb';

export class HttpClient {
  constructor(origin, maxSockets = 64) {
    this.origin = new URL(origin);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ headers?: Record<string, string>, body?: string }} [options]
   * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: string }>}
   */
  request(method, path, options = {}) {
    return this.#send(method, path, options, false);
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ headers?: Record<string, string>, body?: string }} options
   * @param {boolean} retried
   * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: string }>}
   */
  #send(method, path, { headers = {}, body } = {}, retried) {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = httpRequest(
        {
          agent: this.agent,
          host: this.origin.hostname,
          port: this.origin.port,
          method,
          path,
          headers: payload ? { ...headers, 'content-length': payload.length } : headers,
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (err) => {
        // A kept-alive socket the server closed while idle: the request never reached it, send it again.
        if (!retried && req.reusedSocket && /** @type {NodeJS.ErrnoException} */ (err).code === 'ECONNRESET')
          resolve(this.#send(method, path, { headers, body }, true));
        else reject(err);
      });
      req.end(payload);
    });
  }

  /** POST an x-www-form-urlencoded body; resolves with status and parsed JSON (or raw text). */
  async postForm(path, form, headers = {}) {
    const res = await this.request('POST', path, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    let json;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, body: res.body };
  }

  close() {
    this.agent.destroy();
  }
}

export { basicAuth as basic } from '../../test/support/user-agent.ts';

/** One PKCE pair for the whole run: PKCE's cost is the server's S256 check, not which verifier it is. */
export const PKCE_VERIFIER = randomBytes(32).toString('base64url');
export const PKCE_CHALLENGE = createHash('sha256').update(PKCE_VERIFIER).digest('base64url');

/**
 * @param {string} clientId
 * @param {{ scope?: string, prompt?: string, resource?: string }} [options]
 */
export function authorizePath(clientId, { scope = 'openid email profile', prompt, resource } = {}) {
  const params = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: PKCE_CHALLENGE,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('base64url'),
    nonce: randomBytes(8).toString('base64url'),
  });
  if (prompt) params.set('prompt', prompt);
  if (resource) params.set('resource', resource);
  return `/auth?${params}`;
}

/** A user agent: keeps its own cookies, follows nothing by itself. */
export class Browser {
  constructor(http) {
    this.http = http;
    this.cookies = new Map();
  }

  async request(method, pathOrUrl, form) {
    const url = new URL(pathOrUrl, this.http.origin);
    const headers = { accept: 'text/html', 'user-agent': 'signet-bench' };
    const cookie = cookieHeader(this.cookies);
    if (cookie !== undefined) headers.cookie = cookie;
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await this.http.request(method, url.pathname + url.search, { headers, body });
    storeCookies(this.cookies, res.headers['set-cookie'] ?? []);
    return res;
  }
}

/**
 * Walks one authorization request the way a browser would: redirects on the server's origin, Signet's
 * login form (email + password + CSRF token) and consent form when they come, until the redirect to
 * the client. The bare baseline answers its interactions itself with redirects, so the same walk
 * works there. Resolves with the authorization code; throws with the page when anything else happens.
 */
export async function authorize(browser, path, user) {
  let res = await browser.request('GET', path);
  let where = path;
  for (let step = 0; step < 16; step++) {
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      const next = new URL(res.headers.location, browser.http.origin);
      if (next.href.startsWith(REDIRECT_URI)) {
        const code = next.searchParams.get('code');
        if (!code)
          throw new Error(
            `authorization failed: ${next.searchParams.get('error')} ${next.searchParams.get('error_description') ?? ''}`,
          );
        return code;
      }
      where = next.pathname + next.search;
      res = await browser.request('GET', where);
      continue;
    }
    if (res.status === 200 && res.body.includes('/login"')) {
      const action = formAction(res.body, '/login');
      res = await browser.request('POST', action, {
        csrf: csrfFrom(res.body),
        email: user.email,
        password: user.password,
      });
      where = action;
      continue;
    }
    if (res.status === 200 && res.body.includes('/confirm"')) {
      const action = formAction(res.body, '/confirm');
      res = await browser.request('POST', action, hiddenFields(res.body, '/confirm'));
      where = action;
      continue;
    }
    break;
  }
  throw new Error(
    `authorization flow stopped at ${where} with ${res.status}: ${res.body.replace(/\s+/g, ' ').slice(0, 300)}`,
  );
}

/** The token endpoint's authorization_code grant, as the relying party's back end calls it. */
export function exchangeCode(http, client, code) {
  return http.postForm(
    '/token',
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: PKCE_VERIFIER },
    { authorization: basicAuth(client.id, client.secret) },
  );
}
