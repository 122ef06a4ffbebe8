import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { z } from 'zod';
import type { AccountService } from '../../accounts/account-service.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Factors } from '../../factors/factors.js';
import type { Passkeys } from '../../factors/passkeys.js';
import type { TwoStepChallenges } from '../../factors/two-step-challenges.js';
import { AppError } from '../../errors.js';
import type { ProviderHost } from '../../oidc/provider-host.js';
import type { Throttle } from '../../throttle/throttle.js';
import { uiLocalesLanguage } from '../../i18n/negotiate.js';
import type { Language, Translate } from '../../i18n/translator.js';
import { csrfFor } from '../middleware/csrf.js';
import { clientBranding } from '../view-models/interaction-view.js';
import type { Views } from '../views.js';

export interface InteractionDeps {
  host: ProviderHost;
  accounts: AccountService;
  audit: AuditLog;
  throttle: Throttle;
  views: Views;
  /** What the login form offers besides signing in, as configured. */
  offers?: { signup: boolean; recovery: boolean };
  /** Second factors: an account that has one is asked for it after the password. */
  twoStep?: { factors: Factors; challenges: TwoStepChallenges };
  /** Passkeys: alone on the login page, or as the second step after a password. */
  passkeys?: Passkeys;
}

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

type Client = Awaited<ReturnType<Provider['Client']['find']>>;

/** A page of the interaction: its title, the interaction, the client asking, and what else the view shows. */
export interface InteractionPage {
  title: string;
  /** The interaction's language (see InteractionSteps.language); the request's own when left out. */
  lang?: Language;
  uid: string;
  client: Client;
  [local: string]: unknown;
}

/** Every interaction route's path parameter: the interaction's id, as oidc-provider put it in the URL. */
export const UidParams = z.object({ uid: z.string().min(1).max(200) });

/** The most of a login_hint or a typed email that is shown back in the form (RFC 5321's longest path, rounded). */
const EMAIL_SHOWN = 320;

export function wrongStep(): AppError {
  return new AppError(
    'invalid_request',
    'This step of the sign-in does not match. Go back to the application and start again.',
    400,
  );
}

/** What the interaction routes share: the interaction behind a request, its forms, and its way out. */
export interface InteractionSteps {
  deps: InteractionDeps;
  verifyCsrf: ReturnType<typeof csrfFor>['verifyCsrf'];
  /** The interaction this browser is in, which must be the one named in the URL. */
  details(ctx: Context, uid: string): Promise<Interaction>;
  /** Hands the result to oidc-provider and sends the browser on to it. */
  finish(ctx: Context, result: InteractionResults, merge: boolean): Promise<void>;
  /**
   * The language of the interaction's pages: the relying party's ui_locales (OIDC Core 3.1.2.1) when it
   * names one Signet speaks, else the person's own choice (the language middleware's).
   */
  language(ctx: Context, interaction: Interaction): Language;
  translate(lang: Language): Translate;
  /** One of the interaction's pages, with what every one of them shows: the client's branding and the form's token. */
  render(ctx: Context, view: string, page: InteractionPage): void;
  /** Any other page of the interaction (sign-up, recovery): the client found from the interaction. */
  renderFor(
    ctx: Context,
    interaction: Interaction,
    view: string,
    locals: { title: string; [local: string]: unknown },
  ): Promise<void>;
  /** The login form of this interaction; during consent, the "Not you?" switch to another account. */
  renderLogin(
    ctx: Context,
    interaction: Interaction,
    shown: { error: string | null; email: string; notice?: string | null },
  ): Promise<void>;
}

export function interactionSteps(deps: InteractionDeps): InteractionSteps {
  const { host, views } = deps;
  // Each form's token is bound to this browser's interaction (the provider's signed interaction cookie):
  // a token obtained in another interaction or browser (an attacker's own) is refused.
  const { csrfToken, verifyCsrf } = csrfFor((ctx) => {
    const uid = ctx.cookies.get(host.current.cookieName('interaction'), { signed: true });
    return uid ? `interaction:${uid}` : undefined;
  });
  const render = (ctx: Context, view: string, page: InteractionPage) => {
    ctx.type = 'html';
    const lang = page.lang ?? views.language(ctx);
    const branding = clientBranding(page.client, views.translate(lang));
    ctx.body = views.page(ctx, view, { ...page, lang, client: branding, csrf: csrfToken(ctx) });
  };
  const language = (ctx: Context, interaction: Interaction): Language => {
    const ui = interaction.params.ui_locales;
    return uiLocalesLanguage(typeof ui === 'string' ? ui : undefined) ?? views.language(ctx);
  };
  return {
    deps,
    verifyCsrf,
    async details(ctx, uid) {
      const found = await host.current.interactionDetails(ctx.req, ctx.res);
      // The cookie-bound interaction must be the one in the URL, or a stale tab could act on another.
      if (found.uid !== uid) throw wrongStep();
      return found;
    },
    async finish(ctx, result, merge) {
      const to = await host.current.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
      ctx.status = 303;
      ctx.redirect(to);
    },
    language,
    translate: (lang) => views.translate(lang),
    render,
    async renderFor(ctx, interaction, view, locals) {
      const clientId = interaction.params.client_id;
      const client = typeof clientId === 'string' ? await host.current.Client.find(clientId) : undefined;
      render(ctx, view, { lang: language(ctx, interaction), ...locals, uid: interaction.uid, client });
    },
    async renderLogin(ctx, interaction, shown) {
      const { uid, prompt, params } = interaction;
      const clientId = params.client_id;
      const lang = language(ctx, interaction);
      render(ctx, 'login', {
        title: views.translate(lang)('login:title'),
        lang,
        uid,
        client: typeof clientId === 'string' ? await host.current.Client.find(clientId) : undefined,
        switching: prompt.name === 'consent',
        error: shown.error,
        notice: shown.notice ?? null,
        email: shown.email.slice(0, EMAIL_SHOWN),
        offers: deps.offers ?? { signup: false, recovery: false },
        passkeys: Boolean(deps.passkeys),
        passkeyForms: Boolean(deps.passkeys),
      });
    },
  };
}
