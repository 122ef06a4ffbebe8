import type { Middleware } from 'koa';
import { AppError } from '../../errors.js';

/** No request line longer than this reaches a parser: query strings cannot be used to burn CPU. */
export const MAX_URL_LENGTH = 8 * 1024;

export const requestLimits: Middleware = (ctx, next) => {
  if (ctx.url.length > MAX_URL_LENGTH) {
    throw new AppError('invalid_request', `The request URL is longer than ${MAX_URL_LENGTH} characters.`, 414);
  }
  return next();
};
