/**
 * Profile updates over HTTP: a nickname the shared schema refuses is a coded 400 and changes
 * nothing stored (the mini-program's form runs the same schema before it sends).
 */
import type { AppRouter } from '@app/api';
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import { TRPCClientError } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './support/app';
import { trpcClientFor } from './support/trpc-client';

const APP = { appId: 'wx00112233445566bb', appSecret: 'profile-test-secret-0123456789abcdef' };

let mock: RunningWeChatMock;
let db: Kysely<Database>;
let app: FastifyInstance;
let client: ReturnType<typeof trpcClientFor>;

beforeAll(async () => {
  mock = await startWeChatMock(APP);
  db = createDatabase({ url: 'sqlite::memory:' });
  await migrateToLatest(db);
  ({ app } = await buildTestApp({ WECHAT_API_BASE_URL: mock.url, WECHAT_APP_ID: APP.appId, WECHAT_APP_SECRET: APP.appSecret }, { db }));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  let token: string | null = null;
  client = trpcClientFor(address, { token: () => token, batch: false });
  token = (await client.auth.login.mutate({ code: mock.world.issueLoginCode('nickname-tester') })).accessToken;
});

afterAll(async () => {
  await app.close();
  await db.destroy();
  await mock.close();
});

async function failureOf(pending: Promise<unknown>) {
  const error = await pending.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const data = (error as TRPCClientError<AppRouter>).data;
  return { appCode: data?.appCode, httpStatus: data?.httpStatus, messages: data?.issues?.map((issue) => issue.message) };
}

describe('user.updateProfile nickname', () => {
  it.each([
    ['a lone surrogate', 'ab\uD83D'],
    ['a right-to-left override', '管理员\u202Etxt.exe'],
    ['a zero-width space', '小\u200B明'],
    ['a byte order mark inside', '小\uFEFF明'],
  ])('refuses %s with VALIDATION_FAILED and stores nothing', async (_name, nickname) => {
    await client.user.updateProfile.mutate({ nickname: '小明' });

    expect(await failureOf(client.user.updateProfile.mutate({ nickname }))).toEqual({
      appCode: 'VALIDATION_FAILED',
      httpStatus: 400,
      messages: ['昵称包含无法显示的字符'],
    });
    expect((await client.user.me.query()).nickname).toBe('小明');
    const rows = await db.selectFrom('users').select('nickname').execute();
    expect(rows.map((row) => row.nickname)).toEqual(['小明']);
  });

  it('stores a nickname with emoji sequences as sent', async () => {
    const nickname = '程序员👩‍💻🏳️‍🌈';
    expect((await client.user.updateProfile.mutate({ nickname })).nickname).toBe(nickname);
    expect((await client.user.me.query()).nickname).toBe(nickname);
  });
});
