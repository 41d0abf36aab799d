/**
 * Procedures through createCaller against a freshly migrated MySQL database.
 */
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/dialect';
import { insertUser } from '../../src/modules/user/user.repository';
import { createCaller } from '../../src/root';
import { createContextInner } from '../../src/context';
import type { Session } from '../../src/modules/auth/session';
import type { Services } from '../../src/services';
import { AppError, classifyError } from '../../src/errors';
import { createMysqlTestDatabase, UNREACHABLE_MYSQL_URL, type TestDatabase } from '../support/databases';
import { createTestServices, testClock } from '../support/services';

let testDb: TestDatabase;
const clock = testClock();
const now = () => clock.now();
let services: Services;

beforeAll(async () => {
  testDb = await createMysqlTestDatabase();
  services = await createTestServices({ db: testDb.db, clock });
});
afterAll(async () => {
  await testDb.destroy();
});

function callerAs(session: Session | null) {
  return createCaller(createContextInner(services, { requestId: 'req-test', session }));
}

async function errorOf(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe('health', () => {
  it('reports the version and a reachable database', async () => {
    const result = await callerAs(null).health();
    expect(result).toEqual({ ok: true, version: '1.2.3-test', db: 'up', time: now() });
  });

  it('reports the database down without throwing', async () => {
    const down = createDatabase({ url: UNREACHABLE_MYSQL_URL, connectTimeoutMs: 500 });
    try {
      const caller = createCaller(createContextInner({ ...services, db: down }));
      expect(await caller.health()).toMatchObject({ ok: false, db: 'down' });
    } finally {
      await down.destroy();
    }
  });
});

describe('user.me', () => {
  it('requires a session', async () => {
    const error = await errorOf(callerAs(null).user.me());
    expect(error).toBeInstanceOf(AppError);
    expect(classifyError(error).appCode).toBe('AUTH_REQUIRED');
    expect(error.code).toBe('UNAUTHORIZED');
  });

  it('returns the signed-in user with the phone masked and no openid', async () => {
    const row = await insertUser(testDb.db, { openid: 'me-openid', unionid: null }, now());
    await testDb.db.updateTable('users').set({ phone: '13800138000' }).where('id', '=', row.id).execute();

    const me = await callerAs({ userId: row.id, sessionId: 's1' }).user.me();
    expect(me).toEqual({
      id: row.id,
      nickname: null,
      avatarUrl: null,
      phoneMasked: '138****8000',
      createdAt: now(),
      updatedAt: now(),
    });
    expect(JSON.stringify(me)).not.toContain('me-openid');
  });

  it('treats a session whose user is gone as revoked', async () => {
    const error = await errorOf(callerAs({ userId: 987_654, sessionId: 's2' }).user.me());
    expect(classifyError(error).appCode).toBe('AUTH_SESSION_REVOKED');
  });
});

describe('user.updateProfile', () => {
  it('persists a valid nickname and avatar', async () => {
    const row = await insertUser(testDb.db, { openid: 'profile-openid', unionid: null }, now());
    clock.advance(5 * 60_000);
    const caller = callerAs({ userId: row.id, sessionId: 's3' });

    const updated = await caller.user.updateProfile({ nickname: '  小红  ', avatarUrl: '/uploads/x.png' });
    expect(updated).toMatchObject({ nickname: '小红', avatarUrl: '/uploads/x.png', updatedAt: now() });
    expect(await caller.user.me()).toMatchObject({ nickname: '小红', avatarUrl: '/uploads/x.png' });
  });

  it('rejects an invalid nickname with a zh-CN issue and writes nothing', async () => {
    const row = await insertUser(testDb.db, { openid: 'invalid-openid', unionid: null }, now());
    const caller = callerAs({ userId: row.id, sessionId: 's4' });

    const tooLong = await errorOf(caller.user.updateProfile({ nickname: '长'.repeat(21) }));
    expect(tooLong.code).toBe('BAD_REQUEST');
    expect(classifyError(tooLong)).toEqual({
      appCode: 'VALIDATION_FAILED',
      issues: [{ path: 'nickname', message: '昵称最多 20 个字' }],
      retryAfterSeconds: undefined,
      databaseUnavailable: false,
    });

    const empty = await errorOf(caller.user.updateProfile({}));
    expect(classifyError(empty).issues?.[0]?.message).toBe('请至少修改一项资料');

    const wrongType = await errorOf(caller.user.updateProfile({ nickname: 42 as unknown as string }));
    expect(classifyError(wrongType).appCode).toBe('VALIDATION_FAILED');
    expect(classifyError(wrongType).issues?.[0]?.path).toBe('nickname');

    expect(await caller.user.me()).toMatchObject({ nickname: null });
  });
});
