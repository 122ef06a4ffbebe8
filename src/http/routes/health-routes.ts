import Router from '@koa/router';

export interface HealthDeps {
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  timeoutMs?: number;
}

/** /healthz: the process is up. /readyz: the store answers now (load balancers route on this). */
export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  const timeoutMs = deps.timeoutMs ?? 2000;
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await Promise.race([
        deps.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('store ping timed out')), timeoutMs).unref()),
      ]);
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'store unreachable' };
    }
  });
  return router;
}
