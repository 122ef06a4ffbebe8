// Stands in for `next/headers` when the Next.js snippet runs outside Next.js: cookies() as Next 15+
// gives it to a route handler (async; get, set, delete), scoped to the request being handled, with
// every set or delete turned into a Set-Cookie header on that request's response, as Next does.
'use strict';
const { AsyncLocalStorage } = require('node:async_hooks');

const scope = new AsyncLocalStorage();

function parseCookieHeader(header) {
  const values = new Map();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      values.set(name, decodeURIComponent(raw));
    } catch {
      values.set(name, raw);
    }
  }
  return values;
}

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' };

function serialize(name, value, options) {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path ?? '/'}`];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.sameSite) parts.push(`SameSite=${SAME_SITE[options.sameSite] ?? options.sameSite}`);
  return parts.join('; ');
}

class RequestCookies {
  constructor(header) {
    this.values = parseCookieHeader(header);
    this.setCookies = [];
  }
  get(name) {
    const value = this.values.get(name);
    return value === undefined ? undefined : { name, value };
  }
  has(name) {
    return this.values.has(name);
  }
  set(name, value, options = {}) {
    this.values.set(name, value);
    this.setCookies.push(serialize(name, value, options));
    return this;
  }
  delete(name) {
    this.values.delete(name);
    this.setCookies.push(serialize(name, '', { maxAge: 0 }));
    return this;
  }
}

async function cookies() {
  const jar = scope.getStore();
  if (!jar) throw new Error('cookies() was called outside a request');
  return jar;
}

/** Runs `handler` as the handling of one request carrying `cookieHeader`; returns its Response and Set-Cookies. */
async function handleWithCookies(cookieHeader, handler) {
  const jar = new RequestCookies(cookieHeader);
  const response = await scope.run(jar, handler);
  return { response, setCookies: jar.setCookies };
}

module.exports = { cookies, handleWithCookies };
