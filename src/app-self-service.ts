import type { PasswordPolicy } from './accounts/password-policy.js';
import type { CoreServices } from './app-types.js';
import type { Views } from './http/views.js';
import type { Mail } from './mail/create-mail.js';
import type { JudgePassword } from './self-service/code-flow.js';
import { EmailChange } from './self-service/email-change.js';
import { EmailUndos } from './self-service/email-undo.js';
import { Recovery } from './self-service/recovery.js';
import { Invitations } from './self-service/invitations.js';
import { SignUp } from './self-service/sign-up.js';
import { Throttle } from './throttle/throttle.js';
import { EmailCodes } from './verification/email-codes.js';
import { mailFactorNotices, noFactorNotices } from './factors/factor-mails.js';
import { Factors } from './factors/factors.js';
import { TwoStepChallenges } from './factors/two-step-challenges.js';
import { Passkeys } from './factors/passkeys.js';

// The self-service part of the composition root: sign-up and password recovery, each only where the
// configuration turns it on, and the account page's email change wherever mail can go out, on mailed
// codes kept in the store.

export interface SelfService {
  signUp?: SignUp;
  recovery?: Recovery;
  /** Moving an account to another address from the account page (none without a way to send mail). */
  emailChange?: EmailChange;
  /** The password policy every new password meets, loaded on first use. */
  passwordPolicy: () => Promise<PasswordPolicy>;
  /** That policy's verdict on one password, as the pages that take a new password ask for it. */
  judgePassword: JudgePassword;
}

/**
 * The password policy's dictionaries take about half a second and some 40 MB to load: a process pays
 * that when someone first chooses a password, not at every start (most processes never see one).
 */
export function lazyPasswordPolicy(): () => Promise<PasswordPolicy> {
  let loading: Promise<PasswordPolicy> | undefined;
  return () => (loading ??= import('./accounts/password-policy.js').then((m) => m.createPasswordPolicy()));
}

export function buildSelfService(
  core: CoreServices,
  mail: Mail,
  views: Views,
  passwordPolicy: () => Promise<PasswordPolicy>,
): SelfService {
  const { config, store, clock } = core;
  const judgePassword: JudgePassword = async (password, identity) =>
    (await passwordPolicy()).judge(password, identity).problem;
  const codes = new EmailCodes({
    records: store.oidc,
    throttle: new Throttle(store.throttle, clock),
    clock,
    pepper: core.keys.pepper,
  });
  const deps = {
    accounts: core.accounts,
    security: core.security,
    codes,
    mail: mail.service,
    audit: core.audit,
    translator: views.translator,
    judgePassword,
    issuer: config.issuer,
  };
  const undos = new EmailUndos({ ...deps, records: store.oidc });
  return {
    passwordPolicy,
    judgePassword,
    ...(config.mail.transport.kind === 'none' ? {} : { emailChange: new EmailChange({ ...deps, undos }) }),
    ...(config.signup !== 'closed'
      ? {
          signUp: new SignUp({
            ...deps,
            ...(config.signupDomains ? { domains: config.signupDomains } : {}),
            ...(config.signup === 'invite' ? { invitations: new Invitations(store.oidc) } : {}),
          }),
        }
      : {}),
    ...(config.passwordRecovery ? { recovery: new Recovery(deps) } : {}),
  };
}

/**
 * Second factors: every account may add one (they need no configuration), and each change is mailed to
 * its owner wherever mail can go out.
 */
export function buildTwoStep(core: CoreServices, mail: Mail, views: Views) {
  const { config, store, clock } = core;
  const factors = new Factors({
    records: store.oidc,
    sealer: core.sealer,
    pepper: core.keys.pepper,
    clock,
    audit: core.audit,
    throttle: new Throttle(store.throttle, clock),
    issuer: config.issuer,
    notify:
      config.mail.transport.kind === 'none'
        ? noFactorNotices
        : mailFactorNotices(mail.service, views.translator, config.issuer),
  });
  const passkeys = config.passkeys
    ? new Passkeys({ records: store.oidc, factors, clock, issuer: config.issuer })
    : undefined;
  return { factors, challenges: new TwoStepChallenges(store.oidc), ...(passkeys ? { passkeys } : {}) };
}
