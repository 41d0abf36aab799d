/**
 * The app's router through the lean tRPC host (@app/trpc-host) and through tRPC's official Fastify
 * adapter: the same requests go to two servers that share one database and one clock, one per
 * host, and their answers must be identical (status, body, and the headers clients read). Then
 * the official clients (httpLink, httpBatchLink) run the same calls through both hosts. The host's
 * own fixture suite covers tRPC's features; this one covers the app's procedures and plugins.
 */
import { appRouter, type AppRouter } from '@app/api';
import { fastCallerCoverage } from '@app/trpc-host';
import { compile } from 'zod/mini';
import type { SomeType } from 'zod/v4/core';
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Kysely } from 'kysely';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileOutputSchema } from '../src/plugins/trpc';
import { buildTestApp } from './support/app';
import type { TrpcResultBody } from './support/bodies';

const APP = { appId: 'wx00112233445566cc', appSecret: 'compat-test-secret-0123456789abcdef' };

let mock: RunningWeChatMock;
let db: Kysely<Database>;
let now = new Date('2026-11-24T08:00:00.000Z');
const clock = { now: () => now };
const hosts: Record<'lean' | 'official', FastifyInstance> = {} as never;
let token: string;

beforeAll(async () => {
  mock = await startWeChatMock(APP);
  db = createDatabase({ url: 'sqlite::memory:' });
  await migrateToLatest(db);
  for (const host of ['lean', 'official'] as const) {
    ({ app: hosts[host] } = await buildTestApp(
      {
        TRPC_HOST: host,
        WECHAT_API_BASE_URL: mock.url,
        WECHAT_APP_ID: APP.appId,
        WECHAT_APP_SECRET: APP.appSecret,
        ACCESS_TOKEN_TTL_SECONDS: '60',
        JWT_CLOCK_TOLERANCE_SECONDS: '0',
        RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '100',
      },
      { db, clock },
    ));
  }
  const login = await hosts.official.inject({
    method: 'POST',
    url: '/trpc/auth.login',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(superjson.serialize({ code: mock.world.issueLoginCode('compat-user') })),
  });
  token = superjson.deserialize<{ accessToken: string }>(login.json<TrpcResultBody>().result.data).accessToken;
});

afterAll(async () => {
  await Promise.all(Object.values(hosts).map((app) => app.close()));
  await db.destroy();
  await mock.close();
});

const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));
const batchInput = (...values: unknown[]) => input(Object.fromEntries(values.map((value, i) => [i, superjson.serialize(value)])));
const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

/** Sends the request to both hosts; returns what each answered, for comparison. */
async function both(request: InjectOptions & { auth?: boolean | string }) {
  const { auth, ...rest } = request;
  const headers: Record<string, string> = { 'x-request-id': 'compat-request-0001', ...(rest.headers as Record<string, string>) };
  if (auth) headers.authorization = auth === true ? `Bearer ${token}` : auth;
  const answers = await Promise.all(
    (['lean', 'official'] as const).map(async (host) => {
      const response = await hosts[host].inject({ ...rest, headers });
      return {
        status: response.statusCode,
        body: response.body,
        headers: {
          'x-request-id': response.headers['x-request-id'],
          // The lean host's one deliberate difference here: its JSON answers name their charset.
          'content-type': String(response.headers['content-type']).replace('application/json; charset=utf-8', 'application/json'),
          allow: response.headers.allow,
          'retry-after': response.headers['retry-after'],
        },
      };
    }),
  );
  return { lean: answers[0]!, official: answers[1]! };
}

async function expectSameAnswer(request: Parameters<typeof both>[0]) {
  const { lean, official } = await both(request);
  expect(lean).toEqual(official);
  return lean;
}

/** The outcome of each call: 'ok' or its code (tRPC answers, or the server's coded HTTP errors). */
const appCodes = (body: string) => {
  const parsed = JSON.parse(body) as unknown;
  const items = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{
    error?: { appCode?: string; json?: { data: { appCode: string } } };
  }>;
  return items.map((item) => item.error?.appCode ?? item.error?.json?.data.appCode ?? 'ok');
};

describe('the fast caller', () => {
  it("serves every procedure of the app's router (none falls back to tRPC's caller)", () => {
    const coverage = fastCallerCoverage(appRouter);
    expect(coverage.fallback).toEqual([]);
    expect(coverage.unserved).toEqual([]);
    expect(coverage.fast).toContain('user.me');
  });

  it("validates every output of the app's router through zod's compiled parser (none left to zod's runtime)", () => {
    const outputs = Object.entries(appRouter._def.procedures).flatMap(([path, procedure]) => {
      const { output } = (procedure as { _def: { output?: SomeType } })._def;
      return output === undefined ? [] : [{ path, output }];
    });
    expect(outputs.map(({ path }) => path)).toContain('user.me');
    for (const { path, output } of outputs) {
      // strict: a schema the compiler cannot model throws here, where compileOutputSchema would keep it as it is.
      expect(() => compile(output, { strict: true }), path).not.toThrow();
      const compiled = compileOutputSchema(output as unknown as Parameters<typeof compileOutputSchema>[0]);
      expect(compiled, path).not.toBe(output);
    }
  });
});

describe('the lean host answers exactly as the official adapter', () => {
  it.each([
    ['a single query', { url: '/trpc/health' }],
    ['a single query with input', { url: `/trpc/health?input=${input(superjson.serialize(undefined))}` }],
    ['a batched query', { url: `/trpc/health?batch=1&input=${batchInput(undefined)}` }],
    ['a HEAD request', { method: 'HEAD' as const, url: '/trpc/health' }],
  ])('%s', async (_name, request) => {
    const answer = await expectSameAnswer(request);
    expect(answer.status).toBeLessThan(300);
  });

  it('an authenticated batch, with superjson Dates', async () => {
    const answer = await expectSameAnswer({ url: `/trpc/user.me,health?batch=1&input=${batchInput(undefined, undefined)}`, auth: true });
    expect(answer.status).toBe(200);
    const [me] = JSON.parse(answer.body) as TrpcResultBody[];
    expect(superjson.deserialize<{ createdAt: unknown }>(me!.result.data).createdAt).toBeInstanceOf(Date);
  });

  it('a batch of mutations mixing success and zod errors (207)', async () => {
    const answer = await expectSameAnswer({
      method: 'POST',
      url: '/trpc/user.updateProfile,user.updateProfile?batch=1',
      auth: true,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ 0: superjson.serialize({ nickname: '兼容' }), 1: superjson.serialize({ nickname: '' }) }),
    });
    expect(answer.status).toBe(207);
    expect(appCodes(answer.body)).toEqual(['ok', 'VALIDATION_FAILED']);
    expect(answer.body).toContain('昵称不能为空');
  });

  it.each([
    ['an unknown procedure', { url: '/trpc/nope' }, 404, ['NOT_FOUND']],
    [
      'an unknown procedure in a batch',
      { url: `/trpc/health,nope?batch=1&input=${batchInput(undefined, undefined)}` },
      207,
      ['ok', 'NOT_FOUND'],
    ],
    [
      'a query sent as POST',
      { method: 'POST' as const, url: '/trpc/health', headers: { 'content-type': 'application/json' }, payload: '{}' },
      405,
      ['METHOD_NOT_ALLOWED'],
    ],
    ['a mutation sent as GET', { url: '/trpc/auth.logout' }, 405, ['METHOD_NOT_ALLOWED']],
    // Inputs are parsed when a procedure reads them, in both hosts: health takes none.
    ['malformed JSON input for a query that reads none', { url: '/trpc/health?input=%7Bnot-json' }, 200, ['ok']],
    [
      'a malformed JSON body',
      { method: 'POST' as const, url: '/trpc/auth.login', headers: { 'content-type': 'application/json' }, payload: '{"json":' },
      400,
      ['MALFORMED_REQUEST'],
    ],
    [
      'a batch whose input is not an object',
      { method: 'POST' as const, url: '/trpc/auth.login?batch=1', ...json('not an object') },
      400,
      ['MALFORMED_REQUEST'],
    ],
    [
      'wrong types',
      { method: 'POST' as const, url: '/trpc/auth.login', ...json(superjson.serialize({ code: 42 })) },
      400,
      ['VALIDATION_FAILED'],
    ],
    [
      'no input where one is required',
      { method: 'POST' as const, url: '/trpc/auth.login', headers: { 'content-type': 'application/json' } },
      400,
      ['VALIDATION_FAILED'],
    ],
    ['an oversized batch', { url: `/trpc/${Array(11).fill('health').join(',')}?batch=1&input={}` }, 400, ['MALFORMED_REQUEST']],
    ['queries and mutations mixed in a batch', { url: `/trpc/health,auth.logout?batch=1&input={}` }, 400, ['MALFORMED_REQUEST']],
    ['a POST without a content type', { method: 'POST' as const, url: '/trpc/auth.logout' }, 415, ['UNSUPPORTED_MEDIA_TYPE']],
    ['a bad %-escape in the procedure path', { url: '/trpc/health%2' }, 400, ['MALFORMED_REQUEST']],
  ])('%s', async (_name, request, status, codes) => {
    const answer = await expectSameAnswer(request);
    expect(answer.status).toBe(status);
    expect(appCodes(answer.body)).toEqual(codes);
  });

  it.each([
    ['no token', undefined, 'AUTH_REQUIRED'],
    ['a forged token', 'forged', 'AUTH_TOKEN_SIGNATURE_INVALID'],
    ['a malformed token', 'Bearer abc', 'AUTH_TOKEN_MALFORMED'],
  ])('auth errors: %s', async (_name, auth, appCode) => {
    const forged = () => {
      const [header, payload] = token.split('.');
      return `Bearer ${header}.${payload}.${'A'.repeat(43)}`;
    };
    const answer = await expectSameAnswer({ url: '/trpc/user.me', auth: auth === 'forged' ? forged() : auth });
    expect(answer.status).toBe(401);
    expect(appCodes(answer.body)).toEqual([appCode]);
  });

  it('auth errors: an expired token', async () => {
    const before = now;
    now = new Date(now.getTime() + 61_000);
    try {
      const answer = await expectSameAnswer({ url: `/trpc/user.me?batch=1&input=${batchInput(undefined)}`, auth: true });
      expect(appCodes(answer.body)).toEqual(['AUTH_TOKEN_EXPIRED']);
    } finally {
      now = before;
    }
  });

  it('rate limits, with Retry-After', async () => {
    // Each host has its own limiter (one code is tried 3 times in 5 minutes at most): the 4th is refused.
    const tryTheCode = () =>
      expectSameAnswer({ method: 'POST', url: '/trpc/auth.login', ...json(superjson.serialize({ code: 'the-same-unknown-code' })) });
    for (let i = 0; i < 3; i += 1) await tryTheCode();
    const answer = await tryTheCode();
    expect(answer.status).toBe(429);
    expect(appCodes(answer.body)).toEqual(['RATE_LIMITED']);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('varies on the tRPC accept headers, keeping what CORS put in Vary (where the adapter drops it)', async () => {
    const headers = { origin: 'http://localhost:10086' };
    const lean = await hosts.lean.inject({ url: '/trpc/health', headers });
    const official = await hosts.official.inject({ url: '/trpc/health', headers });
    expect(official.headers.vary).toBe('trpc-accept, accept');
    expect(lean.headers.vary).toBe('Origin, trpc-accept, accept');
  });

  it('echoes the request id in the header and in errors', async () => {
    const answer = await expectSameAnswer({ url: '/trpc/nope', headers: { 'x-request-id': 'compat-request-id-42' } });
    expect(answer.headers['x-request-id']).toBe('compat-request-id-42');
    expect(answer.body).toContain('compat-request-id-42');
  });
});

describe.each(['lean', 'official'] as const)('the official clients through the %s host', (host) => {
  const clientsOf = async () => {
    const url = `${await hosts[host].listen({ host: '127.0.0.1', port: 0 })}/trpc`;
    const headers = () => ({ authorization: `Bearer ${token}` });
    return {
      single: createTRPCClient<AppRouter>({ links: [httpLink({ url, transformer: superjson, headers })] }),
      batched: createTRPCClient<AppRouter>({ links: [httpBatchLink({ url, transformer: superjson, headers })] }),
    };
  };

  it('queries, mutations and batches, with Dates and coded errors', async () => {
    const { single, batched } = await clientsOf();
    const [me, health] = await Promise.all([batched.user.me.query(), batched.health.query()]);
    expect(me.createdAt).toBeInstanceOf(Date);
    expect(health.time).toBeInstanceOf(Date);
    expect((await single.user.updateProfile.mutate({ nickname: `经由${host}` })).nickname).toBe(`经由${host}`);

    const results = await Promise.allSettled([
      batched.user.updateProfile.mutate({ nickname: '  ' }),
      batched.user.updateProfile.mutate({ nickname: '好' }),
    ]);
    expect(results[0].status).toBe('rejected');
    const error = (results[0] as PromiseRejectedResult).reason as TRPCClientError<AppRouter>;
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error.data?.appCode).toBe('VALIDATION_FAILED');
    expect(error.data?.issues?.[0]?.message).toBe('昵称不能为空');
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: { nickname: '好' } });
  });
});
