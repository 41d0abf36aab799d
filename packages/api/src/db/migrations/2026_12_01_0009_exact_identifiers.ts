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

const isMysql = (db: MigrationDb): boolean => db.getExecutor().adapter instanceof MysqlAdapter;

/** The collation of each of COLUMNS, by `table.column`: one read of the catalog. */
async function collations(db: MigrationDb): Promise<Map<string, string | null>> {
  const { rows } = await sql<{ name: string; collation: string | null }>`select concat(table_name, '.', column_name) as name,
      collation_name as collation from information_schema.columns where table_schema = database()
      and concat(table_name, '.', column_name) in (${sql.join(COLUMNS.map((c) => `${c.table}.${c.column}`))})`.execute(db);
  return new Map(rows.map((row) => [row.name, row.collation]));
}

/** The columns' collation set to `collation` where it is not yet: one ALTER TABLE per table (applied whole or not at all). */
async function collate(db: MigrationDb, collation: string): Promise<void> {
  const current = await collations(db);
  const pending = COLUMNS.filter((c) => current.get(`${c.table}.${c.column}`) !== collation);
  for (const table of new Set(pending.map((c) => c.table))) {
    const changes = pending
      .filter((c) => c.table === table)
      .map(
        (c) => sql`modify ${sql.ref(c.column)} varchar(64) character set utf8mb4 collate ${sql.raw(collation)} ${sql.raw(c.nullability)}`,
      );
    await sql`alter table ${sql.table(table)} ${sql.join(changes)}`.execute(db);
  }
}

/** The groups of rows in `table` that a unique index on `key` would refuse once text compares without case. */
async function caseCollisions(db: MigrationDb, table: string, key: RawBuilder<unknown>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from (
      select 1 from ${sql.table(table)} group by ${key} having count(*) > 1) as collisions`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

export async function up(db: MigrationDb): Promise<void> {
  if (isMysql(db)) await collate(db, BINARY);
}

export async function down(db: MigrationDb): Promise<void> {
  if (!isMysql(db)) return;
  const ci = sql.raw(CASE_INSENSITIVE);
  const openids = await caseCollisions(db, 'users', sql`openid collate ${ci}`);
  const idempotencyKeys = await caseCollisions(db, 'orders', sql`user_id, idempotency_key collate ${ci}`);
  const refundNumbers = await caseCollisions(db, 'refunds', sql`out_refund_no collate ${ci}`);
  if (openids + idempotencyKeys + refundNumbers > 0) {
    throw new Error(
      `cannot compare identifiers without case again: ${openids} openid(s), ${idempotencyKeys} idempotency key(s) of one user ` +
        `and ${refundNumbers} out_refund_no(s) are held by rows that differ only by case (or accents), which the unique indexes would refuse`,
    );
  }
  await collate(db, CASE_INSENSITIVE);
}
