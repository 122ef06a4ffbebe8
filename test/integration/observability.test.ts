// Observability: /metrics (protected by a bearer token) counts requests, logins, tokens by
// type, refresh reuse and store calls; a request's id reaches the response, every log line written
// while serving it (the provider's event listeners included) and the audit trail; no log line holds a
// password, secret or token.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BrowserSession, csrfFrom, formAction } from '../support/browser-session.js';
import {
  authorize,
  exchange,
  REDIRECT_URI,
  relyingParty,
  startAuthorization,
  tokenRequest,
  type RelyingParty,
} from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/start-test-server.js';
import { stopIfStarted } from '../support/teardown.js';

const EMAIL = 'obs@example.com';
const PASSWORD = 'observability horse battery';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123';
const SERVICE_SECRET = 'service-secret-0123456789abcdef0123';

describe('observability', () => {
  let server: TestServer;
  let rp: RelyingParty;
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      store: 'sqlite',
      env: { METRICS_TOKEN, LOG_LEVEL: 'info' },
      overrides: {
        logStream: {
          write(line: string) {
            raw.push(line);
            lines.push(JSON.parse(line) as Record<string, unknown>);
          },
        },
      },
    });
    await server.signet.accounts.create({ email: EMAIL, password: PASSWORD });
    const client = await server.signet.clients.create({ name: 'Observed RP', redirectUris: [REDIRECT_URI] });
    rp = await relyingParty(server.issuer, client.client_id, client.client_secret ?? '');
    await server.signet.store.oidc.upsert('Client', 'svc', {
      client_id: 'svc',
      client_secret: server.signet.secrets.hash(SERVICE_SECRET),
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });
  afterAll(async () => {
    await stopIfStarted(server, (started) => started.destroy());
  });

  const metrics = async () => {
    const res = await fetch(`${server.issuer}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  /** The value of one series, 0 when it is absent. */
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };

  test('/metrics wants the bearer token when one is configured', async () => {
    expect((await fetch(`${server.issuer}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.issuer}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const text = await metrics();
    expect(text).toContain('signet_nodejs_eventloop_lag_seconds');
    expect(text).toContain('signet_process_resident_memory_bytes');
  });

  test('logins ok and failed, tokens by type, refresh reuse, requests by route, store calls', async () => {
    const before = await metrics();

    // One failed password, then a full sign-in with a refresh token.
    const start = await startAuthorization(rp);
    const browser = new BrowserSession(server.issuer);
    const page = await browser.follow(start.url);
    await browser.request(formAction(page.body, '/login'), {
      form: { email: EMAIL, password: 'not the password', csrf: csrfFrom(page.body) },
    });
    const tokens = await exchange(
      rp,
      start,
      await authorize(new BrowserSession(server.issuer), start, EMAIL, PASSWORD),
    );
    // Rotate, then present the rotated-out token again: reuse.
    const rotated = await tokenRequest(server.issuer, rp, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
    });
    expect(rotated.status).toBe(200);
    const reused = await tokenRequest(server.issuer, rp, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
    });
    expect(reused.body).toMatchObject({ error: 'invalid_grant' });
    const cc = await tokenRequest(
      server.issuer,
      { clientId: 'svc', clientSecret: SERVICE_SECRET },
      { grant_type: 'client_credentials' },
    );
    expect(cc.status).toBe(200);

    const after = await metrics();
    const grew = (series: string) => value(after, series) - value(before, series);
    expect(grew('signet_logins_total{result="failed"}')).toBe(1);
    expect(grew('signet_logins_total{result="ok"}')).toBe(1);
    expect(grew('signet_tokens_issued_total{type="authorization_code"}')).toBe(1);
    expect(grew('signet_tokens_issued_total{type="access_token"}')).toBe(2);
    expect(grew('signet_tokens_issued_total{type="refresh_token"}')).toBe(2);
    expect(grew('signet_tokens_issued_total{type="id_token"}')).toBe(2);
    expect(grew('signet_tokens_issued_total{type="client_credentials"}')).toBe(1);
    expect(grew('signet_refresh_token_reuse_detected_total')).toBe(1);
    expect(grew('signet_http_requests_total{route="/token",method="POST",status="200"}')).toBe(3);
    expect(grew('signet_http_requests_total{route="/token",method="POST",status="400"}')).toBe(1);
    expect(after).toMatch(/signet_http_request_duration_seconds_bucket\{le="0\.005",route="\/token",method="POST"\}/);
    expect(grew('signet_store_operation_duration_seconds_count{operation="oidc.find",outcome="ok"}')).toBeGreaterThan(
      5,
    );
    expect(after).toMatch(/^signet_store_up 1$/m);
  });

  test("a request's id is on the response, on every log line of the request, and in the audit events it caused", async () => {
    const requestId = 'obs-req-0001';
    const res = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`svc:${SERVICE_SECRET}`).toString('base64')}`,
        'x-request-id': requestId,
      },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const token = ((await res.json()) as { access_token: string }).access_token;

    // The provider's grant.success listener wrote the audit event; its log line carries the request id.
    const logged = lines.filter((l) => l.requestId === requestId);
    expect(logged.map((l) => l.msg)).toContain('token.issued');
    const [event] = await server.signet.audit.list({ types: ['token.issued'], limit: 1 });
    expect(event?.details).toMatchObject({ request_id: requestId });

    // A malformed id is replaced, not echoed.
    const odd = await fetch(`${server.issuer}/healthz`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // Nothing secret in the logs: not the password, not a client secret, not a token.
    const all = raw.join('');
    for (const secret of [PASSWORD, SERVICE_SECRET, rp.clientSecret, token]) expect(all).not.toContain(secret);
  });
});
