import Router from '@koa/router';
import type { Context } from 'koa';
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../../errors.js';
import type { AppSession, AppSessions } from '../../oidc/app-sessions.js';
import { csrfToken, verifyCsrf } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import type { InProcessRelyingParty, RelyingPartyTokens } from '../relying-party.js';
import type { Views } from '../views.js';

export interface DemoDeps {
  relyingParty: InProcessRelyingParty;
  sessions: AppSessions;
  views: Views;
  issuer: string;
}

const SESSION_COOKIE = 'signet.demo';
const PENDING_COOKIE = 'signet.demo.login';
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

const toSession = (t: RelyingPartyTokens): AppSession => ({
  accountId: t.sub,
  idToken: t.idToken,
  ...(typeof t.claims.sid === 'string' ? { sid: t.claims.sid } : {}),
  tokens: { accessToken: t.accessToken, ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}), expiresAt: t.expiresAt, claims: t.claims },
});

/**
 * /demo (development only): a relying party built as docs/relying-parties.md says — code + PKCE,
 * tokens on the server (backend-for-frontend), refresh, logout, and back-channel logout.
 */
export function demoRoutes(deps: DemoDeps): Router {
  const router = new Router({ prefix: '/demo' });
  router.use(noStore);
  const cookie = (ctx: Context) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: '/demo', overwrite: true });
  let keys: JWTVerifyGetKey | undefined;

  const current = async (ctx: Context) => {
    const id = ctx.cookies.get(SESSION_COOKIE, { signed: true });
    const session = id ? await deps.sessions.use('demo', id) : undefined;
    return id && session ? { id, session } : undefined;
  };

  router.get('/', async (ctx) => {
    const signedIn = await current(ctx);
    let userinfo = '';
    if (signedIn?.session.tokens) {
      try {
        userinfo = JSON.stringify(await deps.relyingParty.userinfo(signedIn.session.tokens.accessToken, signedIn.session.accountId), null, 2);
      } catch (err) {
        userinfo = `The access token no longer works (${(err as Error).message}). Refresh, or sign in again.`;
      }
    }
    ctx.type = 'html';
    ctx.body = deps.views.render('demo/index', {
      title: 'Demo app',
      signedIn: Boolean(signedIn),
      claims: signedIn?.session.tokens?.claims ?? {},
      userinfo,
      expiresAt: signedIn?.session.tokens ? new Date(signedIn.session.tokens.expiresAt).toISOString() : '',
      hasRefresh: Boolean(signedIn?.session.tokens?.refreshToken),
      flash: ctx.query.done === 'refreshed' ? 'Tokens refreshed: a new access token and a new (rotated) refresh token.' : null,
      csrf: csrfToken(ctx),
    });
  });

  router.get('/login', async (ctx) => {
    // prompt=consent: OIDC Core 11 grants offline_access (a refresh token) only with it.
    const { url, pending } = await deps.relyingParty.start({ prompt: 'consent' });
    ctx.cookies.set(PENDING_COOKIE, await deps.sessions.savePending(pending), { ...cookie(ctx), maxAge: 600_000 });
    ctx.status = 303;
    ctx.redirect(url);
  });

  router.get('/callback', async (ctx) => {
    const pendingId = ctx.cookies.get(PENDING_COOKIE, { signed: true });
    ctx.cookies.set(PENDING_COOKIE, null, cookie(ctx));
    const pending = pendingId ? await deps.sessions.takePending(pendingId) : undefined;
    if (!pending) throw new AppError('invalid_request', 'This sign-in has expired or was already used. Start again from the demo app.', 400);
    if (typeof ctx.query.error === 'string') throw new AppError(ctx.query.error, 'The sign-in did not complete (you may have denied it).', 400);
    let tokens;
    try {
      tokens = await deps.relyingParty.finish(new URL(ctx.originalUrl, deps.relyingParty.redirectUri), pending);
    } catch {
      throw new AppError('invalid_grant', 'The sign-in did not complete. Please try again.', 400);
    }
    ctx.cookies.set(SESSION_COOKIE, await deps.sessions.create('demo', toSession(tokens)), cookie(ctx));
    ctx.status = 303;
    ctx.redirect('/demo');
  });

  router.post('/refresh', formBody, verifyCsrf, async (ctx) => {
    const signedIn = await current(ctx);
    const held = signedIn?.session.tokens;
    if (!signedIn || !held?.refreshToken) throw new AppError('login_required', 'Sign in to the demo app first.', 401);
    let next;
    try {
      next = await deps.relyingParty.refresh(held.refreshToken, { sub: signedIn.session.accountId, idToken: signedIn.session.idToken, claims: held.claims, accessToken: held.accessToken, refreshToken: held.refreshToken, expiresAt: held.expiresAt });
    } catch {
      await deps.sessions.destroy(signedIn.id);
      throw new AppError('invalid_grant', 'The refresh token was refused (revoked, expired, or its account changed). Sign in again.', 400);
    }
    await deps.sessions.update('demo', signedIn.id, toSession(next));
    ctx.status = 303;
    ctx.redirect('/demo?done=refreshed');
  });

  router.post('/logout', formBody, verifyCsrf, async (ctx) => {
    const signedIn = await current(ctx);
    ctx.cookies.set(SESSION_COOKIE, null, cookie(ctx));
    ctx.status = 303;
    if (!signedIn) return ctx.redirect('/demo');
    await deps.sessions.destroy(signedIn.id);
    ctx.redirect(await deps.relyingParty.logoutUrl(signedIn.session.idToken));
  });

  // OpenID Back-Channel Logout 1.0 section 2.8: validate the logout token, end the matching sessions.
  router.post('/backchannel-logout', formBody, async (ctx) => {
    const token = (ctx.request.body as Record<string, unknown> | undefined)?.logout_token;
    try {
      if (typeof token !== 'string') throw new Error('logout_token missing');
      keys ??= createRemoteJWKSet(new URL(await deps.relyingParty.jwksUri()), {
        [customFetch]: (url, options) => deps.relyingParty.fetch(url, options as RequestInit),
      });
      const { payload } = await jwtVerify(token, keys, { issuer: deps.issuer, audience: deps.relyingParty.clientId, maxTokenAge: '2m', typ: 'logout+jwt' });
      const events = payload.events as Record<string, unknown> | undefined;
      if (!events || typeof events[BACKCHANNEL_EVENT] !== 'object' || 'nonce' in payload || typeof payload.sub !== 'string') {
        throw new Error('not a logout token');
      }
      await deps.sessions.destroyFor('demo', payload.sub, typeof payload.sid === 'string' ? payload.sid : undefined);
    } catch (err) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: `logout token refused: ${(err as Error).message}` };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 200;
    ctx.body = '';
  });

  return router;
}
