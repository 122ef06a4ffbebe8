import Router from '@koa/router';
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../../errors.js';
import type { AppSessions } from '../../sessions/app-sessions.js';
import { appCookie } from '../app-cookie.js';
import { appSessionGuard } from '../app-session-guard.js';
import { checkCsrf, csrfToken } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import type { InProcessRelyingParty, RelyingPartyTokens } from '../../sessions/relying-party.js';
import { timeView } from '../view-models/time-view.js';
import type { Views } from '../views.js';

export interface DemoDeps {
  relyingParty: InProcessRelyingParty;
  sessions: AppSessions;
  views: Views;
  issuer: string;
}

/** The id_token's times (seconds since the epoch), said as dates beside the raw claims. */
const TIME_CLAIMS: Record<string, string> = { auth_time: 'Signed in', iat: 'id_token issued', exp: 'id_token expires' };
const claimTimes = (claims: Record<string, unknown>, now: number) =>
  Object.entries(TIME_CLAIMS).flatMap(([claim, label]) => {
    const seconds = claims[claim];
    return typeof seconds === 'number' && Number.isFinite(seconds)
      ? [{ claim, label, t: timeView(seconds * 1000, now) }]
      : [];
  });

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

const tokensOf = (t: RelyingPartyTokens) => ({
  accessToken: t.accessToken,
  ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}),
  expiresAt: t.expiresAt,
});

/**
 * /demo (development only): a relying party built as docs/relying-parties.md says — code + PKCE,
 * tokens on the server (backend-for-frontend, sealed at rest), refresh, logout, and back-channel
 * logout. Its session is bound like the account page's (sessions/app-sessions.ts): it ends with the
 * provider session and the password it was signed in with.
 */
export function demoRoutes(deps: DemoDeps): Router {
  const router = new Router({ prefix: '/demo' });
  router.use(noStore);
  const sessionCookie = appCookie(deps.issuer, 'signet.demo', '/demo');
  const pendingCookie = appCookie(deps.issuer, 'signet.demo.login', '/demo');
  let keys: JWTVerifyGetKey | undefined;

  const { current, signedInForm, signedIn, csrfBinding } = appSessionGuard(
    'demo',
    deps.sessions,
    sessionCookie,
    'Your demo app session has ended. Sign in to the demo app again.',
  );

  router.get('/', async (ctx) => {
    const session = await current(ctx);
    let userinfo = '';
    // With an access token issued, the email is a userinfo claim, not an id_token one (OIDC Core 5.4).
    let email: unknown = session?.claims.email;
    if (session?.tokens) {
      try {
        const answer = await deps.relyingParty.userinfo(session.tokens.accessToken, session.account.id);
        email ??= answer.email;
        userinfo = JSON.stringify(answer, null, 2);
      } catch (err) {
        userinfo = `The access token no longer works (${(err as Error).message}). Refresh, or sign in again.`;
      }
    }
    ctx.type = 'html';
    ctx.body = deps.views.render('demo/index', {
      title: 'Demo app',
      signedIn: Boolean(session),
      claims: session?.claims ?? {},
      who: typeof email === 'string' ? email : String(session?.claims.sub ?? ''),
      userinfo,
      expiresAt: session?.tokens ? timeView(session.tokens.expiresAt, deps.views.now()) : null,
      claimTimes: claimTimes(session?.claims ?? {}, deps.views.now()),
      hasRefresh: Boolean(session?.tokens?.refreshToken),
      flash:
        ctx.query.done === 'refreshed'
          ? 'Tokens refreshed: a new access token and a new (rotated) refresh token.'
          : null,
      csrf: session ? csrfToken(ctx, csrfBinding(session.id)) : '',
    });
  });

  router.get('/login', async (ctx) => {
    // prompt=consent: OIDC Core 11 grants offline_access (a refresh token) only with it.
    const { url, pending } = await deps.relyingParty.start({ prompt: 'consent' });
    pendingCookie.set(ctx, await deps.sessions.savePending(pending), 600_000);
    ctx.status = 303;
    ctx.redirect(url);
  });

  router.get('/callback', async (ctx) => {
    const pendingId = pendingCookie.get(ctx);
    pendingCookie.clear(ctx);
    const pending = pendingId ? await deps.sessions.takePending(pendingId) : undefined;
    if (!pending)
      throw new AppError(
        'invalid_request',
        'This sign-in has expired or was already used. Start again from the demo app.',
        400,
      );
    if (typeof ctx.query.error === 'string')
      throw new AppError(
        ctx.query.error === 'access_denied' ? 'access_denied' : 'login_required',
        'The sign-in did not complete (you may have denied it).',
        400,
      );
    let tokens;
    try {
      tokens = await deps.relyingParty.finish(new URL(ctx.originalUrl, deps.relyingParty.redirectUri), pending);
    } catch {
      throw new AppError('invalid_grant', 'The sign-in did not complete. Please try again.', 400);
    }
    const id = await deps.sessions.create('demo', {
      accountId: tokens.sub,
      clientId: deps.relyingParty.clientId,
      idToken: tokens.idToken,
      claims: tokens.claims,
      accessToken: tokens.accessToken,
      tokens: tokensOf(tokens),
    });
    if (!id) throw new AppError('login_required', 'Your sign-in ended before the demo app opened. Sign in again.', 401);
    sessionCookie.set(ctx, id);
    ctx.status = 303;
    ctx.redirect('/demo');
  });

  router.post('/refresh', formBody, signedInForm, async (ctx) => {
    const session = signedIn(ctx);
    const held = session.tokens;
    if (!held?.refreshToken)
      throw new AppError('login_required', 'This demo session holds no refresh token. Sign in again.', 401);
    let next;
    try {
      next = await deps.relyingParty.refresh(held.refreshToken, {
        sub: session.account.id,
        idToken: session.idToken,
        claims: session.claims,
      });
    } catch {
      await deps.sessions.destroy(session.id);
      sessionCookie.clear(ctx);
      throw new AppError(
        'invalid_grant',
        'The refresh token was refused (revoked, expired, or its account changed). Sign in again.',
        400,
      );
    }
    await deps.sessions.updateTokens('demo', session.id, tokensOf(next), next.idToken, next.claims);
    ctx.status = 303;
    ctx.redirect('/demo?done=refreshed');
  });

  router.post('/logout', formBody, async (ctx) => {
    const session = await current(ctx);
    ctx.status = 303;
    if (!session) return ctx.redirect('/demo');
    checkCsrf(ctx, csrfBinding(session.id));
    sessionCookie.clear(ctx);
    await deps.sessions.destroy(session.id);
    ctx.redirect(await deps.relyingParty.logoutUrl(session.idToken));
  });

  // OpenID Back-Channel Logout 1.0 section 2.8: validate the logout token, end the matching sessions.
  router.post('/backchannel-logout', formBody, async (ctx) => {
    const token = (ctx.request.body as Record<string, unknown> | undefined)?.logout_token;
    try {
      if (typeof token !== 'string') throw new Error('logout_token missing');
      keys ??= createRemoteJWKSet(new URL(await deps.relyingParty.jwksUri()), {
        [customFetch]: (url, options) => deps.relyingParty.fetch(url, options as RequestInit),
      });
      const { payload } = await jwtVerify(token, keys, {
        issuer: deps.issuer,
        audience: deps.relyingParty.clientId,
        maxTokenAge: '2m',
        typ: 'logout+jwt',
      });
      const events = payload.events as Record<string, unknown> | undefined;
      if (
        !events ||
        typeof events[BACKCHANNEL_EVENT] !== 'object' ||
        'nonce' in payload ||
        typeof payload.sub !== 'string'
      ) {
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
