import type { Middleware } from 'koa';
import { AppError } from '../../errors.js';
import { MAX_URL_LENGTH } from './request-limits.js';

/** oidc-provider's paths of the two browser endpoints that must take POST as well as GET. */
const ENDPOINTS = ['/auth', '/session/end'] as const;

function tooLarge(): AppError {
  return new AppError(
    'invalid_request',
    'The request has too many parameters for this endpoint; push them first (PAR, RFC 9126).',
    413,
  );
}

async function readForm(ctx: Parameters<Middleware>[0], limit: number): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError(
      'invalid_request',
      'A POST here must send its parameters as application/x-www-form-urlencoded.',
      415,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * OIDC Core 3.1.2.1 and RP-Initiated Logout 1.0 section 2: the authorization and end-session endpoints
 * take POST as well as GET. oidc-provider serves POST there only with SameSite=None cookies, since a
 * cross-site POST carries no Lax cookie. Instead, a form POST is answered with a 303 to the same
 * endpoint with the same parameters (form serialization and query serialization are the same
 * encoding): the browser follows with a top-level GET, which carries the SameSite=Lax session cookie
 * like any GET there. So a POST behaves exactly like the GET a relying party could have sent, and
 * nothing is loosened: the cookies stay Lax, and a POST can ask nothing a link could not.
 */
export function postAsGet(issuer: string): Middleware {
  const base = issuer.replace(/\/+$/, '');
  return async (ctx, next) => {
    const endpoint = ENDPOINTS.find((path) => path === ctx.path);
    if (!endpoint || ctx.method !== 'POST') {
      await next();
      return;
    }
    const params = await readForm(ctx, MAX_URL_LENGTH);
    // Re-encoding can grow a body (every byte outside the unreserved set becomes %XX): the URL it
    // becomes, not the body, must fit what the GET side (request-limits.ts) and browsers take.
    const location = `${base}${endpoint}?${params.toString()}`;
    if (location.length > MAX_URL_LENGTH) throw tooLarge();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    ctx.redirect(location);
  };
}
