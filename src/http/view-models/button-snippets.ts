/**
 * Copy-paste snippets for /button, with this issuer filled in. Shown escaped (they are text), and run
 * as written by test/integration/snippets.test.ts against a live Signet, over http and https.
 */

export interface SnippetFile {
  /** Where the file goes in the developer's project. */
  path: string;
  code: string;
}

export interface ButtonSnippets {
  html: string;
  /** A whole Express server (server.mjs). */
  node: string;
  /** The Next.js files, one after the other, as the page shows them. */
  next: string;
  nextFiles: SnippetFile[];
  /** The admin CLI command that registers the Express app. */
  register: string;
  /** The Next.js app's redirect URI, to register instead. */
  nextRedirectUri: string;
}

/**
 * The discovery call for this issuer. openid-client refuses plain http (OAUTH_HTTP_REQUEST_FORBIDDEN)
 * unless allowed per call; only a development issuer speaks http, so only its snippet allows it, and
 * says why, so nobody carries the option into production.
 */
function discovery(issuer: string, clientId: string, clientSecret: string): string {
  if (new URL(issuer).protocol === 'https:')
    return `oidc.discovery(new URL('${issuer}'), ${clientId}, ${clientSecret})`;
  return `oidc.discovery(new URL('${issuer}'), ${clientId}, ${clientSecret}, undefined, {
  // This issuer speaks http (a development Signet), which openid-client refuses unless allowed here.
  // An https issuer (production) needs no option: never carry this one there.
  execute: [oidc.allowInsecureRequests],
})`;
}

/** The app's own URL while developing goes with the issuer: http beside an http issuer, https in production. */
function defaultAppUrl(issuer: string): string {
  return new URL(issuer).protocol === 'https:' ? 'https://app.example.com' : 'http://localhost:8080';
}

function htmlSnippet(issuer: string): string {
  return `<link rel="stylesheet" href="${issuer}/assets/signet-button.css">
<!-- /login is a route on YOUR server that starts the flow (see below) -->
<a class="signet-button signet-auto" href="/login">
  <span class="signet-mark" aria-hidden="true">S</span>Sign in with Signet
</a>`;
}

/** server.mjs, top: dependencies, discovery, the session cookie and the home page. */
function expressSetup(issuer: string): string {
  return `// server.mjs — npm install express express-session openid-client, then: node server.mjs
import express from 'express';
import session from 'express-session';
import * as oidc from 'openid-client';

// Your app's own URL; register \`\${APP_URL}/callback\` as its redirect URI.
const APP_URL = process.env.APP_URL ?? '${defaultAppUrl(issuer)}';
// From your secret store, never from the browser.
const { CLIENT_ID, CLIENT_SECRET, SESSION_SECRET } = process.env;

const config = await ${discovery(issuer, 'CLIENT_ID', 'CLIENT_SECRET')};

const app = express();
// Behind a TLS-terminating proxy, also: app.set('trust proxy', 1);
app.use(session({
  secret: SESSION_SECRET,
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, sameSite: 'lax', secure: APP_URL.startsWith('https:') },
}));

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => \`&#\${c.charCodeAt(0)};\`);

app.get('/', (req, res) => {
  const user = req.session.user;
  res.send(user ? \`<p>Signed in as \${escapeHtml(user.email ?? user.sub)}</p>\` : '<a href="/login">Sign in with Signet</a>');
});`;
}

/** server.mjs: the route the button links to, which starts the flow. */
function expressLogin(): string {
  return `// The button links here. PKCE verifier, state and nonce stay in YOUR server-side session.
app.get('/login', async (req, res) => {
  const login = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
  req.session.login = login;
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: \`\${APP_URL}/callback\`,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
    code_challenge_method: 'S256',
    state: login.state,
    nonce: login.nonce,
  });
  res.redirect(url.href);
});`;
}

/** server.mjs: the redirect URI, where the code becomes a signed-in session. */
function expressCallback(): string {
  return `// Signet sends the browser back here.
app.get('/callback', async (req, res) => {
  const login = req.session.login;
  delete req.session.login;
  if (!login) return res.status(400).send('No sign-in in progress: <a href="/login">start again</a>');
  // Checks state, iss (RFC 9207) and the id_token (signature, aud, nonce, exp); sends the PKCE verifier.
  const tokens = await oidc.authorizationCodeGrant(config, new URL(req.originalUrl, APP_URL), {
    pkceCodeVerifier: login.verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
  });
  // The id_token says who (sub); email and name are at userinfo (OpenID Connect Core 5.4).
  const { sub } = tokens.claims();
  const { email, name } = await oidc.fetchUserInfo(config, tokens.access_token, sub);
  // A new session id at sign-in (no session fixation); the tokens stay on the server.
  await new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
  req.session.user = { sub, email, name };
  req.session.tokens = { access: tokens.access_token, refresh: tokens.refresh_token };
  res.redirect('/');
});`;
}

/** server.mjs, bottom: failed sign-ins, and listening. */
function expressEnd(): string {
  return `// A cancelled sign-in (access_denied) or an answer that fails a check: the user stays signed out.
app.use((err, req, res, next) => {
  console.error(err);
  res.status(400).send(\`Sign-in failed (\${escapeHtml(err.error ?? err.code ?? err.name)}): <a href="/login">try again</a>\`);
});

app.listen(process.env.PORT ?? 8080, process.env.HOST, (err) => {
  if (err) throw err;
  console.log(\`Listening: open \${APP_URL}\`);
});`;
}

/** A whole Express server, in the order it reads. */
function expressSnippet(issuer: string): string {
  return [expressSetup(issuer), expressLogin(), expressCallback(), expressEnd()].join('\n\n');
}

function nextSignet(issuer: string): SnippetFile {
  return {
    path: 'app/api/auth/signet.ts',
    code: `// app/api/auth/signet.ts — shared by the routes below (npm install openid-client).
// Point the button at /api/auth/login; register \`\${APP_URL}/api/auth/callback\` as the redirect URI.
import { randomBytes } from 'node:crypto';
import { cookies } from 'next/headers';
import * as oidc from 'openid-client';

export const APP_URL = process.env.APP_URL ?? '${defaultAppUrl(issuer)}';
export const REDIRECT_URI = \`\${APP_URL}/api/auth/callback\`;
export const COOKIE = { httpOnly: true, secure: APP_URL.startsWith('https:'), sameSite: 'lax', path: '/' } as const;

let config: Promise<oidc.Configuration> | undefined;

/** Discovery, once per process. CLIENT_ID and CLIENT_SECRET come from your secret store. */
export function signet(): Promise<oidc.Configuration> {
  config ??= ${discovery(issuer, 'process.env.CLIENT_ID!', 'process.env.CLIENT_SECRET').replaceAll(
    '\n',
    '\n  ',
  )}.catch((err) => {
    config = undefined;
    throw err;
  });
  return config;
}

export interface User {
  sub: string;
  email?: string;
  name?: string;
}

// Use your session store (a database, Redis): a Map is per process and forgets on restart.
const sessions = new Map<string, { user: User; accessToken: string; refreshToken?: string }>();

/** A new session id at every sign-in (no session fixation); the tokens stay on the server. */
export async function startSession(user: User, tokens: oidc.TokenEndpointResponse): Promise<void> {
  const id = randomBytes(32).toString('base64url');
  sessions.set(id, { user, accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
  (await cookies()).set('session', id, COOKIE);
}

/** Who is signed in, for your pages: \`const user = await currentUser();\` in a Server Component. */
export async function currentUser(): Promise<User | undefined> {
  const id = (await cookies()).get('session')?.value;
  return id === undefined ? undefined : sessions.get(id)?.user;
}`,
  };
}

const NEXT_LOGIN: SnippetFile = {
  path: 'app/api/auth/login/route.ts',
  code: `// app/api/auth/login/route.ts — the button links here.
import { cookies } from 'next/headers';
import * as oidc from 'openid-client';
import { COOKIE, REDIRECT_URI, signet } from '../signet';

export async function GET() {
  const config = await signet();
  const login = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
  // PKCE verifier, state and nonce wait for the callback in an HttpOnly cookie, for 10 minutes.
  (await cookies()).set('signet_login', JSON.stringify(login), { ...COOKIE, maxAge: 600 });
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
    code_challenge_method: 'S256',
    state: login.state,
    nonce: login.nonce,
  });
  return new Response(null, { status: 302, headers: { location: url.href } });
}`,
};

const NEXT_CALLBACK: SnippetFile = {
  path: 'app/api/auth/callback/route.ts',
  code: `// app/api/auth/callback/route.ts — Signet sends the browser back here.
import { cookies } from 'next/headers';
import * as oidc from 'openid-client';
import { APP_URL, REDIRECT_URI, signet, startSession } from '../signet';

export async function GET(request: Request) {
  const jar = await cookies();
  const saved = jar.get('signet_login')?.value;
  jar.delete('signet_login');
  if (saved === undefined) return new Response('No sign-in in progress: start again at /api/auth/login', { status: 400 });
  // The URL Signet sent the browser to, on your public origin (behind a proxy request.url may not be).
  const current = new URL(REDIRECT_URI);
  current.search = new URL(request.url).search;
  try {
    const login = JSON.parse(saved) as { verifier: string; state: string; nonce: string };
    const config = await signet();
    // Checks state, iss (RFC 9207) and the id_token (signature, aud, nonce, exp); sends the PKCE verifier.
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
    });
    // The id_token says who (sub); email and name are at userinfo (OpenID Connect Core 5.4).
    const { sub } = tokens.claims()!;
    const { email, name } = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    await startSession({ sub, email, name }, tokens);
  } catch (err) {
    // A cancelled sign-in (access_denied) or an answer that fails a check: the user stays signed out.
    console.error(err);
    return new Response('Sign-in failed: start again at /api/auth/login', { status: 400 });
  }
  return new Response(null, { status: 302, headers: { location: \`\${APP_URL}/\` } });
}`,
};

export function buttonSnippets(issuer: string): ButtonSnippets {
  const nextFiles = [nextSignet(issuer), NEXT_LOGIN, NEXT_CALLBACK];
  return {
    html: htmlSnippet(issuer),
    node: expressSnippet(issuer),
    next: nextFiles.map((file) => file.code).join('\n\n'),
    nextFiles,
    register: `npm run --silent cli -- client create --name "My App" --redirect-uri ${defaultAppUrl(issuer)}/callback`,
    nextRedirectUri: `${defaultAppUrl(issuer)}/api/auth/callback`,
  };
}
