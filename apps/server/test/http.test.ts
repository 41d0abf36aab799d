/**
 * The HTTP layer through app.inject(): probes, headers, request ids, CORS, limits, error shapes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppRouter } from '@app/api';
import { createDatabase, LATEST_MIGRATION, migrateDown, migrateToLatest, type AnyKysely } from '@app/api/db';
import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import superjson from 'superjson';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil, type LogCapture } from '@app/test-support';
import { HELMET_OPTIONS } from '../src/plugins/security';
import type { BuildAppOptions } from '../src/app';
import { SCHEMA_CHECK_DELAY_MS } from '../src/plugins/health';
import { buildTestApp, PRODUCTION_SECRETS } from './support/app';
import type { HttpErrorBody, TrpcErrorBody, TrpcResultBody } from './support/bodies';

const UNREACHABLE_MYSQL_URL = 'mysql://nobody:nothing@127.0.0.1:1/none';

let app: FastifyInstance | undefined;
let logs: LogCapture;
const databases: AnyKysely[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(databases.splice(0).map((db) => db.destroy()));
});

async function start(variables: Record<string, string> = {}, options: BuildAppOptions = {}) {
  ({ app, logs } = await buildTestApp(variables, options));
  return app;
}

/** An in-memory SQLite database for the app, migrated unless told otherwise, closed after the test. */
async function memoryDatabase({ migrated = true } = {}) {
  const db = createDatabase({ url: 'sqlite::memory:' });
  databases.push(db);
  if (migrated) await migrateToLatest(db);
  return db;
}

describe('probes', () => {
  it('/healthz says the process is alive', async () => {
    const res = await (await start()).inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('/readyz is 200 when the database answers with the schema this build needs', async () => {
    const res = await (await start({}, { db: await memoryDatabase() })).inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, db: 'up', schema: 'current' });
  });

  it('/readyz is 503 on a database its migrations have not reached, says why once listening, and is ready once they have run', async () => {
    const db = await memoryDatabase({ migrated: false });
    const server = await start({}, { db });
    const res = await server.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ok: false, db: 'up', schema: 'behind' });

    await server.listen({ host: '127.0.0.1', port: 0 });
    const behind = () => logs.lines.filter((line) => String(line.msg).startsWith('the database schema is behind this build'));
    await waitUntil('the schema warning', () => Promise.resolve(behind().length > 0), undefined, SCHEMA_CHECK_DELAY_MS + 2_000, 10);
    expect(behind()).toEqual([expect.objectContaining({ level: 'warn', needs: LATEST_MIGRATION })]);
    expect(String(behind()[0]?.msg)).toContain('npm run db:migrate -- up');

    await migrateToLatest(db);
    const ready = await server.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ok: true, db: 'up', schema: 'current' });
    expect(behind()).toHaveLength(1);

    // It is the newest migration that counts: without it, behind again.
    expect(await migrateDown(db)).toBe(LATEST_MIGRATION);
    expect((await server.inject('/readyz')).json()).toEqual({ ok: false, db: 'up', schema: 'behind' });
  });

  it('/readyz is 503 when the database is down, and the process keeps serving', async () => {
    const res = await (await start({ DATABASE_URL: UNREACHABLE_MYSQL_URL })).inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ok: false, db: 'down' });
    expect((await app!.inject('/healthz')).statusCode).toBe(200);
  });

  it('tRPC health answers with the version and a superjson Date', async () => {
    const res = await (await start({ APP_VERSION: '9.9.9' })).inject('/trpc/health');
    expect(res.statusCode).toBe(200);
    const data = superjson.deserialize<Record<string, unknown>>(res.json<TrpcResultBody>().result.data);
    expect(data).toMatchObject({ ok: true, version: '9.9.9', db: 'up' });
    expect(data.time).toBeInstanceOf(Date);
  });
});

describe('headers', () => {
  it('sets security headers', async () => {
    const res = await (await start()).inject('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it("sends exactly the headers helmet's own middleware sets on a response, on every kind of answer", async () => {
    // helmet run its own way, on a real response of a real server.
    const reference = createServer((request, response) => helmet(HELMET_OPTIONS)(request, response, () => response.end()));
    await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
    const answered = await fetch(`http://127.0.0.1:${(reference.address() as AddressInfo).port}/`);
    await new Promise((resolve) => reference.close(resolve));
    const helmetHeaders = Object.fromEntries(
      [...answered.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)),
    );
    expect(Object.keys(helmetHeaders).length).toBeGreaterThanOrEqual(10);

    const server = await start({ BODY_LIMIT_BYTES: '2048', CORS_ORIGINS: 'https://h5.example.com' });
    const answers = {
      'GET /healthz': await server.inject('/healthz'),
      'GET /trpc/health': await server.inject('/trpc/health'),
      'GET a route that does not exist (404)': await server.inject('/no-such-route'),
      'GET user.me without a token (401)': await server.inject('/trpc/user.me'),
      'POST a body over the limit (413)': await server.inject({
        method: 'POST',
        url: '/trpc/user.updateProfile',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ json: { nickname: 'x'.repeat(5000) } }),
      }),
      'OPTIONS a CORS preflight': await server.inject({
        method: 'OPTIONS',
        url: '/trpc/user.me',
        headers: { origin: 'https://h5.example.com', 'access-control-request-method': 'GET' },
      }),
    };
    expect(Object.values(answers).map((res) => res.statusCode)).toEqual([200, 200, 404, 401, 413, 204]);
    for (const [answer, res] of Object.entries(answers)) {
      for (const [name, value] of Object.entries(helmetHeaders)) expect([answer, name, res.headers[name]]).toEqual([answer, name, value]);
    }
  });

  it('echoes a sane incoming X-Request-Id and uses it in the log line', async () => {
    const res = await (await start()).inject({ url: '/trpc/health', headers: { 'x-request-id': 'mp-1700000000-abcdef' } });
    expect(res.headers['x-request-id']).toBe('mp-1700000000-abcdef');
    const line = logs.lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ reqId: 'mp-1700000000-abcdef', method: 'GET', path: '/trpc/health', procedure: 'health', status: 200 });
    expect(typeof line?.durationMs).toBe('number');
  });

  it.each([
    ['with a space', 'abc def ghi'],
    ['too short', 'abc'],
    ['too long', 'a'.repeat(200)],
    ['with log-forging characters', 'abcdefgh"}\\n{"level":"fatal'],
  ])('replaces an X-Request-Id %s with a generated one', async (_label, incoming) => {
    const res = await (await start()).inject({ url: '/healthz', headers: { 'x-request-id': incoming } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives each request its own generated id', async () => {
    const server = await start();
    const a = await server.inject('/healthz');
    const b = await server.inject('/healthz');
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe('CORS', () => {
  it('echoes an allowed H5 origin with credentials, on preflight and on the request', async () => {
    const server = await start({ CORS_ORIGINS: 'https://h5.example.com' });
    const preflight = await server.inject({
      method: 'OPTIONS',
      url: '/trpc/user.updateProfile',
      headers: {
        origin: 'https://h5.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://h5.example.com');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');

    const res = await server.inject({ url: '/trpc/health', headers: { origin: 'https://h5.example.com' } });
    expect(res.headers['access-control-allow-origin']).toBe('https://h5.example.com');
    expect(String(res.headers['access-control-expose-headers'])).toContain('x-request-id');
  });

  it('gives no CORS grant to an origin outside the list', async () => {
    const res = await (
      await start({ CORS_ORIGINS: 'https://h5.example.com' })
    ).inject({
      url: '/trpc/health',
      headers: { origin: 'https://evil.example.net' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('bad requests get coded 4xx errors', () => {
  it('rejects a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const server = await start({ BODY_LIMIT_BYTES: '2048' });
    const res = await server.inject({
      method: 'POST',
      url: '/trpc/user.updateProfile',
      headers: { 'content-type': 'application/json', 'x-request-id': 'big-body-request' },
      payload: JSON.stringify({ json: { nickname: 'x'.repeat(5000) } }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      error: { appCode: 'PAYLOAD_TOO_LARGE', message: '提交的内容过大', requestId: 'big-body-request', issues: null },
    });
    expect((await server.inject('/healthz')).statusCode).toBe(200);
  });

  it('rejects an unsupported content type with 415', async () => {
    const res = await (
      await start()
    ).inject({
      method: 'POST',
      url: '/trpc/user.updateProfile',
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json<HttpErrorBody>().error.appCode).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const res = await (await start()).inject('/no/such/route');
    expect(res.statusCode).toBe(404);
    expect(res.json<HttpErrorBody>().error).toMatchObject({ appCode: 'NOT_FOUND', message: '请求的内容不存在' });
  });

  it('answers an unknown procedure with 404 and a mutation sent as GET with 405', async () => {
    const server = await start();
    const unknown = await server.inject('/trpc/no.such.procedure');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<TrpcErrorBody>().error.json.data.appCode).toBe('NOT_FOUND');

    const wrongMethod = await server.inject({
      method: 'POST',
      url: '/trpc/health',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.json<TrpcErrorBody>().error.json.data.appCode).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('error shape in production', () => {
  it('carries appCode, requestId and issues, a zh-CN message, and no stack', async () => {
    const server = await start({ NODE_ENV: 'production', ...PRODUCTION_SECRETS });
    const res = await server.inject({ url: '/trpc/user.me', headers: { 'x-request-id': 'prod-request-1' } });
    expect(res.statusCode).toBe(401);
    const error = res.json<TrpcErrorBody>().error.json;
    expect(error.message).toBe('请先登录');
    expect(error.data).toMatchObject({ appCode: 'AUTH_REQUIRED', requestId: 'prod-request-1', issues: null, httpStatus: 401 });
    expect(error.data).not.toHaveProperty('stack');
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('logs', () => {
  it('redacts credentials, session keys and phone numbers wherever they are logged', async () => {
    const server = await start();
    server.log.info(
      {
        req: { headers: { authorization: 'Bearer eyJhbGciOi.secret-token', cookie: 'sid=cookie-secret' } },
        wechat: { session_key: 'SESSION-KEY-SECRET', openid: 'o-visible' },
        user: { phone: '13800138000', profile: { phoneNumber: '13900139000' } },
        refreshToken: 'refresh-secret',
      },
      'sensitive',
    );
    const line = logs.lines.find((l) => l.msg === 'sensitive');
    expect(line).toMatchObject({ wechat: { session_key: '[REDACTED]', openid: 'o-visible' }, refreshToken: '[REDACTED]' });
    for (const secret of ['secret-token', 'cookie-secret', 'SESSION-KEY-SECRET', '13800138000', '13900139000', 'refresh-secret']) {
      expect(logs.text).not.toContain(secret);
    }
  });

  it('answers and logs a URL with malformed %-encoding like any bad request', async () => {
    const res = await (await start()).inject({ url: '/trpc/user.me%E0%A4%A', headers: { 'x-request-id': 'bad-url-request' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['x-request-id']).toBe('bad-url-request');
    expect(res.json()).toEqual({
      error: { appCode: 'MALFORMED_REQUEST', message: '请求格式错误', requestId: 'bad-url-request', issues: null },
    });
    expect(logs.lines.filter((l) => l.msg === 'request')).toEqual([
      expect.objectContaining({ reqId: 'bad-url-request', procedure: 'user.me%E0%A4%A', status: 400 }),
    ]);
  });

  it('logs one line per request without headers or query inputs', async () => {
    const server = await start();
    const input = encodeURIComponent(JSON.stringify({ json: { refreshToken: 'query-secret' } }));
    await server.inject({ url: `/trpc/health?input=${input}`, headers: { authorization: 'Bearer header-secret' } });
    const requestLines = logs.lines.filter((l) => l.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(logs.text).not.toContain('query-secret');
    expect(logs.text).not.toContain('header-secret');
  });
});

describe('official @trpc/client against a listening server', () => {
  it('calls health, and batches queries into one HTTP request', async () => {
    const server = await start();
    let httpRequests = 0;
    server.addHook('onRequest', (_request, _reply, done) => {
      httpRequests += 1;
      done();
    });
    const address = await server.listen({ host: '127.0.0.1', port: 0 });

    const single = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${address}/trpc`, transformer: superjson })] });
    const health = await single.health.query();
    expect(health).toMatchObject({ ok: true, db: 'up' });
    expect(health.time).toBeInstanceOf(Date);

    httpRequests = 0;
    const batched = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${address}/trpc`, transformer: superjson })] });
    const [a, b, me] = await Promise.allSettled([batched.health.query(), batched.health.query(), batched.user.me.query()]);
    expect(httpRequests).toBe(1);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('fulfilled');
    expect(me.status).toBe('rejected');
    const error = (me as PromiseRejectedResult).reason as { data?: { appCode?: string } };
    expect(error.data?.appCode).toBe('AUTH_REQUIRED');
  });
});

describe('database injection', () => {
  it('leaves an injected database open for its owner when the app closes', async () => {
    const db = createDatabase({ url: 'sqlite::memory:' });
    const { app: server } = await buildTestApp({}, { db });
    await server.close();
    await expect(db.selectNoFrom((eb) => eb.val(1).as('one')).execute()).resolves.toHaveLength(1);
    await db.destroy();
  });
});
