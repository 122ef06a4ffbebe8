// A tiny relying party for the account-life browser test: a real web app on a loopback port that signs
// people in with openid-client (code flow, PKCE, state, nonce), asks userinfo at its callback and shows
// the answer on its own page, and signs out through Signet's end-session endpoint. The browser only ever
// sees its pages and redirects, as with any app a person uses.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as oidc from 'openid-client';

export interface LifeRelyingParty {
  readonly origin: string;
  readonly name: string;
  /** Where a person starts signing in: the app's own link, with the authorization parameters it adds. */
  loginUrl(extra?: Record<string, string>): string;
  logoutUrl(): string;
  close(): Promise<void>;
}

/** What the app is registered as at Signet, once it knows its own address. */
export type Register = (app: {
  name: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
}) => Promise<{ clientId: string; clientSecret: string }>;

interface Pending {
  verifier: string;
  nonce: string;
}

/** What the app answers: one of its pages, or a redirect. */
type Answer = { status: number; heading: string; body?: string } | { location: string };

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function send(res: ServerResponse, answer: Answer): void {
  if ('location' in answer) {
    res.writeHead(302, { location: answer.location, 'cache-control': 'no-store' });
    res.end();
    return;
  }
  res.writeHead(answer.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!DOCTYPE html><html lang="en"><head><title>Life Notes</title><link rel="icon" href="data:,"></head><body><main><h1>${escapeHtml(answer.heading)}</h1>${answer.body ?? ''}</main></body></html>`,
  );
}

export async function startRelyingParty(issuer: string, register: Register): Promise<LifeRelyingParty> {
  const name = 'Life Notes';
  const pending = new Map<string, Pending>();
  /** Filled in once registered; the id_token of the last sign-in, for signing out. */
  const held: { config?: oidc.Configuration; idToken?: string } = {};
  const server = createServer((req, res) => {
    answer(req).then(
      (a) => send(res, a),
      (err: unknown) =>
        send(res, { status: 500, heading: 'Sign-in failed', body: `<pre id="error">${escapeHtml(String(err))}</pre>` }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const redirectUri = `${origin}/cb`;
  const postLogoutRedirectUri = `${origin}/signed-out`;

  async function login(config: oidc.Configuration, url: URL): Promise<Answer> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    pending.set(state, { verifier, nonce });
    const to = oidc.buildAuthorizationUrl(config, {
      ...Object.fromEntries(url.searchParams),
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { location: to.href };
  }

  async function callback(config: oidc.Configuration, url: URL): Promise<Answer> {
    const state = url.searchParams.get('state') ?? '';
    const started = pending.get(state);
    pending.delete(state);
    if (!started) return { status: 400, heading: 'Unknown sign-in' };
    const tokens = await oidc.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: started.verifier,
      expectedState: state,
      expectedNonce: started.nonce,
      idTokenExpected: true,
    });
    held.idToken = tokens.id_token;
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
    return {
      status: 200,
      heading: `Signed in at ${name}`,
      body: `<pre id="userinfo">${escapeHtml(JSON.stringify(info))}</pre>`,
    };
  }

  function logout(config: oidc.Configuration): Answer {
    const hint = held.idToken;
    delete held.idToken;
    if (!hint) return { location: postLogoutRedirectUri };
    const to = oidc.buildEndSessionUrl(config, {
      id_token_hint: hint,
      post_logout_redirect_uri: postLogoutRedirectUri,
    });
    return { location: to.href };
  }

  async function answer(req: IncomingMessage): Promise<Answer> {
    const { config } = held;
    if (!config) throw new Error('not registered yet');
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/login') return login(config, url);
    if (url.pathname === '/cb') return callback(config, url);
    if (url.pathname === '/logout') return logout(config);
    if (url.pathname === '/signed-out') return { status: 200, heading: `Signed out of ${name}` };
    return { status: 404, heading: 'Not found' };
  }

  const { clientId, clientSecret } = await register({ name, redirectUri, postLogoutRedirectUri });
  held.config = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, {
    // The test issuer is plain http on loopback; openid-client marks this deprecated only to make it stand out.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    execute: [oidc.allowInsecureRequests],
  });

  return {
    origin,
    name,
    loginUrl: (extra = {}) => `${origin}/login?${new URLSearchParams(extra).toString()}`,
    logoutUrl: () => `${origin}/logout`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
