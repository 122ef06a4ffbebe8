import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { EmailChange } from '../../self-service/email-change.js';
import type { UndoOutcome } from '../../self-service/email-undo.js';
import { guard } from '../guard.js';
import { checkCsrf, csrfToken } from '../middleware/csrf.js';
import { formBody } from '../middleware/form-body.js';
import { tr, via } from './account-forms.js';
import type { AccountPage } from './account-page.js';

// The way back from an email change, opened from the mail the old address got. Whoever opens it may not
// be signed in (the account may be someone else's now), so nothing here asks for a session: the link's
// token is the proof. Opening the link only shows a page; the change back waits for its button, since
// mail scanners open every link they see.

const UndoParams = guard({ params: z.object({ token: z.string().max(200) }) });

/** A form of this page is bound to the link it was opened from. */
const binding = (token: string) => `email-undo:${token}`;

function show(page: AccountPage, ctx: Context, view: string, locals: Record<string, unknown>): void {
  const { views } = page.deps;
  ctx.type = 'html';
  ctx.body = views.page(ctx, view, { title: tr(views, ctx)('email-change:undo.title'), ...locals });
}

async function confirmPage(page: AccountPage, service: EmailChange, ctx: Context): Promise<void> {
  const { token } = UndoParams.read(ctx).params;
  const email = await service.undoTarget(token);
  if (!email) {
    ctx.status = 404;
    show(page, ctx, 'account/email-undone', { outcome: 'expired', email: null });
    return;
  }
  show(page, ctx, 'account/email-undo', { email, token, csrf: csrfToken(ctx, binding(token)) });
}

const STATUS: Record<UndoOutcome['kind'], number> = { undone: 200, expired: 404, taken: 409 };

async function undo(page: AccountPage, service: EmailChange, ctx: Context): Promise<void> {
  const { token } = UndoParams.read(ctx).params;
  checkCsrf(ctx, binding(token));
  const outcome = await service.undo(token, via(ctx));
  ctx.status = STATUS[outcome.kind];
  show(page, ctx, 'account/email-undone', {
    outcome: outcome.kind,
    email: outcome.kind === 'undone' ? outcome.email : null,
  });
}

export function emailUndoRoutes(router: Router, page: AccountPage, service: EmailChange): void {
  router.get('/email/undo/:token', UndoParams, (ctx) => confirmPage(page, service, ctx));
  router.post('/email/undo/:token', formBody, UndoParams, (ctx) => undo(page, service, ctx));
}
