import type { Context } from 'koa';
import { type Translate } from '../i18n/translator.js';
import type { Throttle, ThrottleCheck, ThrottleKey } from './throttle.js';

/**
 * How a caller that must wait is told so. A client gets OAuth JSON (`temporarily_unavailable`, RFC 6749
 * 5.2 has no closer code) with the reason in its words; a person gets the route's own page again, with
 * the sentence below in place of its usual message.
 */
export type WaitAnswer =
  | { form: 'json'; reason: string }
  /** `t` says the sentence in the page's language (English without it). */
  | { form: 'page'; render: (message: string) => Promise<void> | void; t: Translate };

/** The sentence a person reads while locked out: whole minutes from 90 seconds on, else seconds. */
export function waitMessage(seconds: number, t: Translate): string {
  const wait =
    seconds >= 90
      ? t('throttle:minutes', { count: Math.ceil(seconds / 60) })
      : t('throttle:seconds', { count: seconds });
  return t('throttle:wait', { wait });
}

/** 429 with Retry-After (RFC 6585 4), never cached: for a page that says the wait in its own words. */
export function markWait(ctx: Context, seconds: number): void {
  ctx.status = 429;
  ctx.set('Retry-After', String(seconds));
  ctx.set('Cache-Control', 'no-store');
}

/** 429 with Retry-After, as JSON or as the route's page with the wait said in the person's language. */
export async function answerWait(ctx: Context, seconds: number, answer: WaitAnswer): Promise<void> {
  markWait(ctx, seconds);
  if (answer.form === 'json') {
    ctx.body = {
      error: 'temporarily_unavailable',
      error_description: `${answer.reason}; retry after ${seconds} seconds`,
    };
    return;
  }
  await answer.render(waitMessage(seconds, answer.t));
}

/**
 * The one gate in front of throttled work: checked before any secret is looked at, so during a
 * lockout even the right one is refused. Resolves with the check (a later success settles against
 * it), or undefined once the caller has been told to wait and nothing else must happen.
 */
export async function admit(
  ctx: Context,
  throttle: Throttle,
  keys: readonly ThrottleKey[],
  answer: WaitAnswer,
): Promise<ThrottleCheck | undefined> {
  const checked = await throttle.check(keys);
  if (checked.wait <= 0) return checked;
  await answerWait(ctx, checked.wait, answer);
  return undefined;
}
