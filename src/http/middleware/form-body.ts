import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { AppError } from '../../errors.js';

const parse = bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' });

/** Form bodies for our own pages only (oidc-provider parses its own). Small, urlencoded, nothing else. */
export const formBody: Middleware = async (ctx, next) => {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError('invalid_request', 'This form must be sent as application/x-www-form-urlencoded.', 415);
  }
  try {
    await parse(ctx, () => Promise.resolve());
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new AppError('invalid_request', 'The form could not be read.', status === 413 ? 413 : 400);
  }
  await next();
};
