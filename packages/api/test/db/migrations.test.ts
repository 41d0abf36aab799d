import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/db/dialect';
import { migrateDown, migrateToLatest, migrationStatus } from '../../src/db/migrate';
import { migrations } from '../../src/db/migrations';
import { dialects, type TestDatabase } from '../support/databases';

const allMigrations = Object.keys(migrations).sort();

describe.each(dialects)('migrations on %s', (_dialect, create) => {
  let testDb: TestDatabase | undefined;
  afterEach(async () => {
    await testDb?.destroy();
    testDb = undefined;
  });

  it('applies every migration once, reports status, and reverts down to nothing', async () => {
    testDb = await create({ migrate: false });
    const { db } = testDb;

    expect((await migrationStatus(db)).every((m) => m.executedAt === null)).toBe(true);
    expect(await migrateToLatest(db)).toEqual(allMigrations);
    expect(await migrateToLatest(db)).toEqual([]);

    const status = await migrationStatus(db);
    expect(status.map((m) => m.name)).toEqual(allMigrations);
    expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);

    const tables = (await db.introspection.getTables()).map((table) => table.name);
    expect(tables).toContain('users');

    for (const name of [...allMigrations].reverse()) expect(await migrateDown(db)).toBe(name);
    expect(await migrateDown(db)).toBeNull();
    expect((await db.introspection.getTables()).map((table) => table.name)).not.toContain('users');

    // And up again after a full revert: down() left nothing behind.
    expect(await migrateToLatest(db)).toEqual(allMigrations);
  });

  it('round-trips dates with milliseconds in UTC, emoji text, and rejects a duplicate openid', async () => {
    testDb = await create();
    const { db } = testDb;
    const at = new Date('2026-11-23T08:09:10.123Z');

    await db.insertInto('users').values({ openid: 'o-1', unionid: null, nickname: '小明😀', created_at: at, updated_at: at }).execute();
    const row = await db.selectFrom('users').selectAll().where('openid', '=', 'o-1').executeTakeFirstOrThrow();
    expect(row.created_at).toBeInstanceOf(Date);
    expect(row.created_at.toISOString()).toBe(at.toISOString());
    expect(row.nickname).toBe('小明😀');

    // Comparisons on dates work on both (SQLite compares the ISO text).
    const later = await db.selectFrom('users').select('id').where('created_at', '>', new Date('2026-11-23T08:09:10.122Z')).execute();
    expect(later).toHaveLength(1);

    const duplicate = db.insertInto('users').values({ openid: 'o-1', unionid: null, created_at: at, updated_at: at }).execute();
    const error = await duplicate.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(new Error('other'))).toBe(false);

    const count = await sql<{ n: number }>`select count(*) as n from users`.execute(db);
    expect(Number(count.rows[0]?.n)).toBe(1);
  });
});
