import { parse as parseQuery } from 'node:querystring';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { clientAuthKeys, type Throttle } from '../../throttle/throttle.js';
import { admit } from '../../throttle/throttle-gate.js';

/**
 * oidc-provider's routes that authenticate clients (lib/helpers/initialize_app.js): token, introspection,
 * revocation and pushed authorization requests (RFC 9126, on by default). Device flow and CIBA would
 * too, but they are off.
 */
const GUARDED = new Set(['/token', '/token/introspection', '/token/revocation', '/request']);

/** oidc-provider's own body limit (lib/shared/selective_body.js): what it would refuse, we refuse alike. */
const FORM_LIMIT = 56 * 1024;

/** The only form fields that name the client (RFC 6749 2.3.1, RFC 7523 2.2); repeated ones read as absent. */
const FormClient = z.object({
  client_id: z.string().min(1).optional().catch(undefined),
  client_assertion: z.string().min(1).optional().catch(undefined),
});
const AssertionClaims = z.object({ sub: z.string().min(1) });

/** client_id from HTTP Basic (RFC 6749 2.3.1), parsed as oidc-provider does (lib/shared/client_auth.js). */
export function basicClientId(header: string | undefined): string | undefined {
  const parts = (header ?? '').split(' ');
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== 'basic' || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1] ?? ''))
    return undefined;
  const decoded = Buffer.from(parts[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

/**
 * The client a form body names: its client_id field, else the subject of its client assertion
 * (private_key_jwt, RFC 7523 3: sub is the client_id). The assertion is only decoded, not verified: like
 * a Basic header, it is a claim, which is all a throttle key needs.
 */
export function formClientId(body: string): string | undefined {
  const form = FormClient.parse(parseQuery(body));
  if (form.client_id) return form.client_id;
  const payload = form.client_assertion?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = AssertionClaims.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return claims.success ? claims.data.sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a form body ahead of oidc-provider and leaves it where the provider looks for an already read
 * body (`req.body`, lib/shared/selective_body.js), which then parses it exactly as it would have (as
 * UTF-8, ignoring the charset, like its own reader under Koa 3). Undefined when the body is over the
 * provider's limit or does not match its Content-Length: the provider would refuse it as well.
 */
async function readForm(ctx: Context): Promise<string | undefined> {
  // Koa's types say number, but it is undefined without a Content-Length (a chunked body).
  const length = ctx.request.length as number | undefined;
  if (length !== undefined && length > FORM_LIMIT) return undefined;
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of ctx.req.iterator({ destroyOnReturn: false })) {
      received += (chunk as Buffer).length;
      if (received > FORM_LIMIT || (length !== undefined && received > length)) return undefined;
      chunks.push(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  if (length !== undefined && received !== length) return undefined;
  const body = Buffer.concat(chunks, received).toString('utf8');
  (ctx.req as { body?: string }).body = body;
  return body;
}

/**
 * Which client the request says it is. HTTP Basic needs no body; a body is read only without an
 * Authorization header (the provider refuses a Basic header together with body credentials anyway), so
 * the common case leaves the stream to the provider. Resolves with false when the body was unreadable
 * and the request has been answered.
 */
async function claimedClientId(ctx: Context): Promise<string | undefined | false> {
  const authorization = ctx.get('authorization');
  if (authorization) return basicClientId(authorization);
  if (!ctx.is('application/x-www-form-urlencoded') || !ctx.req.readable) return undefined;
  const body = await readForm(ctx);
  if (body === undefined) {
    ctx.status = 400;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'invalid_request', error_description: 'failed to parse the request body' };
    return false;
  }
  return formClientId(body);
}

/**
 * Failed client authentications at the endpoints that authenticate clients, counted in the store per
 * (client, IP) and per IP (throttle/throttle.ts: clientAuthKeys). Past the policy, requests from that
 * address are refused with 429 and Retry-After before any secret is checked; requests for the same
 * client from anywhere else go on as usual, so a stranger's failures never lock a client out.
 */
export function clientAuthThrottle(throttle: Throttle): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !GUARDED.has(ctx.path)) {
      await next();
      return;
    }
    const clientId = await claimedClientId(ctx);
    if (clientId === false) return;
    const keys = clientAuthKeys(clientId, ctx.ip);
    const checked = await admit(ctx, throttle, [...keys.client, keys.ip], {
      form: 'json',
      reason: 'too many failed client authentications',
    });
    if (!checked) return;
    await next();
    const error = ctx.body && typeof ctx.body === 'object' ? (ctx.body as { error?: unknown }).error : undefined;
    if (ctx.status === 401 && error === 'invalid_client') {
      await throttle.fail([...keys.client, keys.ip]);
    } else if (ctx.status < 400) {
      // Only the client's own key: a success must not wash out its address's failures for other clients.
      await throttle.succeed(keys.client, checked);
    }
  };
}
