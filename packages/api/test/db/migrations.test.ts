import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, isUniqueViolation } from '../../src/db/dialect';
import { migrateDown, migrateTo, migrateToLatest, migrationStatus } from '../../src/db/migrate';
import { migrations } from '../../src/db/migrations';
import * as refreshTokenOnSession from '../../src/db/migrations/2026_12_01_0007_refresh_token_on_session';
import * as authSessionsExpiresAtIndex from '../../src/db/migrations/2026_12_01_0008_auth_sessions_expires_at_index';
import * as exactIdentifiers from '../../src/db/migrations/2026_12_01_0009_exact_identifiers';
import { databaseState, LATEST_MIGRATION } from '../../src/db/schema-version';
import { dialects, UNREACHABLE_MYSQL_URL, type TestDatabase } from '../support/databases';

const allMigrations = Object.keys(migrations).sort();

describe('the schema this build needs', () => {
  it('is named by the newest migration: the server, which carries no migrations, checks for it', () => {
    expect(LATEST_MIGRATION).toBe(allMigrations.at(-1));
  });

  it('is not asked of a database that is unavailable: its state is down', async () => {
    const db = createDatabase({ url: UNREACHABLE_MYSQL_URL, connectTimeoutMs: 1_000 });
    try {
      expect(await databaseState(db)).toBe('down');
    } finally {
      await db.destroy();
    }
  });
});

describe.each(dialects)('migrations on %s', (dialect, create) => {
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

  it('databaseState: behind without the migration table and one migration short, current with the newest applied', async () => {
    testDb = await create({ migrate: false });
    const { db } = testDb;
    expect(await databaseState(db)).toBe('behind');
    await migrateTo(db, allMigrations.at(-2) ?? '');
    expect(await databaseState(db)).toBe('behind');
    await migrateToLatest(db);
    expect(await databaseState(db)).toBe('current');
  });

  it("0007 adds the session's refresh token beside refresh_tokens; its down puts the sessions' tokens there", async () => {
    testDb = await create({ migrate: false });
    const { db } = testDb;
    await migrateTo(db, '2026_12_01_0006_create_refunds');
    const at = new Date('2026-11-30T08:00:00.000Z');
    const later = new Date('2026-12-30T08:00:00.000Z');
    await db.insertInto('users').values({ openid: 'o-migrated', unionid: null, created_at: at, updated_at: at }).execute();
    const { id: userId } = await db.selectFrom('users').select('id').where('openid', '=', 'o-migrated').executeTakeFirstOrThrow();
    const session = {
      user_id: userId,
      session_key_ciphertext: 'c',
      created_at: at,
      expires_at: later,
      revoked_at: null,
      revoked_reason: null,
    };
    // A session and its current token as a version before 0007 writes them.
    await db
      .insertInto('auth_sessions')
      .values({ ...session, id: 's-before' })
      .execute();
    await db
      .insertInto('refresh_tokens')
      .values({ session_id: 's-before', token_hash: 'b'.repeat(64), created_at: at, expires_at: later, rotated_at: null })
      .execute();

    expect(await migrateTo(db, '2026_12_01_0007_refresh_token_on_session')).toEqual(['2026_12_01_0007_refresh_token_on_session']);
    // Nothing moved: the version before still finds its token where it wrote it.
    expect(await db.selectFrom('refresh_tokens').select('token_hash').execute()).toEqual([{ token_hash: 'b'.repeat(64) }]);
    await db
      .insertInto('auth_sessions')
      .values({ ...session, id: 's-after', refresh_token_hash: 'a'.repeat(64), refresh_token_created_at: at })
      .execute();
    const bySession = await db.selectFrom('auth_sessions').select(['id', 'refresh_token_hash']).orderBy('id').execute();
    expect(bySession).toEqual([
      { id: 's-after', refresh_token_hash: 'a'.repeat(64) },
      { id: 's-before', refresh_token_hash: null },
    ]);

    // One session per current token.
    const duplicate = db
      .insertInto('auth_sessions')
      .values({ ...session, id: 's-copy', refresh_token_hash: 'a'.repeat(64), refresh_token_created_at: at })
      .execute();
    expect(
      isUniqueViolation(
        await duplicate.then(
          () => null,
          (e: unknown) => e,
        ),
      ),
    ).toBe(true);
    // Run again once done, every step finds itself done (its guards; a run stopped between two SQLite
    // steps is not reproduced here).
    await refreshTokenOnSession.up(db);

    expect(await migrateTo(db, '2026_12_01_0006_create_refunds')).toEqual(['2026_12_01_0007_refresh_token_on_session']);
    await refreshTokenOnSession.down(db);
    const restored = await db.selectFrom('refresh_tokens').selectAll().orderBy('token_hash').execute();
    expect(
      restored.map((row) => [
        row.session_id,
        row.token_hash[0],
        row.created_at.toISOString(),
        row.expires_at.toISOString(),
        row.rotated_at,
      ]),
    ).toEqual([
      ['s-after', 'a', at.toISOString(), later.toISOString(), null],
      ['s-before', 'b', at.toISOString(), later.toISOString(), null],
    ]);
    const columns = (await db.introspection.getTables()).find((table) => table.name === 'auth_sessions')?.columns.map((c) => c.name);
    expect(columns).not.toContain('refresh_token_hash');
    expect(columns).not.toContain('refresh_token_created_at');
    // And up again after down: down left nothing behind.
    expect(await migrateToLatest(db)).toContain('2026_12_01_0007_refresh_token_on_session');
  });

  it('0008 indexes auth_sessions.expires_at for the retention sweeper, and runs again or down again harmlessly', async () => {
    testDb = await create({ migrate: false });
    const { db } = testDb;
    const indexed = async () => {
      const { rows } =
        dialect === 'mysql'
          ? await sql<{ name: string }>`select index_name as name from information_schema.statistics
              where table_schema = database() and table_name = 'auth_sessions' and column_name = 'expires_at'`.execute(db)
          : await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'auth_sessions'
              and sql like '%expires_at%'`.execute(db);
      return rows.map((row) => row.name);
    };
    await migrateTo(db, '2026_12_01_0007_refresh_token_on_session');
    expect(await indexed()).toEqual([]);
    expect(await migrateTo(db, '2026_12_01_0008_auth_sessions_expires_at_index')).toEqual([
      '2026_12_01_0008_auth_sessions_expires_at_index',
    ]);
    expect(await indexed()).toEqual(['auth_sessions_expires_at_idx']);
    // A run stopped after its DDL, before the migration was recorded, runs again.
    await authSessionsExpiresAtIndex.up(db);
    expect(await indexed()).toEqual(['auth_sessions_expires_at_idx']);
    expect(await migrateTo(db, '2026_12_01_0007_refresh_token_on_session')).toEqual(['2026_12_01_0008_auth_sessions_expires_at_index']);
    expect(await indexed()).toEqual([]);
    await authSessionsExpiresAtIndex.down(db);
    expect(await migrateToLatest(db)).toContain('2026_12_01_0008_auth_sessions_expires_at_index');
    expect(await indexed()).toEqual(['auth_sessions_expires_at_idx']);
  });

  it('0009 compares openids, unionids, idempotency keys and refund numbers case-sensitively; runs again harmlessly; goes back only without case collisions', async () => {
    testDb = await create({ migrate: false });
    const { db } = testDb;
    /** The four columns' collations on MySQL (SQLite compares text as bytes already: nothing to read). */
    const collations = async () => {
      if (dialect !== 'mysql') return [];
      const { rows } = await sql<{ name: string; collation: string }>`select column_name as name, collation_name as collation
          from information_schema.columns where table_schema = database()
            and ((table_name = 'users' and column_name in ('openid', 'unionid')) or (table_name = 'orders' and column_name = 'idempotency_key')
              or (table_name = 'refunds' and column_name = 'out_refund_no'))
          order by column_name`.execute(db);
      return rows.map((row) => `${row.name} ${row.collation}`);
    };
    const named = (collation: string) =>
      dialect === 'mysql' ? ['idempotency_key', 'openid', 'out_refund_no', 'unionid'].map((c) => `${c} ${collation}`) : [];
    const at = new Date('2026-12-01T08:00:00.000Z');
    const outcome = (write: Promise<unknown>) =>
      write.then(
        () => null,
        (error: unknown) => error,
      );
    const addUser = (openid: string) =>
      outcome(db.insertInto('users').values({ openid, unionid: null, created_at: at, updated_at: at }).execute());
    const userId = async (openid: string) =>
      (await db.selectFrom('users').select('id').where('openid', '=', openid).executeTakeFirstOrThrow()).id;
    const addOrder = async (user: number, idempotencyKey: string) => {
      await db
        .insertInto('orders')
        .values({
          user_id: user,
          status: 'PAID',
          total_fen: 100,
          idempotency_key: idempotencyKey,
          request_hash: 'h'.repeat(64),
          created_at: at,
          expires_at: at,
          updated_at: at,
        })
        .execute();
      return (await db.selectFrom('orders').select('id').where('idempotency_key', '=', idempotencyKey).executeTakeFirstOrThrow()).id;
    };
    const addRefund = (orderId: number, outRefundNo: string) =>
      db
        .insertInto('refunds')
        .values({
          order_id: orderId,
          out_refund_no: outRefundNo,
          out_trade_no: 'ORDER0000000001',
          amount_fen: 100,
          status: 'SUCCESS',
          created_at: at,
          updated_at: at,
        })
        .execute();

    await migrateTo(db, '2026_12_01_0008_auth_sessions_expires_at_index');
    expect(await collations()).toEqual(named('utf8mb4_unicode_ci'));
    expect(await addUser('oCaseOpenid')).toBeNull();
    // The defect: MySQL took another case of an openid for the same one.
    expect(isUniqueViolation(await addUser('ocaseopenid'))).toBe(dialect === 'mysql');

    expect(await migrateToLatest(db)).toEqual(['2026_12_01_0009_exact_identifiers']);
    expect(await collations()).toEqual(named('utf8mb4_bin'));
    if (dialect === 'mysql') expect(await addUser('ocaseopenid')).toBeNull();
    const found = await db.selectFrom('users').select('openid').where('openid', '=', 'ocaseopenid').execute();
    expect(found).toEqual([{ openid: 'ocaseopenid' }]);
    // The unique index still refuses the very same openid.
    expect(isUniqueViolation(await addUser('ocaseopenid'))).toBe(true);
    // A run stopped after its DDL, before the migration was recorded, runs again.
    await exactIdentifiers.up(db);
    expect(await collations()).toEqual(named('utf8mb4_bin'));

    // One user's two keys that differ by case (a collision), and two refund numbers that differ by case.
    const [upper, lower] = [await userId('oCaseOpenid'), await userId('ocaseopenid')];
    const first = await addOrder(upper, 'Case-Key-000000001');
    const second = await addOrder(upper, 'case-key-000000001');
    // Across users the same key is no collision: grouped without the user, these two would count.
    await addOrder(upper, 'case-key-000000002');
    await addOrder(lower, 'CASE-KEY-000000002');
    await addRefund(first, 'REFUND-Case-1');
    await addRefund(second, 'refund-case-1');
    expect(await db.selectFrom('refunds').select('out_refund_no').where('out_refund_no', '=', 'refund-case-1').execute()).toEqual([
      { out_refund_no: 'refund-case-1' },
    ]);

    // Back to comparing without case would break the unique indexes: refused, nothing changed.
    if (dialect === 'mysql') {
      await expect(migrateDown(db)).rejects.toThrow(
        /1 openid\(s\), 1 idempotency key\(s\) of one user and 1 out_refund_no\(s\) are held by rows/,
      );
      expect(await collations()).toEqual(named('utf8mb4_bin'));
    }
    // The second user goes with their order; the second order with its refund.
    await db.deleteFrom('users').where('openid', '=', 'ocaseopenid').execute();
    await db.deleteFrom('orders').where('id', '=', second).execute();
    expect(await migrateDown(db)).toBe('2026_12_01_0009_exact_identifiers');
    expect(await collations()).toEqual(named('utf8mb4_unicode_ci'));
    await exactIdentifiers.down(db);
    expect(await migrateToLatest(db)).toEqual(['2026_12_01_0009_exact_identifiers']);
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
