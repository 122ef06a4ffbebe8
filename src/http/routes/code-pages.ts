import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { CodeRefusal, PasswordProblem, Requester, Started } from '../../self-service/code-flow.js';
import { markWait } from '../../throttle/throttle-gate.js';
import { guard } from '../guard.js';
import { formBody } from '../middleware/form-body.js';
import { noStore } from '../middleware/no-store.js';
import { requestOrigin } from '../request-info.js';
import { UidParams, wrongStep, type Interaction, type InteractionSteps } from './interaction-steps.js';

// What the sign-up and recovery pages share: the two steps (an address, then the mailed code), the
// requester of each step, and the sentences for what went wrong.

/** A flow's id is 24 URL-safe characters; anything else is no flow at all. */
export const FlowId = z.string().regex(/^[\w-]{16,64}$/);

export const StartForm = guard({ params: UidParams, body: z.object({ email: z.string().max(1000) }) });
export const AtFlow = guard({ params: UidParams, query: z.object({ flow: FlowId }) });
export const ResendForm = guard({ params: UidParams, body: z.object({ flow: FlowId }) });

/** The code as people type it: six digits, perhaps with spaces or a dash from the mail's layout. */
export const CodeField = z
  .string()
  .max(40)
  .transform((v) => v.replace(/[\s-]/g, ''));

/** Who asks, in the language of the interaction's pages (the relying party's ui_locales first). */
export function requester(steps: InteractionSteps, ctx: Context, interaction: Interaction): Requester {
  return { ...requestOrigin(ctx), lang: steps.language(ctx, interaction), bindTo: `interaction:${interaction.uid}` };
}

/** Sign-up and recovery run in the login step (or in the create step a relying party asked for). */
export function inLoginStep(interaction: Interaction, also: readonly string[] = []): Interaction {
  const name = interaction.prompt.name;
  if (name !== 'login' && !also.includes(name)) throw wrongStep();
  return interaction;
}

/** The page's sentence for a refused code (a translation key and its values). */
export function refusalMessage(refusal: CodeRefusal): Sentence {
  if (refusal.reason === 'wrong')
    return refusal.triesLeft > 0 ? ['codes:wrong', { count: refusal.triesLeft }] : ['codes:wrongLast', {}];
  if (refusal.reason === 'wait') return waitSentence(refusal.seconds);
  return ['codes:expired', {}];
}

export function passwordMessage(problem: PasswordProblem): Sentence {
  return [`codes:password.${problem}`, {}];
}

/** Where the second step lives, for a flow just started or resent. */
export function verifyPath(uid: string, segment: string, started: Extract<Started, { kind: 'sent' }>): string {
  return `/interaction/${uid}/${segment}/verify?flow=${encodeURIComponent(started.flowId)}`;
}

/** Renders a page of the flow in the person's language, with the client's branding and the form token. */
export function renderFlowPage(
  steps: InteractionSteps,
  ctx: Context,
  interaction: Interaction,
  view: string,
  locals: Record<string, unknown> & { titleKey: string },
): Promise<void> {
  const lang = steps.language(ctx, interaction);
  const title = steps.deps.views.translate(lang)(locals.titleKey);
  return steps.renderFor(ctx, interaction, view, { ...locals, title, lang });
}

/** A sentence of the page: a translation key and its values. */
export type Sentence = [string, Record<string, unknown>];

/** What one of the pages shows besides the form: a sentence, and what was typed (never a password). */
export interface Shown {
  error?: Sentence;
  notice?: Sentence;
  email?: string;
  name?: string;
}

/** The service behind a flow's pages: sign-up or recovery. */
export interface ProofService {
  begin(email: string, who: Requester): Promise<Started | { kind: 'refused'; reason: string }>;
  resend(flowId: string, who: Requester): Promise<Started | undefined>;
  pending(flowId: string, bindTo: string): Promise<string | undefined>;
}

export interface FlowPages {
  steps: InteractionSteps;
  service: ProofService;
  /** The path segment and the views' folder: signup, recover. */
  segment: string;
  /** The views' folder, also the namespace of the pages' sentences: signup, recovery. */
  namespace: string;
  /** Prompts besides login the flow may run in. */
  alsoIn: readonly string[];
  /** The translation key of the pages' title. */
  title: string;
  start(ctx: Context, interaction: Interaction, shown?: Shown): Promise<void>;
  verify(ctx: Context, interaction: Interaction, flow: string, shown: Shown): Promise<void>;
  /** The interaction of this request, in a step the flow may run in. */
  current(ctx: Context, uid: string): Promise<Interaction>;
}

export function flowPages(
  steps: InteractionSteps,
  service: ProofService,
  options: { segment: string; views: string; alsoIn?: readonly string[]; title: string },
): FlowPages {
  const alsoIn = options.alsoIn ?? [];
  return {
    steps,
    service,
    segment: options.segment,
    namespace: options.views,
    alsoIn,
    title: options.title,
    start: (ctx, interaction, shown = {}) =>
      renderFlowPage(steps, ctx, interaction, `${options.views}/start`, {
        titleKey: options.title,
        error: shown.error ?? null,
        email: shown.email ?? '',
      }),
    verify: (ctx, interaction, flow, shown) =>
      renderFlowPage(steps, ctx, interaction, `${options.views}/verify`, {
        titleKey: options.title,
        strengthMeter: true,
        flow,
        email: shown.email ?? '',
        name: shown.name ?? '',
        error: shown.error ?? null,
        notice: shown.notice ?? null,
      }),
    current: async (ctx, uid) => inLoginStep(await steps.details(ctx, uid), alsoIn),
  };
}

const waitSentence = (seconds: number): Sentence => ['codes:wait', { minutes: Math.max(1, Math.ceil(seconds / 60)) }];

/** The address step: every address, known or not, is sent on to the code step the same way. */
export async function beginFlow(pages: FlowPages, ctx: Context): Promise<void> {
  const { params, body } = StartForm.read(ctx);
  const interaction = await pages.current(ctx, params.uid);
  const started = await pages.service.begin(body.email, requester(pages.steps, ctx, interaction));
  if (started.kind === 'refused') {
    ctx.status = 400;
    return pages.start(ctx, interaction, {
      error: [`${pages.namespace}:refused.${started.reason}`, {}],
      email: body.email,
    });
  }
  if (started.kind === 'wait') {
    const error = waitSentence(started.seconds);
    markWait(ctx, started.seconds);
    return pages.start(ctx, interaction, { error, email: body.email });
  }
  ctx.status = 303;
  ctx.redirect(verifyPath(params.uid, pages.segment, started));
}

/** The code step's page, for a flow open in this browser (the same for known and unknown addresses). */
export async function showVerify(pages: FlowPages, ctx: Context): Promise<void> {
  const { params, query } = AtFlow.read(ctx);
  const interaction = await pages.current(ctx, params.uid);
  const email = await pages.service.pending(query.flow, requester(pages.steps, ctx, interaction).bindTo);
  if (email === undefined) return pages.start(ctx, interaction, { error: ['codes:expired', {}] });
  return pages.verify(ctx, interaction, query.flow, { email, notice: ['codes:sent', { email }] });
}

export async function resendCode(pages: FlowPages, ctx: Context): Promise<void> {
  const { params, body } = ResendForm.read(ctx);
  const interaction = await pages.current(ctx, params.uid);
  const who = requester(pages.steps, ctx, interaction);
  const email = await pages.service.pending(body.flow, who.bindTo);
  const again = email === undefined ? undefined : await pages.service.resend(body.flow, who);
  if (!again || email === undefined) return pages.start(ctx, interaction, { error: ['codes:expired', {}] });
  if (again.kind === 'wait') {
    const error = waitSentence(again.seconds);
    markWait(ctx, again.seconds);
    return pages.verify(ctx, interaction, body.flow, { email, error });
  }
  return pages.verify(ctx, interaction, body.flow, { email, notice: ['codes:resent', { email }] });
}

/** A refused code or password on the code step: the page again with the reason, as a 400 (or 429 to wait). */
export function refuseVerify(
  pages: FlowPages,
  ctx: Context,
  interaction: Interaction,
  flow: string,
  shown: Shown & { error: Sentence },
  waitSeconds?: number,
): Promise<void> {
  if (waitSeconds !== undefined) markWait(ctx, waitSeconds);
  else ctx.status = 400;
  return pages.verify(ctx, interaction, flow, shown);
}

/** The router every flow shares: the address step, the code step's page, and another code. */
export function flowRouter(
  pages: FlowPages,
  complete: (ctx: Context) => Promise<void>,
  verifyForm: Middleware,
): Router {
  const router = new Router({ prefix: `/interaction/:uid/${pages.segment}` });
  const atUid = guard({ params: UidParams });
  router.use(noStore);
  router.get('/', atUid, async (ctx) => pages.start(ctx, await pages.current(ctx, atUid.read(ctx).params.uid)));
  router.post('/', formBody, pages.steps.verifyCsrf, StartForm, (ctx) => beginFlow(pages, ctx));
  router.get('/verify', AtFlow, (ctx) => showVerify(pages, ctx));
  router.post('/verify', formBody, pages.steps.verifyCsrf, verifyForm, complete);
  router.post('/resend', formBody, pages.steps.verifyCsrf, ResendForm, (ctx) => resendCode(pages, ctx));
  return router;
}
