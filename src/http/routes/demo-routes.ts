import Router from '@koa/router';
import type { Context } from 'koa';
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { AppSessions } from '../../sessions/app-sessions.js';
import type { InProcessRelyingParty, RelyingPartyTokens } from '../../sessions/relying-party.js';
import { appPages, CallbackQuery } from '../app-sign-in.js';
import { guard } from '../guard.js';
import { checkCsrf } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import type { Views } from '../views.js';
import { demoPage, type DemoApp } from './demo-page.js';

export interface DemoDeps {
  relyingParty: InProcessRelyingParty;
  sessions: AppSessions;
  views: Views;
  issuer: string;
}

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

const pageInput = guard({ query: z.object({ done: z.literal('refreshed').optional().catch(undefined) }) });
const callbackInput = guard({ query: CallbackQuery });
const logoutTokenInput = guard({ body: z.object({ logout_token: z.string() }) });
/** What a logout token must say beside its signature (Back-Channel Logout 1.0, 2.4): an event, a subject, no nonce. */
const LogoutClaims = z.object({
  sub: z.string(),
  sid: z.string().optional().catch(undefined),
  events: z.object({ [BACKCHANNEL_EVENT]: z.object({}) }),
  nonce: z.never().optional(),
});

const tokensOf = (t: RelyingPartyTokens) => ({
  accessToken: t.accessToken,
  ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}),
  expiresAt: t.expiresAt,
});

async function refresh(app: DemoApp, ctx: Context): Promise<void> {
  const session = app.guard.signedIn(ctx);
  const held = session.tokens;
  if (!held?.refreshToken)
    throw new AppError('login_required', 'This demo session holds no refresh token. Sign in again.', 401);
  let next;
  try {
    next = await app.deps.relyingParty.refresh(held.refreshToken, {
      sub: session.account.id,
      idToken: session.idToken,
      claims: session.claims,
    });
  } catch {
    await app.deps.sessions.destroy(session.id);
    app.sessionCookie.clear(ctx);
    throw new AppError(
      'invalid_grant',
      'The refresh token was refused (revoked, expired, or its account changed). Sign in again.',
      400,
    );
  }
  await app.deps.sessions.updateTokens('demo', session.id, tokensOf(next), next.idToken, next.claims);
  ctx.status = 303;
  ctx.redirect('/demo?done=refreshed');
}

async function logOut(app: DemoApp, ctx: Context): Promise<void> {
  const session = await app.guard.current(ctx);
  ctx.status = 303;
  if (!session) {
    ctx.redirect('/demo');
    return;
  }
  checkCsrf(ctx, app.guard.csrfBinding(session.id));
  app.sessionCookie.clear(ctx);
  await app.deps.sessions.destroy(session.id);
  ctx.redirect(await app.deps.relyingParty.logoutUrl(session.idToken));
}

/** OpenID Back-Channel Logout 1.0 section 2.8: validate the logout token, end the matching sessions. */
function backchannelLogout(deps: DemoDeps): (ctx: Context) => Promise<void> {
  let keys: JWTVerifyGetKey | undefined;
  return async (ctx) => {
    try {
      keys ??= createRemoteJWKSet(new URL(await deps.relyingParty.jwksUri()), {
        [customFetch]: (url, options) => deps.relyingParty.fetch(url, options),
      });
      const { payload } = await jwtVerify(logoutTokenInput.read(ctx).body.logout_token, keys, {
        issuer: deps.issuer,
        audience: deps.relyingParty.clientId,
        maxTokenAge: '2m',
        typ: 'logout+jwt',
      });
      const claims = LogoutClaims.safeParse(payload);
      if (!claims.success) throw new Error('not a logout token');
      await deps.sessions.destroyFor('demo', claims.data.sub, claims.data.sid);
    } catch (err) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: `logout token refused: ${(err as Error).message}` };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 200;
    ctx.body = '';
  };
}

/**
 * /demo (development only): a relying party built as docs/relying-parties.md says — code + PKCE,
 * tokens on the server (backend-for-frontend, sealed at rest), refresh, logout, and back-channel
 * logout. Its session is bound like the account page's (sessions/app-sessions.ts): it ends with the
 * provider session and the password it was signed in with.
 */
export function demoRoutes(deps: DemoDeps): Router {
  const {
    sessionCookie,
    guard: sessionGuard,
    signIn,
  } = appPages('demo', deps, {
    sessionEnded: 'Your demo app session has ended. Sign in to the demo app again.',
    expired: 'This sign-in has expired or was already used. Start again from the demo app.',
    refused: 'The sign-in did not complete (you may have denied it).',
    failed: 'The sign-in did not complete. Please try again.',
    ended: 'Your sign-in ended before the demo app opened. Sign in again.',
  });
  const app: DemoApp = { deps, sessionCookie, guard: sessionGuard };
  const router = new Router({ prefix: '/demo' });
  router.use(noStore);
  router.get('/', pageInput, (ctx) => demoPage(app, ctx, pageInput.read(ctx).query.done));
  // prompt=consent: OIDC Core 11 grants offline_access (a refresh token) only with it.
  router.get('/login', (ctx) => signIn.start(ctx, { authorize: { prompt: 'consent' } }));
  router.get('/callback', callbackInput, async (ctx) => {
    await signIn.finish(ctx, callbackInput.read(ctx).query, (tokens) => ({ tokens: tokensOf(tokens) }));
    ctx.status = 303;
    ctx.redirect('/demo');
  });
  router.post('/refresh', formBody, sessionGuard.signedInForm, (ctx) => refresh(app, ctx));
  router.post('/logout', formBody, (ctx) => logOut(app, ctx));
  router.post('/backchannel-logout', formBody, logoutTokenInput, backchannelLogout(deps));
  return router;
}
