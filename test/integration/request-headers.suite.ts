// What a request's own headers may and may not decide: Host never reaches an URL Signet emits or an
// audience it accepts; X-Forwarded-For counts only as far as TRUST_PROXY's hops; an https issuer makes
// every cookie Secure (the session cookie __Host-) whatever scheme the request came with.

import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { BrowserSession, csrfFrom, formAction } from '../support/browser-session.js';
import { REDIRECT_URI } from '../support/sign-in.js';
import { startTestServer, type StoreKind, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const PASSWORD = 'correct horse battery staple';

/** A GET whose Host header is ours to choose (fetch would not let us). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^https?:\/\//.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

export function requestHeadersSuite(store: StoreKind): void {
  describe('the Host header', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ store });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    test('discovery lists only URLs under ISSUER, and a shared cache may keep it', async () => {
      const res = await rawGet(server.port, '/.well-known/openid-configuration', { host: 'evil.example' });
      expect(res.status).toBe(200);
      const urls = urlsIn(JSON.parse(res.body));
      expect(urls.length).toBeGreaterThan(5);
      for (const url of urls) expect(url.startsWith(`${server.issuer}/`) || url === server.issuer).toBe(true);
      expect(String(res.headers['cache-control'])).toMatch(/public/);
      expect(String(res.headers['cache-control'])).toMatch(/max-age=\d+/);
    });

    test('the logout form posts to the issuer', async () => {
      const res = await rawGet(server.port, '/session/end', { host: 'evil.example', accept: 'text/html' });
      expect(res.status).toBe(200);
      const action = /<form[^>]*action="([^"]+)"/.exec(res.body)?.[1] ?? '';
      expect(action.startsWith(`${server.issuer}/`)).toBe(true);
      expect(res.body).not.toContain('evil.example');
    });

    test('a client assertion addressed to another host is refused; one addressed to the issuer is taken', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const clientId = `pkjwt-${randomBytes(4).toString('hex')}`;
      await server.signet.store.oidc.upsert('Client', clientId, {
        client_id: clientId,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig', alg: 'ES256' }] },
      });
      const assertion = (aud: string) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(aud)
          .setJti(randomBytes(12).toString('hex'))
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(privateKey);
      const token = async (aud: string) => {
        const body = new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await assertion(aud),
        }).toString();
        return new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port: server.port,
              path: '/token',
              method: 'POST',
              headers: { host: 'evil.example', 'content-type': 'application/x-www-form-urlencoded' },
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
              );
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      };
      const forged = await token('http://evil.example/token');
      expect(forged.status).toBe(401);
      expect(forged.json.error).toBe('invalid_client');
      const genuine = await token(`${server.issuer}/token`);
      expect(genuine.status).toBe(200);
      expect(typeof genuine.json.access_token).toBe('string');
    });
  });

  describe('X-Forwarded-For and TRUST_PROXY hops', () => {
    const FORWARDED = '198.51.100.1, 203.0.113.2';

    /** Fails one login with X-Forwarded-For as given; resolves with the address the audit trail recorded. */
    const recordedAddress = async (env: Record<string, string>): Promise<string | null> => {
      const server = await startTestServer({ store, env });
      try {
        const web = await server.signet.clients.create({ name: 'Web', redirectUris: [REDIRECT_URI] });
        const url = new URL(`${server.issuer}/auth`);
        url.search = new URLSearchParams({
          client_id: web.client_id,
          redirect_uri: REDIRECT_URI,
          response_type: 'code',
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        }).toString();
        const browser = new BrowserSession(server.issuer);
        const page = await browser.follow(url.toString());
        await browser.request(formAction(page.body, '/login'), {
          form: { email: 'nobody@example.com', password: 'wrong password', csrf: csrfFrom(page.body) },
          headers: { 'x-forwarded-for': FORWARDED },
        });
        const [event] = await server.signet.audit.list({ types: ['login.failed'], limit: 1 });
        return event?.ip ?? null;
      } finally {
        await server.destroy();
      }
    };

    test('without TRUST_PROXY the header is ignored', async () => {
      expect(await recordedAddress({})).toMatch(/127\.0\.0\.1$/);
    });

    test('one hop (true or 1): the address our proxy appended, never what the client wrote in front of it', async () => {
      expect(await recordedAddress({ TRUST_PROXY: 'true' })).toBe('203.0.113.2');
      expect(await recordedAddress({ TRUST_PROXY: '1' })).toBe('203.0.113.2');
    });

    test('two hops: the address the outer proxy saw', async () => {
      expect(await recordedAddress({ TRUST_PROXY: '2' })).toBe('198.51.100.1');
    });
  });

  describe('cookies under an https issuer', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ store });
      // The same process, told its public URL is https (a TLS-terminating proxy is not even needed to see it).
      await server.stop();
      server = await startTestServer({
        store,
        port: server.port,
        dataDir: server.dataDir,
        env: { ISSUER: `https://127.0.0.1:${server.port}` },
      });
    });
    afterAll(async () => {
      await stopIfStarted(server, (started) => started.destroy());
    });

    test('every cookie is Secure over plain http, and the session cookie is __Host-', async () => {
      const plain = `http://127.0.0.1:${server.port}`;
      const toPlain = (url: string) => url.replace(`https://127.0.0.1:${server.port}`, plain);
      const email = `secure-${store}@example.com`;
      await server.signet.accounts.create({ email, password: PASSWORD });
      const web = await server.signet.clients.create({ name: 'Web', redirectUris: [REDIRECT_URI] });
      const browser = new BrowserSession(plain);
      const setCookies: string[] = [];
      const step = async (url: string, init?: Parameters<BrowserSession['request']>[1]) => {
        const res = await browser.request(toPlain(url), init);
        setCookies.push(...res.headers.getSetCookie());
        return res;
      };
      const url = new URL(`${plain}/auth`);
      url.search = new URLSearchParams({
        client_id: web.client_id,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).toString();
      let res = await step(url.toString());
      res = await step(res.location ?? '');
      res = await step(formAction(res.body, '/login'), {
        form: { email, password: PASSWORD, csrf: csrfFrom(res.body) },
      });
      for (let hops = 0; hops < 5 && res.location && !res.location.startsWith(REDIRECT_URI); hops++) {
        res = await step(res.location);
        if (res.status === 200 && res.body.includes('/confirm"')) break;
      }
      expect(setCookies.length).toBeGreaterThan(2);
      for (const line of setCookies) expect(line).toMatch(/;\s*secure/i);
      expect(setCookies.some((line) => line.startsWith('__Host-signet.session='))).toBe(true);
      for (const line of setCookies.filter((l) => l.startsWith('__Host-'))) {
        expect(line).toMatch(/;\s*path=\/(;|$)/i);
        expect(line).not.toMatch(/;\s*domain=/i);
      }
    });
  });
}
