import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Recovery } from '../../self-service/recovery.js';
import { guard } from '../guard.js';
import {
  CodeField,
  FlowId,
  flowPages,
  flowRouter,
  passwordMessage,
  refusalMessage,
  refuseVerify,
  requester,
  type FlowPages,
} from './code-pages.js';
import { UidParams, type InteractionSteps } from './interaction-steps.js';

const VerifyForm = guard({
  params: UidParams,
  body: z.object({ flow: FlowId, code: CodeField, password: z.string().max(4096) }),
});

/** The code and a new password; then the login form again, where the new password signs in. */
async function complete(pages: FlowPages, recovery: Recovery, ctx: Context): Promise<void> {
  const { params, body } = VerifyForm.read(ctx);
  const interaction = await pages.current(ctx, params.uid);
  const who = requester(pages.steps, ctx, interaction);
  const email = (await recovery.pending(body.flow, who.bindTo)) ?? '';
  const outcome = await recovery.complete(body.flow, body, who);
  switch (outcome.kind) {
    case 'changed': {
      const t = pages.steps.translate(pages.steps.language(ctx, interaction));
      return pages.steps.renderLogin(ctx, interaction, {
        error: null,
        notice: t('recovery:changed'),
        email: outcome.account.email,
      });
    }
    case 'password':
      return refuseVerify(pages, ctx, interaction, body.flow, { email, error: passwordMessage(outcome.problem) });
    case 'code': {
      const { refusal } = outcome;
      const wait = refusal.reason === 'wait' ? refusal.seconds : undefined;
      return refuseVerify(pages, ctx, interaction, body.flow, { email, error: refusalMessage(refusal) }, wait);
    }
    case 'expired':
      return pages.start(ctx, interaction, { error: ['codes:expired', {}] });
  }
}

/** "Forgot password?" inside a sign-in: the address, then the mailed code with a new password. */
export function recoveryRoutes(steps: InteractionSteps, recovery: Recovery): Router {
  const pages = flowPages(steps, recovery, { segment: 'recover', views: 'recovery', title: 'recovery:title' });
  return flowRouter(pages, (ctx) => complete(pages, recovery, ctx), VerifyForm);
}
