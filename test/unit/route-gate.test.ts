// The route gate: our routers see only requests for their own first path segments; everything else
// goes straight on (to the provider, in the real app), and the routers' 405s still apply on our paths.

import { afterEach, describe, expect, test } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { routeGate } from '../../src/http/route-gate.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real app: the gate, then a fallback that names itself (standing in for the provider). */
async function serve(routers: Router[]): Promise<string> {
  const app = new Koa();
  // @koa/router sets ctx.matched (possibly empty) in every router a request enters.
  app.use(async (ctx, next) => {
    await next();
    ctx.set('x-entered', (ctx as { matched?: unknown }).matched === undefined ? 'no' : 'yes');
  });
  app.use(routeGate(routers, { throw: false }));
  // Like the provider on a path it does not serve: 404, which the routers' allowedMethods may turn into 405.
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'fallback';
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server?.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

function routers(): Router[] {
  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.body = 'healthy';
  });
  const account = new Router({ prefix: '/account' });
  // Like the real account pages: middleware of the router's own under its prefix.
  account.use(async (ctx, next) => {
    await next();
    ctx.set('x-account-middleware', 'ran');
  });
  account.get('/', (ctx) => {
    ctx.body = 'account';
  });
  account.post('/sessions/:id/end', (ctx) => {
    ctx.body = `ended ${ctx.params.id}`;
  });
  return [health, account];
}

describe('routeGate', () => {
  test('our paths reach our routes, with and without a prefix', async () => {
    const origin = await serve(routers());
    const res = await fetch(`${origin}/healthz`);
    expect(await res.text()).toBe('healthy');
    expect(res.headers.get('x-entered')).toBe('yes');
    const account = await fetch(`${origin}/account`);
    expect(await account.text()).toBe('account');
    expect(account.headers.get('x-account-middleware')).toBe('ran');
    expect(await (await fetch(`${origin}/account/sessions/abc/end`, { method: 'POST' })).text()).toBe('ended abc');
  });

  test('other paths go straight on without entering any router', async () => {
    const origin = await serve(routers());
    for (const path of ['/token', '/token/introspection', '/me', '/accounts', '/healthzz', '/']) {
      const res = await fetch(`${origin}${path}`, { method: 'POST' });
      expect(await res.text()).toBe('fallback');
      expect(res.headers.get('x-entered')).toBe('no');
    }
  });

  test('a wrong method on our path is still answered by the router (405), not passed on', async () => {
    const origin = await serve(routers());
    const res = await fetch(`${origin}/healthz`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });

  test('a route whose first segment is a pattern is refused when the gate is built, naming it', () => {
    const open = new Router();
    open.get('/:anything/page', (ctx) => {
      ctx.body = `page ${ctx.params.anything}`;
    });
    expect(() => routeGate([open, ...routers()], { throw: false })).toThrow(/route \/:anything\/page: .*literal/);
  });
});
