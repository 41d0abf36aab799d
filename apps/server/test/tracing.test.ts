/**
 * Traces, end to end: the server's own SDK set-up (tracing/sdk.ts) with an in-memory exporter, the
 * server on a socket over MariaDB and Redis, the WeChat mock (which records the traceparent it
 * receives). A sign-in and a user.me must each be one tree: request → procedure → WeChat call,
 * database queries and Redis commands; a client's traceparent is honoured; log lines carry the
 * trace id next to the request id.
 */
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { createScratchDatabase, TEST_REDIS_URL, waitUntil, type LogCapture, type ScratchDatabase } from '@app/test-support';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTracingSdk, type TracingSdk } from '../src/tracing/sdk';
import { buildTestApp, testConfig } from './support/app';

const APP = { appId: 'wx00112233445566cc', appSecret: 'tracing-test-secret-0123456789abc' };
const TRACING = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'tracing-test' };

let scratch: ScratchDatabase;
let db: Kysely<Database>;
let mock: RunningWeChatMock;
let app: FastifyInstance;
let address: string;
let logs: LogCapture;
let sdk: TracingSdk;
const exporter = new InMemorySpanExporter();

beforeAll(async () => {
  scratch = await createScratchDatabase('tracing');
  db = createDatabase({ url: scratch.url, poolSize: 4, traceQueries: true });
  await migrateToLatest(db);
  mock = await startWeChatMock(APP);
  const variables = {
    ...TRACING,
    WECHAT_API_BASE_URL: mock.url,
    WECHAT_APP_ID: APP.appId,
    WECHAT_APP_SECRET: APP.appSecret,
    REDIS_URL: TEST_REDIS_URL,
  };
  // The SDK reads its resource from the environment itself (config.ts only checks it).
  vi.stubEnv('OTEL_SERVICE_NAME', TRACING.OTEL_SERVICE_NAME);
  sdk = await startTracingSdk(testConfig(variables).tracing, { logger: pino({ level: 'silent' }), version: 'test', exporter });
  ({ app, logs } = await buildTestApp(variables, { db }));
  address = await app.listen({ host: '127.0.0.1', port: 0 });
  // Redis connects in the background; until it is ready, the services fall back on memory.
  await waitUntil('Redis', async () => ((await (await fetch(`${address}/readyz`)).json()) as { redis?: string }).redis === 'up');
});
afterAll(async () => {
  await app?.close();
  await sdk?.shutdown();
  vi.unstubAllEnvs();
  await db?.destroy();
  await mock?.close();
  await scratch?.drop();
});
beforeEach(async () => {
  await sdk.flush();
  exporter.reset();
});

/** The finished spans, once everything buffered is exported. */
async function exported(): Promise<ReadableSpan[]> {
  await sdk.flush();
  return exporter.getFinishedSpans();
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) => spans.filter((span) => span.parentSpanContext?.spanId === idOf(parent));
function only(spans: ReadableSpan[], predicate: (span: ReadableSpan) => boolean): ReadableSpan {
  const found = spans.filter(predicate);
  expect(found, `spans: ${spans.map((span) => span.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
}

async function signIn(user: string): Promise<{ accessToken: string; response: Response }> {
  const response = await fetch(`${address}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(superjson.serialize({ code: mock.world.issueLoginCode(user) })),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { result: { data: { json: { accessToken: string } } } };
  return { accessToken: body.result.data.json.accessToken, response };
}

describe('traces', () => {
  it('makes a sign-in one tree: request → auth.login → jscode2session (traceparent sent along), queries, Redis', async () => {
    const { response } = await signIn('tracing-alice');
    const requestId = response.headers.get('x-request-id');
    const spans = await exported();

    const request = only(spans, (span) => span.kind === SpanKind.SERVER);
    expect(request.name).toBe('POST /trpc/:path');
    expect(request.parentSpanContext).toBeUndefined(); // no traceparent came: a new trace
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/trpc/:path',
      'url.path': '/trpc/auth.login',
      'http.response.status_code': 200,
      'app.request_id': requestId,
    });
    expect(request.resource.attributes['service.name']).toBe('tracing-test');
    const traceId = request.spanContext().traceId;
    expect(spans.every((span) => span.spanContext().traceId === traceId)).toBe(true);

    const procedure = only(childrenOf(spans, request), (span) => span.name === 'auth.login');
    expect(procedure.attributes).toMatchObject({ 'rpc.method': 'auth.login', 'trpc.procedure.type': 'mutation' });
    expect(procedure.status.code).toBe(SpanStatusCode.UNSET);

    const wechat = only(childrenOf(spans, procedure), (span) => span.name === 'GET sns/jscode2session');
    expect(wechat.kind).toBe(SpanKind.CLIENT);
    expect(wechat.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });
    expect(wechat.attributes['url.full']).toBe(`${mock.url}/sns/jscode2session`); // no query: it holds the secret and the code
    const received = mock.world.received.filter((call) => call.path === '/sns/jscode2session');
    expect(received.at(-1)?.traceparent).toBe(`00-${traceId}-${idOf(wechat)}-01`);

    // The user and session rows, each query a client span of the procedure, with its SQL and no values.
    const queries = childrenOf(spans, procedure).filter((span) => span.attributes['db.system.name'] === 'mysql');
    expect(queries.map((span) => span.name)).toEqual(expect.arrayContaining(['INSERT users', 'INSERT auth_sessions']));
    for (const query of queries) {
      expect(query.kind).toBe(SpanKind.CLIENT);
      expect(query.attributes).toMatchObject({ 'db.namespace': scratch.name, 'server.address': '127.0.0.1' });
      expect(String(query.attributes['db.query.text'])).not.toContain('tracing-alice');
    }
    // The per-IP login limit is kept in Redis.
    const redis = childrenOf(spans, procedure).filter((span) => span.attributes['db.system.name'] === 'redis');
    expect(redis.length).toBeGreaterThan(0);

    // Every line of the request carries its id and the trace's.
    const lines = logs.lines.filter((line) => line.reqId === requestId);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['signed in', 'request']));
    for (const line of lines) expect(line.traceId).toBe(traceId);
    const requestLine = lines.find((line) => line.msg === 'request')!;
    expect(Object.keys(requestLine).indexOf('traceId')).toBe(Object.keys(requestLine).indexOf('reqId') + 1);
    expect(requestLine.spanId).toBe(idOf(request));
  });

  it("continues the client's trace for user.me: request → user.me → queries and Redis", async () => {
    const { accessToken } = await signIn('tracing-bob');
    await sdk.flush();
    exporter.reset();
    const parentTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const response = await fetch(`${address}/trpc/user.me`, {
      headers: { authorization: `Bearer ${accessToken}`, traceparent: `00-${parentTraceId}-${parentSpanId}-01` },
    });
    expect(response.status).toBe(200);
    const spans = await exported();

    const request = only(spans, (span) => span.kind === SpanKind.SERVER);
    expect(request.name).toBe('GET /trpc/:path');
    expect(request.spanContext().traceId).toBe(parentTraceId);
    expect(request.parentSpanContext).toMatchObject({ traceId: parentTraceId, spanId: parentSpanId, isRemote: true });
    expect(spans.every((span) => span.spanContext().traceId === parentTraceId)).toBe(true);

    const procedure = only(childrenOf(spans, request), (span) => span.name === 'user.me');
    const under = childrenOf(spans, procedure);
    const select = only(under, (span) => span.name === 'SELECT users');
    expect(select.attributes).toMatchObject({ 'db.operation.name': 'SELECT', 'db.collection.name': 'users' });
    expect(String(select.attributes['db.query.text'])).toMatch(/^select .* from `users` where `id` = \?/);
    // The session's revocation, checked in Redis.
    expect(under.filter((span) => span.attributes['db.system.name'] === 'redis').map((span) => span.name)).toContain('EXISTS');

    const line = logs.lines.find((entry) => entry.reqId === response.headers.get('x-request-id') && entry.msg === 'request');
    expect(line).toMatchObject({ traceId: parentTraceId, spanId: idOf(request) });
  });

  it('gives a REST call its procedure span too: request → user.me → queries', async () => {
    const { accessToken } = await signIn('tracing-carol');
    await sdk.flush();
    exporter.reset();
    const response = await fetch(`${address}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(response.status).toBe(200);
    const spans = await exported();
    const request = only(spans, (span) => span.kind === SpanKind.SERVER);
    const procedure = only(childrenOf(spans, request), (span) => span.name === 'user.me');
    expect(procedure.attributes).toMatchObject({ 'rpc.system.name': 'trpc', 'trpc.procedure.type': 'query' });
    only(childrenOf(spans, procedure), (span) => span.name === 'SELECT users');
  });

  it("gives each call of a batch its own span, and marks only a server fault's as failed", async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: { json: null }, 1: { json: null } }));
    const response = await fetch(`${address}/trpc/health,user.me?batch=1&input=${input}`);
    expect(response.status).toBe(207); // user.me without a token: 401 beside health's 200
    const spans = await exported();
    const request = only(spans, (span) => span.kind === SpanKind.SERVER);
    const calls = childrenOf(spans, request).filter((span) => span.attributes['rpc.system.name'] === 'trpc');
    expect(calls.map((span) => [span.name, span.attributes['trpc.batch.index']])).toEqual(
      expect.arrayContaining([
        ['health', 0],
        ['user.me', 1],
      ]),
    );
    const me = only(calls, (span) => span.name === 'user.me');
    expect(me.attributes['error.type']).toBe('AUTH_REQUIRED');
    expect(me.status.code).toBe(SpanStatusCode.UNSET); // a client's mistake, not the server's
    expect(request.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('leaves an app with tracing off (the default) without spans and its lines without trace ids', async () => {
    const { app: untraced, logs: untracedLogs } = await buildTestApp();
    try {
      const response = await untraced.inject('/trpc/health');
      expect(response.statusCode).toBe(200);
      expect(await exported()).toEqual([]);
      const line = untracedLogs.lines.find((entry) => entry.msg === 'request');
      expect(line).toMatchObject({ reqId: response.headers['x-request-id'] });
      expect(line).not.toHaveProperty('traceId');

      // Even inside an active span (the SDK of this file is running), a line of the untraced app
      // has no trace ids: the mixin is not installed (logger.ts). The traced app's logger, in the
      // same span, shows that this check would see them.
      const span = trace.wrapSpanContext({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
      });
      context.with(trace.setSpan(context.active(), span), () => {
        untraced.log.info('inside a span');
        app.log.info('inside a span');
      });
      expect(untracedLogs.lines.find((entry) => entry.msg === 'inside a span')).not.toHaveProperty('traceId');
      expect(logs.lines.find((entry) => entry.msg === 'inside a span')).toMatchObject({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
      });
    } finally {
      await untraced.close();
    }
  });
});
