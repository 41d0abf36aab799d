/**
 * The server with a dependency out from the start: every answer is fast and coded, the outage is
 * logged once, and what can degrade does (the fault suite, npm run test:faults, kills and restarts
 * real ones under load). "Out" is a port where nothing listens.
 */
import type { LogCapture } from '@app/test-support';
import { createScratchDatabase, type ScratchDatabase } from '@app/test-support';
import { createDatabase, migrateToLatest } from '@app/api/db';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import type { FastifyInstance } from 'fastify';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './support/app';
import type { TrpcErrorBody } from './support/bodies';

const APP = { appId: 'wx00112233445566dd', appSecret: 'outage-test-secret-0123456789abcdef' };
const NOTHING_LISTENS = '127.0.0.1:1';

let mock: RunningWeChatMock;
let app: FastifyInstance | undefined;
let logs: LogCapture;

beforeAll(async () => {
  mock = await startWeChatMock(APP);
});
afterAll(() => mock.close());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(variables: Record<string, string>) {
  ({ app, logs } = await buildTestApp({
    WECHAT_API_BASE_URL: mock.url,
    WECHAT_APP_ID: APP.appId,
    WECHAT_APP_SECRET: APP.appSecret,
    ...variables,
  }));
  return app;
}

const trpc = (server: FastifyInstance, path: string, input: unknown, token?: string) =>
  server.inject({
    method: 'POST',
    url: `/trpc/${path}`,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: JSON.stringify(superjson.serialize(input)),
  });

const logLines = (message: string) => logs.lines.filter((line) => line.msg === message);

describe('the database out', () => {
  it('answers a coded 503 with Retry-After, quickly, and logs the outage once', async () => {
    const server = await start({ DATABASE_URL: `mysql://nobody:nothing@${NOTHING_LISTENS}/none` });
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      const response = await trpc(server, 'auth.login', { code: mock.world.issueLoginCode(`db-out-${i}`) });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json<TrpcErrorBody>().error.json.data.appCode).toBe('SERVICE_UNAVAILABLE');
    }
    expect(logLines('database unavailable')).toHaveLength(1);
    expect(logLines('procedure failed')).toHaveLength(0);
    expect((await server.inject('/readyz')).statusCode).toBe(503);
  });
});

describe('Redis out', () => {
  let database: ScratchDatabase;
  afterEach(async () => {
    await database.drop();
  });

  it('signs in, limits and logs out without it, and never accepts a logged-out token', async () => {
    database = await createScratchDatabase('outage');
    const db = createDatabase({ url: database.url });
    await migrateToLatest(db);
    await db.destroy();
    const server = await start({
      DATABASE_URL: database.url,
      REDIS_URL: `redis://${NOTHING_LISTENS}`,
      RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '3',
    });

    const login = await trpc(server, 'auth.login', { code: mock.world.issueLoginCode('redis-out') });
    expect(login.statusCode).toBe(200);
    const { accessToken } = superjson.deserialize<{ accessToken: string }>(login.json<{ result: { data: never } }>().result.data);
    expect((await trpc(server, 'user.updateProfile', { nickname: '无缓存' }, accessToken)).statusCode).toBe(200);

    const started = performance.now();
    expect((await trpc(server, 'auth.logout', undefined, accessToken)).statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    const after = await server.inject({ url: '/trpc/user.me', headers: { authorization: `Bearer ${accessToken}` } });
    expect(after.json<TrpcErrorBody>().error.json.data.appCode).toBe('AUTH_SESSION_REVOKED');

    // Sign-in limits still hold, per instance, while Redis is out.
    const outcomes = [];
    for (let i = 0; i < 3; i += 1)
      outcomes.push((await trpc(server, 'auth.login', { code: mock.world.issueLoginCode(`limit-${i}`) })).statusCode);
    expect(outcomes).toEqual([200, 200, 429]);

    const ready = await server.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ok: true, db: 'up', schema: 'current', redis: 'down' });
    expect(logLines('redis unavailable')).toHaveLength(1);
  });
});
