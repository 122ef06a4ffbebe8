import type { KoaContextWithOIDC } from 'oidc-provider';
import { ACCOUNT_CLIENT_ID } from '../clients/first-party-clients.js';
import type { ProviderPages } from '../oidc/provider-config.js';
import { describeError } from './middleware/error-handler.js';
import { errorView } from './view-models/error-view.js';
import { clientDisplayName } from './view-models/interaction-view.js';
import { wayBack } from './view-models/logout-view.js';
import type { Views } from './views.js';

/**
 * The pages oidc-provider renders itself (errors, logout), drawn with our views and layout. It calls
 * renderError only when the request prefers HTML (`accepts('json', 'html')`, the rule our own error
 * handler follows too); everything else gets its JSON. Its errors are read by the same translator as
 * ours (describeError), so a store outage or a protocol error looks alike on either side.
 */
export function providerPages(views: Views): ProviderPages {
  // Signet's own account page is not "another app" to sign out of.
  const name = (ctx: KoaContextWithOIDC) =>
    ctx.oidc.client && ctx.oidc.client.clientId !== ACCOUNT_CLIENT_ID
      ? clientDisplayName(ctx.oidc.client, translate(ctx))
      : null;
  // oidc-provider runs inside our app (koa-mount passes the same context): the language middleware chose.
  const translate = (ctx: KoaContextWithOIDC) => views.translate(views.language(ctx));
  return {
    renderError(ctx, _out, err) {
      const d = describeError(err);
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = views.page(ctx, 'error', errorView(d, translate(ctx), views.translate('en')));
      return Promise.resolve();
    },
    logoutSource(ctx, form) {
      ctx.type = 'html';
      // `form` is built by oidc-provider (its action and xsrf value); it is the only unescaped input.
      ctx.body = views.page(ctx, 'logout', { title: translate(ctx)('logout:title'), form, clientName: name(ctx) });
      return Promise.resolve();
    },
    postLogoutSuccessSource(ctx) {
      ctx.type = 'html';
      const t = translate(ctx);
      ctx.body = views.page(ctx, 'logged-out', {
        title: t('logout:signedOutTitle'),
        clientName: name(ctx),
        back: wayBack(ctx.oidc.client, t),
      });
      return Promise.resolve();
    },
  };
}
