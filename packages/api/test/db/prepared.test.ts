import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../../src/db/prepared';
import type { UserRow } from '../../src/db/schema';
import { insertUser } from '../../src/modules/user/user.repository';
import { createMysqlTestDatabase, createSqliteTestDatabase, dialects, type TestDatabase } from '../support/databases';

// Values used in an order other than the statement's, a Date among them (SQLite binds none), and a
// constant compiled in (`is null`).
const createdBetween = prepare<{ until: Date; from: Date; prefix: string }, UserRow>((db, value) =>
  db
    .selectFrom('users')
    .selectAll()
    .where('created_at', '>=', value('from'))
    .where('created_at', '<', value('until'))
    .where('openid', 'like', value('prefix'))
    .where('phone', 'is', null)
    .orderBy('id'),
);

const openids = (rows: UserRow[]) => rows.map((row) => row.openid);

describe.each(dialects)('prepared statements on %s', (_dialect, create) => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await create();
    for (const [openid, at] of [
      ['p-jan', '2026-01-15T00:00:00.000Z'],
      ['p-feb', '2026-02-15T00:00:00.000Z'],
      ['p-mar', '2026-03-15T00:00:00.000Z'],
      ['q-feb', '2026-02-16T00:00:00.000Z'],
    ] as const)
      await insertUser(testDb.db, { openid, unionid: null }, new Date(at));
  });
  afterAll(async () => {
    await testDb.destroy();
  });

  it('binds each run its own values, by name', async () => {
    const february = { from: new Date('2026-02-01T00:00:00.000Z'), until: new Date('2026-03-01T00:00:00.000Z'), prefix: 'p-%' };
    expect(openids((await createdBetween.execute(testDb.db, february)).rows)).toEqual(['p-feb']);
    const firstQuarter = { prefix: '%', until: new Date('2026-04-01T00:00:00.000Z'), from: new Date('2026-01-01T00:00:00.000Z') };
    expect(openids((await createdBetween.execute(testDb.db, firstQuarter)).rows)).toEqual(['p-jan', 'p-feb', 'p-mar', 'q-feb']);
  });

  it('runs in a transaction, and sees its writes', async () => {
    const seen = await testDb.db.transaction().execute(async (trx) => {
      await insertUser(trx, { openid: 'p-apr', unionid: null }, new Date('2026-04-15T00:00:00.000Z'));
      const april = { from: new Date('2026-04-01T00:00:00.000Z'), until: new Date('2026-05-01T00:00:00.000Z'), prefix: 'p-%' };
      return openids((await createdBetween.execute(trx, april)).rows);
    });
    expect(seen).toEqual(['p-apr']);
  });

  it('keeps a constant compiled in: a user with a phone is never found', async () => {
    const { db } = testDb;
    await db.updateTable('users').set({ phone: '13800138000' }).where('openid', '=', 'p-jan').execute();
    const january = { from: new Date('2026-01-01T00:00:00.000Z'), until: new Date('2026-02-01T00:00:00.000Z'), prefix: 'p-%' };
    expect((await createdBetween.execute(db, january)).rows).toEqual([]);
  });
});

describe('a prepared statement used on both dialects', () => {
  let mysql: TestDatabase;
  let sqlite: TestDatabase;
  beforeAll(async () => {
    [mysql, sqlite] = await Promise.all([createMysqlTestDatabase(), createSqliteTestDatabase()]);
    for (const testDb of [mysql, sqlite])
      await insertUser(testDb.db, { openid: 'p-both', unionid: null }, new Date('2026-02-15T00:00:00.000Z'));
  });
  afterAll(async () => {
    await Promise.all([mysql.destroy(), sqlite.destroy()]);
  });

  it('is compiled for each: both answer, whichever ran first', async () => {
    const february = { from: new Date('2026-02-01T00:00:00.000Z'), until: new Date('2026-03-01T00:00:00.000Z'), prefix: 'p-%' };
    const [fromSqlite, fromMysql] = [await createdBetween.execute(sqlite.db, february), await createdBetween.execute(mysql.db, february)];
    expect(openids(fromSqlite.rows)).toEqual(['p-both']);
    expect(openids(fromMysql.rows)).toEqual(['p-both']);
  });
});
