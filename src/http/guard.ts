import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { AppError } from '../errors.js';

/** The zod schemas a route declares for what it reads from a request; a part without one is not read. */
export interface GuardSchemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

type Part<S extends GuardSchemas, K extends keyof GuardSchemas> = S[K] extends z.ZodType ? z.output<S[K]> : undefined;

/** A request's input as the route's schemas read it. */
export interface Guarded<S extends GuardSchemas> {
  body: Part<S, 'body'>;
  query: Part<S, 'query'>;
  params: Part<S, 'params'>;
}

/** Middleware that reads the request before the route does, and hands the route what it read. */
export type Guard<S extends GuardSchemas> = Middleware & {
  /** What this guard read for this request (a route that reads it without the guard in front is a bug). */
  read(ctx: Context): Guarded<S>;
};

/** How a route refuses input it cannot read: the fields at fault are named, never their values. */
export type Refusal = (fields: string[]) => AppError;

export const refuseInput: Refusal = (fields) =>
  new AppError(
    'invalid_request',
    `This request is missing a field or has one that is not valid: ${fields.join(', ')}.`,
    400,
  );

const PARTS = ['body', 'query', 'params'] as const;

function source(ctx: Context, part: (typeof PARTS)[number]): unknown {
  if (part === 'body') return (ctx.request as { body?: unknown }).body ?? {};
  if (part === 'query') return ctx.query;
  return (ctx as { params?: unknown }).params ?? {};
}

/** The fields whose value a schema refused, as `part.name` (a whole part refused is named by itself). */
function faults(part: string, error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    const at = [part, ...issue.path.map(String)];
    // A strict schema's refusal of fields it does not know names them, not the object holding them;
    // those names come from the request, so only a short piece of each is repeated.
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => k.slice(0, 40)) : [undefined];
    return unknown.map((key) => (key === undefined ? at : [...at, key]).join('.'));
  });
}

/**
 * Network input is `unknown` until a schema has read it: the route declares body, query and params
 * as zod schemas beside itself, and this reads them all before the route runs. What a schema refuses
 * is a 400 through the error handler (a page for a browser, OAuth JSON for anything else), never a 500
 * further in. A z.object drops the fields it does not name (a z.strictObject refuses them), so the
 * route sees only what it declared.
 */
export function guard<S extends GuardSchemas>(schemas: S, refuse: Refusal = refuseInput): Guard<S> {
  // A key of its own in ctx.state: guards never see each other's results, and hold no state themselves.
  const key = Symbol('guarded');
  const slot = (ctx: Context) => ctx.state as Record<symbol, Guarded<S> | undefined>;
  const middleware: Middleware = async (ctx, next) => {
    const out: Record<string, unknown> = {};
    const fields: string[] = [];
    for (const part of PARTS) {
      const schema = schemas[part];
      if (!schema) continue;
      const parsed = schema.safeParse(source(ctx, part));
      if (parsed.success) out[part] = parsed.data;
      else fields.push(...faults(part, parsed.error));
    }
    if (fields.length > 0) throw refuse([...new Set(fields)]);
    slot(ctx)[key] = out as unknown as Guarded<S>;
    await next();
  };
  return Object.assign(middleware, {
    read(ctx: Context): Guarded<S> {
      const got = slot(ctx)[key];
      if (!got) throw new AppError('server_error', 'guard: read() on a request the guard did not see');
      return got;
    },
  });
}
