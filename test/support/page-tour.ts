// Every page of Signet a person can meet, reached the way a person reaches it, in one browser
// context: home, the developer kit, a 404, error pages, login, consent, the account page and its
// "Revoke access?" step, the demo app, the sign-out question and the signed-out page. The
// accessibility suite runs axe at each stop; `npm run screenshots` photographs each one.
// Plain, erasable TypeScript only: scripts/screenshots.mjs imports this file directly.

import { createHash, randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { createServer } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';

// A small solid-colour PNG made in memory: the relying party's logo, without any file or network.
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function solidPng(size: number, rgb: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3).map((_, i) => rgb[i % 3] ?? 0)]);
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The relying party the tour signs in to: registered with a logo, a policy and terms. */
/** Every page is looked at on a desktop and a phone, in light and in dark mode. */
export const TOUR_VARIANTS = [
  { width: 1280, height: 900, colorScheme: 'light' },
  { width: 1280, height: 900, colorScheme: 'dark' },
  { width: 390, height: 844, colorScheme: 'light' },
  { width: 390, height: 844, colorScheme: 'dark' },
] as const;

export interface TourClient {
  clientId: string;
  redirectUri: string;
  logoUri: string;
}

export const TOUR_CLIENT_METADATA = {
  client_name: 'Acme Notes',
  logo_uri: 'https://notes.example.com/logo.png',
  policy_uri: 'https://notes.example.com/privacy',
  tos_uri: 'https://notes.example.com/terms',
  client_uri: 'https://notes.example.com/',
  token_endpoint_auth_method: 'client_secret_basic',
};

/**
 * The relying party's callback: a real loopback server (accepted as a redirect URI outside
 * production). Chromium's request interception here does not see the redirect that leads to it.
 */
export async function startCallbackServer(): Promise<{ redirectUri: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      '<!DOCTYPE html><html lang="en"><head><title>Acme Notes</title></head><body><main><h1>Back at Acme Notes</h1></main></body></html>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Registers the tour's client at /reg (the server must allow open registration). */
export async function registerTourClient(issuer: string, redirectUri: string): Promise<TourClient> {
  const res = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ ...TOUR_CLIENT_METADATA, redirect_uris: [redirectUri] }),
  });
  const body = (await res.json()) as { client_id?: string };
  if (res.status !== 201 || !body.client_id)
    throw new Error(`registration failed: ${res.status} ${JSON.stringify(body)}`);
  return { clientId: body.client_id, redirectUri, logoUri: TOUR_CLIENT_METADATA.logo_uri };
}

/** The client's logo, answered inside the browser (an https image, as the CSP and the pages require). */
export async function serveLogo(target: BrowserContext | Page, client: TourClient): Promise<void> {
  const logo = solidPng(96, [0xe1, 0x1d, 0x48]);
  await target.route(client.logoUri, (route) => route.fulfill({ status: 200, contentType: 'image/png', body: logo }));
}

/** A fresh authorization request of the client (code flow, PKCE S256), as its URL. */
export function authorizationUrl(issuer: string, client: TourClient, extra: Record<string, string> = {}): string {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope: 'openid email profile',
    state: randomBytes(12).toString('base64url'),
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return url.href;
}

export type Visit = (name: string, page: Page) => Promise<void>;

async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  await page.locator('h1').first().waitFor({ state: 'visible' });
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * Walks every page, calling `visit` at each once it has loaded. The context must already route the
 * client's logo (serveLogo). `demo` says whether /demo is on.
 */
export async function tourPages(
  page: Page,
  options: { issuer: string; client: TourClient; email: string; password: string; demo: boolean },
  visit: Visit,
): Promise<void> {
  const { issuer, client } = options;
  const go = async (name: string, url: string) => {
    await page.goto(url);
    await settled(page);
    await visit(name, page);
  };

  await go('home', `${issuer}/`);
  await go('button', `${issuer}/button`);
  await go('not-found', `${issuer}/no-such-page`);
  await go(
    'error-unknown-client',
    `${issuer}/auth?${new URLSearchParams({ client_id: 'no-such-app', response_type: 'code', scope: 'openid' }).toString()}`,
  );
  await go('error-expired-sign-in', `${issuer}/interaction/expired-or-unknown`);

  await go('login', authorizationUrl(issuer, client));
  await signIn(page, options.email, options.password);
  await page.getByRole('button', { name: 'Allow' }).waitFor({ state: 'visible' });
  await settled(page);
  await visit('consent', page);
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((url) => url.origin === new URL(client.redirectUri).origin);

  await go('account', `${issuer}/account`);
  await go('account-revoke', `${issuer}/account/apps/${encodeURIComponent(client.clientId)}/revoke`);
  await go('account-delete', `${issuer}/account/delete`);

  if (options.demo) {
    await page.context().clearCookies({ name: 'signet.demo' });
    await go('demo', `${issuer}/demo`);
    await page.locator('a[href="/demo/login"]').click();
    await page.getByRole('button', { name: 'Allow' }).waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${issuer}/demo`);
    await settled(page);
    await visit('demo-signed-in', page);
  }

  await go('logout', `${issuer}/session/end`);
  await page.locator('button[name="logout"][value="yes"]').click();
  await page.getByRole('heading', { name: /signed out/i }).waitFor({ state: 'visible' });
  await settled(page);
  await visit('signed-out', page);
}
