import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { passwordAuthentication } from '../../oidc/authentication-context.js';
import type { SignUp } from '../../self-service/sign-up.js';
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
  body: z.object({
    flow: FlowId,
    code: CodeField,
    name: z.string().max(1000).default(''),
    password: z.string().max(4096),
  }),
});

/** The code, a name and a password: the account is made only once all three hold, then signed in. */
async function complete(pages: FlowPages, signUp: SignUp, ctx: Context): Promise<void> {
  const { params, body } = VerifyForm.read(ctx);
  const interaction = await pages.current(ctx, params.uid);
  const who = requester(pages.steps, ctx, interaction);
  const email = (await signUp.pending(body.flow, who.bindTo)) ?? '';
  const outcome = await signUp.complete(body.flow, body, who);
  const shown = { email, name: body.name };
  switch (outcome.kind) {
    case 'created':
      // `create` answers a relying party's prompt=create; `login` signs the new account in.
      return pages.steps.finish(
        ctx,
        { create: {}, login: { accountId: outcome.account.id, ...passwordAuthentication() } },
        false,
      );
    case 'password':
      return refuseVerify(pages, ctx, interaction, body.flow, { ...shown, error: passwordMessage(outcome.problem) });
    case 'name':
      return refuseVerify(pages, ctx, interaction, body.flow, { ...shown, error: ['signup:badName', {}] });
    case 'code': {
      const { refusal } = outcome;
      const wait = refusal.reason === 'wait' ? refusal.seconds : undefined;
      return refuseVerify(pages, ctx, interaction, body.flow, { ...shown, error: refusalMessage(refusal) }, wait);
    }
    case 'taken':
      ctx.status = 409;
      return pages.start(ctx, interaction, { error: ['signup:taken', {}] });
    case 'expired':
      return pages.start(ctx, interaction, { error: ['codes:expired', {}] });
  }
}

/**
 * Self sign-up inside a sign-in (OpenID Connect "Initiating User Registration": prompt=create): the
 * address, then the mailed code with a name and a password; the new account lands back in the relying
 * party's flow, signed in.
 */
export function signupRoutes(steps: InteractionSteps, signUp: SignUp): Router {
  const pages = flowPages(steps, signUp, {
    segment: 'signup',
    views: 'signup',
    alsoIn: ['create'],
    title: 'signup:title',
  });
  return flowRouter(pages, (ctx) => complete(pages, signUp, ctx), VerifyForm);
}
