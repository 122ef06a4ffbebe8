import Router from '@koa/router';

export interface HealthDeps {
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  /** More to say once the store answered (e.g. the mail outbox backing up); never decides readiness. */
  readyDetail?: () => Promise<Record<string, unknown>>;
  timeoutMs?: number;
}

/**
 * /healthz: the process is up. /readyz: the store answers now (load balancers route on this). Its detail
 * tells an operator more, but a backed-up mail outbox (SMTP down) keeps it 200: the server still serves
 * every request, and taking it out of rotation would not bring the mail server back.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  const timeoutMs = deps.timeoutMs ?? 2000;
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  const within = <T>(work: Promise<T>, what: string): Promise<T> =>
    Promise.race([
      work,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), timeoutMs).unref()),
    ]);
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await within(deps.ping(), 'store ping');
      const detail = deps.readyDetail ? await within(deps.readyDetail(), 'readiness detail').catch(() => ({})) : {};
      ctx.body = { status: 'ready', ...detail };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'store unreachable' };
    }
  });
  return router;
}
