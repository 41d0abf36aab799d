// Frozen with the migrations of 2026-11-23, which use it: a snapshot, not the live dialect code,
// so that a later change to db/dialect.ts can never change what these migrations create.
// A new migration that needs other types gets its own snapshot.
import { MysqlAdapter, sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before any schema type applies
export type MigrationDb = Kysely<any>;

export function columnTypes(db: MigrationDb) {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter;
  return {
    /** Auto-increment primary key: `.primaryKey().autoIncrement()` on top. */
    id: mysql ? sql`bigint unsigned` : sql`integer`,
    /** UTC timestamp with milliseconds. SQLite keeps ISO 8601 text, which sorts in time order. */
    timestamp: mysql ? sql`datetime(3)` : sql`text`,
    /** Options appended to CREATE TABLE: utf8mb4 so nicknames may hold emoji. */
    tableOptions: mysql ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci` : sql``,
  };
}
