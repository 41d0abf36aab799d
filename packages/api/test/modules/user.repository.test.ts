import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById, findUserByOpenid, insertUser, updateUser } from '../../src/modules/user/user.repository';
import { dialects, type TestDatabase } from '../support/databases';

describe.each(dialects)('user repository on %s', (_dialect, create) => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await create();
  });
  afterAll(async () => {
    await testDb.destroy();
  });

  it('inserts a user and reads it back by id and openid', async () => {
    const now = new Date('2026-01-02T03:04:05.678Z');
    const user = await insertUser(testDb.db, { openid: 'openid-a', unionid: 'union-a' }, now);
    expect(user).toMatchObject({ openid: 'openid-a', unionid: 'union-a', nickname: null, phone: null });
    expect(user.id).toBeGreaterThan(0);
    expect(user.created_at.toISOString()).toBe(now.toISOString());

    expect(await findUserById(testDb.db, user.id)).toEqual(user);
    expect(await findUserByOpenid(testDb.db, 'openid-a')).toEqual(user);
    expect(await findUserByOpenid(testDb.db, 'nobody')).toBeUndefined();
  });

  it("tells apart openids that differ only by case: WeChat's are case-sensitive", async () => {
    const now = new Date();
    const upper = await insertUser(testDb.db, { openid: 'oCaseOpenid', unionid: 'uCaseUnionid' }, now);
    const lower = await insertUser(testDb.db, { openid: 'ocaseopenid', unionid: 'ucaseunionid' }, now);
    expect(lower.id).not.toBe(upper.id);
    expect((await findUserByOpenid(testDb.db, 'oCaseOpenid'))?.id).toBe(upper.id);
    expect((await findUserByOpenid(testDb.db, 'ocaseopenid'))?.id).toBe(lower.id);
    expect(await findUserByOpenid(testDb.db, 'OCASEOPENID')).toBeUndefined();
  });

  it('gives each user its own id', async () => {
    const now = new Date();
    const a = await insertUser(testDb.db, { openid: 'openid-b', unionid: null }, now);
    const b = await insertUser(testDb.db, { openid: 'openid-c', unionid: null }, now);
    expect(b.id).not.toBe(a.id);
  });

  it('updates only the given fields and bumps updated_at', async () => {
    const created = new Date('2026-01-01T00:00:00.000Z');
    const user = await insertUser(testDb.db, { openid: 'openid-d', unionid: null }, created);
    const later = new Date('2026-01-01T00:10:00.000Z');

    const updated = await updateUser(testDb.db, user.id, { nickname: '阿花' }, later);
    expect(updated).toMatchObject({ nickname: '阿花', avatar_url: null, phone: null });
    expect(updated?.updated_at.toISOString()).toBe(later.toISOString());
    expect(updated?.created_at.toISOString()).toBe(created.toISOString());

    const again = await updateUser(testDb.db, user.id, { avatarUrl: '/uploads/a.png', phone: '13800138000' }, later);
    expect(again).toMatchObject({ nickname: '阿花', avatar_url: '/uploads/a.png', phone: '13800138000' });
  });

  it('returns undefined when updating a user that does not exist', async () => {
    expect(await updateUser(testDb.db, 999_999, { nickname: 'x' }, new Date())).toBeUndefined();
  });
});
