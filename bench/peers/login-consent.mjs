// @ts-check
// The login and consent app every Hydra deployment brings (Hydra keeps no users and shows no pages):
// it answers Hydra's login and consent challenges through Hydra's admin API. Its login form checks the
// password with Signet's own PasswordHasher (argon2id, Signet's parameters and concurrency), so that the
// login row compares deployments that hash alike; consent is granted for every requested scope and
// remembered. Run as its own process by hydra.mjs, with PORT, HYDRA_ADMIN and USERS (JSON) set.

import { createServer } from 'node:http';
import { URLSearchParams } from 'node:url';
import { PasswordHasher } from '../../dist/accounts/password.js';
import { HttpClient } from '../lib/http.mjs';

const port = Number(process.env.PORT);
const hydra = new HttpClient(process.env.HYDRA_ADMIN ?? '', 64);
const hasher = new PasswordHasher();
/** @type {Map<string, string>} */
const hashes = new Map();
for (const user of JSON.parse(process.env.USERS ?? '[]'))
  hashes.set(user.email, await hasher.hash(String(user.password)));

async function admin(method, path, json) {
  const res = await hydra.request(method, path, {
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body);
}

async function acceptLogin(challenge, subject) {
  const path = `/admin/oauth2/auth/requests/login/accept?login_challenge=${encodeURIComponent(challenge)}`;
  return (await admin('PUT', path, { subject, remember: true, remember_for: 0 })).redirect_to;
}

async function acceptConsent(challenge) {
  const query = `consent_challenge=${encodeURIComponent(challenge)}`;
  const consent = await admin('GET', `/admin/oauth2/auth/requests/consent?${query}`);
  const accepted = await admin('PUT', `/admin/oauth2/auth/requests/consent/accept?${query}`, {
    grant_scope: consent.requested_scope,
    grant_access_token_audience: consent.requested_access_token_audience,
    remember: true,
    remember_for: 0,
    session: { id_token: { email: consent.subject } },
  });
  return accepted.redirect_to;
}

const escape = (s) => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (challenge) =>
  '<!doctype html><title>Sign in</title><form id="hydra-login" method="post" action="/login">' +
  `<input type="hidden" name="challenge" value="${escape(challenge)}">` +
  '<input name="email"><input name="password" type="password"><button>Sign in</button></form>';

function readForm(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(text))));
    req.on('error', reject);
  });
}

/** @returns {Promise<{ redirect: string } | { status: number, html: string }>} */
async function answer(req, url) {
  if (req.method === 'GET' && url.pathname === '/login') {
    const challenge = url.searchParams.get('login_challenge') ?? '';
    const login = await admin(
      'GET',
      `/admin/oauth2/auth/requests/login?login_challenge=${encodeURIComponent(challenge)}`,
    );
    // A browser Hydra remembers is not asked again, as on Signet and Keycloak.
    if (login.skip) return { redirect: await acceptLogin(challenge, login.subject) };
    return { status: 200, html: page(challenge) };
  }
  if (req.method === 'POST' && url.pathname === '/login') {
    const form = await readForm(req);
    const hash = hashes.get(form.email);
    const { ok } = hash ? await hasher.verify(hash, String(form.password ?? '')) : { ok: false };
    if (!ok) return { status: 401, html: '<p>Wrong email or password</p>' };
    return { redirect: await acceptLogin(form.challenge, form.email) };
  }
  if (req.method === 'GET' && url.pathname === '/consent')
    return { redirect: await acceptConsent(url.searchParams.get('consent_challenge') ?? '') };
  if (url.pathname === '/health') return { status: 200, html: 'ok' };
  return { status: 404, html: 'not found' };
}

createServer((req, res) => {
  answer(req, new URL(req.url ?? '/', `http://127.0.0.1:${port}`)).then(
    (out) => {
      if ('redirect' in out) res.writeHead(302, { location: out.redirect, 'content-length': 0 }).end();
      else res.writeHead(out.status, { 'content-type': 'text/html; charset=utf-8' }).end(out.html);
    },
    (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
  );
}).listen(port, '127.0.0.1');
