// Frozen: never edit a migration that has shipped; add a new one.
// The session retention sweeper (modules/auth/session-retention.ts) finds the sessions that ended
// long ago by expires_at (and by revoked_at, indexed since 0002). It only adds an index: the
// version before runs on the same database unchanged. Safe to run again after stopping half-way:
// each step is skipped when done (MySQL has no CREATE INDEX IF NOT EXISTS; MariaDB and SQLite do).
import { MysqlAdapter, sql } from 'kysely';
import type { MigrationDb } from './2026_11_23_column_types';

const INDEX = 'auth_sessions_expires_at_idx';

const isMysql = (db: MigrationDb): boolean => db.getExecutor().adapter instanceof MysqlAdapter;

async function mysqlHasIndex(db: MigrationDb): Promise<boolean> {
  const { rows } = await sql<{ found: number }>`select count(*) as found from information_schema.statistics
      where table_schema = database() and table_name = 'auth_sessions' and index_name = ${INDEX}`.execute(db);
  return Number(rows[0]?.found ?? 0) > 0;
}

export async function up(db: MigrationDb): Promise<void> {
  if (isMysql(db)) {
    if (!(await mysqlHasIndex(db))) await db.schema.createIndex(INDEX).on('auth_sessions').column('expires_at').execute();
    return;
  }
  await db.schema.createIndex(INDEX).ifNotExists().on('auth_sessions').column('expires_at').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  if (isMysql(db)) {
    if (await mysqlHasIndex(db)) await db.schema.dropIndex(INDEX).on('auth_sessions').execute();
    return;
  }
  await db.schema.dropIndex(INDEX).ifExists().execute();
}
