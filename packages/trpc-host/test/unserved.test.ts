/**
 * What the lean host does not serve (README.md, "What it leaves out"), pinned against the official
 * adapter: the adapter serves it, the lean host refuses it with an error that says so, never with
 * a wrong answer. And the fast caller's fallbacks: whatever it does not recognise in a procedure
 * goes to tRPC's own caller, and fastCallerCoverage says so.
 */
import { initTRPC, lazy, type AnyTRPCProcedure, type AnyTRPCRouter } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fastCallerCoverage, leanTrpcHost } from '../src/index';

const t = initTRPC.create({ isDev: false });

const router = t.router({
  hello: t.procedure.query(() => 'hello'),
  rename: t.procedure.input(z.object({ name: z.string() })).mutation(({ input }) => input.name),
  upload: t.procedure.input(z.instanceof(FormData)).mutation(({ input }) => input.get('name')),
  // A live subscription: it waits for its first event.
  ticks: t.procedure.subscription(async function* () {
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield 1;
  }),
});

async function lean(routerToServe: AnyTRPCRouter = router): Promise<FastifyInstance> {
  const app = Fastify();
  await leanTrpcHost(app, { router: routerToServe, createContext: () => ({}), maxBatchSize: 5 });
  await app.ready();
  return app;
}

async function official(routerToServe: AnyTRPCRouter = router): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: { router: routerToServe, createContext: () => ({}), maxBatchSize: 5 },
  });
  await app.ready();
  return app;
}

const hosts = {} as { lean: FastifyInstance; official: FastifyInstance };

beforeAll(async () => {
  hosts.lean = await lean();
  hosts.official = await official();
});

afterAll(async () => {
  await Promise.all([hosts.lean.close(), hosts.official.close()]);
});

async function both(request: InjectOptions) {
  const [leanAnswer, officialAnswer] = await Promise.all([hosts.lean.inject(request), hosts.official.inject(request)]);
  return { lean: leanAnswer, official: officialAnswer };
}

/** The tRPC error code of a (non-batch) answer. */
const code = (body: string) => (JSON.parse(body) as { error?: { data?: { code?: string } } }).error?.data?.code;

describe('left to the official adapter', () => {
  it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const)(
    '%s: only GET, HEAD and POST are routed (Fastify answers 404)',
    async (method) => {
      const { lean: leanAnswer, official: officialAnswer } = await both({
        method,
        url: '/trpc/hello',
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(leanAnswer.statusCode).toBe(404);
      expect(JSON.parse(leanAnswer.body)).toMatchObject({ statusCode: 404, error: 'Not Found' });
      // The adapter routes every method and refuses these itself.
      expect(officialAnswer.statusCode).toBe(405);
      expect(code(officialAnswer.body)).toBe('METHOD_NOT_SUPPORTED');
    },
  );

  it('subscriptions (SSE): refused with NOT_IMPLEMENTED', async () => {
    const { lean: leanAnswer, official: officialAnswer } = await both({ url: '/trpc/ticks' });
    expect(officialAnswer.headers['content-type']).toBe('text/event-stream');
    expect(leanAnswer.statusCode).toBe(501);
    expect(code(leanAnswer.body)).toBe('NOT_IMPLEMENTED');
    expect(leanAnswer.body).toContain('Subscriptions are not served by this host');
  });

  it.each([
    ['a subscription in a batch', { url: '/trpc/ticks,hello?batch=1' }],
    [
      'a subscription sent as POST in a batch',
      { method: 'POST' as const, url: '/trpc/ticks?batch=1', headers: { 'content-type': 'application/json' }, payload: '{}' },
    ],
  ])('%s: the same answer as the adapter', async (_name, request) => {
    const { lean: leanAnswer, official: officialAnswer } = await both(request);
    expect(leanAnswer.statusCode).toBe(officialAnswer.statusCode);
    expect(leanAnswer.body).toBe(officialAnswer.body);
  });

  it('streamed batches (httpBatchStreamLink): refused with NOT_IMPLEMENTED', async () => {
    const request = { url: '/trpc/hello,hello?batch=1', headers: { 'trpc-accept': 'application/jsonl' } };
    const { lean: leanAnswer, official: officialAnswer } = await both(request);
    expect(officialAnswer.statusCode).toBe(200);
    expect(officialAnswer.headers['transfer-encoding']).toBe('chunked');
    expect(leanAnswer.statusCode).toBe(501);
    expect(code(leanAnswer.body)).toBe('NOT_IMPLEMENTED');
  });

  it('FormData inputs: no multipart parser, so Fastify refuses them (415)', async () => {
    // Over a socket: the adapter cannot read FormData from light-my-request's injected request.
    const boundary = 'fixture-boundary';
    const post = async (app: FastifyInstance) => {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      return fetch(`${url}/trpc/upload`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nAda\r\n--${boundary}--\r\n`,
      });
    };
    const [leanAnswer, officialAnswer] = await Promise.all([post(hosts.lean), post(hosts.official)]);
    expect(officialAnswer.status).toBe(200);
    expect(await officialAnswer.json()).toEqual({ result: { data: 'Ada' } });
    expect(leanAnswer.status).toBe(415);
    expect(await leanAnswer.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
  });

  it('lazy routers: the host refuses the router at start-up; fastCallerCoverage says why', async () => {
    const withLazy = t.router({
      hello: t.procedure.query(() => 'hello'),
      later: lazy(() => Promise.resolve(t.router({ soon: t.procedure.query(() => 1) }))),
    });
    await expect(lean(withLazy)).rejects.toThrow(/lazy routers \(later\)/);
    const mentionsLazyRouters: unknown = expect.stringContaining('lazy router');
    expect(fastCallerCoverage(withLazy).unserved).toEqual([{ path: 'later', reason: mentionsLazyRouters }]);
  });

  it('fastCallerCoverage lists subscriptions as unserved', () => {
    const mentionsSubscriptions: unknown = expect.stringContaining('subscription');
    expect(fastCallerCoverage(router)).toEqual({
      fast: ['hello', 'rename', 'upload'],
      fallback: [],
      unserved: [{ path: 'ticks', reason: mentionsSubscriptions }],
    });
  });
});

describe("the fast caller falls back to tRPC's caller for procedures it does not recognise", () => {
  const base = t.procedure.input(z.object({ name: z.string() })).query(({ input }) => `hello, ${input.name}`);

  /** A copy of `base` whose `_def` is changed: tRPC's caller still runs the original. */
  const altered = (change: (def: Record<string, unknown>) => void): AnyTRPCProcedure => {
    const def = { ...(base._def as unknown as Record<string, unknown>) };
    change(def);
    return Object.assign((opts: Parameters<typeof base>[0]) => base(opts), {
      _def: def,
      procedure: true,
      meta: undefined,
    }) as unknown as AnyTRPCProcedure;
  };
  const middlewares = base._def as unknown as { middlewares: unknown[] };

  const cases: Array<[name: string, procedure: AnyTRPCProcedure, reason: RegExp]> = [
    [
      'experimental_caller',
      t.procedure.experimental_caller(async ({ args, invoke }) => invoke(args[0] as never)).query(() => 1) as unknown as AnyTRPCProcedure,
      /experimental_caller/,
    ],
    [
      'a middleware that is not a function',
      altered((def) => (def.middlewares = [{ not: 'a function' }, ...middlewares.middlewares])),
      /middleware #0 is not a function/,
    ],
    [
      'a middleware of an unknown kind',
      altered((def) => (def.middlewares = [Object.assign(() => undefined, { _type: 'future' }), ...middlewares.middlewares])),
      /unknown kind "future"/,
    ],
    ['no middlewares', altered((def) => (def.middlewares = [])), /not a non-empty array/],
    ['a key tRPC 11.25.2 did not have', altered((def) => (def.somethingNew = true)), /somethingNew/],
  ];

  it.each(cases)('%s: reported by fastCallerCoverage', (_name, procedure, reason) => {
    const coverage = fastCallerCoverage(t.router({ odd: procedure as never, plain: base }));
    expect(coverage.fast).toEqual(['plain']);
    const matchesTheReason: unknown = expect.stringMatching(reason);
    expect(coverage.fallback).toEqual([{ path: 'odd', reason: matchesTheReason }]);
  });

  it('a fallback procedure answers as with the adapter', async () => {
    const odd = t.router({ odd: altered((def) => (def.somethingNew = true)) as never });
    const [leanHost, officialHost] = await Promise.all([lean(odd), official(odd)]);
    try {
      for (const url of ['/trpc/odd?input=%7B%22name%22%3A%22Ada%22%7D', '/trpc/odd?input=%7B%7D']) {
        const [leanAnswer, officialAnswer] = await Promise.all([leanHost.inject({ url }), officialHost.inject({ url })]);
        expect([leanAnswer.statusCode, leanAnswer.body]).toEqual([officialAnswer.statusCode, officialAnswer.body]);
      }
    } finally {
      await Promise.all([leanHost.close(), officialHost.close()]);
    }
  });
});
