import Router from '@koa/router';
import { buttonSnippets } from '../view-models/button-snippets.js';
import type { Views } from '../views.js';

/** /button: the "Sign in with Signet" kit — the button itself and copy-paste snippets for this issuer. */
export function buttonRoutes(views: Views, issuer: string): Router {
  const router = new Router();
  const snippets = buttonSnippets(issuer);
  router.get('/button', (ctx) => {
    ctx.type = 'html';
    const title = views.translate(views.language(ctx))('button:title');
    ctx.body = views.page(ctx, 'button', { title, issuer, snippets });
  });
  return router;
}
