// Drives the authorization code + PKCE flow over HTTP with openid-client as the relying party and
// BrowserSession as the user's browser: login form, consent, callback, token exchange.

import { expect } from '@jest/globals';
import * as oidc from 'openid-client';
import { BrowserSession, csrfFrom, formAction, hiddenFields } from './browser-session.js';
import { basicAuth } from './user-agent.js';

export const REDIRECT_URI = 'http://127.0.0.1:8787/cb';

export interface RelyingParty {
  config: oidc.Configuration;
  clientId: string;
  clientSecret: string;
}

export async function relyingParty(issuer: string, clientId: string, clientSecret: string): Promise<RelyingParty> {
  const config = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, {
    // The test issuer is plain http on loopback; openid-client marks this deprecated only to make it stand out.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    execute: [oidc.allowInsecureRequests],
  });
  return { config, clientId, clientSecret };
}

export interface AuthorizationStart {
  url: string;
  verifier: string;
  state: string;
  nonce: string;
}

/** prompt=none asks for a code from the existing browser session, never a page (an error redirect instead). */
export async function startAuthorization(
  rp: RelyingParty,
  scope = 'openid email profile offline_access',
  prompt: 'consent' | 'none' = 'consent',
  extra: Record<string, string> = {},
): Promise<AuthorizationStart> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    // OIDC Core 11: offline_access is honoured only with prompt=consent.
    prompt,
    ...extra,
  });
  return { url: url.toString(), verifier, state, nonce };
}

/**
 * Walks the browser through whatever Signet asks (login unless already signed in, consent unless
 * remembered); resolves with the callback URL the RP receives.
 */
export async function authorize(
  browser: BrowserSession,
  start: AuthorizationStart,
  email: string,
  password: string,
  redirectUri = REDIRECT_URI,
): Promise<URL> {
  let page = await browser.follow(start.url);
  for (let step = 0; step < 3 && page.status === 200; step++) {
    const kind = page.body.includes('/login"') ? 'login' : page.body.includes('/confirm"') ? 'confirm' : undefined;
    if (!kind) break;
    const form: Record<string, string> =
      kind === 'login' ? { email, password, csrf: csrfFrom(page.body) } : hiddenFields(page.body, '/confirm');
    const posted = await browser.request(formAction(page.body, `/${kind}`), { form });
    expect(posted.status).toBe(303);
    page = await browser.follow(posted.location ?? '');
  }
  expect(page.status).toBe(303);
  const callback = new URL(page.location ?? '');
  expect(callback.origin + callback.pathname).toBe(redirectUri);
  return callback;
}

/**
 * From a step the sign-in answered with (a login, a code, a sign-up) on to the relying party: the
 * consent page if it comes, then the redirect to the callback, whose URL this resolves with.
 */
export async function toCallback(browser: BrowserSession, location: string): Promise<URL> {
  let page = await browser.follow(location);
  if (page.status === 200 && page.body.includes('/confirm"')) {
    const posted = await browser.request(formAction(page.body, '/confirm'), {
      form: hiddenFields(page.body, '/confirm'),
    });
    page = await browser.follow(posted.location ?? '');
  }
  expect(page.status).toBe(303);
  return new URL(page.location ?? '');
}

export async function exchange(rp: RelyingParty, start: AuthorizationStart, callback: URL) {
  return oidc.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: start.verifier,
    expectedState: start.state,
    expectedNonce: start.nonce,
    idTokenExpected: true,
  });
}

/** Raw token endpoint call, for the cases openid-client would refuse to send. */
export async function tokenRequest(
  issuer: string,
  rp: Pick<RelyingParty, 'clientId' | 'clientSecret'>,
  form: Record<string, string>,
) {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(rp.clientId, rp.clientSecret),
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function introspect(issuer: string, rp: Pick<RelyingParty, 'clientId' | 'clientSecret'>, token: string) {
  const res = await fetch(`${issuer}/token/introspection`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(rp.clientId, rp.clientSecret),
    },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { active: boolean } & Record<string, unknown>;
}

/**
 * Follows `start` through whatever pages Signet shows (login, then consent when it asks) the way a
 * browser would, and resolves with the page it lands on. `seen` collects which pages came, in order.
 */
export async function walkThroughSignIn(
  browser: BrowserSession,
  start: string,
  email: string,
  password: string,
  seen: string[] = [],
) {
  let page = await browser.follow(start);
  for (let step = 0; step < 3 && page.status === 200 && page.body.includes('action="/interaction/'); step++) {
    const kind = page.body.includes('/login"') ? 'login' : 'confirm';
    seen.push(kind);
    const form: Record<string, string> =
      kind === 'login' ? { email, password, csrf: csrfFrom(page.body) } : hiddenFields(page.body, '/confirm');
    const posted = await browser.request(formAction(page.body, `/${kind}`), { form });
    expect(posted.status).toBe(303);
    page = await browser.follow(posted.location ?? '');
  }
  return page;
}
