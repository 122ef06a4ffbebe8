// The route guard: a route's body, query and params read by its zod schemas before it runs; what they
// refuse is a 400 naming the fields (never their values), answered by the app's one error handler.

import { afterEach, describe, expect, test } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import pino from 'pino';
import { z } from 'zod';
import { AppError } from '../../src/errors.js';
import { guard } from '../../src/http/guard.js';
import { errorHandler } from '../../src/http/middleware/error-handler.js';
import { formBody } from '../../src/http/middleware/form-body.js';
import { CallbackQuery } from '../../src/http/app-sign-in.js';
import { Views } from '../../src/http/views.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const input = guard({
  params: z.object({ id: z.string().regex(/^[a-z]+$/) }),
  query: z.object({ page: z.coerce.number().int().positive().optional() }),
  body: z.object({ name: z.string().min(1), age: z.coerce.number().int() }),
});
const strict = guard({ body: z.strictObject({ name: z.string() }) });
const wrongStep = guard(
  { query: z.object({ step: z.literal('one') }) },
  (fields) => new AppError('invalid_request', `Wrong step (${fields.join(', ')}).`, 400),
);
const callback = guard({ query: CallbackQuery });

/** A real app: the error handler in front, as in Signet, and routes that echo what the guard read. */
async function serve(): Promise<string> {
  const app = new Koa();
  app.use(errorHandler(new Views(), pino({ level: 'silent' })));
  const router = new Router();
  router.post('/things/:id', formBody, input, (ctx) => {
    ctx.body = input.read(ctx);
  });
  router.post('/strict', formBody, strict, (ctx) => {
    ctx.body = strict.read(ctx);
  });
  router.get('/step', wrongStep, (ctx) => {
    ctx.body = wrongStep.read(ctx);
  });
  router.get('/callback', callback, (ctx) => {
    ctx.body = callback.read(ctx).query;
  });
  router.get('/unguarded', (ctx) => {
    ctx.body = input.read(ctx);
  });
  app.use(router.routes());
  const listening = app.listen(0, '127.0.0.1');
  server = listening;
  await new Promise((resolve) => listening.once('listening', resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function call(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: () => JSON.parse(text) as unknown,
  };
}

describe('guard', () => {
  test('valid input reaches the route parsed and typed, with only the fields the schemas declare', async () => {
    const base = await serve();
    const res = await call(`${base}/things/abc?page=2&utm=x`, form({ name: 'Ada', age: '36', csrf: 't' }));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ params: { id: 'abc' }, query: { page: 2 }, body: { name: 'Ada', age: 36 } });
  });

  test('a missing field is a 400 invalid_request naming it', async () => {
    const base = await serve();
    const res = await call(`${base}/things/abc`, form({ age: '36' }));
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'This request is missing a field or has one that is not valid: body.name.',
    });
  });

  test('a value of the wrong type or shape is a 400 naming every field at fault, never echoing a value', async () => {
    const base = await serve();
    const res = await call(`${base}/things/ABC?page=-1`, form({ name: 'Ada', age: '<script>' }));
    expect(res.status).toBe(400);
    const body = res.json() as { error: string; error_description: string };
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toContain('params.id');
    expect(body.error_description).toContain('query.page');
    expect(body.error_description).toContain('body.age');
    expect(res.text).not.toContain('<script>');
    expect(res.text).not.toContain('ABC');
  });

  test('a repeated query field (an array, not a string) is refused like any wrong type', async () => {
    const base = await serve();
    expect((await call(`${base}/things/abc?page=1&page=2`, form({ name: 'Ada', age: '1' }))).status).toBe(400);
  });

  test('extra fields are dropped by default, and refused where the schema is strict', async () => {
    const base = await serve();
    const loose = await call(`${base}/things/abc`, form({ name: 'Ada', age: '1', admin: 'true' }));
    expect(loose.json()).toMatchObject({ body: { name: 'Ada', age: 1 } });
    expect(JSON.stringify(loose.json())).not.toContain('admin');
    const refused = await call(`${base}/strict`, form({ name: 'Ada', admin: 'true' }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('body.admin');
  });

  test('a browser gets the refusal as a page, in plain words', async () => {
    const base = await serve();
    const res = await call(`${base}/things/abc`, {
      ...form({}),
      headers: { ...form({}).headers, accept: 'text/html' },
    });
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^text\/html/);
    expect(res.text).toContain('This request is missing a field or has one that is not valid: body.name, body.age.');
  });

  test("a route's own refusal replaces the default one", async () => {
    const base = await serve();
    const res = await call(`${base}/step?step=two`);
    expect(res.json()).toEqual({ error: 'invalid_request', error_description: 'Wrong step (query.step).' });
    expect((await call(`${base}/step?step=one`)).json()).toEqual({ query: { step: 'one' } });
  });

  test('read() without the guard in front is a server error, not a silent undefined', async () => {
    const base = await serve();
    expect((await call(`${base}/unguarded`)).status).toBe(500);
  });
});

describe('CallbackQuery', () => {
  test("the provider's error becomes one of our codes, whatever it says", async () => {
    const base = await serve();
    expect((await call(`${base}/callback?error=access_denied`)).json()).toEqual({ error: 'access_denied' });
    expect((await call(`${base}/callback?error=${encodeURIComponent('<b>made up</b>')}`)).json()).toEqual({
      error: 'login_required',
    });
    expect((await call(`${base}/callback?code=x&state=y`)).json()).toEqual({});
  });
});
