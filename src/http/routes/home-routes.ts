import Router from '@koa/router';
import type { Views } from '../views.js';

export function homeRoutes(views: Views, issuer: string, options: { demo: boolean } = { demo: false }): Router {
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = views.page(ctx, 'home', {
      title: views.translate(views.language(ctx))('home:title'),
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      demo: options.demo,
    });
  });
  return router;
}
