/**
 * Sign-in over HTTP with the official tRPC client: the real server, a migrated database, and
 * the WeChat mock (started by the test).
 */
import type { AppRouter } from '@app/api';
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import { TRPCClientError } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogCapture } from '@app/test-support';
import { buildTestApp } from './support/app';
import type { TrpcErrorBody } from './support/bodies';
import { trpcClientFor } from './support/trpc-client';

const APP = { appId: 'wx00112233445566ff', appSecret: 'http-test-secret-0123456789abcdef' };

let mock: RunningWeChatMock;
let db: Kysely<Database>;
let app: FastifyInstance | undefined;
let logs: LogCapture;

beforeAll(async () => {
  mock = await startWeChatMock(APP);
});
afterEach(async () => {
  await app?.close();
  await db?.destroy();
  app = undefined;
  mock.world.reset();
});
afterAll(() => mock.close());

async function start(variables: Record<string, string> = {}, options: Parameters<typeof buildTestApp>[1] = {}) {
  db = createDatabase({ url: 'sqlite::memory:' });
  await migrateToLatest(db);
  ({ app, logs } = await buildTestApp(
    { WECHAT_API_BASE_URL: mock.url, WECHAT_APP_ID: APP.appId, WECHAT_APP_SECRET: APP.appSecret, ...variables },
    { db, ...options },
  ));
  return app;
}

function appCodeOf(error: unknown): unknown {
  expect(error).toBeInstanceOf(TRPCClientError);
  return (error as TRPCClientError<AppRouter>).data?.appCode;
}

describe('sign-in over HTTP', () => {
  it('signs in, calls as the user, signs out; session_key is in no response and no log line', async () => {
    const address = await (await start()).listen({ host: '127.0.0.1', port: 0 });
    let token: string | null = null;
    const client = trpcClientFor(address, { token: () => token });

    const code = mock.world.issueLoginCode('http-user');
    const login = await client.auth.login.mutate({ code });
    expect(login.isNewUser).toBe(true);
    expect(login.accessTokenExpiresAt).toBeInstanceOf(Date);
    token = login.accessToken;

    const [me, health] = await Promise.all([client.user.me.query(), client.health.query()]);
    expect(me.id).toBe(login.user.id);
    expect(health.db).toBe('up');

    const sessionKey = mock.world.sessionKeyOf(mock.world.openidOf('http-user'))!;
    expect(JSON.stringify(login)).not.toContain(sessionKey);
    expect(logs.text).not.toContain(sessionKey);
    expect(logs.text).not.toContain(login.accessToken);
    expect(logs.text).not.toContain(login.refreshToken);

    expect(appCodeOf(await client.auth.login.mutate({ code }).catch((e: unknown) => e))).toBe('WECHAT_CODE_USED');

    await client.auth.logout.mutate();
    expect(appCodeOf(await client.user.me.query().catch((e: unknown) => e))).toBe('AUTH_SESSION_REVOKED');
  });

  it('answers a rate-limited sign-in with 429, RATE_LIMITED and Retry-After', async () => {
    const server = await start(
      {},
      {
        rateLimits: {
          loginPerIp: { points: 1, durationSeconds: 60 },
          loginPerCode: { points: 3, durationSeconds: 300 },
          mutationsPerUser: { points: 60, durationSeconds: 60 },
        },
      },
    );
    const login = (code: string) =>
      server.inject({
        method: 'POST',
        url: '/trpc/auth.login',
        headers: { 'content-type': 'application/json' },
        payload: { json: { code } },
      });
    expect((await login(mock.world.issueLoginCode('limited'))).statusCode).toBe(200);
    const res = await login(mock.world.issueLoginCode('limited'));
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json<TrpcErrorBody>().error.json.data).toMatchObject({
      appCode: 'RATE_LIMITED',
      retryAfterSeconds: Number(res.headers['retry-after']),
    });
  });

  it('answers malformed JSON and wrong types with coded 400s, and keeps serving', async () => {
    const server = await start();
    const post = (payload: string) =>
      server.inject({ method: 'POST', url: '/trpc/auth.login', headers: { 'content-type': 'application/json' }, payload });
    const malformed = await post('{"json": {"code": ');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json<TrpcErrorBody>().error.json.data.appCode).toBe('MALFORMED_REQUEST');

    const wrongType = await post(JSON.stringify({ json: { code: 12345 } }));
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json<TrpcErrorBody>().error.json.data).toMatchObject({ appCode: 'VALIDATION_FAILED', issues: [{ path: 'code' }] });

    expect((await server.inject('/healthz')).statusCode).toBe(200);
  });

  it('answers a forged token with a coded 401', async () => {
    const server = await start();
    const res = await server.inject({ url: '/trpc/user.me', headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.' } });
    expect(res.statusCode).toBe(401);
    expect(res.json<TrpcErrorBody>().error.json.data.appCode).toBe('AUTH_TOKEN_ALGORITHM_INVALID');
  });
});

describe('session retention', () => {
  it('deletes, at SESSION_SWEEP_INTERVAL_MS, the sessions that ended over a day ago, and only those', async () => {
    const address = await (await start({ SESSION_SWEEP_INTERVAL_MS: '100' })).listen({ host: '127.0.0.1', port: 0 });
    const login = await trpcClientFor(address).auth.login.mutate({ code: mock.world.issueLoginCode('retention-user') });
    const longAgo = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000);
    await db
      .insertInto('auth_sessions')
      .values({
        id: 'ended-long-ago',
        user_id: login.user.id,
        session_key_ciphertext: 'c',
        created_at: longAgo,
        expires_at: longAgo,
        revoked_at: null,
        revoked_reason: null,
        refresh_token_hash: 'e'.repeat(64),
        refresh_token_created_at: longAgo,
      })
      .execute();
    const remaining = async () => (await db.selectFrom('auth_sessions').select('id').execute()).map((row) => row.id);
    const deadline = Date.now() + 5_000;
    while ((await remaining()).includes('ended-long-ago') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // The signed-in user's session stays, and still refreshes.
    expect(await remaining()).toHaveLength(1);
    expect((await trpcClientFor(address).auth.refresh.mutate({ refreshToken: login.refreshToken })).refreshToken).not.toBe(
      login.refreshToken,
    );
    expect(logs.text).toContain('deleted sign-in sessions that ended over a day ago');
  });
});
