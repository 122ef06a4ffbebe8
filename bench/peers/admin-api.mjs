// @ts-check
// JSON calls to the peers' admin APIs, during set-up only (fetch: never under measurement).

import { URLSearchParams } from 'node:url';

/**
 * @param {string} method
 * @param {string} url
 * @param {{ json?: unknown, form?: Record<string, string>, headers?: Record<string, string> }} [options]
 * @returns {Promise<{ status: number, location: string | null, body: any }>}
 */
export async function adminCall(method, url, { json, form, headers = {} } = {}) {
  /** @type {RequestInit & { headers: Record<string, string> }} */
  const init = { method, headers: { ...headers } };
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(form).toString();
  }
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 400)}`);
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, location: res.headers.get('location'), body };
}
