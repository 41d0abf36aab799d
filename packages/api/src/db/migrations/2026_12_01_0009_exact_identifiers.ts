// Frozen: never edit a migration that has shipped; add a new one.
// WeChat's openid and unionid, the idempotency keys clients choose ([A-Za-z0-9_-]) and the refund
// numbers WeChat Pay's notifications name are case-sensitive, but on MySQL every text column took
// its table's collation (utf8mb4_unicode_ci, 0001's tableOptions), which compares without case (or
// accents): "oAbc…" found the user "oabc…", and an order made with the key "Key…" was answered with
// the order of "key…", where SQLite (binary) kept them apart. On MySQL these four columns now compare
// case-sensitively (utf8mb4_bin; like every MySQL collation of that name it still ignores trailing
// spaces, which none of these values may hold); SQLite is unchanged. The values stay as they are, so
// the version before runs on the altered tables unchanged (its lookups only stop matching other
// cases), but MySQL rebuilds each table to change an indexed column's collation: on a large table,
// writes to it wait meanwhile (use an online schema change tool there). Safe to run again: a column
// already binary is skipped. down() refuses while rows would collide without case (the unique
// indexes could not hold them), and says how many.
import { MysqlAdapter, sql, type RawBuilder } from 'kysely';
import type { MigrationDb } from './2026_11_23_column_types';

const BINARY = 'utf8mb4_bin';
const CASE_INSENSITIVE = 'utf8mb4_unicode_ci';

/** Each column as 0001, 0003 and 0006 made it, for MODIFY COLUMN, which restates the whole definition. */
const COLUMNS = [
  { table: 'users', column: 'openid', nullability: 'not null' },
  { table: 'users', column: 'unionid', nullability: 'null' },
  { table: 'orders', column: 'idempotency_key', nullability: 'not null' },
  { table: 'refunds', column: 'out_refund_no', nullability: 'not null' },
] as const;

type Column = (typeof COLUMNS)[number];

const isMysql = (db: MigrationDb): boolean => db.getExecutor().adapter instanceof MysqlAdapter;

async function collationOf(db: MigrationDb, { table, column }: Column): Promise<string | null> {
  const { rows } = await sql<{ collation: string | null }>`select collation_name as collation from information_schema.columns
      where table_schema = database() and table_name = ${table} and column_name = ${column}`.execute(db);
  return rows[0]?.collation ?? null;
}

/** The columns' collation set to `collation` where it is not yet: one ALTER TABLE per table (applied whole or not at all). */
async function collate(db: MigrationDb, collation: string): Promise<void> {
  for (const table of new Set(COLUMNS.map((c) => c.table))) {
    const pending: Column[] = [];
    for (const column of COLUMNS) if (column.table === table && (await collationOf(db, column)) !== collation) pending.push(column);
    if (pending.length === 0) continue;
    const changes = pending.map(
      (c) => sql`modify ${sql.ref(c.column)} varchar(64) character set utf8mb4 collate ${sql.raw(collation)} ${sql.raw(c.nullability)}`,
    );
    await sql`alter table ${sql.table(table)} ${sql.join(changes)}`.execute(db);
  }
}

/** Rows that would break a unique index once compared without case, by index: the groups of colliding rows. */
async function caseCollisions(db: MigrationDb): Promise<{ openids: number; idempotencyKeys: number; refundNumbers: number }> {
  const ci = sql.raw(CASE_INSENSITIVE);
  const count = async (query: RawBuilder<{ n: number }>) => Number((await query.execute(db)).rows[0]?.n ?? 0);
  return {
    openids: await count(sql<{ n: number }>`select count(*) as n from (
        select 1 from users group by openid collate ${ci} having count(*) > 1) as collisions`),
    idempotencyKeys: await count(sql<{ n: number }>`select count(*) as n from (
        select 1 from orders group by user_id, idempotency_key collate ${ci} having count(*) > 1) as collisions`),
    refundNumbers: await count(sql<{ n: number }>`select count(*) as n from (
        select 1 from refunds group by out_refund_no collate ${ci} having count(*) > 1) as collisions`),
  };
}

export async function up(db: MigrationDb): Promise<void> {
  if (isMysql(db)) await collate(db, BINARY);
}

export async function down(db: MigrationDb): Promise<void> {
  if (!isMysql(db)) return;
  const { openids, idempotencyKeys, refundNumbers } = await caseCollisions(db);
  if (openids + idempotencyKeys + refundNumbers > 0) {
    throw new Error(
      `cannot compare identifiers without case again: ${openids} openid(s), ${idempotencyKeys} idempotency key(s) of one user ` +
        `and ${refundNumbers} out_refund_no(s) are held by rows that differ only by case (or accents), which the unique indexes would refuse`,
    );
  }
  await collate(db, CASE_INSENSITIVE);
}
