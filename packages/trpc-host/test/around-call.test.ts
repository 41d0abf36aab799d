/**
 * `aroundCall`: the application's wrapper around each procedure call (the server gives each call a
 * tracing span with it). It sees every call of a batch, with its path, type and place, runs around
 * the whole middleware chain, and changes nothing of the answer, failures included.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { leanTrpcHost, type AroundCall } from '../src/index';

const t = initTRPC.create({ isDev: false });
const events: string[] = [];
const router = t.router({
  hello: t.procedure.query(() => 'hello'),
  denied: t.procedure
    .use(() => {
      events.push('middleware');
      throw new TRPCError({ code: 'FORBIDDEN' });
    })
    .query(() => 'never'),
  rename: t.procedure.input(z.object({ name: z.string() })).mutation(({ input }) => input.name),
});

async function serve(aroundCall?: AroundCall) {
  const app = Fastify();
  await leanTrpcHost(app, { router, createContext: () => ({}), maxBatchSize: 5, ...(aroundCall ? { aroundCall } : {}) });
  return app;
}

describe('aroundCall', () => {
  it('wraps each call of a batch, around its middlewares, and keeps the answer as it was', async () => {
    const seen: Array<{ path: string; type: string; index: number; url: string }> = [];
    const app = await serve((call, request, invoke) => {
      seen.push({ path: call.path, type: call.type, index: call.index, url: request.url.split('?')[0]! });
      events.push(`before ${call.path}`);
      return invoke().finally(() => events.push(`after ${call.path}`));
    });
    const plain = await serve();
    const url = `/trpc/hello,denied?batch=1&input=${encodeURIComponent('{}')}`;

    events.length = 0;
    const wrapped = await app.inject(url);
    expect(seen).toEqual([
      { path: 'hello', type: 'query', index: 0, url: '/trpc/hello,denied' },
      { path: 'denied', type: 'query', index: 1, url: '/trpc/hello,denied' },
    ]);
    // The middleware runs inside its call's wrapper; the calls settle in either order.
    expect(events.slice(0, 3)).toEqual(['before hello', 'before denied', 'middleware']);
    expect(events.slice(3).sort()).toEqual(['after denied', 'after hello']);
    const unwrapped = await plain.inject(url);
    expect([wrapped.statusCode, wrapped.body]).toEqual([unwrapped.statusCode, unwrapped.body]);

    const mutation = await app.inject({ method: 'POST', url: '/trpc/rename', payload: { name: 'ok' } });
    expect(mutation.json()).toEqual({ result: { data: 'ok' } });
    expect(seen.at(-1)).toMatchObject({ path: 'rename', type: 'mutation', index: 0 });
  });

  it('is not called for what never reaches a procedure', async () => {
    const seen: string[] = [];
    const app = await serve((call, _request, invoke) => {
      seen.push(call.path);
      return invoke();
    });
    expect((await app.inject('/trpc/nowhere')).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/trpc/hello', payload: {} })).statusCode).toBe(405);
    expect(seen).toEqual([]);
  });
});
