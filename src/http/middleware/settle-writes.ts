import type { Middleware } from 'koa';
import { PENDING_WRITES } from '../../oidc/provider-events.js';

/**
 * oidc-provider's event listeners cannot be awaited by the provider; they park their store writes
 * (audit events, session bookkeeping) on the request, and the response waits for them here. An event
 * is therefore durable before the client learns the outcome it records.
 */
export const settleWrites: Middleware = async (ctx, next) => {
  const pending: Array<Promise<unknown>> = [];
  ctx.state[PENDING_WRITES] = pending;
  try {
    await next();
  } finally {
    while (pending.length > 0) await Promise.all(pending.splice(0));
  }
};
