/**
 * The error shape as HTTP clients receive it, served by tRPC's fetch adapter from a router built
 * with the project's own initTRPC (so the real formatter runs).
 */
import * as z from 'zod/mini';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../src/context';
import type { Services } from '../src/services';
import { createDatabase } from '../src/db/dialect';
import { AppError } from '../src/errors';
import { publicProcedure, router } from '../src/trpc';
import { createTestServices } from './support/services';

const testRouter = router({
  boom: publicProcedure.query(() => {
    throw new Error('connect ECONNREFUSED db.internal:3306 (password=hunter2)');
  }),
  limited: publicProcedure.query(() => {
    throw new AppError('RATE_LIMITED', { retryAfterSeconds: 7 });
  }),
  echo: publicProcedure.input(z.object({ n: z.number().check(z.maximum(3)) })).query(({ input }) => input.n),
  badOutput: publicProcedure.output(z.object({ n: z.number() })).query(() => ({ n: 'not a number' }) as unknown as { n: number }),
});

const db = createDatabase({ url: 'sqlite::memory:' });
let production: Services;
let development: Services;
beforeAll(async () => {
  production = await createTestServices({ db, exposeErrors: false });
  development = { ...production, exposeErrors: true };
});
afterAll(() => db.destroy());

async function call(path: string, { exposeErrors = false, input }: { exposeErrors?: boolean; input?: unknown } = {}) {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  const response = await fetchRequestHandler({
    endpoint: '/trpc',
    req: new Request(`http://localhost/trpc/${path}${query}`),
    router: testRouter,
    createContext: () => createContextInner(exposeErrors ? development : production, { requestId: 'rid-123' }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { error: { json: { message: string; data: Record<string, unknown> } } };
  return { status: response.status, text, error: body.error.json };
}

describe('error formatter', () => {
  it('hides internal messages and stacks in production, with a code and the request id', async () => {
    const { status, text, error } = await call('boom');
    expect(status).toBe(500);
    expect(error.message).toBe('服务器开小差了，请稍后再试');
    expect(error.data).toMatchObject({ appCode: 'INTERNAL_ERROR', requestId: 'rid-123', issues: null });
    expect(error.data).not.toHaveProperty('stack');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ECONNREFUSED');
  });

  it('shows the internal message and stack outside production', async () => {
    const { error } = await call('boom', { exposeErrors: true });
    expect(error.message).toContain('ECONNREFUSED');
    expect(String(error.data.stack)).toContain('error-formatter.test.ts');
  });

  it('never exposes a stack for an expected error, even outside production', async () => {
    const { status, error } = await call('limited', { exposeErrors: true });
    expect(status).toBe(429);
    expect(error.message).toBe('操作太频繁，请稍后再试');
    expect(error.data).toMatchObject({ appCode: 'RATE_LIMITED', retryAfterSeconds: 7 });
    expect(error.data).not.toHaveProperty('stack');
  });

  it('flattens zod issues into { path, message } with zh-CN messages', async () => {
    const { status, error } = await call('echo', { input: { n: 5 } });
    expect(status).toBe(400);
    expect(error.data.appCode).toBe('VALIDATION_FAILED');
    const chineseText: unknown = expect.stringMatching(/[\u4e00-\u9fff]/);
    expect(error.data.issues).toEqual([{ path: 'n', message: chineseText }]);
  });

  it('treats an output that breaks its schema as a server fault and keeps its issues inside', async () => {
    const { status, error } = await call('badOutput');
    expect(status).toBe(500);
    expect(error.data).toMatchObject({ appCode: 'INTERNAL_ERROR', issues: null });
  });

  it('answers an unknown procedure with NOT_FOUND', async () => {
    const { status, error } = await call('nope');
    expect(status).toBe(404);
    expect(error.data.appCode).toBe('NOT_FOUND');
  });
});
