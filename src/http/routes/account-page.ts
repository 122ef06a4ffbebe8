import type { Context } from 'koa';
import type { AccountService } from '../../accounts/account-service.js';
import type { AccountOverview } from '../../accounts/account-overview.js';
import type { AccountSecurity } from '../../accounts/account-security.js';
import type { AppSessions, LiveAppSession } from '../../sessions/app-sessions.js';
import type { InProcessRelyingParty } from '../../sessions/relying-party.js';
import type { AppSessionGuard } from '../app-session-guard.js';
import { appPages, type AppPages } from '../app-sign-in.js';
import { csrfToken } from '../middleware/csrf.js';
import { accountView, type AccountView, type ProfileForm } from '../view-models/account-view.js';
import type { Throttle } from '../../throttle/throttle.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Views } from '../views.js';
import type { JudgePassword } from '../../self-service/code-flow.js';
import type { EmailChange } from '../../self-service/email-change.js';
import type { Factors } from '../../factors/factors.js';
import type { Passkeys } from '../../factors/passkeys.js';

export interface AccountRouteDeps {
  accounts: AccountService;
  security: AccountSecurity;
  overview: AccountOverview;
  sessions: AppSessions;
  relyingParty: InProcessRelyingParty;
  views: Views;
  /** Guard and audit the password the page asks again (password change, deletion) like a login's. */
  throttle: Throttle;
  audit: AuditLog;
  /** Decides the cookies' names and attributes (Secure and `__Host-` with an https issuer). */
  issuer: string;
  /** The password policy a new password meets (the same as sign-up's and recovery's). */
  judgePassword: JudgePassword;
  /** The account's second factors (authenticator apps, recovery codes). */
  factors?: Factors;
  /** Passkeys on the account, where they are on. */
  passkeys?: Passkeys;
  /** Moving the account to another address; absent where no mail can go out. */
  emailChange?: EmailChange;
}

/** What every /account route works with: its deps, its session and sign-in, and the page itself. */
export interface AccountPage extends AppPages {
  deps: AccountRouteDeps;
  render(
    ctx: Context,
    session: LiveAppSession,
    flash: string | undefined,
    passwordError?: AccountView['passwordError'],
    profileRefusal?: { form: ProfileForm; message: string },
  ): Promise<void>;
}

/**
 * The account page's session and sign-in: a first-party relying party that signs in through Signet's
 * own authorization endpoint. The browser holds only an opaque, HttpOnly session cookie; the id_token
 * stays on the server.
 */
export function accountPage(deps: AccountRouteDeps): AccountPage {
  const pages = appPages('account', deps, {
    sessionEnded: 'Your account session has ended. Open your account page to sign in again.',
    expired: 'This sign-in link has expired or was already used. Open your account page again.',
    refused: 'Signing in to your account page did not complete.',
    failed: 'Signing in to your account page did not complete. Please try again.',
    ended: 'Your sign-in ended before the account page opened. Open your account page to sign in again.',
  });
  return { deps, ...pages, render: (...args) => renderAccount(deps, pages.guard, ...args) };
}

async function renderAccount(
  deps: AccountRouteDeps,
  guard: AppSessionGuard,
  ctx: Context,
  session: LiveAppSession,
  flash: string | undefined,
  passwordError: AccountView['passwordError'] = null,
  profileRefusal?: { form: ProfileForm; message: string },
): Promise<void> {
  const { account } = session;
  const [sessions, apps, notices, twoStep] = await Promise.all([
    deps.overview.sessions(account.id),
    deps.overview.apps(account.id),
    deps.overview.notices(account.id),
    deps.factors?.summary(account.id),
  ]);
  const { views } = deps;
  const lang = views.language(ctx);
  const t = views.translate(lang);
  const view = accountView({
    account,
    sessions,
    // The provider session this page is bound to: the one this device signed in with.
    currentSessionId: session.providerSessionId,
    apps,
    notices,
    flash,
    passwordError,
    profileRefusal,
    ...(twoStep ? { twoStep } : {}),
    csrf: csrfToken(ctx, guard.csrfBinding(session.id)),
    now: views.now(),
    lang,
    t,
  });
  ctx.type = 'html';
  ctx.body = views.page(ctx, 'account/index', {
    ...view,
    canChangeEmail: Boolean(deps.emailChange),
    canTwoStep: Boolean(deps.factors),
    canPasskeys: Boolean(deps.factors && deps.passkeys),
  });
}
