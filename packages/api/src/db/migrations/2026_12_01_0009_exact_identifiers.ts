// Frozen: never edit a migration that has shipped; add a new one.
// WeChat's openid and unionid, and the idempotency keys clients choose ([A-Za-z0-9_-]), are
// case-sensitive, but on MySQL every text column took its table's collation (utf8mb4_unicode_ci,
// 0001's tableOptions), which compares without case: "oAbc…" found the user "oabc…", and an order
// made with the key "Key…" was answered with the order of "key…", where SQLite (binary) kept them
// apart. On MySQL these three columns now compare byte for byte (utf8mb4_bin); SQLite is unchanged.
// The values stay as they are, so the version before runs on the altered tables unchanged (its
// lookups only stop matching other cases). Safe to run again: a column already binary is skipped.
// down() refuses while two rows would collide without case (the unique indexes could not hold them).
import { MysqlAdapter, sql, type RawBuilder } from 'kysely';
import type { MigrationDb } from './2026_11_23_column_types';

const BINARY = 'utf8mb4_bin';
const CASE_INSENSITIVE = 'utf8mb4_unicode_ci';

/** Each column as 0001 and 0003 made it, for MODIFY COLUMN, which restates the whole definition. */
const COLUMNS = [
  { table: 'users', column: 'openid', nullability: 'not null' },
  { table: 'users', column: 'unionid', nullability: 'null' },
  { table: 'orders', column: 'idempotency_key', nullability: 'not null' },
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

/** Rows that would break a unique index once compared without case: openids, and keys of one user. */
async function caseCollisions(db: MigrationDb): Promise<{ openids: number; idempotencyKeys: number }> {
  const ci = sql.raw(CASE_INSENSITIVE);
  const count = async (query: RawBuilder<{ n: number }>) => Number((await query.execute(db)).rows[0]?.n ?? 0);
  return {
    openids: await count(sql<{ n: number }>`select count(*) as n from (
        select 1 from users group by openid collate ${ci} having count(*) > 1) as collisions`),
    idempotencyKeys: await count(sql<{ n: number }>`select count(*) as n from (
        select 1 from orders group by user_id, idempotency_key collate ${ci} having count(*) > 1) as collisions`),
  };
}

export async function up(db: MigrationDb): Promise<void> {
  if (isMysql(db)) await collate(db, BINARY);
}

export async function down(db: MigrationDb): Promise<void> {
  if (!isMysql(db)) return;
  const { openids, idempotencyKeys } = await caseCollisions(db);
  if (openids > 0 || idempotencyKeys > 0) {
    throw new Error(
      `cannot compare identifiers without case again: ${openids} openid(s) and ${idempotencyKeys} idempotency key(s) ` +
        'have rows that differ only by case, which the unique indexes would refuse',
    );
  }
  await collate(db, CASE_INSENSITIVE);
}
