import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { AppKind, AppSessions, AppSignIn } from '../sessions/app-sessions.js';
import type { InProcessRelyingParty, RelyingPartyTokens } from '../sessions/relying-party.js';
import { appCookie, type AppCookie } from './app-cookie.js';
import { appSessionGuard, type AppSessionGuard } from './app-session-guard.js';

/**
 * What the provider sends back to a callback besides the code (read by openid-client from the URL
 * itself): an `error`, which becomes one of our codes and never a code of its own (RFC 6749 4.1.2.1:
 * access_denied is the person's "no"; anything else only says the sign-in did not happen).
 */
export const CallbackQuery = z.object({
  error: z
    .string()
    .optional()
    .transform((error) =>
      error === undefined ? undefined : error === 'access_denied' ? 'access_denied' : 'login_required',
    ),
});

/** The sentences a page's sign-in speaks, each for the way it can go wrong. */
export interface SignInWords {
  /** No pending sign-in: its cookie expired, or the callback was opened twice. */
  expired: string;
  /** The provider answered with an error (the person may have said no). */
  refused: string;
  /** The code exchange or the id_token's checks failed. */
  failed: string;
  /** The provider session ended between the exchange and now. */
  ended: string;
}

export interface AppSignInOptions {
  kind: AppKind;
  sessions: AppSessions;
  relyingParty: InProcessRelyingParty;
  sessionCookie: AppCookie;
  pendingCookie: AppCookie;
  words: SignInWords;
}

export interface AppSignInFlow {
  /** Sends the browser to the authorization endpoint, a pending sign-in (and a flash to show after) kept. */
  start(ctx: Context, options?: { authorize?: Record<string, string>; done?: string | undefined }): Promise<void>;
  /**
   * The callback: the pending sign-in taken (once), the code exchanged, an app session made and its cookie
   * set. Resolves with the flash the sign-in carried; the route decides where to go next.
   */
  finish(
    ctx: Context,
    query: z.output<typeof CallbackQuery>,
    extra?: (tokens: RelyingPartyTokens) => Pick<AppSignIn, 'tokens'>,
  ): Promise<{ done: string | undefined }>;
}

/** The sign-in plumbing the account page and the demo app share: code + PKCE, the id_token kept server-side. */
export function appSignIn(options: AppSignInOptions): AppSignInFlow {
  const { kind, sessions, relyingParty, sessionCookie, pendingCookie, words } = options;
  const exchange = async (ctx: Context, pending: Parameters<InProcessRelyingParty['finish']>[1]) => {
    try {
      return await relyingParty.finish(new URL(ctx.originalUrl, relyingParty.redirectUri), pending);
    } catch {
      throw new AppError('invalid_grant', words.failed, 400);
    }
  };
  return {
    async start(ctx, { authorize, done } = {}) {
      const { url, pending } = await relyingParty.start(authorize);
      pendingCookie.set(ctx, await sessions.savePending({ ...pending, ...(done ? { done } : {}) }), 600_000);
      ctx.status = 303;
      ctx.redirect(url);
    },
    async finish(ctx, query, extra) {
      const pendingId = pendingCookie.get(ctx);
      pendingCookie.clear(ctx);
      const pending = pendingId ? await sessions.takePending(pendingId) : undefined;
      if (!pending) throw new AppError('invalid_request', words.expired, 400);
      if (query.error) throw new AppError(query.error, words.refused, 400);
      const tokens = await exchange(ctx, pending);
      const id = await sessions.create(kind, {
        accountId: tokens.sub,
        clientId: relyingParty.clientId,
        idToken: tokens.idToken,
        claims: tokens.claims,
        accessToken: tokens.accessToken,
        ...extra?.(tokens),
      });
      if (!id) throw new AppError('login_required', words.ended, 401);
      sessionCookie.set(ctx, id);
      return { done: pending.done };
    },
  };
}

/** One of Signet's own pages that signs in as a relying party: its session cookie, its session, its sign-in. */
export interface AppPages {
  sessionCookie: AppCookie;
  guard: AppSessionGuard;
  signIn: AppSignInFlow;
}

/**
 * The account page's and the demo app's session and sign-in, alike but for their path (`/account`,
 * `/demo`) and words: `ended` when a form comes from a session that no longer holds.
 */
export function appPages(
  kind: AppKind,
  deps: { issuer: string; sessions: AppSessions; relyingParty: InProcessRelyingParty },
  words: SignInWords & { sessionEnded: string },
): AppPages {
  const sessionCookie = appCookie(deps.issuer, `signet.${kind}`, `/${kind}`);
  return {
    sessionCookie,
    guard: appSessionGuard(kind, deps.sessions, sessionCookie, words.sessionEnded),
    signIn: appSignIn({
      kind,
      sessions: deps.sessions,
      relyingParty: deps.relyingParty,
      sessionCookie,
      pendingCookie: appCookie(deps.issuer, `signet.${kind}.login`, `/${kind}`),
      words,
    }),
  };
}
