import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { PasswordPolicy } from '../../accounts/password-policy.js';
import { AppError } from '../../errors.js';
import { answerWait } from '../../throttle/throttle-gate.js';
import type { Throttle, ThrottleKey, ThrottlePolicy } from '../../throttle/throttle.js';
import { guard } from '../guard.js';

// Why the strength meter asks the server instead of running zxcvbn in the browser:
// - weight: zxcvbn-ts with its common-password and English dictionaries is 1.74 MB of script (about
//   865 kB gzipped, and Signet serves it uncompressed), for every page with a new-password field;
// - CSP: the packages' ESM builds import bare specifiers ('fastest-levenshtein', the dictionary
//   decompressor), which only an import map resolves, and an import map is an inline script;
// - one verdict: the meter shows exactly what the form will be told (the same list, the same identity
//   rule, the same length limits), never a second opinion that disagrees with it.
// The password goes to the origin the form sends it to anyway, over the same connection; it is neither
// stored nor logged, and the answer is never cached.

/**
 * Each request counts; a person typing a password makes a few dozen (the meter waits for a pause in
 * the typing). An address beyond the free ones waits 2, 4, 8… seconds, and the meter falls silent.
 */
export const STRENGTH_IP_POLICY: ThrottlePolicy = { free: 120, lockAfter: 600, lockSeconds: 300, windowMs: 600_000 };

const strengthKey = (ip: string): ThrottleKey => ({ key: `strength:ip:${ip}`, policy: STRENGTH_IP_POLICY });

/** A password at the length limit is at most 4 kB of UTF-8: room for it and the identity, nothing more. */
const parse = bodyParser({ enableTypes: ['json'], jsonLimit: '8kb', encoding: 'utf-8' });

const strengthInput = guard({
  body: z.object({
    password: z.string(),
    email: z.string().max(320).optional(),
    name: z.string().max(200).optional(),
  }),
});

export interface PasswordStrengthDeps {
  /** The policy, loaded on first use (its dictionaries are heavy). */
  policy: () => Promise<PasswordPolicy>;
  throttle: Throttle;
  /** The issuer URL: only pages of this origin may ask. */
  issuer: string;
}

/**
 * Same origin only: browsers send Origin on every POST, and a JSON body cannot come from another
 * origin's page without a CORS preflight, which nothing here answers.
 */
function sameOrigin(issuer: string): Middleware {
  const origin = new URL(issuer).origin;
  return async (ctx, next) => {
    const site = ctx.get('sec-fetch-site');
    if (ctx.get('origin') !== origin || (site !== '' && site !== 'same-origin')) {
      throw new AppError('access_denied', 'Only pages of this site may ask how strong a password is.', 403);
    }
    await next();
  };
}

const jsonBody: Middleware = async (ctx, next) => {
  if (!ctx.is('application/json')) {
    throw new AppError('invalid_request', 'This request must be sent as application/json.', 415);
  }
  try {
    await parse(ctx, () => Promise.resolve());
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new AppError('invalid_request', 'The request could not be read.', status === 413 ? 413 : 400);
  }
  await next();
};

async function judge(deps: PasswordStrengthDeps, ctx: Context): Promise<void> {
  const keys = [strengthKey(ctx.ip)];
  const checked = await deps.throttle.check(keys);
  if (checked.wait > 0) {
    await answerWait(ctx, checked.wait, { form: 'json', reason: 'too many password strength checks' });
    return;
  }
  await deps.throttle.fail(keys);
  const { password, email, name } = strengthInput.read(ctx).body;
  const { problem, score } = (await deps.policy()).judge(password, { email, name });
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { score, problem };
}

/** POST /password-strength {password, email?, name?} → {score, problem}, for the meter on password forms. */
export function passwordStrengthRoutes(deps: PasswordStrengthDeps): Router {
  const router = new Router();
  router.post('/password-strength', sameOrigin(deps.issuer), jsonBody, strengthInput, (ctx) => judge(deps, ctx));
  return router;
}
