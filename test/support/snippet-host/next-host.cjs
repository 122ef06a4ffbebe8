// Serves a folder of compiled Next.js App Router route handlers (app/**/route.js) the way Next calls
// them: each request becomes a web Request, the exported handler for its method answers with a web
// Response, and cookies() from next/headers works inside it (./next-headers.cjs). "/" stands in for the
// developer's page, which shows currentUser() from the snippet. Next.js itself is far too heavy to install
// for a test; this replaces only its router, never openid-client or Signet.
// Usage: node next-host.cjs DIR PORT HOST — prints "Listening" once it accepts connections.
'use strict';
/* global process, console, Buffer, URL, Request, Response */
const { createServer } = require('node:http');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { handleWithCookies } = require('./next-headers.cjs');

const [dir = '', port = '0', host = '127.0.0.1'] = process.argv.slice(2);

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function page() {
  const { currentUser } = require(join(dir, 'app/api/auth/signet.js'));
  const user = await currentUser();
  const body = user
    ? `<p>Signed in as ${escapeHtml(user.email ?? user.sub)}</p>`
    : '<a href="/api/auth/login">Sign in with Signet</a>';
  return new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });
}

async function route(pathname, request) {
  if (pathname === '/') return page();
  const file = join(dir, 'app', pathname, 'route.js');
  if (!pathname.startsWith('/api/') || !existsSync(file)) return new Response('not found', { status: 404 });
  const handler = require(file)[request.method];
  if (typeof handler !== 'function') return new Response('method not allowed', { status: 405 });
  return handler(request);
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const request = new Request(url, { method: req.method, headers: { cookie: req.headers.cookie ?? '' } });
    const { response, setCookies } = await handleWithCookies(req.headers.cookie ?? '', () =>
      route(url.pathname, request),
    );
    const headers = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    const cookies = [...response.headers.getSetCookie(), ...setCookies];
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    res.writeHead(response.status, headers);
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (err) {
    // Next answers a handler that throws with a 500; so does this host, and says why on stderr.
    console.error(err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});
server.listen(Number(port), host, () => console.log(`Listening on http://${host}:${server.address().port}`));
