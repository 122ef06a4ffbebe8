import { timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Metrics } from '../../observability/metrics.js';

/**
 * /metrics in Prometheus format. With METRICS_TOKEN set, only `Authorization: Bearer <token>` gets in;
 * without one it is served outside production only.
 */
export function metricsRoutes(
  metrics: Metrics,
  options: {
    token?: string;
    production: boolean;
    /** The whole process group's numbers (WORKERS > 1). */ collect?: () => Promise<string>;
  },
): Router {
  const router = new Router();
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (!expected && options.production) return; // 404: not exposed
    if (expected) {
      const got = Buffer.from(ctx.get('authorization'));
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
        ctx.body = { error: 'invalid_token' };
        return;
      }
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await (options.collect ? options.collect() : metrics.registry.metrics());
  });
  return router;
}
