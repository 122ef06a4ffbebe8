import Router from '@koa/router';
import type { Context } from 'koa';
import type { ProviderHost } from '../../oidc/provider-host.js';
import type { InteractionResults } from 'oidc-provider';
import type { AccountService } from '../../accounts/account-service.js';
import { humanWait, loginKeys, type Throttle } from '../../throttle/throttle.js';
import { AUDIT, type AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors.js';
import { emailFingerprint, requestOrigin } from '../request-info.js';
import { csrfFor } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import { accessDigest, describeApis, selfRegistered, type RequestedAccess } from '../../consent/access-description.js';
import { passwordAuthentication } from '../../oidc/authentication-context.js';
import {
  apiViews,
  claimViews,
  clientBranding,
  clientDisplayName,
  returnHost,
  scopeViews,
} from '../view-models/interaction-view.js';
import type { Views } from '../views.js';

export interface InteractionDeps {
  host: ProviderHost;
  accounts: AccountService;
  audit: AuditLog;
  throttle: Throttle;
  views: Views;
}

/** The only message for any failed login: it must not tell which part was wrong (no enumeration). */
export const LOGIN_FAILED = 'Invalid email or password.';

function field(body: unknown, name: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** What the consent prompt says is missing: exactly what the page shows and the grant adds. */
function requestedAccess(details: Record<string, unknown>): RequestedAccess {
  const resources = details.missingResourceScopes;
  return {
    scopes: strings(details.missingOIDCScope),
    claims: strings(details.missingOIDCClaims),
    resources: Object.fromEntries(
      Object.entries(resources && typeof resources === 'object' ? resources : {}).map(([indicator, scopes]) => [
        indicator,
        strings(scopes),
      ]),
    ),
  };
}

function wrongStep(): AppError {
  return new AppError(
    'invalid_request',
    'This step of the sign-in does not match. Go back to the application and start again.',
    400,
  );
}

/** Login, consent and abort pages for oidc-provider interactions (anchor: oidc-provider example/routes/koa.js). */
export function interactionRoutes(deps: InteractionDeps): Router {
  const { host, accounts, views } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(noStore);
  // Each form's token is bound to this browser's interaction (the provider's signed interaction cookie):
  // a token obtained in another interaction or browser (an attacker's own) is refused.
  const { csrfToken, verifyCsrf } = csrfFor((ctx) => {
    const uid = ctx.cookies.get(host.current.cookieName('interaction'), { signed: true });
    return uid ? `interaction:${uid}` : undefined;
  });

  const details = async (ctx: Context) => {
    const found = await host.current.interactionDetails(ctx.req, ctx.res);
    // The cookie-bound interaction must be the one in the URL, or a stale tab could act on another.
    if (found.uid !== ctx.params.uid) throw wrongStep();
    return found;
  };

  const finish = async (ctx: Context, result: InteractionResults, merge: boolean) => {
    const to = await host.current.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(to);
  };

  const renderLogin = async (
    ctx: Context,
    uid: string,
    clientId: unknown,
    extra: { error: string | null; email: string; switching?: boolean },
  ) => {
    const client = typeof clientId === 'string' ? await host.current.Client.find(clientId) : undefined;
    ctx.type = 'html';
    ctx.body = views.render('login', {
      title: 'Sign in',
      uid,
      client: clientBranding(client),
      csrf: csrfToken(ctx),
      switching: false,
      ...extra,
    });
  };

  router.get('/', async (ctx) => {
    const { uid, prompt, params, session } = await details(ctx);
    if (prompt.name === 'login') {
      const hint = typeof params.login_hint === 'string' ? params.login_hint.slice(0, 320) : '';
      return renderLogin(ctx, uid, params.client_id, { error: null, email: hint });
    }
    if (prompt.name === 'consent') {
      const client = await host.current.Client.find(String(params.client_id));
      const account = session?.accountId ? await accounts.findById(session.accountId) : undefined;
      const access = requestedAccess(prompt.details);
      const apis = await describeApis((id) => host.current.Client.find(id), access.resources);
      ctx.type = 'html';
      ctx.body = views.render('consent', {
        title: 'Allow access',
        uid,
        clientName: clientDisplayName(client),
        client: clientBranding(client),
        returnHost: returnHost(params.redirect_uri),
        selfRegistered: selfRegistered(client),
        scopes: scopeViews(access.scopes),
        claims: claimViews(access.claims),
        apis: apiViews(apis),
        shown: accessDigest(access),
        accountEmail: account?.email ?? 'your account',
        csrf: csrfToken(ctx),
      });
      return;
    }
    throw wrongStep();
  });

  // "Not you?" on the consent page: the login form again, within this same interaction, so the
  // authorization request (state, nonce, PKCE, even a pushed one) is kept. A login as another account
  // makes oidc-provider end the current session first (its resume step), then continue as the new one.
  router.get('/switch', async (ctx) => {
    const { uid, prompt, params } = await details(ctx);
    if (prompt.name !== 'consent') throw wrongStep();
    return renderLogin(ctx, uid, params.client_id, { error: null, email: '', switching: true });
  });

  router.post('/login', formBody, verifyCsrf, async (ctx) => {
    const { uid, prompt, params } = await details(ctx);
    // A login during consent is the "Not you?" switch (GET /switch above).
    if (prompt.name !== 'login' && prompt.name !== 'consent') throw wrongStep();
    const email = field(ctx.request.body, 'email');
    const clientId = typeof params.client_id === 'string' ? params.client_id : null;
    const keys = loginKeys(email, ctx.ip);
    // Checked before the password: during a lockout even the right password does not sign in.
    const checked = await deps.throttle.check(keys);
    const { wait } = checked;
    if (wait > 0) {
      ctx.status = 429;
      ctx.set('Retry-After', String(wait));
      return renderLogin(ctx, uid, params.client_id, {
        error: `Too many attempts. Try again in ${humanWait(wait)}.`,
        email: email.slice(0, 320),
        switching: prompt.name === 'consent',
      });
    }
    const account = await accounts.authenticate(email, field(ctx.request.body, 'password'));
    if (!account) {
      const origin = requestOrigin(ctx);
      // No password and no email in the trail: a hash is enough to correlate attempts.
      const fingerprint = { email_sha256: emailFingerprint(email) };
      await deps.audit.record(AUDIT.loginFailed, { ...origin, clientId, details: fingerprint });
      const verdict = await deps.throttle.fail(keys);
      if (verdict.lockedNow) {
        const owner = await accounts.lookup(email);
        await deps.audit.record(AUDIT.loginLocked, {
          ...origin,
          accountId: owner?.id,
          clientId,
          details: { ...fingerprint, retry_after: verdict.retryAfter },
        });
      }
      // 200 with the form again, as login pages do: the page itself is the answer, not an HTTP auth challenge.
      return renderLogin(ctx, uid, params.client_id, {
        error: LOGIN_FAILED,
        email: email.slice(0, 320),
        switching: prompt.name === 'consent',
      });
    }
    await deps.throttle.succeed(keys.slice(0, 1), checked);
    await deps.audit.record(AUDIT.loginSucceeded, { ...requestOrigin(ctx), accountId: account.id, clientId });
    await finish(ctx, { login: { accountId: account.id, ...passwordAuthentication() } }, false);
  });

  router.post('/confirm', formBody, verifyCsrf, async (ctx) => {
    const interaction = await details(ctx);
    const { prompt, params, session } = interaction;
    if (prompt.name !== 'consent' || !session?.accountId) throw wrongStep();
    const grant = interaction.grantId
      ? await host.current.Grant.find(interaction.grantId)
      : new host.current.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
    if (!grant) throw wrongStep();
    const access = requestedAccess(prompt.details);
    // The page showed a digest of what it listed; a grant that would differ from it is not made.
    if (field(ctx.request.body, 'shown') !== accessDigest(access)) throw wrongStep();
    if (access.scopes.length > 0) grant.addOIDCScope(access.scopes.join(' '));
    if (access.claims.length > 0) grant.addOIDCClaims(access.claims);
    for (const [indicator, scopes] of Object.entries(access.resources)) {
      if (scopes.length > 0) grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await deps.audit.record(AUDIT.consentGranted, {
      ...requestOrigin(ctx),
      accountId: session.accountId,
      clientId: String(params.client_id),
      // Resource URIs are values here, never keys: audit details must be storable on every backend.
      details: {
        grant_id: grantId,
        scope: access.scopes.join(' ') || null,
        resources: Object.entries(access.resources).map(([resource, scopes]) => ({
          resource,
          scope: scopes.join(' '),
        })),
      },
    });
    await finish(ctx, { consent: interaction.grantId ? {} : { grantId } }, true);
  });

  router.post('/abort', formBody, verifyCsrf, async (ctx) => {
    await details(ctx);
    await finish(ctx, { error: 'access_denied', error_description: 'The user denied the request.' }, false);
  });

  return router;
}
